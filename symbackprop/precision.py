"""How numbers are shown: one precision policy for every figure a document prints.

A spec's ``[notation]`` table asks for significant figures (``digits``, 4 unless
told otherwise) or a fixed count of ``decimals``:

- with ``digits``, every computed figure has that many significant figures
  (0.7528, 0.07208, 0.0006690): a small gradient keeps as many digits as a large
  one, so a line recomputed from its figures agrees to its last digit;
- with ``decimals``, every computed figure has that many decimals, and a small
  one as many more as keep three significant figures (0.00721 at 4 decimals);
- numbers the author gave (inputs, targets, starting parameters, the learning
  rate) print as written, padded to the longest of their *family* (0.2 beside
  0.15 prints 0.20), unless that takes more than six decimals and more than the
  rule for computed figures gives.

Trailing zeros are kept, an exact zero (or float noise such as 6.9e-18 where the
spec's numbers sum to exactly 0) prints as 0, and rounding is half away from
zero on the decimal value, as a calculator rounds.

``rounding`` says which values the figures are: ``"exact"`` (the engine's
values, rounded only for display) or ``"carried"`` (each figure rounded before
it is used again, as a student works by hand; see :mod:`symbackprop.carried`).

>>> p = Precision(digits=4)
>>> p.places(0.7528), p.places(0.07208), text(0.0720812, 5), text(0.2, p.given_places([0.15, 0.2]))
(4, 5, '0.07208', '0.20')
>>> text(6.9e-18, 4), text(-0.00004, 4), text(0.00125, 4)
('0', '0.0000', '0.0013')
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MAX_DECIMALS = 12
ROUNDINGS = ("exact", "carried")
DEFAULT_DIGITS = 4
# With fixed decimals, a figure too small for them keeps this many significant figures.
MIN_FIGURES = 3
# Given numbers print as written up to this many decimals even where the rule for computed figures gives fewer.
GIVEN_DECIMALS = 6
# Magnitudes below this are float noise (a sum of the spec's numbers that is exactly 0 in decimals).
NOISE = 1e-12
# At or above this magnitude, or with more decimals than SMALL_PLACES, a figure prints in scientific notation.
LARGE = 1e7
SMALL_PLACES = 8


@dataclass(frozen=True)
class Precision:
    """Significant figures (``digits``) or fixed ``decimals`` (exactly one is set), and the rounding mode."""

    digits: int | None = DEFAULT_DIGITS
    decimals: int | None = None
    rounding: str = "exact"

    @property
    def carried(self):
        return self.rounding == "carried"

    def places(self, value):
        """Decimals for the computed figure ``value``."""
        if self.decimals is not None:
            # A small figure keeps MIN_FIGURES significant figures: 0.00721, not 0.0072 beside 0.7528.
            return max(self.decimals, _significant(value, MIN_FIGURES))
        return _significant(value, self.digits)

    def given_places(self, values):
        """Decimals for a family of numbers the author wrote: as written, unless that is unreasonably many."""
        values = [float(v) for v in values]
        written = max((written_places(v) for v in values), default=0)
        ruled = max((self.places(v) for v in values), default=0)
        return written if written <= max(ruled, GIVEN_DECIMALS) else ruled


def _significant(value, digits):
    """The decimals that give ``value`` ``digits`` significant figures (0 for zero or noise)."""
    value = float(value)
    if not math.isfinite(value) or abs(value) < NOISE:
        return 0
    # The figure rounded to its digits may gain one (0.99996 is 1.000): count from the rounded magnitude.
    places = min(max(digits - 1 - math.floor(math.log10(abs(value))), 0), MAX_DECIMALS)
    if abs(rounded(value, places)) >= 10 ** (math.floor(math.log10(abs(value))) + 1):
        places = max(places - 1, 0)
    return places


def written_places(value):
    """The fewest decimals that write ``value`` exactly (as the spec's decimal literal gave it)."""
    exponent = _decimal(value).normalize().as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def _decimal(value):
    """``value`` as a decimal, float noise past 12 significant figures dropped (0.1 + 0.2 is 0.3)."""
    return Decimal(f"{float(value):.12g}")


def rounded(value, places):
    """``value`` rounded half away from zero at ``places`` decimals, as a calculator rounds the decimal value."""
    value = float(value)
    if not math.isfinite(value) or abs(value) >= LARGE:
        return value
    return float(_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def text(value, places):
    """``value`` as LaTeX with ``places`` decimals, trailing zeros kept; 0 for zero, no "-0"."""
    value = float(value)
    if not math.isfinite(value):
        return r"\infty" if value > 0 else (r"-\infty" if value < 0 else r"\mathrm{NaN}")
    if abs(value) < NOISE:
        return "0"
    if abs(value) >= LARGE or (places > SMALL_PLACES and abs(value) >= 0.5 * 10.0**-places):
        # A small figure keeps the significant figures its decimals give; a large one the default's.
        magnitude = math.floor(math.log10(abs(value)))
        figures = places + magnitude if abs(value) < LARGE else DEFAULT_DIGITS - 1
        mantissa, exponent = f"{value:.{max(figures, 0)}e}".split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    figure = _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    shown = f"{abs(figure):.{places}f}"
    return shown if figure >= 0 or not figure else "-" + shown
