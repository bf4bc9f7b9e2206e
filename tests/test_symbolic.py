"""The derivation's closed forms, proved with SymPy against diff() of the fully substituted loss."""

import numpy as np
import pytest
import sympy as sp

from symbackprop import activations as act
from symbackprop import losses
from symbackprop.derivation import TARGETS_SUM_TO_ONE, derive
from symbackprop.expressions import exact
from symbackprop.network import Architecture, Layer

HALF = losses.squared_error(0.5)
PAIRS = [
    (act.SIGMOID, act.SIGMOID, losses.BCE, 1, "per-neuron"),
    (act.TANH, act.SIGMOID, losses.BCE, 2, "per-layer"),
    (act.SIGMOID, act.SIGMOID, HALF, 2, "per-layer"),
    (act.TANH, act.LINEAR, HALF, 1, "per-neuron"),
    (act.SOFTPLUS, act.TANH, losses.squared_error(1), 1, "none"),
    (act.SIGMOID, act.SOFTMAX, losses.CROSS_ENTROPY, 2, "per-neuron"),
    (act.LINEAR, act.SOFTMAX, losses.CROSS_ENTROPY, 3, "per-layer"),
    (act.SIGMOID, act.SOFTMAX, HALF, 2, "per-neuron"),
    (act.custom("A", "t", "t/10", key="test"), act.custom("A", "t", "t/10", key="test"), HALF, 1, "per-neuron"),
    (act.custom("g", "u", "u**3/3 + u", key="test"), act.SIGMOID, losses.BCE, 1, "per-neuron"),
    (act.SOFTPLUS, act.SOFTPLUS, HALF, 1, "per-layer"),
    (act.custom("A", "t", "1.7159*tanh(2*t/3)", key="test"), act.LINEAR, HALF, 1, "per-neuron"),
]


def _reduces_to_zero(expr):
    return sp.simplify(sp.expand(sp.powsimp(sp.together(expr.rewrite(sp.exp))))) == 0


@pytest.mark.parametrize(
    ("hidden", "output", "loss", "units", "bias"), PAIRS, ids=lambda v: getattr(v, "name", getattr(v, "kind", v))
)
def test_closed_forms_equal_diff_of_fully_substituted_loss(hidden, output, loss, units, bias):
    derivation = derive(Architecture(2, (Layer(2, hidden), Layer(units, output)), bias, loss))
    net = derivation.network
    full_loss = net.substitute_forward(net.loss)
    constraint = {}
    if derivation.delta(2, 0).assumption == TARGETS_SUM_TO_ONE:
        constraint = {net.y[-1]: 1 - sp.Add(*net.y[:-1])}
    for gradient in derivation.gradients:
        difference = derivation.fully_substituted(gradient.closed_form) - sp.diff(full_loss, gradient.symbol)
        assert _reduces_to_zero(difference.xreplace(constraint)), gradient.symbol


def test_relu_closed_forms_agree_with_diff_away_from_the_kink():
    # Max and Piecewise do not simplify against each other symbolically, so compare at exact rational points.
    derivation = derive(Architecture(2, (Layer(2, act.RELU), Layer(1, act.leaky_relu(0.1))), "per-neuron", HALF))
    net = derivation.network
    full_loss = net.substitute_forward(net.loss)
    rng = np.random.default_rng(3)
    symbols = [s for s, _, _ in net.parameters()] + net.x + net.y
    for _ in range(5):
        point = {s: sp.Rational(int(rng.integers(-90, 90)), 37) for s in symbols}
        for gradient in derivation.gradients:
            closed = derivation.fully_substituted(gradient.closed_form).xreplace(point)
            reference = sp.diff(full_loss, gradient.symbol).xreplace(point)
            assert sp.nsimplify(closed - reference) == 0


def _output_delta(output, loss, units=1):
    derivation = derive(Architecture(1, (Layer(units, output),), "per-neuron", loss))
    net = derivation.network
    return derivation.delta(1, 0), net.a[1][0], net.y[0]


@pytest.mark.parametrize(
    ("output", "loss", "units"),
    [(act.SIGMOID, losses.BCE, 1), (act.SOFTMAX, losses.CROSS_ENTROPY, 3), (act.LINEAR, HALF, 1)],
)
def test_famous_cancellations_give_prediction_minus_target(output, loss, units):
    delta, a, y = _output_delta(output, loss, units)
    assert delta.closed_form == a - y
    assert sp.count_ops(delta.raw) > sp.count_ops(delta.closed_form)


def test_softmax_cancellation_names_its_assumption():
    delta, _, _ = _output_delta(act.SOFTMAX, losses.CROSS_ENTROPY, 3)
    assert delta.assumption == TARGETS_SUM_TO_ONE
    assert _output_delta(act.SIGMOID, losses.BCE)[0].assumption is None


def test_sigmoid_squared_error_delta_keeps_the_textbook_product():
    delta, a, y = _output_delta(act.SIGMOID, HALF)
    assert sp.expand(delta.closed_form - (a - y) * a * (1 - a)) == 0
    assert delta.fprime == a * (1 - a)
    assert delta.grad_a == a - y


@pytest.mark.parametrize("activation", [act.SIGMOID, act.TANH, act.SOFTPLUS, act.LINEAR])
def test_derivative_in_terms_of_output_is_the_true_derivative(activation):
    z = sp.Symbol("z", real=True)
    written_with_output = activation.derivative(z, activation.formula(z))
    assert _reduces_to_zero(written_with_output - sp.diff(activation.formula(z), z))


