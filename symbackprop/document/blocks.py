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
from ..quantities import is_gradient


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
    """One row of a display: ``left`` (empty on a continuation row) and the rest, starting with its relation.

    ``quantity`` is the canonical name (:mod:`symbackprop.quantities`) of what the row works out, where it
    works out one quantity the page can point at (a forward value, an error signal, a gradient), else "".
    """

    left: str
    right: str
    quantity: str = ""

    @property
    def gradient(self):
        """Whether the row works out the gradient of a parameter (the page lets a reader select it)."""
        return is_gradient(self.quantity)


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
    quantities: tuple = ()  # one canonical name (or "") per row: what the row gives, as Row.quantity
    kind: str = "table"

    def quantity(self, i):
        """The canonical name of row ``i``'s quantity, or ""."""
        return self.quantities[i] if self.quantities else ""

    def gradient(self, i):
        """Whether row ``i`` gives the gradient of a parameter."""
        return is_gradient(self.quantity(i))

    @property
    def padding(self):
        """For each row, each cell's missing decimals: a figure in a column aligned on the decimal point is
        followed by as many invisible characters as it lacks of its column's longest decimal part (HTML)."""
        longest = [
            max((len(_decimals(row[c])) for row in self.rows), default=0) if a == "d" else 0
            for c, a in enumerate(self.align)
        ]
        return tuple(
            tuple(_missing(cell, longest[c]) if a == "d" else "" for c, (cell, a) in enumerate(zip(row, self.align)))
            for row in self.rows
        )

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
    """A titled part of the document; ``keep`` is how many lines must be left on a page to start it there.

    ``part`` names the function of :data:`~symbackprop.document.SECTIONS` that made it (``forward``,
    ``backward``, ...), so a notebook knows which step of the computation the section works through.
    """

    title: str
    blocks: tuple = field(default_factory=tuple)
    level: int = 1
    keep: int = 14
    part: str = ""


@dataclass(frozen=True)
class Document:
    """A worked solution: its title, its subtitle and its sections; ``chains`` (:class:`~.chains.Chain`, one per
    selectable gradient) serve the HTML page. In a notebook it shows itself as that page (or as Markdown where
    the notebook shows no HTML)."""

    title: str
    subtitle: str
    sections: tuple
    chains: tuple = ()

    def _repr_markdown_(self):
        """The worked solution in Markdown, as ``render --format markdown`` writes it (its maths is for MathJax too)."""
        from ..render import render

        return render(self, "markdown")

    def _repr_html_(self):
        """The HTML page (``render --format html``) in a sandboxed frame of its own: its styles cannot reach the
        notebook's, the notebook's cannot reach it, and its one script (the gradient highlight) runs inside."""
        import html

        from ..render import render

        page = html.escape(render(self, "html"), quote=True)
        return f'<iframe srcdoc="{page}" sandbox="allow-scripts" style="width: 100%; height: 80vh; border: 0"></iframe>'

    def _repr_latex_(self):
        """None: the LaTeX worked solution is a whole document (preamble, prose, tables, a TikZ diagram), which
        MathJax cannot show, as it typesets mathematics only; and nbconvert would paste it into its own LaTeX
        document, where a second preamble breaks the build. The Markdown form shows the worked solution, its
        mathematics typeset by MathJax."""
        return None

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


_PLAIN_DECIMALS = re.compile(r"\.?\d*")


def _decimals(cell):
    """The decimal part of a figure (".25", "" for a whole number), or "" for any other cell."""
    halves = figure_parts(cell)
    return halves[1] if halves is not None and _PLAIN_DECIMALS.fullmatch(halves[1]) else ""


def _missing(cell, longest):
    """The invisible figures that pad ``cell`` to a decimal part ``longest`` characters long: "" if none."""
    halves = figure_parts(cell)
    if halves is None or not _PLAIN_DECIMALS.fullmatch(halves[1]):
        return ""
    missing = longest - len(halves[1])
    if missing <= 0:
        return ""
    return "." + "0" * (missing - 1) if not halves[1] else "0" * missing


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
