"""Tables that fit the page: columns split into groups, each group repeating the key column.

A table's rows may run over many pages (the templates repeat the header on
each); its columns must fit the text width, so a wide table becomes several
narrower ones.
"""

from . import measure
from .blocks import Math, Table

_PADDING = 12.0  # \tabcolsep on both sides of a cell
_TEXT_CHARACTER = 5.6  # average width of a text character at 11 pt


def cell_width(cell):
    return sum(
        measure.inline_width(part.latex) if isinstance(part, Math) else len(part) * _TEXT_CHARACTER for part in cell
    )


def tables(header, rows, align, lead=(), keys=1):
    """``header`` and ``rows`` as one table, or as several when the columns do not fit side by side."""
    columns = len(header)
    widths = [max(cell_width(row[c]) for row in (header, *rows)) + _PADDING for c in range(columns)]
    room = measure.TEXT_WIDTH - sum(widths[:keys])
    groups, current, used = [], [], 0.0
    for c in range(keys, columns):
        if current and used + widths[c] > room:
            groups.append(current)
            current, used = [], 0.0
        current.append(c)
        used += widths[c]
    if current or not groups:
        groups.append(current)
    result = []
    for g, group in enumerate(groups):
        chosen = list(range(keys)) + group
        result.append(
            Table(
                tuple(header[c] for c in chosen),
                tuple(tuple(row[c] for c in chosen) for row in rows),
                "".join(align[c] for c in chosen),
                lead if g == 0 else (),
            )
        )
    return tuple(result)
