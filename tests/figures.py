"""Finding a value among the figures a document prints, whatever decimals its family was given.

A figure ``n`` with ``p`` decimals shows ``value`` when ``|n - value|`` is at most half a unit of
its last digit and it has three decimals or two significant figures of it (so 0.01 does not
count as showing 0.0072, but 0.003 shows 0.0029 in a column that holds 1.021), or is the value
exactly. The oracle's values are checked this way, independently of how the
document chose its decimals.
"""

import math
import re

NUMBER = re.compile(r"(?<![\w.])(-?)(\d+)(?:\.(\d+))?(?:\s*(?:\\times|×)\s*10\^?\{?(-?\d+)\}?)?(?![\d])")


def figures(text):
    """Every decimal number in ``text`` as (value, decimals); 1.320 \\times 10^{-6} has 9 decimals."""
    found = []
    for sign, whole, fraction, exponent in NUMBER.findall(text):
        fraction, exponent = fraction or "", int(exponent or 0)
        found.append((float(f"{sign}{whole}.{fraction or 0}e{exponent}"), max(len(fraction) - exponent, 0)))
    return found


def shows(value, figure, places, fixed=None):
    """Whether ``figure`` (with ``places`` decimals) shows ``value``; ``fixed`` decimals accept any figure at them."""
    value = float(value)
    if abs(value) < 1e-12 or abs(figure - value) < 1e-12:
        return abs(figure - value) < 1e-12
    if places != fixed and places < min(3, 1 - math.floor(math.log10(abs(value)))):
        return False
    return abs(figure - value) <= 0.5 * 10.0**-places * (1 + 1e-9) + 1e-12


def shown(text, value, found=None, fixed=None):
    """Whether ``value`` stands in ``text`` as a figure (pass ``found=figures(text)`` to search many).

    ``fixed`` is the spec's decimals when it asks for a fixed count: 0.00 then shows 0.0012.
    """
    found = figures(text) if found is None else found
    return any(shows(value, figure, places, fixed) for figure, places in found)
