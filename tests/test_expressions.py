"""Custom activation formulas: what the whitelist builds, and what it refuses without running anything."""

import time

import pytest
import sympy as sp

from symbackprop import SpecError
from symbackprop.expressions import Written, exact, parse_expression

t = sp.Symbol("t", real=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("t/10", t / 10),
        ("0.1*t", t / 10),
        ("-t**2 + 3", 3 - t**2),
        ("log(1 + exp(t))", sp.log(1 + sp.exp(t))),
        ("tanh(t) * sqrt(2)", sp.sqrt(2) * sp.tanh(t)),
        ("Abs(t) + abs(-t)", 2 * sp.Abs(t)),
        ("2**t", 2**t),
        ("pi*t", sp.pi * t),
        ("+t", t),
        ("(" * 120 + "t" + ")" * 120, t),
    ],
)
def test_allowed_formulas_build_the_expected_expression(text, expected):
    assert sp.simplify(exact(parse_expression(text, t, key="k")) - expected) == 0


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("1.7159*tanh(2*t/3)", "1.7159*tanh(2*t/3)"),
        ("0.1*t", "0.1*t"),
        (".5*t + 2.0", "0.5*t + 2"),
        ("1.50*t", "1.5*t"),
        ("t**0.5", "sqrt(t)"),
        ("1e-30*t", "1E-30*t"),
    ],
)
def test_a_decimal_number_stays_as_written_and_exact(text, printed):
    expression = parse_expression(text, t, key="k")
    assert str(expression) == printed
    assert all(w.value == sp.Rational(str(w)) for w in expression.atoms(Written))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("t/(0.5 - 0.25 - 0.25)", "division by zero"),
        ("log(0.5 - 0.25 - 0.25) + t", "undefined or infinite"),
        ("(1.5**64)**64*t", "grows too large"),
        ("sqrt(0.25 - 0.5)*t", "not a real number"),
    ],
)
def test_written_numbers_are_checked_by_their_exact_values(text, message):
    with pytest.raises(SpecError, match=message):
        parse_expression(text, t, key="k")


HOSTILE = [
    "__import__('os').system('touch SENTINEL')",
    "__import__('os')",
    "().__class__.__bases__[0].__subclasses__()",
    "t.__class__",
    "(lambda: 1)()",
    "[x for x in (1, 2)]",
    "{1: 2}",
    "'text'",
    "f'{t}'",
    "exp(t, base=2)",
    "exp(*[t])",
    "9**9**9",
    "t**1000",
    "10**100000",
    "open('SENTINEL', 'w')",
    "eval('1')",
    "exec('1')",
    "globals()",
    "sympify('t')",
    "t if t else 1",
    "t < 1",
    "t and 1",
    "t; 1",
    "t := 1",
    "t[0]",
    "t @ t",
    "t // 2",
    "t % 2",
    "~t",
    "not t",
    "True",
    "None",
    "1e400",
    "x",
    "\\input{/etc/passwd}",
    "-" * 60 + "t",
    "exp(" * 60 + "t" + ")" * 60,
    "t+" * 300 + "t",
    "t" * 100_000,
    "",
    "exp",
    "import os",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_is_refused_quickly_and_runs_nothing(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    with pytest.raises(SpecError) as error:
        parse_expression(text, t, key="network.layers[1].activation.expression")
    assert time.perf_counter() - start < 1.0
    assert str(error.value).startswith("network.layers[1].activation.expression: ")
    assert "\n" not in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_the_declared_variable_is_the_only_name():
    u = sp.Symbol("u", real=True)
    assert parse_expression("u*2", u, key="k") == 2 * u
    with pytest.raises(SpecError, match="the name 't' is not allowed"):
        parse_expression("t*2", u, key="k")
