"""The page the documents are printed on, and how much of it a piece of mathematics takes.

Where a display row breaks, how a wide table splits and whether a display may
break across pages are decided before TeX runs. The sizes come from
:func:`symbackprop.mathsize.math_size` at the documents' type size; this module
holds only what belongs to the page: its measures, the style each place sets
mathematics in, and how ``align*`` stacks its rows.

>>> round(width(r"= 0.15 \\cdot 0.05"), 2)  # pdflatex: 61.44pt
61.45
>>> round(height(r"= 0.15 \\cdot 0.05"), 2)  # pdflatex sets such rows 19.60pt apart
19.6
"""

from ..mathsize import math_size

# An A4 page with 2.2 cm margins is 472 pt wide (16.6 cm) and 720 pt tall; a display row keeps 32 pt clear.
DISPLAY_WIDTH = 440.0
TEXT_WIDTH = 470.0
TEXT_HEIGHT = 717.0

# Room a matrix or other unbreakable right-hand side leaves for its left side (\mathbf{W}^{(2)} and "=").
_LEFT_SIDE = 40.0

# The documents' \normalsize: 10.95 pt in an 11 pt article, on a 13.6 pt baseline skip.
POINTS = 10.95
_BASELINE = 13.6
# align* opens the line skips up by \jot (3 pt); a row's strut (70 % of the baseline skip above the
# baseline, 30 % below) then always fills the baseline skip, so TeX puts \lineskip (3 pt + \jot) between rows.
_ROW_GAP = 6.0


def width(latex):
    """The printed width of ``latex`` as one side of a display row, in points.

    ``align*`` sets both sides in display style and puts ``{}`` before the right-hand side, so a
    leading ``=`` is spaced as a relation.
    """
    return math_size("{}" + latex, POINTS, display=True)[0]


def fits_display(latex):
    """Whether ``latex``, which cannot be broken (a matrix), fits a display row beside a short left side."""
    return width(latex) <= DISPLAY_WIDTH - _LEFT_SIDE


def inline_width(latex):
    """The printed width of ``latex`` in a table cell or a line of text (text style), in points."""
    return math_size(latex, POINTS)[0]


def height(latex):
    """The height a display row of ``latex`` takes, with the gap to the next row, in points."""
    _, above, below = math_size("{}" + latex, POINTS, display=True)
    return max(above, 0.7 * _BASELINE) + max(below, 0.3 * _BASELINE) + _ROW_GAP
