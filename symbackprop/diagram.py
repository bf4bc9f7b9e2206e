"""The network diagram, laid out in Python so that no label meets anything it should not.

How it works
------------
A diagram is columns of nodes: the inputs, then one column per layer. Every
unit has an arrow from every node of the column before it, labelled with its
weight. A layer with biases gets a small grey node "1" under the column before
it (the constant input a bias multiplies, as in Mazur's worked example), with a
dashed arrow to each of the layer's units labelled with that unit's bias: its
own for per-neuron biases; for a per-layer bias the one shared label, on every
arrow, because every arrow carries that same parameter.

1. Sizes. Every label's printed size is estimated from its LaTeX by
   :func:`symbackprop.mathsize.math_size`, which is never more than half a
   point short of pdflatex; half a point is added. A node is a circle around
   its name; all nodes of a column share the largest circle, so they line up.
2. Places. Columns stand ``gap`` apart, each centred on one line, nodes
   ``pitch`` apart within a column. A bias node sits under the lowest node of
   its column, low enough for its steepest arrow to clear that node. Arrows
   run from border to border and end in a tip of known size (``ARROW_LENGTH``
   by ``ARROW_WIDTH``, as templates/diagram.tex.j2 draws it). No arrow may
   pass within ``EDGE_CLEARANCE`` of a node that is not one of its ends.
3. Labels. A label is written along its arrow and centred on it, on a white
   ground that interrupts that arrow and only that arrow, so it cannot be read
   as another's. The ground keeps a given room (a :class:`_Room`) from every
   other arrow, every arrow tip (its own too), every node and every other
   label: not merely clear of them, since white hides a line passing under
   the ground but not one passing a hair's breadth from the words, and words
   half a millimetre from a line read as touching it. Where along the arrow
   the label may sit is worked out exactly: in the arrow's own frame (along,
   across) every other arrow, arrow tip and node, widened by that room, rules
   out one interval of positions; what is left are the free stretches. Each
   label then takes a place in a free stretch, preferring room to spare and
   the middle of the arrow, such that no two labels come closer than the
   room: a bounded backtracking search over the labels of each gap between
   columns finds such a choice or shows there is none. No label is turned
   more than ``MAX_ANGLE``.
4. Search. Longer arrows leave longer stretches between crossings, so the
   layout tries pitches from the closest up to ``MAX_PITCH`` (and a picture
   ``MAX_LABELLED_HEIGHT`` tall) and, for each, bisects for the narrowest gap
   (up to ``MAX_GAP`` and the text width) at which every label fits, then
   tries a few wider ones. Of the layouts found it keeps the one of least
   area, counting labels turned more than ``EASY_ANGLE`` as up to twice that.
   The least area alone packs a small network tight, so the search asks
   first for ``ROOMY`` room (more white, a pitch of at least 2 cm, or the
   tallest the height allows) and settles for ``TIGHT`` room, a millimetre,
   only when nothing roomy fits the page.

When no spacing gives every label a clean place, the diagram drops all edge
labels (``labelled`` is False; the document shows the weights as matrices)
and takes a plain layout: ``PLAIN_PITCH`` and ``PLAIN_GAP`` where they fit,
each gap widened where its arrows graze a node, the pitch where the width is
used up, and, in networks too tall or dense for that, names in
``\\scriptsize`` and ellipses for circles. A deep network of 7 or 8 units a
layer with long names may still not fit; its arrows may then pass behind the
rim of a node (nodes are drawn over arrows) but never across its name, and
only if even that fails is the picture scaled down (``scale`` < 1).

So the rule for dropping labels is geometric, not a count of units: a label
needs a stretch of its arrow as long as itself and its room on both sides
between two crossings. How many units that allows depends on the labels'
length. With labels such as ``W^{(2)}_{12} = -0.3456`` (about 1.9 cm in
\\scriptsize) and ``w_{12} = 0.15`` (about 1.3 cm), a gap from n sources to m
targets keeps its labels for m up to (tests/test_diagram.py pins this down):

    n sources          1  2  3  4  5  6  7  8
    long, no bias      8  4  3  2  1  1  1  1
    long, biases       4  2  2  2  1  1  1  1
    short, no bias     8  6  4  3  2  2  1  1
    short, biases      6  4  2  2  2  1  1  1

and a deeper network keeps them when every gap does and the columns fit the
width: 2-2-1 and 2-2-2 with long labels and any biases, 2-3-1 with long ones
and no bias or a shared one, 3-3-3 and 3-4-2 with short ones and no biases.

Nothing here runs TeX. Lengths are in centimetres, y upwards, the picture's
lower left corner at (0, 0). Sizes assume the documents' fonts (``lmodern``,
T1, an 11 pt article).
"""

