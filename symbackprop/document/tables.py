"""Tables that fit the page: columns split into groups, each group repeating the key column.

A table's rows may run over many pages (the templates repeat the header on
each); its columns must fit the text width, so a wide table becomes several
narrower ones.
"""

from . import measure
from .blocks import Math, Table, figure_parts

_PADDING = 12.0  # \tabcolsep on both sides of a cell
_TEXT_CHARACTER = 5.6  # average width of a text character at 11 pt
_ROW = 16.0  # height of a table row at 11 pt, in points


def cell_width(cell):
    return sum(
        measure.inline_width(part.latex) if isinstance(part, Math) else len(part) * _TEXT_CHARACTER for part in cell
    )


def tables(header, rows, align, lead=(), keys=1, quantities=()):
    """``header`` and ``rows`` as one table, or as several when the columns do not fit side by side.

    A right-aligned column of figures is aligned on their decimal points instead ("d"). ``quantities``
    names each row's quantity (see :attr:`~.blocks.Table.quantities`); every group keeps them.
    """
    columns = len(header)
    align = "".join("d" if a == "r" and _figures(row[c] for row in rows) else a for c, a in enumerate(align))
    widths = [_column_width(header[c], [row[c] for row in rows], align[c]) + _PADDING for c in range(columns)]
    room = measure.TEXT_WIDTH - sum(widths[:keys])
    # As few groups as fit, then the columns shared out evenly among them (not 7 and a lonely 1).
    count = 1
    while not (groups := _groups(widths[keys:], room, count)):
        count += 1
    breakable = (len(rows) + 2) * _ROW > measure.TEXT_HEIGHT / 3
    result = []
    for g, group in enumerate(groups):
        chosen = list(range(keys)) + [keys + c for c in group]
        result.append(
            Table(
                tuple(header[c] for c in chosen),
                tuple(tuple(row[c] for c in chosen) for row in rows),
                "".join(align[c] for c in chosen),
                lead if g == 0 else (),
                breakable,
                tuple(quantities),
            )
        )
    return tuple(result)


def _column_width(head, cells, align):
    """The printed width of a column: its widest cell, or for figures aligned on their decimal points the widest
    whole part plus the widest decimal part (-3.865 over 0.008248 needs the room of -3.008248)."""
    if align != "d":
        return max(cell_width(c) for c in (head, *cells))
    wholes, decimals = [0.0], [0.0]
    for cell in cells:
        halves = figure_parts(cell)
        if halves is None:
            wholes.append(cell_width(cell))
            continue
        wholes.append(measure.inline_width(halves[0]))
        decimals.append(measure.inline_width(halves[1]) if halves[1] else 0.0)
    return max(cell_width(head), max(wholes) + max(decimals))


def _figures(cells):
    """Whether a column holds figures (numbers as a document prints them); other cells, such as "frozen", span
    both halves of a column aligned on the decimal point."""
    return any(figure_parts(cell) is not None for cell in cells)


def _groups(widths, room, count):
    """``widths`` cut into ``count`` runs of nearly equal length, each within ``room``; None if one is wider."""
    size, extra = divmod(len(widths), count)
    groups, start = [], 0
    for g in range(count):
        stop = start + size + (1 if g < extra else 0)
        groups.append(list(range(start, stop)))
        start = stop
    if count < len(widths) and any(sum(widths[c] for c in group) > room for group in groups):
        return None
    return [group for group in groups if group] or [[]]
