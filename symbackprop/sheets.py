"""Question and solution sheets of an exercise: one LaTeX document each, a variant per sheet.

:func:`questions_tex` gives every variant's statement (statement.py): the network with
its diagram and numbers, the notation, the data, the task and a box per asked
quantity, and no value of the run. :func:`solutions_tex` gives every variant's full
worked solution, the document ``symbackprop render`` makes for its spec, ending with
its answers. Each variant starts on a new page, numbered from 1, with its ID in the
header and the foot of every page. Both are text; the caller writes and compiles them
(``symbackprop.tex.build_pdf``).
"""

from dataclasses import dataclass, replace

from .answers import checked
from .document import build, laid_out
from .render import FORMATS, environment
from .statement import answer_key, statement

HEADER_CHARACTERS = 70  # a longer title is cut short in the header, where it must fit on one line beside the ID


@dataclass(frozen=True)
class QuestionSheet:
    ident: str
    sections: tuple


@dataclass(frozen=True)
class SolutionSheet:
    ident: str
    document: object


def questions_tex(variants, title):
    """The question sheets of ``variants`` under ``title``, as one LaTeX document."""
    sheets = [QuestionSheet(v.ident, statement(v)) for v in checked(variants)]
    return _render("sheets/questions.tex.j2", title, sheets)


def solutions_tex(variants, title, progress=None):
    """The worked solution of each of ``variants`` with its answers, under ``title``, as one LaTeX document.

    ``progress``, if given, is called with the number of solutions built so far.
    """
    sheets = []
    for done, variant in enumerate(checked(variants), start=1):
        document = build(variant.result)
        document = replace(
            document,
            subtitle=f"Variant {variant.ident}: {document.subtitle}",
            sections=(*document.sections, laid_out(answer_key(variant))),
        )
        sheets.append(SolutionSheet(variant.ident, document))
        if progress:
            progress(done)
    return _render("sheets/solutions.tex.j2", title, sheets)


def header(title):
    """``title`` as the header shows it: whole, or cut short at a word with an ellipsis.

    >>> header("Backpropagation, exercise 3")
    'Backpropagation, exercise 3'
    >>> len(header("word " * 40)) <= HEADER_CHARACTERS
    True
    """
    title = " ".join(str(title).split())
    if len(title) <= HEADER_CHARACTERS:
        return title
    cut = title[: HEADER_CHARACTERS - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "\u2026"


def _render(template, title, sheets):
    env = environment(FORMATS["latex"])
    return env.get_template(template).render(title=title, header=header(title), sheets=sheets)