import functools
import math
from dataclasses import dataclass

from .mathsize import math_size

# TeX's font size commands and the sizes they set in an 11 pt article: node names are \small (or
# \scriptsize in a crowded plain diagram), edge labels \scriptsize.
FONTS = {"small": 10, "scriptsize": 8}
LABEL_FONT = "scriptsize"

_PT = 2.54 / 72.27  # one TeX point in cm
NODE_SEP = 1.5 * _PT  # TikZ inner sep of a node: space between its name and its border
LABEL_SEP = 0.6 * _PT  # inner sep of an edge label: the white ground around its text
SAFETY = 0.5 * _PT  # added to every estimated text size: the estimate may be short by this much
MIN_RADIUS = 0.3  # the smallest circle of an input or a unit
MIN_BIAS_RADIUS = 0.2
NODE_GAP = 0.3  # between two nodes of one column
MIN_RUN = 1.0  # the shortest arrow between two columns' nodes
EDGE_CLEARANCE = 0.05  # between an arrow and a node it passes by
ARROW_LENGTH = 0.16  # the arrow tip (arrows.meta Stealth[length=1.6mm, width=1.2mm])
ARROW_WIDTH = 0.12
OUTER_SEP = 0.3 * _PT  # half the width of a node's border line: arrows end on its outside
BIAS_DROP = 0.5  # a bias node sits this far from the closest it can be to its column towards a pitch below

MAX_GAP = 8.0  # the widest gap between columns
MAX_PITCH = 4.0  # the widest pitch of a labelled diagram
MAX_LABELLED_HEIGHT = 12.0
PITCH_STEP = 0.25  # pitches tried for a labelled diagram
BISECTIONS = 6  # halvings of the gap, per pitch
WIDER_TRIES = 4  # wider gaps tried beyond the narrowest, per pitch
EASY_ANGLE = 30  # degrees: text turned further is harder to read, and such layouts count as larger
MAX_ANGLE = 45  # degrees: no label is turned further than this
STEP = 0.08  # spacing of a label's candidate positions along its arrow
COMFORT = 0.15  # room around a label beyond which more room is not preferred
CANDIDATES = 8  # positions kept per label for the search, at least SPREAD apart
SPREAD = 0.25
SEARCH_STEPS = 20_000  # backtracking steps per gap before the labels are given up


@dataclass(frozen=True)
class _Room:
    """The room a label keeps, in cm from its white ground, and the closest pitch tried for it."""

    arrow: float  # to every arrow and arrow tip but its own arrow's line (its own tip too)
    node: float  # to every node, measured from the circle around the node's wider half axis
    label: float  # to every other label
    pitch: float  # nodes of a column at least this far apart, or as far as the height allows


# The least room, kept in every labelled diagram: a millimetre, with the ground's own 0.6 pt, is the
# least white between words and a line at which they do not read as touching it (at 0.5 mm they did).
TIGHT = _Room(arrow=0.1, node=0.15, label=0.15, pitch=0.0)
# The room a labelled diagram gets wherever the page has it: more white, and a pitch of 2 cm, so that
# labels of converging arrows do not stack and each label leaves its arrow visible at both ends.
ROOMY = _Room(arrow=0.15, node=0.4, label=0.25, pitch=2.0)

PLAIN_GAP = 5.0  # the gap of a diagram without edge labels, when the width allows it
PLAIN_PITCH = 1.4  # the pitch of a diagram without edge labels, when the height allows it
PLAIN_HEIGHT = 12.0  # a plain diagram is drawn smaller rather than taller than this
PLAIN_STEP = 0.2  # how much a gap (or the pitch) widens when an arrow grazes a node


@dataclass(frozen=True)
class Node:
    """An input, a unit, or a layer's bias node "1", drawn as a circle or (``rx != ry``) an ellipse."""

    id: str
    label: str  # LaTeX math
    kind: str  # "input", "unit" or "bias"
    shape: str  # "circle" or "ellipse"
    x: float
    y: float
    rx: float  # half width
    ry: float  # half height


