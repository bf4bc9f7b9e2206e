"""Each activation and each loss owns what is known about it.

An activation: its layer-wide definition, its Jacobian, how documents print it and what the notes
say about it; a custom formula recognised as a built-in takes all of it. A loss kind: its settings,
the output activations and the targets it takes, read from its own entry in losses.KINDS.
"""

import re
from decimal import Decimal

import numpy as np
import pytest
import sympy as sp
from networks import HIDDEN, make_case, one_unit_chain, parameters
from networks import OUTPUTS as OUTPUT_CHOICES

from symbackprop import SpecError, losses, parse, train
from symbackprop import activations as act
from symbackprop.derivation import derive
from symbackprop.document import build
from symbackprop.evaluation import evaluator
from symbackprop.printing import latex
from symbackprop.render import render

SCALAR = [
    act.SIGMOID,
    act.TANH,
    act.RELU,
    act.leaky_relu(0.2),
    act.LINEAR,
    act.SOFTPLUS,
    act.custom("g", "u", "u/2 + u**3/30", key="test"),
]
LAYER = sp.symbols("z_1:4", real=True)


SMOOTH = [a for a in SCALAR if a.kink is None]


def _jacobian_pairs(activation):
    """(the object's da_k/dz_j with outputs written out in the z's, SymPy's diff of a_k by z_j) for all j, k."""
    outputs = sp.symbols("a_1:4", real=True)
    definitions = {a: activation.definition(LAYER, k) for k, a in enumerate(outputs)}
    for j, z in enumerate(LAYER):
        for k in range(len(LAYER)):
            written = activation.jacobian(LAYER, outputs, j, k).xreplace(definitions)
            yield (j, k), written, sp.diff(activation.definition(LAYER, k), z)


@pytest.mark.parametrize("activation", [act.SOFTMAX, *SMOOTH], ids=lambda a: a.name)
def test_the_jacobian_is_the_derivative_of_the_definition(activation):
    for where, written, differentiated in _jacobian_pairs(activation):
        assert sp.simplify((written - differentiated).rewrite(sp.exp)) == 0, where


@pytest.mark.parametrize("activation", [a for a in SCALAR if a.kink is not None], ids=lambda a: a.name)
def test_the_jacobian_of_a_kinked_activation_is_its_derivative_away_from_the_kink(activation):
    for point in [(-1.3, 0.7, 2.1), (0.4, -0.2, -3.0)]:
        values = dict(zip(LAYER, point))
        for where, written, differentiated in _jacobian_pairs(activation):
            assert written.subs(values) == differentiated.subs(values), where


def test_softmax_is_normalised_over_the_layer_and_its_jacobian_mixes_every_output():
    a = sp.symbols("a_1:4", real=True)
    assert act.SOFTMAX.definition(LAYER, 1) == sp.exp(LAYER[1]) / sum(sp.exp(z) for z in LAYER)
    assert act.SOFTMAX.jacobian(LAYER, a, 0, 0) == a[0] * (1 - a[0])
    assert act.SOFTMAX.jacobian(LAYER, a, 0, 2) == -a[0] * a[2]
    assert act.SIGMOID.jacobian(LAYER, a, 0, 2) == 0
    # Its derivative, numeric or symbolic, is the Jacobian's diagonal: what the evaluator's f' holds.
    assert act.SOFTMAX.derivative(LAYER[1], a[1]) == act.SOFTMAX.jacobian(LAYER, a, 1, 1)


