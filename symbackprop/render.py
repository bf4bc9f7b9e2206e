"""Turn a training run into its worked solution: LaTeX, Markdown, an HTML page, a Jupyter notebook or a NumPy script.

Each :class:`Format` says which model of the run its template lays out: a
:class:`~symbackprop.document.Document` for LaTeX, Markdown and HTML, a
:class:`~symbackprop.script.Script` for the script. The notebook has a writer
of its own (:mod:`symbackprop.notebook`), which lays out its cells with the
Markdown and the script's templates. Templates live in the
package (``templates/`` in the source tree); a user's own folder, given as
``template_dir``, is searched first, so a single template can be restyled
without copying the rest. The LaTeX environment uses
``((* ... *))`` for statements and ``((( ... )))`` for values, so LaTeX braces
never clash with Jinja2's. Every filter is registered here, in one place.

User text (titles, descriptions) reaches a document only through
:func:`latex_escape`, :func:`markdown_escape` or :func:`html_escape`, which make every character
literal: nothing a user writes can become a TeX command, a ligature, a Markdown
block or a math span. In the script, every value a template prints becomes a
Python literal (:func:`symbackprop.script.literal`), so user text stays inside strings.
"""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2

from . import charts, notebook, page, script, svg, wrapping
from .document import build
from .document.blocks import Math, figure_parts
from .errors import SpecError
from .mathml import mathml

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "%": r"\%",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "`": r"\textasciigrave{}",  # `` ?` !` would become quotes and inverted marks
}
# One pass over the text: a special character; the first of -- '' ,, (which TeX joins into a dash or
# a quote, so it is followed by an empty group); or a character outside what the documents can
# typeset in text with T1 fonts and utf8 input (printable ASCII, Latin-1, Latin Extended-A but the nine
# letters T1 lacks, such as Ħ and ŉ, and common punctuation), which LaTeX would stop at with "Unicode
# character not set up".
_LATEX_PATTERN = re.compile(
    "["
    + re.escape("".join(_LATEX_SPECIAL))
    + "]|[-',](?=[-',])|[^ -~\u00a0-\u0125\u0128-\u0137\u0139-\u013e\u0141-\u0148\u014a-\u0165\u0168-\u017e"
    + "\u2013\u2014\u2018\u2019\u201c\u201d\u2026]"
)
# Text is always one line in a document: a line break could end a paragraph in LaTeX or start a block
# in Markdown. Spec texts cannot hold control characters; this is the second wall.
_LINE_BREAKS = re.compile("[\r\n\t\f\v\x85\u2028\u2029]")
_MARKDOWN_PATTERN = re.compile(r"([\\`*_\[\]#|~$<>&])")
_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
# U+2060 WORD JOINER, invisible: after a backslash or a dollar it keeps \( \[ $$ \begin from reaching a
# page's math renderer (MathJax or KaTeX scanning the HTML) as delimiters or commands.
_JOINER = "\u2060"
# What would start a Markdown block at the beginning of a line: a list, a quote, a setext underline.
_BLOCK_START = re.compile(r"\A(\s*\d{0,9})([-+=]|(?<=\d)[.)])(?=[\s=]|\Z)")

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η", "theta": "θ",
    "lambda": "λ", "mu": "μ", "sigma": "σ", "tau": "τ", "phi": "φ", "omega": "ω",
}  # fmt: skip


def latex_escape(text):
    """``text`` safe inside a LaTeX document, every special character replaced in one pass.

    >>> latex_escape("--x^^5c{}")
    '-{}-x\\\\textasciicircum{}\\\\textasciicircum{}5c\\\\{\\\\}'
    """
    return _LATEX_PATTERN.sub(_latex_character, _LINE_BREAKS.sub(" ", str(text)))


def _latex_character(match):
    character = match.group()
    if character in _LATEX_SPECIAL:
        return _LATEX_SPECIAL[character]
    if character in "-',":
        return character + "{}"
    return rf"\texttt{{[U+{ord(character):04X}]}}"