@dataclass(frozen=True)
class Edge:
    """An arrow from ``source`` to ``target`` (node ids), and its label when the diagram is labelled.

    The label is centred at (``label_x``, ``label_y``) on the arrow and turned ``label_angle``
    degrees counter-clockwise to run along it; ``label_width`` and ``label_height`` are the
    estimated size of its white ground. All six label fields are None when labels were dropped.
    """

    source: str
    target: str
    kind: str  # "weight" or "bias"
    layer: int  # the layer the arrow feeds, 1 for the first hidden layer
    x0: float  # the arrow runs from (x0, y0) on the source's border
    y0: float
    x1: float  # to (x1, y1), where the point of its tip touches the target's border
    y1: float
    label: str | None  # LaTeX math
    label_x: float | None = None
    label_y: float | None = None
    label_angle: float | None = None
    label_width: float | None = None
    label_height: float | None = None


@dataclass(frozen=True)
class Diagram:
    """A laid-out network: nodes, arrows, the picture's size in cm, whether its arrows are labelled.

    ``node_font`` and ``label_font`` are TeX size commands without the backslash. ``scale`` is 1
    unless the network could not be drawn legibly within the page, and then the picture is
    shrunk by it (never when labelled); ``width`` and ``height`` are before scaling.
    """

    nodes: tuple
    edges: tuple
    width: float
    height: float
    labelled: bool
    node_font: str
    label_font: str
    scale: float
    kind: str = "diagram"  # the block kind: templates/blocks/diagram.<format>.j2 draws it


def layout(columns, weights, biases, *, max_width_cm=16.0, max_height_cm=18.0):
    """The diagram of a network, every label where nothing else is, or no edge labels at all.

    ``columns[0]`` are the inputs' names, ``columns[l]`` those of layer l's units (LaTeX math);
    ``weights[l][j][k]`` labels the arrow from node k of column l-1 to node j of column l
    (``weights[0]`` is unused); ``biases[l]`` is None (no bias), one label (a bias shared by
    layer l) or a list of labels, one per unit of layer l (``biases[0]`` is unused).

    >>> d = layout([["x_{1}"], ["y"]], [None, [["w = 0.5"]]], [None, "b = 0.1"])
    >>> d.labelled, [n.id for n in d.nodes], [(e.source, e.target, e.label) for e in d.edges]
    (True, ['n0_0', 'n1_0', 'b1'], [('n0_0', 'n1_0', 'w = 0.5'), ('b1', 'n1_0', 'b = 0.1')])
    """
    return _layout(_frozen(columns), _frozen(weights), _frozen(biases), max_width_cm, max_height_cm)


def _frozen(value):
    """``value`` with every list made a tuple, so that a layout can be looked up by its labels."""
    return tuple(_frozen(item) for item in value) if isinstance(value, (list, tuple)) else value


# The same network with the same labels is laid out once: a variant's question sheet, its worked
# solution and its Moodle question all draw it.
@functools.lru_cache(maxsize=256)
def _layout(columns, weights, biases, max_width_cm, max_height_cm):
    net = _Network(columns, weights, biases)
    found = _labelled(net, max_width_cm, max_height_cm)
    if found is not None:
        return _diagram(*found, max_width_cm, max_height_cm)
    return _diagram(_plain(net, max_width_cm, max_height_cm), None, max_width_cm, max_height_cm)


@functools.lru_cache(maxsize=4096)
def text_size(latex, font):
    """Width and height in cm of the box TikZ makes around ``$latex$`` in ``font`` (text, inner sep, margin).

    >>> [round(v, 2) for v in text_size("w_{1} = 0.15", "scriptsize")]
    [1.35, 0.3]
    """
    width, height, depth = math_size(latex, FONTS[font])
    sep = LABEL_SEP if font == LABEL_FONT else NODE_SEP
    return width * _PT + 2 * sep + SAFETY, (height + depth) * _PT + 2 * sep + SAFETY


# ---------------------------------------------------------------------------------------------
# The network and where its nodes go


@dataclass(frozen=True)
class _Style:
    """How nodes are drawn: the font of their names and their shape, with the sizes that follow."""

    font: str
    shape: str
    halves: tuple  # (half width, half height) of each column's nodes
    bias: float  # radius of a bias node