@pytest.mark.parametrize(
    ("activation", "printed"),
    [
        (act.SIGMOID, r"\sigma{\left(z_{1} \right)}"),
        (act.LINEAR, r"\operatorname{id}{\left(z_{1} \right)}"),
        (act.TANH, r"\tanh{\left(z_{1} \right)}"),
        (act.RELU, r"\operatorname{ReLU}{\left(z_{1} \right)}"),
        (act.leaky_relu(0.1), r"\operatorname{LeakyReLU}{\left(z_{1} \right)}"),
        (act.custom("A", "t", "t/10", key="test"), r"A{\left(z_{1} \right)}"),
        (act.custom("s", "t", "1/(1 + exp(-t))", key="test"), r"s{\left(z_{1} \right)}"),
    ],
    ids=lambda value: value.name if isinstance(value, act.Activation) else "",
)
def test_a_call_prints_as_the_function_applied_and_stays_unevaluated(activation, printed):
    assert latex(activation.call(LAYER[0]), {}) == printed
    assert activation.call(LAYER[0]).args == (LAYER[0],)


def test_only_softmax_is_restricted_to_the_output_layer():
    assert [a.name for a in act.BUILT_IN.values() if a.output_only] == ["softmax"]
    assert not act.leaky_relu(0.1).output_only


def test_what_the_notes_know_about_each_activation():
    knowledge = {
        a.name: (a.saturates_beyond, a.kink, a.inactive_below)
        for a in [*act.BUILT_IN.values(), act.leaky_relu(0.1), act.custom("A", "t", "t/10", key="test")]
    }
    assert knowledge == {
        "sigmoid": (4.0, None, None),
        "tanh": (4.0, None, None),
        "relu": (None, 0.0, 0.0),
        "leaky_relu": (None, 0.0, None),
        "linear": (None, None, None),
        "softplus": (None, None, None),
        "softmax": (None, None, None),
        "A": (None, None, None),
    }
    # With slope 0 a leaky ReLU is a ReLU: nothing flows below its kink.
    assert act.leaky_relu(0).inactive_below == 0.0


@pytest.mark.parametrize(
    ("expression", "built_in"),
    [
        ("1/(1 + exp(-t))", act.SIGMOID),
        ("0.5 + 0.5*tanh(0.5*t)", act.SIGMOID),
        ("(exp(t) - exp(-t))/(exp(t) + exp(-t))", act.TANH),
        ("t", act.LINEAR),
    ],
)
def test_a_custom_formula_equal_to_a_built_in_takes_all_of_its_knowledge_but_its_name(expression, built_in):
    recognised = act.custom("f", "t", expression, key="test")
    assert recognised.same_as == built_in.name
    for attribute in ("description", "saturates_beyond", "kink", "inactive_below", "output_only", "numeric"):
        assert getattr(recognised, attribute) == getattr(built_in, attribute), attribute
    z, a = LAYER[0], sp.Symbol("a")
    assert recognised.derivative(z, a) == built_in.derivative(z, a)
    assert (recognised.name, recognised.call(z)) == ("f", sp.Function("f")(z))
    assert recognised != built_in
    again = act.custom("f", "t", expression, key="test")
    assert again == recognised and hash(again) == hash(recognised)


@pytest.mark.parametrize(
    ("weight", "hidden", "note"),
    [
        (900.0, '{ name = "s", variable = "t", expression = "1/(1 + exp(-t))" }', "the sigmoid is almost flat"),
        (0.0, '{ name = "leaky_relu", slope = 0.1 }', "the leaky ReLU kink ($z = 0$)"),
        (-2.0, '{ name = "leaky_relu", slope = 0 }', "is inactive (weighted sum below $0$)"),
        (-2.0, '"relu"', "is inactive (weighted sum below $0$)"),
    ],
)
def test_documents_take_their_notes_from_the_activation(weight, hidden, note):
    spec = one_unit_chain(weight).replace('"sigmoid"', hidden)
    assert note in render(build(train(parse(spec))), "markdown")


def test_no_note_where_the_activation_has_nothing_to_say():
    spec = one_unit_chain(-2.0).replace('"sigmoid"', '{ name = "leaky_relu", slope = 0.1 }')
    assert "Notes" not in render(build(train(parse(spec))), "markdown")


# -- losses -----------------------------------------------------------------

