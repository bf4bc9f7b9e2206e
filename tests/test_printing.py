"""How numbers and symbols print in documents, and the notes documents add for saturated units."""

import pytest
import sympy as sp
from networks import one_unit_chain

from symbackprop import activations, parse, train
from symbackprop.document import build
from symbackprop.expressions import Written
from symbackprop.printing import Shown, applicable, latex, show
from symbackprop.render import render


def test_a_negative_figure_leading_a_sum_prints_as_a_minus_sign():
    w, x, b = sp.symbols("w x b")
    with sp.evaluate(False):
        expr = sp.Add(sp.Mul(w, x), b)
    assert show(expr, {w: -0.25, x: 2.0, b: 0.1}, 2) == r"- 0.25 \cdot 2.00 + 0.10"


def test_notation_names_replace_symbol_names():
    w = sp.Symbol("W1_1_1")
    assert latex(2 * w, {w: r"w_{11}"}) == r"2 w_{11}"
    assert latex(sp.Derivative(sp.Symbol("L"), w, evaluate=False), {w: "v_{1}"}) == r"\frac{\partial L}{\partial v_{1}}"


SATURATED = one_unit_chain(900.0)


def test_documents_flag_saturated_units_and_print_tiny_gradients_readably():
    text = render(build(train(parse(SATURATED))), "markdown")
    assert "saturated" in text and "nearly vanish" in text
    assert "nan" not in text.lower().replace("nano", "")


def test_documents_flag_a_relu_exactly_at_its_kink():
    spec = one_unit_chain(0.0, hidden="relu")
    text = render(build(train(parse(spec))), "markdown")
    assert "kink" in text


t, z = sp.Symbol("t", real=True), sp.Symbol("z", real=True)
LECUN = activations.custom("A", "t", "1.7159*tanh(2*t/3)", key="test")


def test_a_number_written_in_a_formula_prints_as_written():
    assert latex(LECUN.formula(t)) == r"1.7159 \tanh{\left(\frac{2 t}{3} \right)}"
    assert latex(activations.custom("A", "t", "0.5*t + 1.25", key="test").formula(t)) == r"0.5 t + 1.25"
    assert latex(activations.custom("A", "t", "t/10", key="test").formula(t)) == r"\frac{t}{10}"


def test_a_number_worked_out_from_written_ones_prints_with_their_digits():
    assert latex(sp.Rational(2, 3) * Written.of("1.7159") * t) == r"1.1439 t"
    assert latex(2 * Written.of("0.01") * t) == r"0.02 t"
    assert latex(sp.Rational(2, 3) * Written.of("0.01") * t) == r"0.006667 t"
    assert latex(-(Written.of("0.5") ** 2) * t) == r"- 0.25 t"
    assert latex(2 * Written.of("0.5") * t) == r"t"
    assert latex(t / Written.of("0.3")) == r"\frac{t}{0.3}"


def test_a_leaky_relu_prints_its_slope_as_written():
    leaky = activations.leaky_relu(0.01)
    assert latex(leaky.formula(z)) == r"\begin{cases} z & \text{for}\: z > 0 \\0.01 z & \text{otherwise} \end{cases}"
    assert (
        latex(leaky.derivative(z, z)) == r"\begin{cases} 1 & \text{for}\: z > 0 \\0.01 & \text{otherwise} \end{cases}"
    )


def test_a_custom_derivative_prints_as_a_teacher_writes_it():
    assert latex(LECUN.derivative(t, None)) == r"1.1439 \left(1 - \tanh^{2}{\left(\frac{2 t}{3} \right)}\right)"
    softsign = activations.custom("S", "t", "t/(1+abs(t))", key="test")
    # In a symbol without assumptions too: |z| of a complex z would bring in re(z) and im(z).
    for symbol in (z, sp.Symbol("z")):
        printed = latex(softsign.derivative(symbol, None), order="none")
        assert printed == r"\frac{1}{\left(1 + \left\lvert z \right\rvert\right)^{2}}"
    assert (
        latex(activations.custom("A", "t", "t*abs(t)", key="test").derivative(t, None))
        == r"2 \left\lvert t \right\rvert"
    )