class _Network:
    """A network's columns and labels, and frames of it (nodes and arrows placed) for given spacings."""

    def __init__(self, columns, weights, biases):
        _check(columns, weights, biases)
        self.columns = [list(column) for column in columns]
        self.depth = len(columns) - 1
        self.weights, self.biases = weights, biases
        self.styles = [self.style(font, shape) for font in FONTS for shape in ("circle", "ellipse")]

    def style(self, font, shape):
        """Nodes of ``shape`` around names in ``font``: the largest in each column, at least MIN_RADIUS."""

        def half(name, round_):
            width, height = text_size(name, font)
            # TikZ's circle passes through the corners of the name's box; its ellipse through the
            # corners too, with the box's aspect ratio (the half sides times the square root of 2).
            if round_:
                return (math.hypot(width, height) / 2,) * 2
            return width / math.sqrt(2), height / math.sqrt(2)

        halves = tuple(
            tuple(max(MIN_RADIUS, *(half(name, shape == "circle")[i] for name in column)) for i in (0, 1))
            for column in self.columns
        )
        return _Style(font, shape, halves, max(MIN_BIAS_RADIUS, half("1", True)[0]))

    def has_bias(self, l):
        return self.biases[l] is not None

    def bias_drop(self, l, pitch, gap, style):
        """How far below the centre of column l-1's lowest node its bias node sits: part of the way
        to a pitch below, and low enough that its steepest arrow clears that node."""
        closest = style.halves[l - 1][1] + style.bias + NODE_GAP
        drop = closest + BIAS_DROP * max(0.0, pitch - closest)
        # The arrow to the highest unit, rising h over the gap from d below the lowest node, passes it
        # at gap * d / sqrt(gap^2 + (h + d)^2), which must be at least k.
        k = max(style.halves[l - 1]) + 2 * EDGE_CLEARANCE
        h = (len(self.columns[l]) - 1) / 2 * pitch + (len(self.columns[l - 1]) - 1) / 2 * pitch
        if gap <= k:
            return drop
        a, b, c = gap * gap - k * k, -2 * k * k * h, -k * k * (gap * gap + h * h)
        return max(drop, (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a))

    def min_pitch(self, style):
        return 2 * max(ry for _, ry in style.halves) + NODE_GAP

    def run(self, l, style):
        """The narrowest gap before column l: arrows at least MIN_RUN long."""
        return style.halves[l - 1][0] + style.halves[l][0] + MIN_RUN

    def width(self, gaps, style):
        return style.halves[0][0] + sum(gaps) + style.halves[-1][0]

    def widest(self, max_width, style):
        """The widest equal gap: MAX_GAP, or what the width allows (but never narrower than a run)."""
        room = (max_width - style.halves[0][0] - style.halves[-1][0]) / self.depth
        return max(min(MAX_GAP, room), *(self.run(l, style) for l in range(1, self.depth + 1)))

    def frame(self, gaps, pitch, style):
        """Nodes and arrows placed: column l at the sum of the first l gaps, nodes ``pitch`` apart."""
        nodes, arrows, x = {}, [], 0.0
        for l, column in enumerate(self.columns):
            x += gaps[l - 1] if l else 0.0
            rx, ry = style.halves[l]
            for j, name in enumerate(column):
                shape = "circle" if rx == ry else "ellipse"
                node = Node(
                    f"n{l}_{j}", name, "unit" if l else "input", shape, x, ((len(column) - 1) / 2 - j) * pitch, rx, ry
                )
                nodes[node.id] = node
        for l in range(1, self.depth + 1):
            sources, targets = self.columns[l - 1], self.columns[l]
            for j in range(len(targets)):
                for k in range(len(sources)):
                    label = self.weights[l][j][k]
                    arrows.append(_Arrow(nodes[f"n{l - 1}_{k}"], nodes[f"n{l}_{j}"], "weight", l, label))
            if self.has_bias(l):
                x = nodes[f"n{l - 1}_0"].x
                y = -(len(sources) - 1) / 2 * pitch - self.bias_drop(l, pitch, gaps[l - 1], style)
                bias = Node(f"b{l}", "1", "bias", "circle", x, y, style.bias, style.bias)
                nodes[bias.id] = bias
                labels = [self.biases[l]] * len(targets) if isinstance(self.biases[l], str) else self.biases[l]
                for j, label in enumerate(labels):
                    arrows.append(_Arrow(bias, nodes[f"n{l}_{j}"], "bias", l, label))
        return _Frame(tuple(nodes.values()), tuple(arrows), style)


def _check(columns, weights, biases):
    if len(columns) < 2 or any(len(column) == 0 for column in columns):
        raise ValueError(f"columns: expected the inputs and at least one layer, each with a node, got {columns!r}")
    if len(weights) != len(columns) or len(biases) != len(columns):
        raise ValueError(
            f"weights and biases: expected {len(columns)} entries each (one per column, the first unused), "
            f"got {len(weights)} and {len(biases)}"
        )
    for l in range(1, len(columns)):
        shape = [len(row) for row in weights[l]]
        if shape != [len(columns[l - 1])] * len(columns[l]):
            raise ValueError(
                f"weights[{l}]: expected {len(columns[l])} rows of {len(columns[l - 1])} labels, got rows of {shape}"
            )
        bias = biases[l]
        if not (bias is None or isinstance(bias, str) or len(bias) == len(columns[l])):
            raise ValueError(f"biases[{l}]: expected None, one label or {len(columns[l])} labels, got {bias!r}")