# GitHub's Markdown turns bare addresses into links (www.x, https://x, a@b): a joiner breaks each.
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)")


def markdown_escape(text):
    """``text`` shown literally by Markdown renderers: no markup, no HTML, no block, no link, no math.

    >>> markdown_escape("- a $b$")
    '\\\\- a \\\\$\u2060b\\\\$\u2060'
    """
    text = _MARKDOWN_PATTERN.sub(_markdown_character, _LINE_BREAKS.sub(" ", str(text)))
    text = _AUTOLINK.sub(_JOINER, text)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text, count=1)


def html_escape(text):
    """``text`` as literal HTML text, safe in an element or a quoted attribute, on one line.

    >>> html_escape('</title><script>"{{7*7}}"')
    '&lt;/title&gt;&lt;script&gt;&quot;{{7*7}}&quot;'
    """
    return html.escape(_LINE_BREAKS.sub(" ", str(text)), quote=True)


def _markdown_character(match):
    character = match.group()
    if character in _HTML:
        return _HTML[character]
    return "\\" + character + (_JOINER if character in "\\$" else "")


def plain(latex_text):
    """A readable plain-text form of a short LaTeX label (for Mermaid diagrams): ``w_{11} = 0.15`` -> ``w11 = 0.15``."""
    text = str(latex_text).replace(r"\hat{y}", "ŷ")
    text = re.sub(r"\\(mathrm|operatorname|mathbf)\{([^{}]*)\}", r"\2", text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m.group(1), m.group(1)), text)
    text = re.sub(r"\^\{\*\}", "*", text)
    text = text.replace("^", "").replace("_", "").replace("{", "").replace("}", "")
    return text.replace('"', "#quot;")


_LATEX_DELIMITERS = {
    "block_start_string": "((*",
    "block_end_string": "*))",
    "variable_start_string": "(((",
    "variable_end_string": ")))",
    "comment_start_string": "((=",
    "comment_end_string": "=))",
}


@dataclass(frozen=True)
class Format:
    """Everything that makes one output format: its model and templates, file suffix, escaping and math delimiters.

    ``model`` makes what the template lays out (as ``doc``) from a training run; the template is
    ``<stem>.<extension>.j2``. Each kind of block is drawn by the macro ``render`` of
    ``blocks/<kind>.<extension>.j2``, so a user restyles one kind by overriding one file. ``finalize``,
    where given, turns every value a template prints into the format's text (Jinja2's ``finalize``).
    ``writer``, where given, makes the text from the model and ``template_dir`` instead of one template.
    """

    name: str
    extension: str
    suffix: str
    escape: Callable[[str], str]
    inline_math: Callable[[str], str] | None = None
    delimiters: dict = field(default_factory=dict)
    compiles_to_pdf: bool = False
    model: Callable = build
    stem: str = "document"
    finalize: Callable | None = None
    title: str = ""  # what the command line calls a file of this format ("wrote x.md (Markdown)")
    display_math: Callable[[str], str] | None = None  # a display row's mathematics, where the format sets it apart
    seal: Callable[[str], str] | None = None  # applied to the whole rendered text (the HTML page's policy)
    writer: Callable | None = None

    @property
    def template(self):
        return f"{self.stem}.{self.extension}.j2"

    def block_template(self, kind):
        return f"blocks/{kind}.{self.extension}.j2"


FORMATS = {
    "latex": Format(
        "latex", "tex", ".tex", latex_escape, lambda m: f"${m}$", _LATEX_DELIMITERS, compiles_to_pdf=True, title="LaTeX"
    ),
    "markdown": Format("markdown", "md", ".md", markdown_escape, lambda m: f"${m}$", title="Markdown"),
    "html": Format(
        "html",
        "html",
        ".html",
        html_escape,
        mathml,
        title="HTML page",
        display_math=lambda latex: mathml(latex, display=True),
        seal=page.seal,
    ),
    "python": Format(
        "python",
        "py",
        ".py",
        script.comment,
        model=script.build,
        stem="script",
        finalize=script.literal,
        title="NumPy script",
    ),
    "notebook": Format(
        "notebook",
        "ipynb",
        ".ipynb",
        markdown_escape,
        model=notebook.build,
        writer=notebook.write,
        title="Jupyter notebook",
    ),
}


