"""Turn a :class:`~symbackprop.document.Document` into LaTeX or Markdown, and LaTeX into PDF.

Templates live in the package (``templates/`` in the source tree); a user's
own folder, given as ``template_dir``, is searched first, so a single template
can be restyled without copying the rest. The LaTeX environment uses
``((* ... *))`` for statements and ``((( ... )))`` for values, so LaTeX braces
never clash with Jinja2's. Every filter is registered here, in one place.
"""

import os
import re
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

import jinja2

from .errors import SpecError

FORMATS = {"latex": "document.tex.j2", "markdown": "document.md.j2"}
SUFFIXES = {"latex": ".tex", "markdown": ".md"}

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
}
_LATEX_PATTERN = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL))
_MARKDOWN_PATTERN = re.compile(r"([\\`*_\[\]#|~$<>&])")
_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η", "theta": "θ",
    "lambda": "λ", "mu": "μ", "sigma": "σ", "tau": "τ", "phi": "φ", "omega": "ω",
}  # fmt: skip


def latex_escape(text):
    """``text`` safe inside a LaTeX document, every special character replaced in one pass."""
    return _LATEX_PATTERN.sub(lambda m: _LATEX_SPECIAL[m.group()], str(text))


def markdown_escape(text):
    """``text`` shown literally by Markdown renderers (backslash escapes, HTML characters as entities)."""
    return _MARKDOWN_PATTERN.sub(lambda m: _HTML.get(m.group(), "\\" + m.group()), str(text))


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


def _inline(parts, escape, math):
    return "".join(math(content) if kind == "math" else escape(content) for kind, content in parts)


def environment(fmt, template_dir=None):
    """The Jinja2 environment of a format, searching ``template_dir`` before the built-in templates."""
    folders = [str(template_dir)] if template_dir else []
    built_in = resources.files("symbackprop.templates")
    loaders = [jinja2.FileSystemLoader(folders)] if folders else []
    loaders.append(jinja2.FunctionLoader(lambda name: _built_in_template(built_in, name)))
    delimiters = _LATEX_DELIMITERS if fmt == "latex" else {}
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        **delimiters,
    )
    escape = latex_escape if fmt == "latex" else markdown_escape
    env.filters["escape"] = escape
    env.filters["inline"] = lambda parts: _inline(parts, escape, lambda m: f"${m}$")
    env.filters["plain"] = plain
    return env


def _built_in_template(folder, name):
    entry = folder / name
    return entry.read_text(encoding="utf-8") if entry.is_file() else None


def render(document, fmt, template_dir=None):
    """The text of ``document`` in ``fmt`` ("latex" or "markdown")."""
    if fmt not in FORMATS:
        raise SpecError(f"--format: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if template_dir is not None and not Path(template_dir).is_dir():
        raise SpecError(f"--template-dir: {template_dir} is not a folder")
    try:
        template = environment(fmt, template_dir).get_template(FORMATS[fmt])
        return template.render(doc=document)
    except jinja2.TemplateError as error:
        raise SpecError(f"template: {error.__class__.__name__}: {error}".splitlines()[0]) from None


def write_atomically(path, data):
    """Write ``data`` (text or bytes) to ``path`` through a temporary file, so no half-written file is left."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SpecError(f"-o: folder {folder} does not exist")
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise SpecError(f"-o: cannot write in {folder} ({error.strerror})") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise SpecError(f"-o: cannot write {path} ({error.strerror})") from None


def compile_pdf(tex_text, pdf_path):
    """Compile LaTeX source to ``pdf_path`` with latexmk and pdflatex, without shell escape, in a scratch folder."""
    if shutil.which("latexmk") is None or shutil.which("pdflatex") is None:
        raise SpecError(
            "--pdf: no TeX engine found; install latexmk and pdflatex (e.g. Debian's latexmk and texlive-latex-extra)"
        )
    with tempfile.TemporaryDirectory(prefix="symbackprop-") as scratch:
        source = Path(scratch) / "document.tex"
        source.write_text(tex_text, encoding="utf-8")
        done = subprocess.run(
            [
                "latexmk",
                "-pdf",
                "-no-shell-escape",
                "-interaction=nonstopmode",
                "-halt-on-error",
                "-quiet",
                source.name,
            ],
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=300,
            # A fixed date makes the PDF byte-for-byte reproducible, so output/ can be checked for staleness.
            env={**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"},
        )
        if done.returncode != 0:
            log = (
                (Path(scratch) / "document.log").read_text(encoding="utf-8", errors="replace")
                if (Path(scratch) / "document.log").exists()
                else ""
            )
            first = next((line for line in log.splitlines() if line.startswith("!")), "see the LaTeX log")
            raise SpecError(f"--pdf: LaTeX failed: {first}")
        write_atomically(pdf_path, (Path(scratch) / "document.pdf").read_bytes())