# ---------------------------------------------------------------------------------------------
# The two searches: labelled, then plain


def _labelled(net, max_width, max_height):
    """(frame, labels) of the smallest labelled layout with ROOMY room, else with TIGHT room, or None
    when no spacing lets every label fit even so."""
    style = net.styles[0]
    pitches, pitch = [], net.min_pitch(style)
    widest = [net.widest(max_width, style)] * net.depth
    while pitch <= MAX_PITCH and net.frame(widest, pitch, style).height <= min(MAX_LABELLED_HEIGHT, max_height):
        pitches.append(pitch)
        pitch += PITCH_STEP
    if not pitches:
        return None
    for room in (ROOMY, TIGHT):
        least = min(room.pitch, pitches[-1])  # the pitch asked for, or the tallest the height allows
        best = None
        for pitch in (pitch for pitch in pitches if pitch >= least):
            if best is not None and _lower_bound(net, pitch, style) >= best[0]:
                break
            found = _best_at_pitch(net, pitch, style, max_width, room)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        if best is not None:
            return best[1:]
    return None


def _lower_bound(net, pitch, style):
    """The least cost a layout at ``pitch`` can have: its area at the narrowest gap, text not turned."""
    frame = net.frame([max(net.run(l, style) for l in range(1, net.depth + 1))] * net.depth, pitch, style)
    return frame.width * frame.height


def _best_at_pitch(net, pitch, style, max_width, room):
    """(cost, frame, labels) of the best equal gap at ``pitch`` whose labels all fit, or None: the
    narrowest such gap (by bisection) or a wider one whose flatter arrows make up for its width."""
    low, high = max(net.run(l, style) for l in range(1, net.depth + 1)), net.widest(max_width, style)
    if net.width([high] * net.depth, style) > max_width or _fitted(net, high, pitch, style, room) is None:
        return None
    widest = high
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        if _fitted(net, middle, pitch, style, room) is None:
            low = middle
        else:
            high = middle
    tried = [_fitted(net, high + i / WIDER_TRIES * (widest - high), pitch, style, room) for i in range(WIDER_TRIES + 1)]
    return min(((_cost(*found), *found) for found in tried if found is not None), key=lambda option: option[0])


def _fitted(net, gap, pitch, style, room):
    """(frame, labels) at this spacing if no arrow grazes a node and every label fits with ``room``, else None."""
    frame = net.frame([gap] * net.depth, pitch, style)
    labels = None if _grazed(frame) else _place_labels(frame, room)
    return None if labels is None else (frame, labels)


def _cost(frame, labels):
    """The picture's area, and up to twice that for labels turned more than EASY_ANGLE."""
    steepest = max(abs(math.degrees(math.atan2(box.uy, box.ux))) for box in labels.values())
    return frame.width * frame.height * (1 + max(0.0, steepest - EASY_ANGLE) / (MAX_ANGLE - EASY_ANGLE))


def _plain(net, max_width, max_height):
    """A layout without edge labels in which no arrow grazes a node: the first style (small circles,
    small ellipses, then both in \\scriptsize) that fits PLAIN_HEIGHT, or else the page. Failing
    that (deep, tall networks with long names), arrows may pass behind a node's rim but not its
    name; failing even that, the picture is as wide as it takes, to be scaled down."""
    for names_only in (False, True):
        for height in (min(PLAIN_HEIGHT, max_height), max_height):
            for style in net.styles:
                frame = _spread(net, style, max_width, height, names_only)
                if frame is not None:
                    return frame
    return _spread(net, net.styles[-1], max_width, max_height, True, overflow=True)


