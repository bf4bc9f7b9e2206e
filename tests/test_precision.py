"""The precision policy: how many decimals each figure gets, how it is rounded and how it prints."""

import pytest

from symbackprop import parse
from symbackprop.errors import SpecError
from symbackprop.precision import Precision, rounded, text, written_places


@pytest.mark.parametrize(
    ("value", "places", "printed"),
    [
        (0.5, 4, "0.5000"),
        (0.75279, 4, "0.7528"),
        (-1.91, 2, "-1.91"),
        (2.0, 0, "2"),
        (0.2, 2, "0.20"),
        (-0.00001, 4, "0.0000"),  # rounds to zero at the shown decimals: no "-0.0000"
        (6.938893903907228e-18, 4, "0"),  # float noise of a sum that is exactly 0
        (-0.0, 4, "0"),
        (0.00125, 4, "0.0013"),  # half away from zero, on the decimal value
        (0.0725, 3, "0.073"),  # 0.0725 is 0.07249999... in binary; a calculator rounds it up
        (-0.0725, 3, "-0.073"),
        (1.234e-9, 12, r"1.234 \times 10^{-9}"),
        (123456789.0, 0, r"1.235 \times 10^{8}"),
        (123456789.0, 4, r"1.235 \times 10^{8}"),
    ],
)
def test_text(value, places, printed):
    assert text(value, places) == printed


@pytest.mark.parametrize(
    ("value", "places"),
    [(0.7528, 4), (0.07208, 5), (0.0006690, 7), (1.1136, 3), (12.5, 2), (0.99996, 3), (0.0, 0), (1e-20, 0)],
)
def test_significant_figures(value, places):
    assert Precision(digits=4).places(value) == places


def test_fixed_decimals_keep_three_significant_figures_of_a_small_figure():
    fixed = Precision(digits=None, decimals=3)
    assert [fixed.places(v) for v in (12.5, 0.7, 0.0721, 0.00721, 0.000669, 0.0)] == [3, 3, 4, 5, 6, 3]


@pytest.mark.parametrize(
    ("values", "places"),
    [([0.15, 0.2], 2), ([1, 0], 0), ([0.05, 0.1], 2), ([0.123456789], 4), ([0.1234567], 4), ([0.123456], 6)],
)
def test_given_numbers_print_as_written_padded_to_their_family(values, places):
    assert Precision(digits=4).given_places(values) == places


def test_rounding_is_on_the_decimal_value():
    assert rounded(0.0725, 3) == 0.073
    assert rounded(2.675, 2) == 2.68  # Python's round gives 2.67 (binary 2.67499999...)
    assert rounded(-0.5, 0) == -1.0
    assert written_places(0.1 + 0.2) == 1


BASE = """
title = "t"
[network]
layers = [{ units = 1, activation = "sigmoid" }]
inputs = 1
bias = "none"
[loss]
kind = "squared_error"
[parameters]
W1 = [[0.5]]
[data]
x = [[1.0]]
y = [[0.0]]
[training]
learning_rate = 0.5
"""


@pytest.mark.parametrize(
    ("notation", "message"),
    [
        ("digits = 4\ndecimals = 2", "notation.decimals: give either digits"),
        ("digits = 0", "notation.digits: expected a whole number from 1 to 15, got 0"),
        ("digits = true", "notation.digits: expected a whole number"),
        ("decimals = 13", "notation.decimals: expected a whole number from 0 to 12, got 13"),
        ('rounding = "carry"', "notation.rounding: unknown rounding 'carry' (did you mean 'carried'?)"),
    ],
)
def test_bad_precision_is_refused_with_one_line(notation, message):
    with pytest.raises(SpecError) as error:
        parse(BASE + "[notation]\n" + notation + "\n")
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
