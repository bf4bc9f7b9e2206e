"""Every worked line reproduces from its printed figures: exactly with carried rounding, to the last digit without.

Each document is read back (tests/arithmetic.py): wherever a step of figures is followed by a
printed result, the step is recomputed from the figures as printed. With ``rounding = "carried"``
the recomputed value, rounded to the result's decimals, must be the printed result. With exact
figures (rounded for display only) it may differ by one unit of the last digit; where the printed
inputs' rounding moves it further (1/(1 - 0.8798) magnifies the half unit of 0.8798 some 70 times),
the document writes ≈ instead of =, and the result must be what exact inputs within the printed
figures give.
"""

from pathlib import Path

import pytest
from arithmetic import approximations, checks, spread
from pdf_sweep import CASES

from symbackprop import parse, train
from symbackprop.document import build
from symbackprop.precision import rounded
from symbackprop.render import render

EXAMPLES = sorted(Path(__file__).parent.parent.joinpath("symbackprop", "examples").glob("*.toml"))


def _with_rounding(text, mode):
    return text.replace("[notation]\n", f'[notation]\nrounding = "{mode}"\n', 1)


def _off(text, mode):
    """(lines checked, lines that do not reproduce) of the Markdown document of spec ``text``."""
    markdown = render(build(train(parse(_with_rounding(text, mode)))), "markdown")
    lines, off = checks(markdown), []
    for step, value, result in lines:
        places = len(result.partition(".")[2])
        difference = abs(rounded(value, places) - float(result))
        if difference > (1e-9 if mode == "carried" else 10.0**-places * (1 + 1e-6)):
            off.append(f"{step} = {result} (recomputed {value!r})")
    for step, value, result in approximations(markdown):
        places = len(result.partition(".")[2])
        unit, difference = 10.0**-places, abs(rounded(value, places) - float(result))
        if mode == "carried" or difference <= unit * (1 + 1e-6) or difference > unit * (1 + 1e-6) + spread(step):
            off.append(f"{step} ≈ {result} (recomputed {value!r}: ≈ is for exact figures off by more than a unit)")
    return len(lines), off


def _sources():
    yield from ((path.stem, path.read_text()) for path in EXAMPLES)
    yield from ((case.name, case.spec()[0]) for case in CASES)


SOURCES = list(_sources())


@pytest.mark.parametrize("mode", ["carried", "exact"])
@pytest.mark.parametrize(("name", "text"), SOURCES, ids=[name for name, _ in SOURCES])
def test_worked_lines_reproduce_from_their_figures(name, text, mode):
    count, off = _off(text, mode)
    assert count >= 5, f"only {count} worked lines found: the reader no longer sees the documents' displays"
    assert not off, f"{len(off)} of {count} lines do not reproduce:\n" + "\n".join(off[:5])