def _spread(net, style, max_width, max_height, names_only, overflow=False):
    """A plain frame: from PLAIN_PITCH (or the closest pitch, if the height asks for it) up, the
    narrowest gaps, each widened while its arrows graze a node, until they fit the width; then the
    narrow ones widened towards PLAIN_GAP with the width left. None when no pitch within the
    height will do. With ``overflow``, the closest pitch and gaps as wide as it takes."""
    runs = [net.run(l, style) for l in range(1, net.depth + 1)]
    pitch = net.min_pitch(style)
    while (
        not overflow
        and pitch + PLAIN_STEP <= PLAIN_PITCH
        and net.frame(runs, pitch + PLAIN_STEP, style).height <= max_height
    ):
        pitch += PLAIN_STEP
    while True:
        gaps = list(runs)
        frame = net.frame(gaps, pitch, style)
        if frame.height > max_height and not overflow:
            return None
        while grazed := _grazed(frame, names_only):
            gaps = [g + PLAIN_STEP if l + 1 in grazed else g for l, g in enumerate(gaps)]
            if net.width(gaps, style) > max_width and not overflow:
                break
            frame = net.frame(gaps, pitch, style)
        else:
            break
        pitch += PLAIN_STEP
    while not overflow:
        wider = [max(g, min(PLAIN_GAP, g + PLAIN_STEP)) for g in gaps]
        if wider == gaps or net.width(wider, style) > max_width:
            break
        candidate = net.frame(wider, pitch, style)
        if _grazed(candidate, names_only):
            break
        gaps, frame = wider, candidate
    return frame


# ---------------------------------------------------------------------------------------------
# Geometry


class _Arrow:
    """An arrow between two nodes' borders and its label's size; positions along it are from the source's centre."""

    def __init__(self, source, target, kind, layer, label):
        self.source, self.target, self.kind, self.layer, self.label = source, target, kind, layer, label
        dx, dy = target.x - source.x, target.y - source.y
        self.length = math.hypot(dx, dy)
        self.ux, self.uy = dx / self.length, dy / self.length
        self.start = _border(source, self.ux, self.uy)
        self.end = self.length - _border(target, -self.ux, -self.uy)  # where the tip touches the target
        self.width, self.height = text_size(label, LABEL_FONT)

    def point(self, s):
        return self.source.x + s * self.ux, self.source.y + s * self.uy

    def local(self, x, y):
        """(along, across) coordinates of a point in the arrow's frame."""
        dx, dy = x - self.source.x, y - self.source.y
        return dx * self.ux + dy * self.uy, -dx * self.uy + dy * self.ux

    def segment(self):
        return (*self.point(self.start), *self.point(self.end))

    def tip(self):
        """A circle (centre and radius) covering the arrow tip."""
        x, y = self.point(self.end - ARROW_LENGTH / 2)
        return x, y, math.hypot(ARROW_LENGTH / 2, ARROW_WIDTH / 2)


def _border(node, ux, uy):
    """Distance from a node's centre to the outside of its drawn border in the direction (ux, uy)."""
    return 1 / math.hypot(ux / node.rx, uy / node.ry) + OUTER_SEP


@dataclass(frozen=True)
class _Frame:
    nodes: tuple
    edges: tuple  # of _Arrow
    style: _Style

    @property
    def width(self):
        return max(n.x + n.rx for n in self.nodes) - min(n.x - n.rx for n in self.nodes)

    @property
    def height(self):
        return max(n.y + n.ry for n in self.nodes) - min(n.y - n.ry for n in self.nodes)


def _grazed(frame, names_only=False):
    """The layers whose arrows pass within EDGE_CLEARANCE of a node that is not one of their ends
    (with ``names_only``, of the name written in such a node)."""
    grazed = set()
    for arrow in frame.edges:
        if arrow.layer in grazed:
            continue
        x0, y0, x1, y1 = arrow.segment()
        for node in frame.nodes:
            if node is arrow.source or node is arrow.target:
                continue
            if names_only:
                # The name as printed: its box without the node's inner sep.
                width, height = text_size(node.label, frame.style.font)
                rx, ry = width / 2 - NODE_SEP + EDGE_CLEARANCE, height / 2 - NODE_SEP + EDGE_CLEARANCE
            else:
                rx, ry = node.rx + EDGE_CLEARANCE, node.ry + EDGE_CLEARANCE
            if not (min(x0, x1) - rx < node.x < max(x0, x1) + rx and min(y0, y1) - ry < node.y < max(y0, y1) + ry):
                continue
            meets = _meets_box if names_only else _meets_ellipse
            if meets(x0 - node.x, y0 - node.y, x1 - node.x, y1 - node.y, rx, ry):
                grazed.add(arrow.layer)
                break
    return grazed


def _meets_ellipse(x0, y0, x1, y1, rx, ry):
    """Whether a segment enters the ellipse of half axes rx, ry about the origin."""
    # Where the ellipse is the unit circle, the segment must come closer than 1 to the origin.
    ax, ay, bx, by = x0 / rx, y0 / ry, x1 / rx, y1 / ry
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
    return math.hypot(ax + t * dx, ay + t * dy) < 1


