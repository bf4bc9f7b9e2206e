"""Arbitrary text into the formula parser and the spec reader: only SpecError may ever come out."""

import string

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from networks import SMALL_SPEC

from symbackprop import SpecError, parse, train
from symbackprop.expressions import parse_expression

FUZZ = settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
FORMULA_ALPHABET = string.ascii_letters + string.digits + " +-*/().,_[]{}'\"=<>!&|^~%@:;\\\n"
t = sp.Symbol("t", real=True)


@FUZZ
@given(st.text(alphabet=FORMULA_ALPHABET, max_size=80) | st.text(max_size=80))
def test_formula_parser_only_raises_spec_error(text):
    try:
        result = parse_expression(text, t, key="k")
    except SpecError as error:
        assert str(error).startswith("k: ") and "\n" not in str(error)
    else:
        assert isinstance(result, sp.Expr)
        assert result.free_symbols <= {t}


TOKENS = ["t", "exp", "log", "sqrt", "tanh", "(", ")", "+", "-", "*", "/", "**", "2", "0.5", "10", "99", "pi"]


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=30))
def test_token_soup_only_raises_spec_error(tokens):
    try:
        parse_expression(" ".join(tokens), t, key="k")
    except SpecError:
        pass


VALID = SMALL_SPEC


@FUZZ
@given(st.text(max_size=300))
def test_spec_reader_only_raises_spec_error_on_arbitrary_text(text):
    try:
        parse(text)
    except SpecError as error:
        assert "\n" not in str(error)


@FUZZ
@given(st.integers(0, len(VALID) - 1), st.integers(0, len(VALID)), st.text(max_size=12))
def test_spec_reader_only_raises_spec_error_on_mutated_specs(start, length, insert):
    text = VALID[:start] + insert + VALID[start + length :]
    try:
        train(parse(text))
    except SpecError as error:
        assert "\n" not in str(error)