CUSTOM_SIGMOID = act.custom("s", "t", "1/(1 + exp(-t))", key="test")
CUSTOM_TANH = act.custom("th", "t", "(exp(t) - exp(-t))/(exp(t) + exp(-t))", key="test")
CUSTOM_OTHER = act.custom("A", "t", "tanh(t)/2 + t/4", key="test")
OUTPUTS = [*act.BUILT_IN.values(), act.leaky_relu(0.1), CUSTOM_SIGMOID, CUSTOM_TANH, CUSTOM_OTHER]
TAKES = {
    "squared_error": {output.name for output in OUTPUTS},
    "bce": {"sigmoid", "s", "A"},
    "cross_entropy": {"softmax"},
}


def _refusal(table, output=act.SIGMOID):
    with pytest.raises(SpecError) as error:
        losses.from_spec(table, output)
    message = str(error.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("kind", "closest"), [("bse", "bce"), ("squared-error", "squared_error"), ("Cross_Entropy", "cross_entropy")]
)
def test_an_unknown_loss_kind_is_refused_naming_the_closest(kind, closest):
    message = _refusal({"kind": kind})
    assert message.startswith(f"loss.kind: unknown value {kind!r} (did you mean {closest!r}?); expected one of ")
    assert all(name in message for name in losses.KINDS)


@pytest.mark.parametrize("kind", [3, ["bce"], {"bce": 1}, True, "hinge"])
def test_a_loss_kind_that_is_not_a_known_name_is_refused_in_one_line(kind):
    assert _refusal({"kind": kind}).startswith("loss.kind: unknown value ")
    assert _refusal({}) == "loss.kind: missing"


@pytest.mark.parametrize("kind", sorted(losses.KINDS))
@pytest.mark.parametrize("output", OUTPUTS, ids=lambda output: output.name)
def test_each_loss_kind_takes_the_output_activations_its_entry_allows(kind, output):
    if output.name in TAKES[kind]:
        assert losses.from_spec({"kind": kind}, output).kind == kind
    else:
        message = _refusal({"kind": kind}, output)
        assert message.startswith(f"loss.kind: {kind} needs ") and repr(output.name) in message


def test_a_custom_formula_recognised_as_a_built_in_is_refused_as_that_built_in():
    assert _refusal({"kind": "bce"}, CUSTOM_TANH).endswith("got 'th' (a tanh)")


def test_only_squared_error_takes_a_factor_and_it_must_be_positive():
    assert losses.from_spec({"kind": "squared_error"}, act.LINEAR) == losses.squared_error(0.5)
    assert losses.from_spec({"kind": "squared_error", "factor": 1}, act.LINEAR).factor == 1
    for kind in ("bce", "cross_entropy"):
        assert _refusal({"kind": kind, "factor": 1}, act.SOFTMAX) == (
            f"loss.factor: only squared_error takes a factor, not {kind}"
        )
    assert _refusal({"kind": "squared_error", "factor": 0}) == "loss.factor: expected a positive number, got 0"
    assert _refusal({"kind": "squared_error", "factor": "half"}).startswith("loss.factor: expected a number")


@pytest.mark.parametrize(
    ("kind", "y", "message"),
    [
        ("bce", [[0], [1.5]], "data.y[2]: bce needs targets between 0 and 1, got [1.5]"),
        ("cross_entropy", [[0.5, 0.5], [-0.5, 1.5]], "data.y[2]: cross_entropy needs targets between 0 and 1"),
        ("cross_entropy", [[0.5, 0.25]], "data.y[1]: cross_entropy needs targets that sum to 1 (e.g. one-hot)"),
    ],
)
def test_each_loss_kind_checks_the_targets_its_entry_asks_for(kind, y, message):
    rows = tuple(tuple(Decimal(str(v)) for v in row) for row in y)
    loss = losses.from_spec({"kind": kind}, act.SOFTMAX if kind == "cross_entropy" else act.SIGMOID)
    with pytest.raises(SpecError, match=re.escape(message)):
        losses.check_targets(loss, rows)
    losses.check_targets(losses.squared_error(0.5), rows)  # squared error takes any target