def _meets_box(x0, y0, x1, y1, rx, ry):
    """Whether a segment enters the box |x| <= rx, |y| <= ry (clipping it, Liang and Barsky's way)."""
    t0, t1 = 0.0, 1.0
    for p, q in ((-(x1 - x0), x0 + rx), (x1 - x0, rx - x0), (-(y1 - y0), y0 + ry), (y1 - y0, ry - y0)):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            t0 = max(t0, q / p)
        else:
            t1 = min(t1, q / p)
    return t0 <= t1


@dataclass(frozen=True)
class _Box:
    """A label's box: centre, direction of its text, half width and half height."""

    x: float
    y: float
    ux: float
    uy: float
    a: float
    b: float

    def corners(self):
        ax, ay, bx, by = self.a * self.ux, self.a * self.uy, -self.b * self.uy, self.b * self.ux
        return [(self.x + i * ax + j * bx, self.y + i * ay + j * by) for i, j in ((-1, -1), (1, -1), (1, 1), (-1, 1))]


def _boxes_meet(p, q, clearance):
    """Whether two turned boxes come closer than ``clearance`` (a separating axis test)."""
    dx, dy = q.x - p.x, q.y - p.y
    if math.hypot(dx, dy) > math.hypot(p.a, p.b) + math.hypot(q.a, q.b) + clearance:
        return False
    for ax, ay in ((p.ux, p.uy), (-p.uy, p.ux), (q.ux, q.uy), (-q.uy, q.ux)):
        reach_p = p.a * abs(p.ux * ax + p.uy * ay) + p.b * abs(-p.uy * ax + p.ux * ay)
        reach_q = q.a * abs(q.ux * ax + q.uy * ay) + q.b * abs(-q.uy * ax + q.ux * ay)
        if abs(dx * ax + dy * ay) > reach_p + reach_q + clearance:
            return False
    return True


def _blocked_by_segment(arrow, segment, a, b, clearance):
    """The label centres along ``arrow`` at which its box (half sides a, b) comes within ``clearance``
    of ``segment``, or None."""
    u0, v0 = arrow.local(segment[0], segment[1])
    u1, v1 = arrow.local(segment[2], segment[3])
    band = b + clearance
    # Clip the segment to the band |across| <= band; its extent along, widened by the label's half
    # width, is where the label cannot be centred.
    t0, t1, dv = 0.0, 1.0, v1 - v0
    if abs(dv) < 1e-12:
        if abs(v0) > band:
            return None
    else:
        t_low, t_high = sorted(((-band - v0) / dv, (band - v0) / dv))
        t0, t1 = max(t0, t_low), min(t1, t_high)
        if t0 > t1:
            return None
    along = (u0 + t0 * (u1 - u0), u0 + t1 * (u1 - u0))
    return min(along) - a - clearance, max(along) + a + clearance


def _blocked_by_circle(arrow, x, y, radius, a, b):
    """The label centres along ``arrow`` at which its box comes within ``radius`` of (x, y), or None."""
    u, v = arrow.local(x, y)
    off = max(0.0, abs(v) - b)
    if off >= radius:
        return None
    half = a + math.sqrt(radius * radius - off * off)
    return u - half, u + half


def _free_stretches(arrow, segments, circles, room):
    """The intervals of label centres along ``arrow`` where its label keeps ``room`` from every other
    arrow, every tip and every node (``circles`` are already widened by it)."""
    a, b = arrow.width / 2, arrow.height / 2
    low, high = arrow.start + a, arrow.end - ARROW_LENGTH - room.arrow - a
    if low > high:
        return []
    blocked = [
        _blocked_by_segment(arrow, segment, a, b, room.arrow) for other, segment in segments if other is not arrow
    ]
    blocked += [_blocked_by_circle(arrow, *circle, a, b) for owner, circle in circles if owner is not arrow]
    free, position = [], low
    for start, stop in sorted(interval for interval in blocked if interval is not None):
        if start > position:
            free.append((position, min(start, high)))
        position = max(position, stop)
        if position >= high:
            break
    if position < high:
        free.append((position, high))
    return [(start, stop) for start, stop in free if stop >= start]


