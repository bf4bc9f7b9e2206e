"""The worked solution as a data model: a document is a list of sections, each made by one function.

:func:`build` makes a :class:`~.context.Context` once (the spec, the training run,
the derivation, the notation and the number printer) and runs the section
functions in :data:`SECTIONS` in order, each under the condition listed beside
it. A section function takes the context and returns a tuple of
:class:`~.blocks.Section` (empty when it has nothing to say). Every decision
about what to show, and every number, is made here; the Jinja2 templates only
lay the blocks out.

Where each part lives: ``overview``, ``network`` (with the diagram), ``notation``,
``data``, ``forward``, ``backward``, ``update``, ``steps``, ``checklist``, ``check``,
``matrix_form``,
``reference``, ``notes``; ``blocks`` holds the block records, ``chains`` the path of each
gradient (for the HTML page's highlighting), ``context`` the
shared context, ``tables`` the column splitting, ``measure`` the page and the room
mathematics takes on it.
"""

from dataclasses import replace

from .backward import backward
from .blocks import Document, Table, joined
from .chains import chains
from .check import check
from .checklist import checklist
from .context import Context
from .data import data
from .forward import forward, forward_values
from .listing import listing
from .matrix_form import matrix_form
from .network import network
from .notation import notation
from .notes import notes
from .overview import overview
from .reference import reference
from .steps import steps
from .update import update


def _always(spec):
    return True


def _several(spec):
    return spec.steps > 1


def _checked(spec):
    return spec.verify or spec.steps > 1


def _extra(name):
    """The condition of a section that only some worked examples show: the spec lists it in [document] extras."""
    return lambda spec: name in spec.extras


# Every section in reading order, with the condition under which it appears.
SECTIONS = (
    (overview, _always),
    (network, _always),
    (notation, _always),
    (data, _always),
    (forward_values, _always),
    (forward, _always),
    (backward, _always),
    (update, _always),
    (steps, _several),
    (checklist, _extra("checklist")),
    (check, _checked),
    (matrix_form, _always),
    (reference, _always),
    (listing, _extra("script")),
    (notes, _always),
)


def laid_out(section):
    """``section`` with its leads joined to what they lead into, and room kept for its heading and first block."""
    blocks = joined(section.blocks)
    first = blocks[0] if blocks else None
    room = first.keep + 4 if isinstance(first, Table) else 0
    return replace(section, blocks=blocks, keep=max(section.keep, room))


# The sections that are steps of the computation, numbered when the spec asks for it: the worked forward
# pass, each layer of the backward pass (its level-2 sections), the update and the check.
_STEPS = (forward, backward, update, check)


def _numbered(made):
    """``made`` with the steps of the computation titled "Step 1: ...", "Step 2: ..." in reading order."""
    result, count = [], 0
    for make, section in made:
        if make in _STEPS and (make is not backward or section.level == 2):
            count += 1
            section = replace(section, title=f"Step {count}: {section.title}")
        result.append((make, section))
    return result


def build(result):
    """The worked-solution document of a training run."""
    ctx = Context(result)
    spec = result.spec
    made = [
        (make, replace(section, part=make.__name__)) for make, shown in SECTIONS if shown(spec) for section in make(ctx)
    ]
    if "numbered" in spec.extras:
        made = _numbered(made)
    sections = tuple(laid_out(section) for _, section in made)
    subtitle = f"{'-'.join(map(str, spec.architecture.widths()))} network, {spec.architecture.loss.label}"
    return Document(spec.title, subtitle, sections, chains(spec))


__all__ = ["SECTIONS", "Document", "build", "laid_out"]