@pytest.mark.parametrize(
    ("activation", "definition"),
    [
        (activations.SIGMOID, r"\sigma{\left(t \right)} = \frac{1}{1 + e^{- t}}"),
        (activations.TANH, r"\tanh{\left(t \right)} = \tanh{\left(t \right)}"),
        (activations.RELU, r"\operatorname{ReLU}{\left(t \right)} = \max\left(0, t\right)"),
        (
            activations.leaky_relu(0.01),
            r"\operatorname{LeakyReLU}{\left(t \right)} = \begin{cases} t & \text{for}\: t > 0 \\0.01 t & \text{otherwise} \end{cases}",
        ),
        (activations.LINEAR, r"\operatorname{id}{\left(t \right)} = t"),
        (activations.SOFTPLUS, r"\operatorname{softplus}{\left(t \right)} = \log{\left(1 + e^{t} \right)}"),
        (LECUN, r"A{\left(t \right)} = 1.7159 \tanh{\left(\frac{2 t}{3} \right)}"),
    ],
    ids=lambda value: getattr(value, "name", ""),
)
def test_an_activation_prints_as_an_upright_name_and_its_definition_as_written(activation, definition):
    """As the network section of a document prints it: the call, then the formula with its terms in order."""
    assert latex(sp.Eq(activation.call(t), activation.formula(t), evaluate=False), order="none") == definition


w = sp.Symbol("w", real=True)
NEGATIVE = {z: -0.76, w: 0.5}


@pytest.mark.parametrize(
    ("expr", "printed"),
    [
        (sp.tanh(z), r"\tanh{\left(-0.76 \right)}"),
        (sp.Max(0, z), r"\max\left(0, -0.76\right)"),
        (sp.Abs(z), r"\left\lvert -0.76 \right\rvert"),
        (sp.exp(z), r"e^{-0.76}"),
        (1 / (1 + sp.exp(-z)), r"\frac{1}{1 + e^{0.76}}"),
        (z / 10, r"\frac{-0.76}{10}"),
        (1 / z, r"\frac{1}{-0.76}"),
        (sp.StrictGreaterThan(z, 0), r"-0.76 > 0"),
        (sp.tanh(2 * z / 3), r"\tanh{\left(\frac{2 \cdot \left(-0.76\right)}{3} \right)}"),
        (w * z, r"0.50 \cdot \left(-0.76\right)"),
        (1 - z, r"1 - \left(-0.76\right)"),
        (z**2, r"\left(-0.76\right)^{2}"),
    ],
    ids=str,
)
def test_a_substituted_negative_number_is_bracketed_only_where_nothing_else_brackets_it(expr, printed):
    assert show(expr, NEGATIVE, 2) == printed


a = sp.Symbol("a", real=True)
LEAKY = activations.leaky_relu(0.01)


@pytest.mark.parametrize(
    ("expr", "values", "printed"),
    [
        (LEAKY.formula(z), {z: -0.54}, r"0.01 \cdot \left(-0.54\right)"),
        (LEAKY.formula(z), {z: 2.97}, r"2.97"),
        (LEAKY.derivative(z, a), {a: -0.0054}, r"0.01"),
        (activations.RELU.derivative(z, a), {a: 2.97}, r"1"),
        (activations.RELU.formula(z), {z: -0.54}, r"\max\left(0, -0.54\right)"),
        (2 * LEAKY.formula(z), {z: -0.54}, r"2 \cdot \left(0.01 \cdot \left(-0.54\right)\right)"),
    ],
    ids=str,
)
def test_a_piecewise_definition_with_numbers_prints_the_branch_they_select(expr, values, printed):
    assert show(expr, values, 2) == printed


@pytest.mark.parametrize(("value", "reason"), [(-0.54, r"-0.54 < 0"), (0.0, r"0 \leq 0"), (2.97, r"2.97 > 0")], ids=str)
def test_the_branch_comes_with_the_condition_that_selects_it(value, reason):
    with sp.evaluate(False):
        shown = LEAKY.formula(z).xreplace({z: Shown(value, 2)})
    assert latex(applicable(shown)[1]) == reason


def test_a_number_common_to_a_sum_in_a_derivative_meets_the_product_s_numbers():
    squared = activations.custom("A", "t", "0.25*tanh(t)**2", key="test")
    assert (
        latex(squared.derivative(t, None)) == r"0.5 \left(1 - \tanh^{2}{\left(t \right)}\right) \tanh{\left(t \right)}"
    )


def test_names_written_as_words_are_multiplied_with_a_dot():
    w, out, x = sp.symbols("w out x")
    names = {w: "w_{5}", out: r"\mathrm{out}_{h1}", x: "x_{1}"}
    assert latex(w * out, names) == r"\mathrm{out}_{h1} \cdot w_{5}"  # SymPy's order; a dot between the names
    assert latex(w * x, names) == r"w_{5} x_{1}"