def _candidates(arrow, segments, circles, room):
    """Label boxes for ``arrow``, best first: room to spare up to COMFORT, then nearness to the middle."""
    if abs(math.degrees(math.atan2(arrow.uy, arrow.ux))) > MAX_ANGLE:
        return []
    scored = []
    for start, stop in _free_stretches(arrow, segments, circles, room):
        count = int((stop - start) / STEP) + 1
        for i in range(count):
            s = (start + stop) / 2 if count == 1 else start + i * (stop - start) / (count - 1)
            scored.append((-min(s - start, stop - s, COMFORT), abs(s - arrow.length / 2), s))
    # The best few that are not all in one place: the search needs alternatives, not neighbours.
    chosen = []
    for _, _, s in sorted(scored):
        if all(abs(s - other) >= SPREAD for other in chosen):
            chosen.append(s)
            if len(chosen) == CANDIDATES:
                break
    return [_Box(*arrow.point(s), arrow.ux, arrow.uy, arrow.width / 2, arrow.height / 2) for s in chosen]


def _place_labels(frame, room):
    """A box for every arrow's label, each keeping ``room``, gap by gap; None when there is no such choice."""
    placed = {}
    for l in range(1, max(arrow.layer for arrow in frame.edges) + 1):
        near = [arrow for arrow in frame.edges if abs(arrow.layer - l) <= 1]
        segments = [(arrow, arrow.segment()) for arrow in near]
        circles = [(None, (n.x, n.y, max(n.rx, n.ry) + room.node)) for n in frame.nodes]
        circles += [(arrow, (x, y, r + room.arrow)) for arrow in near for x, y, r in [arrow.tip()]]
        choices = {}
        for arrow in frame.edges:
            if arrow.layer == l:
                choices[arrow] = _candidates(arrow, segments, circles, room)
                if not choices[arrow]:
                    return None
        chosen = _assign(choices, [box for arrow, box in placed.items() if arrow.layer == l - 1], room.label)
        if chosen is None:
            return None
        placed.update(chosen)
    return placed


def _assign(choices, fixed, gap):
    """One box per arrow, no two closer than ``gap``: depth first, fewest choices first, at most SEARCH_STEPS."""
    order = sorted(choices, key=lambda arrow: len(choices[arrow]))
    chosen, steps = {}, 0

    def search(i):
        nonlocal steps
        if i == len(order):
            return True
        for box in choices[order[i]]:
            steps += 1
            if steps > SEARCH_STEPS:
                return False
            if not any(_boxes_meet(box, other, gap) for other in (*fixed, *chosen.values())):
                chosen[order[i]] = box
                if search(i + 1):
                    return True
                del chosen[order[i]]
        return False

    return dict(chosen) if search(0) else None


# ---------------------------------------------------------------------------------------------
# The record


def _diagram(frame, labels, max_width, max_height):
    """The frame as a :class:`Diagram`, moved so its lower left corner is (0, 0), rounded to 0.01 mm."""
    xs = [n.x + sign * n.rx for n in frame.nodes for sign in (-1, 1)]
    ys = [n.y + sign * n.ry for n in frame.nodes for sign in (-1, 1)]
    for box in (labels or {}).values():
        for x, y in box.corners():
            xs.append(x)
            ys.append(y)
    left, bottom = min(xs), min(ys)
    width, height = max(xs) - left, max(ys) - bottom
    nodes = tuple(
        Node(n.id, n.label, n.kind, n.shape, _round(n.x - left), _round(n.y - bottom), _round(n.rx), _round(n.ry))
        for n in frame.nodes
    )
    edges = []
    for arrow in frame.edges:
        box = labels[arrow] if labels else None
        place = ()
        if box is not None:
            angle = round(math.degrees(math.atan2(arrow.uy, arrow.ux)), 2) + 0.0
            place = (_round(box.x - left), _round(box.y - bottom), angle, _round(2 * box.a), _round(2 * box.b))
        x0, y0, x1, y1 = arrow.segment()
        ends = (_round(x0 - left), _round(y0 - bottom), _round(x1 - left), _round(y1 - bottom))
        edges.append(
            Edge(
                arrow.source.id, arrow.target.id, arrow.kind, arrow.layer, *ends, arrow.label if place else None, *place
            )
        )
    width, height = math.ceil(width * 1000) / 1000, math.ceil(height * 1000) / 1000
    scale = math.floor(min(1.0, max_width / width, max_height / height) * 10_000) / 10_000
    return Diagram(nodes, tuple(edges), width, height, labels is not None, frame.style.font, LABEL_FONT, scale)


def _round(value):
    return round(value, 3) + 0.0  # + 0.0 turns -0.0 into 0.0
