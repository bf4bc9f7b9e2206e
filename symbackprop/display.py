r"""How a training run shows itself in a notebook: its summary tables as Markdown, HTML or LaTeX for MathJax.

IPython asks an object for ``_repr_markdown_``, ``_repr_html_`` or ``_repr_latex_``; a
:class:`~symbackprop.evaluation.Result` answers with the functions here, which lay out the
summary that ``symbackprop grad`` prints (:func:`symbackprop.tables.summary`: lines of text
and tables). Every line and cell is made literal for its format, as the documents make user
text literal: a title can hold no markup, no HTML and no mathematics.

>>> from symbackprop import load, train
>>> "\n| 1\\* | 0.1000 | 0.2000 | 0.4150 |" in markdown(train(load("bce_sigmoid_2_2_1")), decimals=4)
True
"""

import re

from .tables import Grid, summary

# Characters that MathJax would read as TeX (or a page as HTML, where a notebook inserts the LaTeX as HTML),
# each as the math-mode symbol that shows it; every other character stands in \text{}.
_MATH_SYMBOLS = {
    "\\": r"\backslash",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "#": r"\#",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "^": r"\hat{}",
    "~": r"\sim",
    "<": r"\lt",
    ">": r"\gt",
}
_MATH_SPECIAL = re.compile("[" + re.escape("".join(_MATH_SYMBOLS)) + "]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def markdown(result, decimals=6):
    """The summary as Markdown: its lines as paragraphs, its tables as Markdown tables, all text escaped."""
    from .render import markdown_escape

    blocks, paragraph = [], []
    for part in summary(result, decimals):
        if isinstance(part, Grid) or not part:
            if paragraph:
                blocks.append("  \n".join(paragraph))  # lines kept apart: a hard line break between them
                paragraph = []
        if isinstance(part, Grid):
            rule = ["---"] + ["---:"] * (len(part.header) - 1)  # the figures right-aligned, as in the terminal
            rows = [[markdown_escape(cell) for cell in row] for row in (part.header, *part.rows)]
            blocks.append("\n".join("| " + " | ".join(row) + " |" for row in (rows[0], rule, *rows[1:])))
        elif part:
            paragraph.append(markdown_escape(part))
    if paragraph:
        blocks.append("  \n".join(paragraph))
    return "\n\n".join(blocks) + "\n"


def html(result, decimals=6):
    """The summary as an HTML fragment: its lines as paragraphs, its tables as tables, all text escaped."""
    from .render import html_escape

    out = []
    for part in summary(result, decimals):
        if isinstance(part, Grid):
            head = "".join(f"<th>{html_escape(cell)}</th>" for cell in part.header)
            body = "".join(
                "<tr>" + "".join(f"<td>{html_escape(cell)}</td>" for cell in row) + "</tr>" for row in part.rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif part:
            out.append(f"<p>{html_escape(part)}</p>")
    return "\n".join(out) + "\n"


def latex(result, decimals=6):
    """The summary as one display for MathJax: a column of its lines (as text) and its tables (as arrays).

    MathJax typesets mathematics only, so the whole summary is one ``$$ ... $$`` display. Text stands in
    ``\\text{}``, but for the characters TeX or HTML would read, which are their math-mode symbols.
    """
    rows = []
    for part in summary(result, decimals):
        if isinstance(part, Grid):
            columns = "l" + "r" * (len(part.header) - 1)
            header = " & ".join(math_text(cell) for cell in part.header)
            body = r" \\ ".join(" & ".join(math_text(cell) for cell in row) for row in part.rows)
            rows.append(rf"\begin{{array}}{{{columns}}} {header} \\ \hline {body} \end{{array}}")
        elif part:
            rows.append(math_text(part))
    return "$$\n\\begin{array}{l}\n" + " \\\\\n".join(rows) + "\n\\end{array}\n$$"


def math_text(text):
    r"""``text`` shown literally in MathJax's math mode: runs of plain characters in ``\text{}``, each character
    TeX or HTML would read as its symbol.

    >>> print(math_text("a_1 {b} <i>"))
    \text{a}\_\text{1 }\{\text{b}\}\text{ }\lt\text{i}\gt
    """
    text = _CONTROL.sub(" ", str(text))
    out, at = [], 0
    for match in _MATH_SPECIAL.finditer(text):
        if match.start() > at:
            out.append(rf"\text{{{text[at : match.start()]}}}")
        out.append(_MATH_SYMBOLS[match.group()])
        at = match.end()
    if at < len(text):
        out.append(rf"\text{{{text[at:]}}}")
    return "".join(out) or r"\text{}"