@pytest.mark.parametrize("loss", [losses.squared_error(0.5), losses.squared_error(2), losses.BCE, losses.CROSS_ENTROPY])
def test_the_loss_of_a_sample_is_one_term_per_output(loss):
    a, y = sp.symbols("a_1:4", real=True), sp.symbols("y_1:4", real=True)
    assert loss.formula(a, y) == sum((loss.term(ai, yi) for ai, yi in zip(a, y)), sp.Integer(0))


def test_squared_error_prints_one_scaled_square_per_output():
    a, y = sp.symbols("a_1:3"), sp.symbols("y_1:3")
    assert str(losses.squared_error(0.5).formula(a, y)) == "(a_1 - y_1)**2/2 + (a_2 - y_2)**2/2"
    assert str(losses.BCE.formula(a[:1], y[:1])) == "-y_1*log(a_1) - (1 - y_1)*log(1 - a_1)"


def test_bce_uses_its_overflow_safe_forms_after_a_sigmoid_written_either_way():
    after_sigmoid = losses.BCE.after["sigmoid"]
    assert losses.BCE.numeric_forms(act.SIGMOID) == after_sigmoid
    assert losses.BCE.numeric_forms(CUSTOM_SIGMOID) == after_sigmoid
    assert losses.BCE.numeric_forms(CUSTOM_OTHER) == (losses.BCE.numeric, losses.BCE.numeric_grad_a)


# -- architectures ----------------------------------------------------------

ALL_OUTPUTS = [(loss, output) for loss, outputs in OUTPUT_CHOICES.items() for output in outputs]


def _spec_text(loss, output, bias, factor=0.5):
    """A spec whose hidden layers use every hidden activation (leaky ReLU with a slope, a custom formula)."""
    outputs = 2 if loss == "cross_entropy" else 1
    widths = [2] * len(HIDDEN)
    sizes = [2, *widths, outputs]
    normal = np.random.default_rng(0).normal
    choices = {
        "inputs": 2,
        "widths": widths,
        "hidden": HIDDEN,
        "outputs": outputs,
        "output": output,
        "loss": loss,
        "bias": bias,
        "factor": factor,
        "params": parameters(sizes, bias, lambda scale, shape: normal(0, scale, shape)),
        "x": [[0.1, 0.2]],
        "y": [[0.0, 1.0]] if outputs == 2 else [[1.0]],
        "learning_rate": 0.1,
        "update_biases": True,
        "mode": "sample",
        "sample": 1,
        "steps": 1,
        "reduction": "sum",
    }
    return make_case(choices)[0]


@pytest.mark.parametrize("bias", ["per-neuron", "per-layer", "none"])
@pytest.mark.parametrize(("loss", "output"), ALL_OUTPUTS)
def test_two_loads_of_one_spec_give_equal_architectures_that_share_one_derivation(loss, output, bias):
    text = _spec_text(loss, output, bias)
    first, second = parse(text).architecture, parse(text).architecture
    assert first is not second and first == second and hash(first) == hash(second)
    assert derive(first) is derive(second)
    assert evaluator(first) is evaluator(second)


CHANGES = {
    "slope": ("slope = 0.1", "slope = 0.2"),
    "formula": ("tanh(t)/2 + t/4", "tanh(t)/2 + t/5"),
    "variable": ('variable = "t", expression = "tanh(t)/2 + t/4"', 'variable = "u", expression = "tanh(u)/2 + u/4"'),
    "factor": ("factor = 0.5", "factor = 1.0"),
}


@pytest.mark.parametrize(("old", "new"), CHANGES.values(), ids=CHANGES)
def test_specs_that_differ_in_what_defines_the_network_give_different_architectures(old, new):
    text = _spec_text("squared_error", "sigmoid", "none")
    assert old in text
    assert parse(text).architecture != parse(text.replace(old, new)).architecture
