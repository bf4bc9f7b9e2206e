"""The blocks a worked solution is made of: typed records that the templates only lay out.

A piece of prose is a tuple of parts, each plain text (a ``str``, escaped by the
renderer) or :class:`Math` (LaTeX printed by the notation printer). Every block
has a ``kind``, which names the template macro that draws it
(``templates/blocks/<kind>.<format>.j2``), so restyling one kind of block means
overriding one small file. A chart is the :class:`~symbackprop.charts.Chart` of :mod:`symbackprop.charts`,
whose numbers and ticks are computed there.
"""

import re
from dataclasses import dataclass, field, replace

from ..charts import Chart


@dataclass(frozen=True)
class Math:
    """Inline mathematics, already LaTeX."""

    latex: str


@dataclass(frozen=True)
class Text:
    """A paragraph."""

    parts: tuple
    kind: str = "text"


@dataclass(frozen=True)
class Row:
    """One row of a display: ``left`` (empty on a continuation row) and the rest, starting with its relation."""

    left: str
    right: str


@dataclass(frozen=True)
class Equations:
    """Display rows aligned on their relations, introduced by ``lead`` (kept on the same page).

    ``breakable`` allows a page break between rows; short displays stay whole.
    """

    rows: tuple
    lead: tuple = ()
    breakable: bool = False
    kind: str = "equations"


@dataclass(frozen=True)
class Table:
    """A table with one header row; ``align`` has one letter per column: ``l``, ``r``, or ``d`` (figures
    aligned on their decimal points).

    A ``breakable`` (long) table breaks across pages with the header repeated; a short one stays
    whole. Tables wider than a page are split into column groups by the section that builds them.
    """

    header: tuple
    rows: tuple
    align: str
    lead: tuple = ()
    breakable: bool = False
    kind: str = "table"

    @property
    def keep(self):
        """Lines the table needs on the page to start there: all of a short one, the header and a few rows of a long one."""
        return 9 if self.breakable else len(self.rows) + 5


@dataclass(frozen=True)
class Listing:
    """Lines of code or of a program's output, printed as they are (``language`` names the code, if any)."""

    lines: tuple
    language: str = ""
    kind: str = "listing"

    @property
    def fence(self):
        """A Markdown code fence longer than any run of backticks in the lines, so none can close it."""
        longest = max((len(run) for line in self.lines for run in re.findall("`+", line)), default=0)
        return "`" * max(3, longest + 1)


@dataclass(frozen=True)
class Bullets:
    items: tuple
    kind: str = "bullets"


@dataclass(frozen=True)
class Section:
    """A titled part of the document; ``keep`` is how many lines must be left on a page to start it there."""

    title: str
    blocks: tuple = field(default_factory=tuple)
    level: int = 1
    keep: int = 14


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    sections: tuple

    @property
    def charts(self):
        """Whether the document draws a chart (its LaTeX then loads pgfplots, which is slow to load)."""
        return any(isinstance(block, Chart) for section in self.sections for block in section.blocks)


_FIGURE = re.compile(r"(-?\d+)(\.\d+)?(.*)", re.S)


def figure_parts(cell):
    """A table cell holding one figure cut at its decimal point (whole part, the rest), else None.

    Tables size a column aligned on the decimal point by it, and the LaTeX template sets its two halves.
    """
    if len(cell) != 1 or not isinstance(cell[0], Math):
        return None
    match = _FIGURE.fullmatch(cell[0].latex)
    if match is None:
        return None
    whole, fraction, rest = match.groups()
    return whole, (fraction or "") + rest


def parts(*pieces):
    """Prose parts from strings and :class:`Math`, dropping empty strings."""
    return tuple(p for p in pieces if p != "")


def text(*pieces):
    return Text(parts(*pieces))


def listed(names, most=4):
    """LaTeX ``names`` as prose parts: "a, b, c", or "a, b, …, z" when there are more than ``most``."""
    if len(names) > most:
        names = [names[0], names[1], r"\ldots", names[-1]]
    pieces = []
    for i, name in enumerate(names):
        pieces += [Math(name)] + ([", "] if i < len(names) - 1 else [])
    return tuple(pieces)


def joined(blocks):
    """``blocks`` with each paragraph that comes right before a display, a table or a chart made part of its lead.

    A lead is kept on the same page as what it leads into, so a section's opening sentence is never
    left at the foot of a page with its display on the next.
    """
    result = []
    for block in blocks:
        previous = result[-1] if result else None
        if isinstance(previous, Text) and isinstance(block, Equations | Table | Chart):
            result[-1] = replace(block, lead=previous.parts + ((" ",) if block.lead else ()) + block.lead)
        else:
            result.append(block)
    return tuple(result)
