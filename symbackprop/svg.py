"""The network diagram for the HTML page: the LaTeX diagram's layout (:mod:`symbackprop.diagram`) in SVG terms.

The page draws the very layout the PDF draws, with the same decision about edge labels (where they do
not fit, the document shows the weights as matrices beneath instead). This module only changes
frames: centimetres with y upwards become CSS pixels (``PX`` to the centimetre, the PDF's size times
1.27, which reads well on a screen) with y downwards; arrows end at the base of their tip, and each
tip is a triangle of its own, so a highlighted arrow thickens its line and not its point. The SVG
itself is laid out by templates/blocks/diagram.html.j2; the picture scales down to the column.

Names follow the page contract (docs/html.md): unit ``"l-j"`` (layer 0 the inputs, units from 1),
bias node ``"l-b"``, edge ``"l-j-k"`` or ``"l-j-b"``.

>>> from symbackprop import diagram
>>> p = picture(diagram.layout([["x"], ["y"]], [None, [["w = 0.5"]]], [None, "b = 0.1"]), {"dL/dW1[1,1]"})
>>> [(n.unit, n.label) for n in p.nodes], [(e.edge, e.gradient) for e in p.edges]
([('0-1', 'x'), ('1-1', 'y'), ('1-b', '1')], [('1-1-1', 'dL/dW1[1,1]'), ('1-1-b', '')])
"""

import math
from dataclasses import dataclass

from .diagram import _PT, ARROW_LENGTH, ARROW_WIDTH, FONTS
from .quantities import gradient_name

PX = 48.0  # CSS pixels to the centimetre
MARGIN = 6.0  # around the picture, in pixels: room for a thick highlighted border
LABEL_SLACK = 1.15  # a label's box for the browser's math, wider than TeX's estimate, which it may exceed


@dataclass(frozen=True)
class Node:
    unit: str  # "l-j" or "l-b"
    kind: str  # "input", "unit" or "bias"
    label: str  # LaTeX
    x: float
    y: float
    rx: float
    ry: float
    font: float  # px

    # The box the name is centred in.
    left = property(lambda self: round(self.x - self.rx, 2))
    top = property(lambda self: round(self.y - self.ry, 2))
    width = property(lambda self: round(2 * self.rx, 2))
    height = property(lambda self: round(2 * self.ry, 2))


@dataclass(frozen=True)
class Label:
    """An edge label: its white ground centred at (x, y), ``width`` by ``height``, turned ``angle`` degrees
    (clockwise, as SVG turns); the text box (``box_width``) may be wider than its ground."""

    latex: str
    x: float
    y: float
    width: float
    height: float
    angle: float
    box_width: float
    font: float

    left = property(lambda self: round(self.x - self.width / 2, 2))
    top = property(lambda self: round(self.y - self.height / 2, 2))
    box_left = property(lambda self: round(self.x - self.box_width / 2, 2))


@dataclass(frozen=True)
class Edge:
    edge: str  # "l-j-k" or "l-j-b"
    kind: str  # "weight" or "bias"
    gradient: str  # the canonical name of the parameter's gradient, "" if the page shows none
    x0: float
    y0: float
    x1: float  # the base of the tip
    y1: float
    tip: str  # the tip's three corners, as an SVG points list
    label: Label | None


@dataclass(frozen=True)
class Picture:
    width: float
    height: float
    nodes: tuple
    edges: tuple
    labelled: bool


def picture(diagram, gradients):
    """The SVG picture of ``diagram``; ``gradients`` are the canonical names of the gradients the page can select,
    which its edges point at."""
    height = diagram.height

    def at(x, y):
        return round(MARGIN + x * PX, 2), round(MARGIN + (height - y) * PX, 2)

    ids = {}
    nodes = []
    for n in diagram.nodes:
        ids[n.id] = _unit(n.id)
        font = FONTS["small" if n.kind == "bias" else diagram.node_font] * _PT * PX
        nodes.append(Node(ids[n.id], n.kind, n.label, *at(n.x, n.y), _px(n.rx), _px(n.ry), round(font, 2)))
    edges = []
    for e in diagram.edges:
        layer, target = ids[e.target].split("-")
        source = ids[e.source].split("-")[1]
        name = f"{layer}-{target}-{source}"
        x0, y0 = at(e.x0, e.y0)
        x1, y1 = at(e.x1, e.y1)
        length = math.hypot(x1 - x0, y1 - y0)
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        bx, by = x1 - ux * ARROW_LENGTH * PX, y1 - uy * ARROW_LENGTH * PX
        half = ARROW_WIDTH * PX / 2
        tip = f"{x1},{y1} {round(bx - uy * half, 2)},{round(by + ux * half, 2)} {round(bx + uy * half, 2)},{round(by - ux * half, 2)}"
        label = None
        if e.label is not None:
            lx, ly = at(e.label_x, e.label_y)
            width, label_height = _px(e.label_width), _px(e.label_height)
            font = round(FONTS[diagram.label_font] * _PT * PX, 2)
            label = Label(
                e.label, lx, ly, width, label_height, -e.label_angle + 0.0, round(width * LABEL_SLACK, 2), font
            )
        gradient = _gradient(name, gradients)
        edges.append(Edge(name, e.kind, gradient, x0, y0, round(bx, 2), round(by, 2), tip, label))
    size = (round(diagram.width * PX + 2 * MARGIN, 1), round(diagram.height * PX + 2 * MARGIN, 1))
    return Picture(*size, tuple(nodes), tuple(edges), diagram.labelled)


def _px(cm):
    return round(cm * PX, 2)


def _unit(node_id):
    """The page's name of a diagram node: ``n1_0`` (layer 1, unit 0) is "1-1", ``b2`` (the bias of layer 2) "2-b"."""
    if node_id.startswith("b"):
        return f"{node_id[1:]}-b"
    layer, unit = node_id[1:].split("_")
    return f"{layer}-{int(unit) + 1}"


def _gradient(edge, gradients):
    """The gradient an edge carries the parameter of: its weight's, or its bias's (one per unit, or the layer's)."""
    layer, j, k = edge.split("-")
    if k != "b":
        names = [gradient_name(f"W{layer}", (int(j) - 1, int(k) - 1))]
    else:
        names = [gradient_name(f"b{layer}", (int(j) - 1,)), gradient_name(f"b{layer}", ())]
    return next((name for name in names if name in gradients), "")
