"""One notation everywhere: every section of a document names things as its notation profile does.

Each document (the bundled examples, and generated networks under every profile) is rendered to
Markdown and LaTeX, and its mathematics is searched for the marks of other conventions: a loss,
a learning rate or a pre-activation letter the profile does not use, a bold name that is not one of
the notation's whole-layer names, a bias rule the network's biases do not follow, a 1×1 matrix.
What is allowed comes from the document's own :class:`~symbackprop.notation.Notation`, never from a
copy of the output.
"""

import re

import numpy as np
import pytest
from katex import katex_errors, math_spans, needs_katex
from networks import draw_numbers, make_case

from symbackprop import load, parse, train
from symbackprop.document import build
from symbackprop.notation import PROFILES
from symbackprop.render import render
from symbackprop.spec import bundled_examples

# Shapes for generated specs: softmax with a shared bias, a chain of one-unit layers without biases,
# and a deeper network with a custom activation and frozen biases of its own per unit.
SHAPES = {
    "softmax-shared": dict(
        inputs=2, widths=[3], hidden=["sigmoid"], outputs=2, output="softmax", loss="cross_entropy", bias="per-layer"
    ),
    "one-unit-no-bias": dict(
        inputs=1, widths=[1], hidden=["tanh"], outputs=1, output="linear", loss="squared_error", bias="none"
    ),
    "deep-custom": dict(
        inputs=3,
        widths=[2, 2],
        hidden=["relu", "custom"],
        outputs=1,
        output="sigmoid",
        loss="bce",
        bias="per-neuron",
        update_biases=False,
    ),
}


def _generated(profile, shape):
    choices = {
        "factor": 0.5,
        "learning_rate": 0.5,
        "update_biases": True,
        "mode": "sample",
        "sample": 1,
        "steps": 1,
        "reduction": "sum",
        **SHAPES[shape],
    }
    rng = np.random.default_rng(sorted(SHAPES).index(shape))
    text, _, _ = make_case(draw_numbers(choices, rng, 1, choices["loss"], choices["outputs"]))
    return parse(text + f'\n[notation]\nprofile = "{profile}"\n')


CASES = [(name, lambda name=name: load(name)) for name in bundled_examples()]
CASES += [
    (f"{profile}-{shape}", lambda p=profile, s=shape: _generated(p, s)) for profile in PROFILES for shape in SHAPES
]


@pytest.fixture(scope="module", params=CASES, ids=[name for name, _ in CASES])
def case(request):
    """The spec, and its document in both formats."""
    spec = request.param[1]()
    document = build(train(spec))
    return spec, {fmt: _without_code(render(document, fmt)) for fmt in ("markdown", "latex")}


def _without_code(text):
    """``text`` without its code listings (a NumPy script names its variables in Python, not in the notation)."""
    text = re.sub(r"^(`{3,})python\n.*?^\1\n", "", text, flags=re.M | re.S)
    return re.sub(r"^\{\\ttfamily\\scriptsize.*?^\}\n", "", text, flags=re.M | re.S)


def _own_names(n):
    """Every name the notation gives: single quantities, any unit of a layer, whole layers."""
    names = [*n.x, *n.y, n.loss, n.rate]
    depth = len(n.z) - 1
    for l in range(1, depth + 1):
        names += [*n.z[l], *n.a[l], *n.delta[l], *(w for row in n.W[l] for w in row)]
        if n.b[l] is not None:
            names += [n.b[l]] if n.shared(l) else n.b[l]
            names.append(n.vector("b", l))
            names.append(n.unit("b", l, "j"))
        names += [n.unit(family, l, "j") for family in ("z", "a", "delta")] + [n.weight(l, "j", "k")]
        names += [n.vector(family, l) for family in ("z", "a", "delta")] + [n.matrix(l)]
    return [*names, n.vector("a", 0), n.unit("a", 0, "k")]


