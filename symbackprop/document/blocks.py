"""The blocks a worked solution is made of: typed records that the templates only lay out.

A piece of prose is a tuple of parts, each plain text (a ``str``, escaped by the
renderer) or :class:`Math` (LaTeX printed by the notation printer). Every block
has a ``kind``, which names the template macro that draws it
(``templates/blocks/<kind>.<format>.j2``), so restyling one kind of block means
overriding one small file.
"""

from dataclasses import dataclass, field


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
    """A table with one header row; ``align`` has one letter (``l`` or ``r``) per column.

    Long tables break across pages with the header repeated; tables wider than a
    page are split into column groups by the section that builds them.
    """

    header: tuple
    rows: tuple
    align: str
    lead: tuple = ()
    kind: str = "table"


@dataclass(frozen=True)
class Bullets:
    items: tuple
    kind: str = "bullets"


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple = field(default_factory=tuple)
    level: int = 1


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    sections: tuple


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