@pytest.mark.parametrize("activation", [act.SIGMOID, act.TANH, act.SOFTPLUS, act.RELU, act.leaky_relu(0.2), act.LINEAR])
def test_stable_numeric_forms_match_the_formula(activation):
    t = sp.Symbol("t", real=True)
    naive = sp.lambdify([t], activation.formula(t), "numpy")
    points = np.linspace(-20, 20, 81)
    expected = np.array([float(naive(p)) for p in points])
    assert np.allclose(activation.numeric_forward()(points), expected, rtol=1e-13, atol=1e-15)


NUMERIC = [
    act.SIGMOID,
    act.TANH,
    act.SOFTPLUS,
    act.RELU,
    act.leaky_relu(0.2),
    act.LINEAR,
    act.custom("g", "u", "u/2 + u**3/30", key="test"),
]


@pytest.mark.parametrize("activation", NUMERIC, ids=lambda a: a.name)
def test_numeric_derivatives_match_the_lambdified_symbolic_derivative(activation):
    z = sp.Symbol("z", real=True)
    symbolic = sp.lambdify([z], activation.derivative(z, activation.formula(z)), "numpy")
    points = np.linspace(-6, 6, 49) + 0.01  # away from the kinks at 0
    expected = np.broadcast_to(np.asarray(symbolic(points), dtype=float), points.shape)
    values = activation.numeric_forward()(points)
    assert np.allclose(activation.numeric_derivative()(points, values), expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("activation", [*NUMERIC, act.SOFTMAX], ids=lambda a: a.name)
def test_numeric_forms_write_into_out_even_when_it_is_the_input(activation):
    points = np.linspace(-6, 6, 48).reshape(8, 6) + 0.01
    forward = activation.numeric_forward()
    fresh = np.array(forward(points))
    into, alias = np.full_like(points, np.nan), points.copy()
    assert forward(points, out=into) is into and np.array_equal(into, fresh)
    assert np.array_equal(forward(alias, out=alias), fresh)
    derivative = activation.numeric_derivative()
    slope = np.array(derivative(points, fresh))
    z_in_place = points.copy()
    assert np.array_equal(derivative(z_in_place, fresh, out=z_in_place), slope)


def test_hidden_delta_sums_one_contribution_per_unit_above():
    derivation = derive(Architecture(2, (Layer(3, act.TANH), Layer(2, act.SIGMOID)), "per-neuron", HALF))
    net = derivation.network
    hidden = derivation.delta(1, 2)
    assert hidden.contributions == (net.W[2][0, 2] * net.delta[2][0], net.W[2][1, 2] * net.delta[2][1])
    assert hidden.closed_form == (1 - net.a[1][2] ** 2) * (
        net.W[2][0, 2] * net.delta[2][0] + net.W[2][1, 2] * net.delta[2][1]
    )


def test_shared_bias_gradient_sums_the_layer_deltas():
    derivation = derive(Architecture(2, (Layer(2, act.SIGMOID), Layer(2, act.SIGMOID)), "per-layer", HALF))
    by_name = {g.name: g for g in derivation.gradients if not g.index}
    assert len(by_name["b1"].chains) == 2
    assert by_name["b1"].closed_form == derivation.delta(1, 0).closed_form + derivation.delta(1, 1).closed_form


def test_derivation_is_computed_once_per_architecture():
    arch = Architecture(2, (Layer(2, act.SIGMOID), Layer(1, act.SIGMOID)), "per-neuron", losses.BCE)
    assert derive(arch) is derive(
        Architecture(2, (Layer(2, act.SIGMOID), Layer(1, act.SIGMOID)), "per-neuron", losses.BCE)
    )


# Custom formulas with an independent NumPy form of each, written by hand: the oracle for their derivatives.
ORACLES = {
    "1.7159*tanh(2*t/3)": lambda t: 1.7159 * np.tanh(2 * t / 3),
    "t/(1+abs(t))": lambda t: t / (1 + np.abs(t)),
    "t*abs(t) + 0.25*t": lambda t: t * np.abs(t) + 0.25 * t,
    "0.25*tanh(t)**2": lambda t: 0.25 * np.tanh(t) ** 2,
    "t/(1+exp(-t))": lambda t: t / (1 + np.exp(-t)),
    "(t+1)**2/(t+2)": lambda t: (t + 1) ** 2 / (t + 2),
    "0.5*t*(1+tanh(0.7978845608*(t+0.044715*t**3)))": lambda t: (
        0.5 * t * (1 + np.tanh(0.7978845608 * (t + 0.044715 * t**3)))
    ),
}


@pytest.mark.parametrize("formula", ORACLES)
def test_a_custom_derivative_as_printed_is_exactly_the_derivative(formula):
    """The derivative documents print (rewritten to be read) agrees with finite differences of an
    independent NumPy form, and, to 40 digits, with SymPy's own derivative of the formula."""
    activation = act.custom("f", "t", formula, key="test")
    z = sp.Symbol("z")  # without assumptions: the printed form must not depend on them
    printed = activation.derivative(z, None)
    assert not printed.has(sp.re, sp.im, sp.sign)
    t = sp.Symbol("t", real=True)
    reference = sp.diff(exact(activation.formula(t)), t)
    oracle, h = ORACLES[formula], 1e-6
    for point in (sp.Rational(-23, 10), sp.Rational(-7, 10), sp.Rational(2, 5), sp.Rational(19, 10)):
        value = exact(printed).xreplace({z: point})
        assert abs(value.evalf(50) - reference.xreplace({t: point}).evalf(50)) < 1e-40
        x = float(point)
        assert float(value) == pytest.approx((oracle(x + h) - oracle(x - h)) / (2 * h), rel=1e-7, abs=1e-9)
