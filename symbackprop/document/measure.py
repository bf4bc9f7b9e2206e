"""How wide a piece of LaTeX mathematics prints, estimated in points at 11 pt type.

The documents decide where to break a long display or split a wide table
before any TeX runs, so they need the printed width of the LaTeX they make.
The estimate walks the LaTeX (fractions take their wider part, scripts print
at 70 % size, a binary operator or relation carries its spacing) and rounds
up: an overestimate costs a line break, an underestimate a line off the page.

>>> round(width(r"z_{1} = 0.15 \\cdot 0.05"))
75
"""

import re

# Text width of an A4 page with 2.2 cm margins (16.6 cm), in points, with room for the alignment gap.
DISPLAY_WIDTH = 440.0
TEXT_WIDTH = 470.0
TEXT_HEIGHT = 717.0

_EM = 11.0
_RELATIONS = {"=": 14.8, "<": 14.8, ">": 14.8}
_BINARY = {"+": 13.6, "-": 13.6, "*": 10.0}
_NARROW = {".": 3.1, ",": 5.0, ";": 5.0, "'": 3.5, "!": 3.1, "|": 3.1, "/": 5.5, "(": 4.3, ")": 4.3}
_NARROW.update({"[": 3.1, "]": 3.1, ":": 3.1})
_COMMANDS = {
    "cdot": 8.2, "times": 13.6, "quad": 11.0, "qquad": 22.0, ",": 1.9, ";": 3.1, ":": 2.4, "!": -1.9,
    "sum": 15.0, "partial": 6.3, "infty": 11.0, "leftarrow": 15.0, "odot": 13.6, "top": 8.5,
    "lvert": 3.1, "rvert": 3.1, "log": 15.0, "exp": 17.5, "tanh": 21.5, "max": 20.0, "min": 17.0,
    "ln": 10.0, "sin": 14.0, "cos": 16.0, "cdots": 15.0, "ldots": 15.0, "leq": 14.8, "geq": 14.8,
    "neq": 14.8, "approx": 14.8, "to": 14.8, "mid": 6.0, "%": 10.0, "{": 5.5, "}": 5.5, "_": 5.5,
}  # fmt: skip
_SKIPPED = {"left", "right", "big", "Big", "bigg", "Bigg", "displaystyle", "textstyle", "limits", "nolimits"}
_ARGUMENT_TAKERS = {"hat", "bar", "tilde", "mathbf", "boldsymbol", "mathrm", "text", "operatorname", "mathit"}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|.", re.DOTALL)


_MATRIX = re.compile(r"\\begin\{(matrix|cases|array)\}(?:\{[a-z]*\})?((?:(?!\\begin\{).)*?)\\end\{\1\}", re.DOTALL)


def width(latex, scale=1.0):
    """The estimated printed width of inline or display LaTeX math ``latex``, in points."""
    # A matrix is as wide as its widest cell in each column, plus the gaps between columns.
    while (found := _MATRIX.search(latex)) is not None:
        rows = [row.split("&") for row in found.group(2).split(r"\\")]
        columns = [max(width(row[c], scale) if c < len(row) else 0 for row in rows) for c in range(max(map(len, rows)))]
        latex = (
            latex[: found.start()]
            + rf"\measured{{{sum(columns) + 10 * scale * len(columns):.1f}}}"
            + latex[found.end() :]
        )
    tokens = _TOKEN.findall(latex)
    return _measure(tokens, 0, len(tokens), scale)[0] * 1.04


def _group(tokens, i):
    """The tokens of the group starting at ``i`` (``{...}`` or one token) and the index after it."""
    if i < len(tokens) and tokens[i] == "{":
        depth, j = 0, i
        while j < len(tokens):
            if tokens[j] == "{":
                depth += 1
            elif tokens[j] == "}":
                depth -= 1
                if depth == 0:
                    return i + 1, j, j + 1
            j += 1
        return i + 1, len(tokens), len(tokens)
    return i, min(i + 1, len(tokens)), min(i + 1, len(tokens))


def _measure(tokens, i, end, scale):
    total = 0.0
    while i < end:
        token = tokens[i]
        i += 1
        if token.isspace():
            continue
        if token == "{":
            start, stop, i = _group(tokens, i - 1)
            total += _measure(tokens, start, stop, scale)[0]
        elif token in "^_":
            start, stop, i = _group(tokens, i)
            script = _measure(tokens, start, stop, scale * 0.7)[0]
            # A subscript and a superscript on one base stack: count the wider one only.
            if i < end and tokens[i] in "^_" and tokens[i] != token:
                start, stop, i = _group(tokens, i + 1)
                script = max(script, _measure(tokens, start, stop, scale * 0.7)[0])
            total += script + 0.5 * scale
        elif token == r"\frac":
            n0, n1, i = _group(tokens, i)
            d0, d1, i = _group(tokens, i)
            inner = scale if scale >= 1 else scale * 0.85
            total += max(_measure(tokens, n0, n1, inner)[0], _measure(tokens, d0, d1, inner)[0]) + 2.4 * scale
        elif token == r"\measured":
            start, stop, i = _group(tokens, i)
            total += float("".join(tokens[start:stop]))
        elif token.startswith("\\") and token[1:] in _ARGUMENT_TAKERS:
            start, stop, i = _group(tokens, i)
            bold = 1.3 if token in (r"\mathbf", r"\boldsymbol") else 1.0
            total += _measure(tokens, start, stop, scale * bold)[0] + (1.5 * scale if token == r"\operatorname" else 0)
        elif token.startswith("\\") and token[1:] in _SKIPPED:
            if token in (r"\left", r"\right") and i < end:
                delimiter = tokens[i]
                i += 1
                total += 0 if delimiter == "." else 5.0 * scale
        elif token.startswith("\\"):
            total += _COMMANDS.get(token[1:], 6.5) * scale
        elif token in _RELATIONS:
            total += _RELATIONS[token] * scale
        elif token in _BINARY:
            total += _BINARY[token] * scale
        elif token in _NARROW:
            total += _NARROW[token] * scale
        elif token in "&":
            continue
        elif token in "WM":
            total += 11.0 * scale
        elif token.isupper():
            total += 8.6 * scale
        else:
            total += (6.0 if token.isalpha() else 5.5) * scale
    return total, i


def height(latex):
    """The estimated height of one display row of ``latex``, in points (a fraction or a matrix is taller)."""
    rows = max((found.group(2).count(r"\\") + 1 for found in _MATRIX.finditer(latex)), default=1)
    if rows > 1:
        return 14.0 * rows + 8.0
    return 30.0 if r"\frac" in latex else 17.0
