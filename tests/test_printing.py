"""How numbers and symbols print in documents, and the notes documents add for saturated units."""

import sympy as sp
from networks import one_unit_chain

from symbackprop import parse, train
from symbackprop.document import build
from symbackprop.printing import latex, show
from symbackprop.render import render


def test_substituted_negative_numbers_are_parenthesised():
    w, x, b = sp.symbols("w x b")
    with sp.evaluate(False):
        expr = sp.Add(sp.Mul(w, x), b)
    assert show(expr, {w: -0.25, x: 2.0, b: 0.1}, 2) == r"\left(-0.25\right) \cdot 2.00 + 0.10"


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
