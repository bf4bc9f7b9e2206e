"""The worked solution as one self-contained HTML page: escaping, mathematics, chains data and the page's seal.

Page contract (docs/html.md says the same; the browser tests rely on it)
------------------------------------------------------------------------
- ``symbackprop render SPEC -o x.html`` (or ``--format html``) writes the page; ``--format html`` without
  ``-o`` prints it. One file: inline CSS, inline SVG, one inline ``<script>`` (our own code, no user text),
  the chains as ``<script type="application/json" id="chains">``. No external URL, no inline event
  handler; a Content-Security-Policy meta tag forbids every network load and allows only that script,
  by its SHA-256 hash (:func:`seal`).
- Every formula is a ``<math>`` element (display rows ``display="block"``); no raw LaTeX is visible.
- Diagram: ``<svg class="network">``; each unit a ``<g class="unit" data-unit="L-J">`` (L the layer, 0 for
  the inputs, J from 1); each bias node ``<g class="unit bias" data-unit="L-b">``, one per layer that has
  biases, feeding layer L (as the LaTeX diagram draws it, per-layer and per-neuron biases alike); each
  edge ``<g class="edge" data-edge="L-J-K">`` into unit J of layer L from unit K of layer L-1 (K ``b``
  from the bias node).
- Every element showing a parameter's gradient (rows of the backward pass's displays, rows of the
  tables that give gradients, the diagram's edges) carries ``data-gradient="<canonical name>"``,
  ``tabindex="0"`` and ``role="button"``. Activating it (click, Enter, Space) puts ``selected`` on every
  element of that gradient, ``chain`` on the diagram's units and edges and on the text elements
  (``data-quantity``) its chain holds (:mod:`symbackprop.document.chains`); again, or Escape, clears.

User text reaches the page only through :func:`symbackprop.render.html_escape` (quotes too, so it is safe in
attributes);
mathematics only as MathML from :func:`symbackprop.mathml.mathml`; the chains only as JSON in which
``<``, ``>`` and ``&`` are escapes, so nothing in it can close its script element.
"""

import base64
import hashlib
import json
import re
from dataclasses import dataclass

from .errors import SpecError

_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
SCRIPT_HASH = "'sha256-SCRIPT'"  # where the template's policy names the script; seal() puts its hash there


def chains_json(chains):
    """The chains as JSON for a ``<script type="application/json">``, with ``<``, ``>`` and ``&`` escaped.

    >>> from symbackprop.document.chains import Chain
    >>> chains_json([Chain("dL/db1", ("1-b",), ("1-1-b",), ("</script>",))])
    '{"dL/db1":{"units":["1-b"],"edges":["1-1-b"],"quantities":["\\\\u003c/script\\\\u003e"]}}'
    """
    data = {
        c.gradient: {"units": list(c.units), "edges": list(c.edges), "quantities": list(c.quantities)} for c in chains
    }
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def script_hash(script):
    """The CSP source that allows exactly the inline script ``script``: ``'sha256-<base64>'``."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def seal(page):
    """``page`` with its Content-Security-Policy naming its one inline script by hash.

    The template writes :data:`SCRIPT_HASH` in the policy, which comes before any user text; the hash is
    taken of the script as rendered, so a restyled template's own script is allowed and nothing else.
    """
    scripts = _SCRIPT.findall(page)
    if len(scripts) != 1 or page.count(SCRIPT_HASH) < 1:
        raise SpecError("template: the HTML page needs exactly one <script> and a policy naming it")
    return page.replace(SCRIPT_HASH, script_hash(scripts[0]), 1)


# A page of this many sections or more opens with a table of contents: every worked solution has (about a dozen).
CONTENTS_FROM = 6
# Ids the page's own elements hold: no section takes one.
_RESERVED = frozenset({"chains", "contents"})
_NOT_IN_ANCHOR = re.compile(r"[^\w\- ]")


@dataclass(frozen=True)
class Part:
    """A section of the page, with its ``anchor`` (its id: ``#backward-pass`` links to it) and its subsections."""

    section: object
    anchor: str
    children: tuple = ()


def anchor(title, taken):
    """The id of a section titled ``title``, as GitHub names a heading's anchor (lower case, punctuation dropped,
    spaces as hyphens), so a link into the Markdown works on the page too; ``-1``, ``-2`` ... after one ``taken``
    already, which it joins.

    >>> taken = set()
    >>> [anchor(t, taken) for t in ("Backward pass", "Check: the forward pass", "Notes", "Notes", "Chains")]
    ['backward-pass', 'check-the-forward-pass', 'notes', 'notes-1', 'chains-1']
    """
    base = _NOT_IN_ANCHOR.sub("", str(title).strip().lower()).replace(" ", "-") or "section"
    name, n = base, 0
    while name in taken or name in _RESERVED:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


def outline(sections):
    """``sections`` as :class:`Part` records, each with its anchor: the page folds a section with its subsections
    inside.

    >>> from symbackprop.document.blocks import Section
    >>> [(p.anchor, [c.anchor for c in p.children]) for p in outline([Section("A b"), Section("B", level=2), Section("C")])]
    [('a-b', ['b']), ('c', [])]
    """
    taken = set()
    result = []
    for section in sections:
        part = Part(section, anchor(section.title, taken))
        if section.level > 1 and result:
            result[-1] = Part(result[-1].section, result[-1].anchor, (*result[-1].children, part))
        else:
            result.append(part)
    return tuple(result)


def contents(parts):
    """The parts a table of contents at the top of the page lists: all of them, on a page of :data:`CONTENTS_FROM`
    sections or more; none on a shorter one, which needs none."""
    return parts if len(parts) >= CONTENTS_FROM else ()
