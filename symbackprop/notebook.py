"""The worked solution as a Jupyter notebook: what ``render --format notebook`` writes.

The notebook tells the worked solution in Markdown cells, one per section, laid out as the Markdown
document lays it out (``section.md.j2``: its mathematics is already what KaTeX and MathJax read). After
the section that works through a step of the computation comes a code cell that recomputes that step in
plain NumPy and prints its numbers, so a reader reads a section and runs its figures. The code cells are
the stand-alone script of ``render --format python`` cut at its steps: each cell is a block of
``notebook.py.j2``, which defines the step's functions with the script's own templates
(``steps/<part>.py.j2``) and runs them. They import NumPy only, so the notebook runs wherever NumPy does.
The last cell prints the object that ``symbackprop grad SPEC --json`` prints.

nbformat builds and validates the notebook; it is needed for this format only (``pip install
'symbackprop[notebook]'``).
"""

from dataclasses import dataclass

from . import document, script
from .errors import SpecError

# The parts of the document (names of SECTIONS functions) that each step's code cell may follow, first choice
# first: it comes after the last section of the first of them the document has (a forward pass of one sample
# has no table of every sample's values), else right after the step before it. The results come last of all.
AFTER = {
    "setup": ("data",),
    "forward": ("forward_values", "forward"),
    "loss": ("forward",),
    "backward": ("backward",),
    "gradients": ("backward",),
    "update": ("update",),
    "steps": ("steps",),
    "check": ("check",),
    "results": None,
}
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


@dataclass(frozen=True)
class Notebook:
    """What a notebook lays out: the worked solution's document and the script's model."""

    document: object
    script: object


def nbformat():
    """The nbformat module, or a one-line error saying how to install it."""
    try:
        import nbformat
    except ImportError:
        raise SpecError("--format notebook needs nbformat: pip install 'symbackprop[notebook]'") from None
    return nbformat


def build(result):
    """The notebook model of a training run (a :class:`~symbackprop.evaluation.Result`)."""
    nbformat()  # before any work: without it, nothing can be written
    return Notebook(document.build(result), script.build(result))


def cells(model, template_dir=None):
    """The notebook's cells in order, each ``(kind, id, text)`` with kind ``markdown`` or ``code``."""
    from .render import FORMATS, environment

    markdown = environment(FORMATS["markdown"], template_dir)
    code = environment(FORMATS["python"], template_dir)
    title, section = markdown.get_template("notebook.md.j2"), markdown.get_template("section.md.j2")
    steps = code.get_template("notebook.py.j2")
    after = _placement(model.document.sections)
    made = [("markdown", "title", _block(title, "title", model.document))]
    made += [("code", part, _block(steps, part, model.script)) for part in after.get(-1, ())]
    for index, shown in enumerate(model.document.sections):
        made.append(("markdown", f"section-{index + 1}", section.render(section=shown).strip("\n")))
        made += [("code", part, _block(steps, part, model.script)) for part in after.get(index, ())]
    made += [("code", part, _block(steps, part, model.script)) for part in after.get(None, ())]
    return [(kind, name, text) for kind, name, text in made if text]


def _placement(sections):
    """``{index of a section (-1: the title), or None (the end): the steps whose code cells follow it}``."""
    last = {section.part: index for index, section in enumerate(sections)}
    placed, anchor = {}, -1
    for part in script.PARTS:
        if AFTER[part] is None:
            anchor = None
        else:
            anchor = next((last[wanted] for wanted in AFTER[part] if wanted in last), anchor)
        placed.setdefault(anchor, []).append(part)
    return placed


def _block(template, name, doc):
    """The text of the block ``name`` of ``template``, laid out for ``doc``, without blank lines around it."""
    return "".join(template.blocks[name](template.new_context({"doc": doc}))).strip("\n")


def write(model, template_dir=None):
    """The notebook as the text of an ``.ipynb`` file (nbformat 4), validated."""
    nbf = nbformat()
    new = {"markdown": nbf.v4.new_markdown_cell, "code": nbf.v4.new_code_cell}
    notebook = nbf.v4.new_notebook(
        cells=[new[kind](text, id=name) for kind, name, text in cells(model, template_dir)],
        metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}},
    )
    nbf.validate(notebook)
    return nbf.writes(notebook) + "\n"