def _inline(parts, fmt):
    """Prose parts as one line of the format: text escaped, mathematics between its delimiters."""
    return "".join(fmt.inline_math(part.latex) if isinstance(part, Math) else fmt.escape(part) for part in parts)


def _wrapped(parts, fmt, indent=""):
    """Prose parts as short lines of the format (:func:`symbackprop.wrapping.fill`): math spans kept whole."""
    pieces = [(fmt.inline_math(p.latex), False) if isinstance(p, Math) else (fmt.escape(p), True) for p in parts]
    return wrapping.fill(pieces, indent=indent)


def _padded(cell, padding):
    """A table cell with invisible figures after its figure (``padding``, see Table.padding), so that figures
    with fewer decimals line up on the decimal point in a right-aligned column."""
    if not padding:
        return cell
    *rest, last = cell
    return (*rest, Math(rf"{last.latex}\phantom{{{padding}}}"))


def _code_line(line):
    """A line of code as LaTeX typewriter text: every character escaped, every space kept, an empty line kept."""
    if not line.strip():
        return r"\mbox{}"
    return r"\ ".join(latex_escape(part) for part in line.split(" "))


def environment(fmt, template_dir=None):
    """The Jinja2 environment of a :class:`Format`, searching ``template_dir`` before the built-in templates."""
    folders = [str(template_dir)] if template_dir else []
    built_in = resources.files("symbackprop.templates")
    loaders = [jinja2.FileSystemLoader(folders)] if folders else []
    loaders.append(jinja2.FunctionLoader(lambda name: _built_in_template(built_in, name)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=fmt.finalize,
        **fmt.delimiters,
    )
    env.filters["escape"] = fmt.escape
    env.filters["inline"] = lambda parts: _inline(parts, fmt)
    env.filters["wrapped"] = lambda parts, indent="": _wrapped(parts, fmt, indent)
    env.filters["display_row"] = wrapping.display
    env.filters["plain"] = plain
    env.filters["decimal_parts"] = figure_parts
    env.filters["code"] = _code_line
    env.filters["math"] = fmt.inline_math or fmt.escape
    env.filters["display"] = fmt.display_math or fmt.inline_math or fmt.escape
    env.filters["padded"] = _padded
    env.filters["chart_svg"] = charts.svg
    env.filters["outline"] = page.outline
    env.filters["contents"] = page.contents
    env.filters["chains_json"] = page.chains_json
    env.filters["picture"] = lambda diagram, chains: svg.picture(diagram, {c.gradient for c in chains})
    env.globals["block_template"] = fmt.block_template
    return env


def _built_in_template(folder, name):
    entry = folder.joinpath(*name.split("/"))
    return entry.read_text(encoding="utf-8") if entry.is_file() else None


def render(document, fmt, template_dir=None):
    """The text of ``document`` (the model the format's ``model`` made) in ``fmt``, a name of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise SpecError(f"--format: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if template_dir is not None and not Path(template_dir).is_dir():
        raise SpecError(f"--template-dir: {template_dir} is not a folder")
    try:
        chosen = FORMATS[fmt]
        if chosen.writer is not None:
            return chosen.writer(document, template_dir)
        text = environment(chosen, template_dir).get_template(chosen.template).render(doc=document)
    except jinja2.TemplateError as error:
        raise SpecError(f"template: {error.__class__.__name__}: {error}".splitlines()[0]) from None
    return chosen.seal(text) if chosen.seal else text
