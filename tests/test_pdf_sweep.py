"""The PDF sweep: every generated document must lay out cleanly, not just compile.

Each case of pdf_sweep.CASES (37 specs over depth, width, activations, losses,
bias layouts, modes, steps, notation profiles and decimals) is rendered to
LaTeX and compiled to PDF once, in parallel processes (a module fixture; about
95 s on two cores). Then, per case:

- no overfull box over 1 pt (text running off the page or off its bottom);
- no missing character;
- every updated parameter's value, as the oracle computes it and the document
  rounds it, can be found in the PDF's text (a table that runs off the bottom
  of its page loses its last rows);
- no two words on a page drawn on top of each other;
- no text drawn below 85% of its font's design size (a table scaled down to fit);
- no page ending with a heading or a sentence that leads into a display or table;
- no page but the last less than half full.

To look at the PDFs and their pages as PNG: ``PYTHONPATH=$PWD python3 tests/pdf_sweep.py FOLDER``.
"""

import shutil
import tempfile
from pathlib import Path

import pytest
from pdf_sweep import (
    CASES,
    OVERLAP_TOLERANCE,
    SHRINK_TOLERANCE,
    Word,
    build_all,
    cover,
    delimiter_piece,
    missing_values,
    overlaps,
    page_words,
    scale,
    stranded,
    underfull_pages,
)

from symbackprop import bundled_examples
from symbackprop.tex import build_pdf

TOOLS = ("latexmk", "pdflatex", "pdftotext", "pdftohtml")
pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in TOOLS), reason=f"needs {', '.join(TOOLS)} (TeX and poppler-utils)"
)
OUTPUT = Path(__file__).resolve().parent.parent / "output"
SHOWN = 8  # problems listed in a failure message; the count says how many there are in all


@pytest.fixture(scope="module")
def built():
    return build_all(CASES)


def _case(built, case):
    result = built[case.name]
    assert result.error is None, f"{case.description}: did not build: {result.error}"
    return result


def _listing(items):
    lines = [f"  {item}" for item in items[:SHOWN]]
    return "\n".join(lines + ([f"  ... and {len(items) - SHOWN} more"] if len(items) > SHOWN else []))


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_no_overfull_box(built, case):
    boxes = [p for p in _case(built, case).problems if p.kind == "overfull"]
    assert not boxes, (
        f"{case.description}: {len(boxes)} overfull boxes over 1 pt, largest {max(p.amount for p in boxes):.1f} pt\n"
        + _listing([p.message for p in boxes])
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_no_missing_character(built, case):
    lost = [p.message for p in _case(built, case).problems if p.kind == "missing-character"]
    assert not lost, f"{case.description}: {len(lost)} missing characters\n" + _listing(lost)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_updated_value_is_in_the_pdf(built, case):
    missing = missing_values(_case(built, case))
    assert not missing, f"{case.description}: {len(missing)} updated values are not in the PDF's text\n" + _listing(
        missing
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_no_words_drawn_on_top_of_each_other(built, case):
    found = overlaps(_case(built, case).pages)
    assert not found, (
        f"{case.description}: {len(found)} pairs of words cover each other by more than {OVERLAP_TOLERANCE}\n"
        + _listing([f"page {page}: {a} and {b} (cover {amount:.2f})" for page, a, b, amount in found])
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_no_shrunk_text(built, case):
    shrunk = _case(built, case).shrunk
    assert not shrunk, (
        f"{case.description}: {len(shrunk)} pieces of text drawn below {SHRINK_TOLERANCE} of their font's size\n"
        + _listing(
            [
                f"page {page}: {text!r} in {font} at {size} pt ({scale(size, font):.2f})"
                for page, text, size, font in shrunk
            ]
        )
    )


# -- the overlap tolerance, calibrated -------------------------------------------------------------


@pytest.mark.parametrize("name", bundled_examples())
def test_typeset_mathematics_is_not_an_overlap(name):
    """Scripts, fractions and neighbouring lines touch (up to 0.39 in these PDFs) but stay under the tolerance."""
    pages = page_words(OUTPUT / f"{name}.pdf")
    assert overlaps(pages) == []
    assert 0 < max(amount for *_, amount in overlaps(pages, tolerance=0)) < OVERLAP_TOLERANCE


DOCUMENT = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{amsmath}
\usepackage{tikz}
\begin{document}
%s
\end{document}
"""
TIKZ = r"""\begin{tikzpicture}[x=4.6cm, y=2.1cm, every node/.style={font=\small}]
%s
\end{tikzpicture}"""
LABEL = r"node[pos=%s, fill=white, inner sep=1pt, font=\scriptsize, sloped] {$%s$}"


def _words_of(body):
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "body.pdf"
        pdf.write_bytes(build_pdf(DOCUMENT % body).pdf)
        return page_words(pdf)


def _edge(start, end, label, pos=0.5):
    return rf"\draw {start} -- {LABEL % (pos, label)} {end};"


def test_two_edge_labels_on_one_spot_are_an_overlap():
    # Two crossing edges of a 2-2 layer pair with their labels at the crossing, as the diagrams draw them.
    first = _edge("(0,0)", "(1,-1)", "W^{(1)}_{21} = 0.2514")
    second = _edge("(0,-1)", "(1,0)", "W^{(1)}_{12} = -0.7391")
    assert overlaps(_words_of(TIKZ % (first + "\n" + second)))


def test_one_sloped_label_is_not_an_overlap_with_itself():
    # pdftotext cuts sloped text into upright pieces whose boxes touch a little (up to 0.09 here).
    label = r"\hat{y}_{1} = -0.6115 \times 10^{-5}"
    edges = [_edge(f"(0,{-i})", f"++({angle}:2)", label) for i, angle in enumerate((10, 20, 30, 45, 60, 75, -30, -50))]
    assert overlaps(_words_of(TIKZ % "\n".join(edges))) == []


def test_the_pieces_of_a_tall_brace_are_not_an_overlap():
    # As a leaky ReLU's derivative prints: the brace around two lines with fractions is built from pieces.
    net = r"\mathrm{net}_{h^{(3)}_{1}}"
    cases = (
        rf"\begin{{cases}} {net} & \text{{for}}\: {net} > 0 \\\frac{{{net}}}{{10}} & \text{{otherwise}} \end{{cases}}"
    )
    pages = _words_of(rf"\[ f = {cases} = {cases} \]")
    assert any(delimiter_piece(w) for w in pages[0]) and overlaps(pages) == []


def test_cover_is_the_share_of_the_smaller_box():
    big, small = Word("big", 0, 0, 10, 10), Word("s", 8, 8, 12, 12)
    assert cover(big, small) == pytest.approx(0.25)
    assert cover(big, Word("far", 20, 20, 30, 30)) == 0
    assert cover(big, Word("inside", 2, 2, 4, 4)) == 1


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_no_page_ends_with_a_heading_or_a_lead(built, case):
    found = stranded(_case(built, case))
    assert not found, f"{case.description}: pages end with what should lead into the next\n" + _listing(
        [f"page {page}: {line!r}" for page, line in found]
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_no_page_is_left_half_empty(built, case):
    found = underfull_pages(_case(built, case))
    assert not found, f"{case.description}: pages less than half full before the last\n" + _listing(
        [f"page {page}: {fill:.0%} full" for page, fill in found]
    )