def _groups_after(text, start):
    """The end of the brace group opening at ``text[start]``."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    raise ValueError("unbalanced braces")


def bold_names(text):
    """Every bold name in ``text`` with its script (\\mathbf{W}^{(2)}, \\mathbf{net}_{h^{(1)}}, \\boldsymbol{\\delta})."""
    names = set()
    for match in re.finditer(r"\\(?:mathbf|boldsymbol)\{", text):
        end = _groups_after(text, match.end() - 1)
        while text[end : end + 2] in ("^{", "_{") and not text[end : end + 4] == "^{\\t":  # not ^{\top}
            end = _groups_after(text, end + 1)
        names.add(text[match.start() : end])
    return names


# The marks of each convention: a unit name with a layer superscript (layered), u for a weighted sum
# (u-z), v for a weight (w-v), z, a and w with a plain subscript (w-v, u-z), net/out/sum/output/target
# words (net-out, sum-output).
SIGNATURES = [
    r"(?<![\w{\\])z_(?:\{|[a-z0-9])",
    r"(?<![\w{\\])a_(?:\{|[a-z0-9])",
    r"(?<![\w{\\])w_(?:\{|[a-z0-9])",
    r"(?<![\w{])z\^\{\(",
    r"(?<![\w{])a\^\{\(",
    r"(?<![\w{])W\^\{\(",
    r"(?<![\w{])\\delta\^\{\(",
    r"(?<![\w{\\])u_\{",
    r"(?<![\w{\\])v_\{",
    r"\\mathrm\{net\}",
    r"\\mathrm\{out\}",
    r"\\mathrm\{sum\}",
    r"\\mathrm\{output\}",
    r"\\mathrm\{target\}",
    r"z_\{\\mathrm\{out",
]
RATES = [r"\eta", r"\alpha", r"\lambda"]


def test_no_convention_of_another_profile_appears(case):
    spec, documents = case
    own = " ".join(_own_names(spec.notation))
    foreign = [pattern for pattern in SIGNATURES if not re.search(pattern, own)]
    for fmt, text in documents.items():
        found = [pattern for pattern in foreign if re.search(pattern, text)]
        assert not found, f"{fmt}: marks of another notation: {found}"


def test_the_loss_and_the_rate_keep_their_names(case):
    spec, documents = case
    n = spec.notation
    for fmt, text in documents.items():
        losses = set(re.findall(r"\\partial (L|E)(?=[ }])", text))
        assert losses <= {n.loss}, f"{fmt}: loss written {losses}, the notation's is {n.loss}"
        rates = {rate for rate in RATES if re.search(re.escape(rate) + r"(?![A-Za-z])", text)}
        assert rates <= {n.rate}, f"{fmt}: rate written {rates}, the notation's is {n.rate}"


def test_bold_names_are_the_notations_whole_layers(case):
    spec, documents = case
    allowed = set().union(*(bold_names(name) for name in _own_names(spec.notation))) | {r"\mathbf{1}"}
    for fmt, text in documents.items():
        stray = bold_names(text) - allowed
        assert not stray, f"{fmt}: bold names the notation does not give: {stray}"


def test_a_single_number_is_never_a_one_by_one_matrix(case):
    _, documents = case
    for fmt, text in documents.items():
        ones = re.findall(r"\\begin\{matrix\}[^&\\]*\\end\{matrix\}", text)
        assert not ones, f"{fmt}: 1×1 matrices {ones[:3]}"


def test_activations_are_called_by_their_own_names(case):
    _, documents = case
    for fmt, text in documents.items():
        assert not re.search(r"(?<![\w\\])f(?:'|\{\\left\()", text), (
            f"{fmt}: a generic f where the activation has a name"
        )
        assert r"\operatorname{softmax}'" not in text, f"{fmt}: softmax's error signal written as f'(z) times dL/da"


def test_bias_rules_follow_the_bias_layout(case):
    spec, documents = case
    n, bias = spec.notation, spec.architecture.bias
    for fmt, text in documents.items():
        if bias == "none":
            assert "bias gradient" not in text and "bias update" not in text
            assert not re.search(r"\\partial b[_^{]", text), f"{fmt}: a bias gradient in a network without biases"
            assert not re.search(r"\+ (?:\\mathbf\{b\}|b_\{)", text), f"{fmt}: a bias term without biases"
        if bias == "per-layer":
            for l in range(1, len(n.z)):
                if n.width(l) > 1:
                    own = rf"\frac{{\partial {n.loss}}}{{\partial {n.b[l]}}} = {n.unit('delta', l, 'j')}"
                    assert own not in text, f"{fmt}: a shared bias's gradient written as one unit's error signal"
        if not spec.update_biases:
            assert "bias update" not in text


def test_the_matrix_form_passes_the_signal_to_the_inputs(case):
    spec, documents = case
    n = spec.notation
    below = rf"\frac{{\partial {n.loss}}}{{\partial {n.vector('a', 0)}}}"
    for fmt, text in documents.items():
        assert below in text.partition("Matrix form")[2], f"{fmt}: no gradient with respect to the inputs"


@needs_katex
def test_the_markdown_of_every_profile_renders_with_katex(case):
    _, documents = case
    errors = katex_errors(math_spans(documents["markdown"]))
    assert not errors, errors


@pytest.mark.parametrize(
    ("name", "names"),
    [
        # 004 writes its one output unit in bold too: u^(2), δ^(2), A'(u^(2)).
        (
            "custom_activation_2_2_1",
            (r"\mathbf{u}^{(1)}", r"\mathbf{z}^{(1)}", r"\mathbf{u}^{(2)}", r"A'{\left(\mathbf{u}^{(2)}\right)}"),
        ),
        # 003 writes the weights into its one output as a vector v (∂L/∂v).
        ("regression_2_2_1_linear_output", (r"\mathbf{W}", r"\mathbf{v}", r"\frac{\partial L}{\partial \mathbf{x}}")),
        (
            "squared_error_2_2_1_shared_bias",
            (r"\mathbf{net}_{h}", r"\mathbf{W}_{o}", r"b_{h} \mathbf{1}", r"\delta_{o}"),
        ),
        ("squared_error_2_2_2", (r"\mathbf{sum}_{h}", r"\mathbf{output}_{o}", r"E_{\mathrm{total}}")),
        ("bce_sigmoid_2_2_1", (r"\mathbf{z}^{(1)}", r"\sigma{\left(z^{(2)} \right)}", r"\mathbf{a}^{(1)}")),
    ],
)
def test_the_matrix_form_of_each_example_speaks_its_notation(name, names):
    from symbackprop.cli import render_spec

    matrix_form = render_spec(name, "markdown").partition("## Matrix form")[2].partition("## Formula reference")[0]
    for name_ in names:
        assert name_ in matrix_form


def _names(widths, profile, bias="per-neuron"):
    from symbackprop.activations import SIGMOID
    from symbackprop.losses import BCE
    from symbackprop.network import Architecture, Layer
    from symbackprop.notation import build

    return build(Architecture(widths[0], tuple(Layer(u, SIGMOID) for u in widths[1:]), bias, BCE), profile)


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (
            "layered",
            (r"\mathbf{z}^{(1)}", r"\mathbf{a}^{(1)}", r"\hat{\mathbf{y}}", r"\mathbf{W}^{(2)}", "z^{(1)}_{j}"),
        ),
        ("u-z", (r"\mathbf{u}^{(1)}", r"\mathbf{z}^{(1)}", r"\mathbf{y}", r"\mathbf{W}^{(2)}", "u_{j}")),
        ("w-v", (r"\mathbf{z}", r"\mathbf{a}", r"\hat{\mathbf{y}}", r"\mathbf{V}", "z_{j}")),
        (
            "net-out",
            (r"\mathbf{net}_{h}", r"\mathbf{out}_{h}", r"\mathbf{out}_{o}", r"\mathbf{W}_{o}", r"\mathrm{net}_{hj}"),
        ),
        (
            "sum-output",
            (
                r"\mathbf{sum}_{h}",
                r"\mathbf{output}_{h}",
                r"\mathbf{output}_{o}",
                r"\mathbf{W}_{o}",
                r"\mathrm{sum}_{hj}",
            ),
        ),
    ],
)
def test_each_profile_names_whole_layers_with_its_own_letters(profile, expected):
    n = _names([2, 2, 2], profile)
    assert (n.vector("z", 1), n.vector("a", 1), n.vector("a", 2), n.matrix(2), n.unit("z", 1, "j")) == expected


def test_a_layer_of_one_unit_is_named_by_its_unit():
    n = _names([2, 2, 1], "w-v")
    assert (n.vector("z", 2), n.vector("a", 2), n.vector("delta", 2), n.vector("b", 2)) == (
        r"z_{\mathrm{out}}",
        r"\hat{y}",
        r"\delta_{3}",
        "b_{3}",
    )
    assert _names([1, 1, 1], "w-v").matrix(1) == "w_{11}"
    assert _names([2, 3, 1], "net-out", bias="per-layer").vector("b", 1) == "b_{h}"


def test_u_z_names_a_layer_of_one_unit_in_bold_as_004_does():
    n = _names([2, 2, 1], "u-z")
    assert (n.vector("z", 2), n.vector("a", 2), n.vector("delta", 2), n.matrix(2)) == (
        r"\mathbf{u}^{(2)}",
        r"\mathbf{y}",
        r"\boldsymbol{\delta}^{(2)}",
        r"\mathbf{W}^{(2)}",
    )


def test_numbered_weights_name_their_layer_in_the_formula_reference():
    n = _names([2, 2, 2], "net-out")
    assert (n.weight(1, "j", "k"), n.weight(2, "m", "j")) == ("w_{h,jk}", "w_{o,mj}")


def test_net_out_names_run_role_and_unit_together_as_002_does():
    n = _names([2, 2, 1], "net-out")
    assert (n.z[1][0], n.a[2][0], n.delta[1][1], n.delta[2][0]) == (
        r"\mathrm{net}_{h1}",
        r"\mathrm{out}_{o1}",
        r"\delta_{h2}",
        r"\delta_{o}",
    )
    assert _names([2, 2, 2, 1], "net-out").z[2][0] == r"\mathrm{net}_{h^{(2)}_{1}}"


def test_u_z_weights_name_both_units_by_their_numbers():
    n = _names([2, 2, 2, 1], "u-z")
    assert (n.W[2][0][1], n.W[3][0][1], n.a[2][1]) == ("w_{32}", "w_{54}", "z_{4}")


def test_w_v_weights_past_the_sixth_layer_take_the_layer_as_a_superscript():
    n = _names([2] * 9, "w-v")
    assert (n.W[6][0][0], n.W[7][0][0], n.matrix(6), n.matrix(7)) == (
        "s_{11}",
        "w^{(7)}_{11}",
        r"\mathbf{S}",
        r"\mathbf{W}^{(7)}",
    )
