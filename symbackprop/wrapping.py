"""Short source lines for Markdown: prose and display mathematics broken where a renderer sees a space.

A Markdown paragraph may run over several source lines (each line break reads as a space), and so may
a ``$$`` display (TeX treats a line break as a space). Short lines make a document readable as text,
reviewable in a diff, and safe from hosts that cut long lines. Two things constrain where a line may
break:

- an inline math span ``$...$`` must stay on one line (GitHub and KaTeX do not join it across lines);
- a new line must not start what a Markdown renderer reads as a block: a list item (``- x``, ``1. x``),
  a heading, a quote, a setext underline, a table row, a fence or HTML. A line only ever starts with
  a letter, a digit that starts no list marker, a backslash, ``$``, ``(``, ``{`` or a minus sign
  glued to a figure (``-0.5``).

A piece of text too long to break safely (one long formula) stays whole: shortness never changes
what is shown.
"""

import re

WIDTH = 100

# Where a source line may start without becoming a Markdown block.
_SAFE_START = re.compile(r"[A-Za-z\\${(]|-\d|\d(?!\d{0,8}[.)](\s|$))")


def fill(pieces, width=None, indent=""):
    """``pieces`` (strings, each either breakable at its spaces or kept whole) as lines of at most ``width``.

    Each piece is ``(text, breakable)``. The lines after the first start with ``indent``, a list item's
    continuation, which the first line's marker takes up as well. A break replaces one space.

    >>> fill([("one two three", True), ("$a b$", False), (" four", True)], width=9)
    'one two\\nthree$a b$\\nfour'
    """
    words, current = [], ""
    for text, breakable in pieces:
        if not breakable:
            current += text
            continue
        chunks = text.split(" ")
        current += chunks[0]
        for chunk in chunks[1:]:
            words.append((" ", current))
            current = chunk
    words.append((" ", current))
    words[0] = ("", words[0][1])
    return ("\n" + indent).join(_lines(words, (width or WIDTH) - len(indent), _SAFE_START))


def display(latex, width=None):
    """One row of a ``$$`` display broken into lines of at most ``width`` where it can be.

    It breaks at a space or right after a matrix row's ``\\\\`` (TeX reads a line break as a space).
    The default width leaves room for the `` \\\\`` that ends a row of an aligned display.

    >>> display(r"z &= w_{1} x_{1} + w_{2} x_{2}", width=18)
    'z &= w_{1} x_{1} +\\nw_{2} x_{2}'
    """
    pieces = re.split(r"( |(?<=\\\\)(?=[^ ]))", latex)
    words = [("", pieces[0]), *zip(pieces[1::2], pieces[2::2])]
    return "\n".join(_lines(words, width or WIDTH - 3, _SAFE_DISPLAY_START))


def _lines(words, width, safe):
    """Words, each ``(separator before it, word)``, filled greedily into lines of at most ``width``.

    A word that may not start a line (``safe`` does not match it) is glued to the word before, so a
    line ends ``... = -`` rather than starting ``- 0.5``.
    """
    units = []
    for separator, word in words:
        if units and not safe.match(word):
            units[-1] = (units[-1][0], units[-1][1] + separator + word)
        else:
            units.append((separator, word))
    lines, line = [], ""
    for separator, word in units:
        if line and len(line) + len(separator) + len(word) > width:
            lines.append(line)
            line = word
        else:
            line += separator + word
    return [*lines, line]


# Inside a display an operator may start a line for TeX, but to Markdown a lone + - * followed by a
# space would start a list, and a line of = or - would underline the one above.
_SAFE_DISPLAY_START = re.compile(r"(?![-+*]$)(?![#>|<=`~])(?!\d{1,9}[.)]$).")
