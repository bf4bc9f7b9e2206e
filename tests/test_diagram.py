"""The network diagram: its geometry checked by code of its own, its TikZ compiled and read back, its Mermaid.

The layout computes where everything goes; these tests do not reuse its geometry. They rebuild
each arrow from the node records, draw every label's box from its centre, angle and size, and
measure distances with plain polygon and segment arithmetic. The TeX tests then check that
pdflatex prints every word inside the box the layout reserved for it, that no two words from
different places meet, and that nothing is overfull.
"""

import functools
import itertools
import math
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from symbackprop import diagram as diagram_module
from symbackprop import tex
from symbackprop.diagram import NODE_SEP, layout, text_size
from symbackprop.mathsize import math_size
from symbackprop.render import FORMATS, environment

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
HAS_TEX = all(shutil.which(tool) for tool in ("latexmk", "pdflatex", "pdftotext"))
needs_tex = pytest.mark.skipif(not HAS_TEX, reason="latexmk/pdflatex/pdftotext not installed (.ci/run installs them)")
# Where the compile test leaves a PNG of each diagram it compiled, when set (for looking at them).
PNGS = os.environ.get("SYMBACKPROP_DIAGRAM_PNGS")

TIP_LENGTH, TIP_WIDTH = 0.16, 0.12  # the arrow tip templates/blocks/diagram.tex.j2 draws (checked below)
# cm a label's white ground keeps from every other arrow, every arrow tip, every node and every other
# label: the millimetre that keeps it from being read as touching them, less 0.02 mm for the
# rounding of the records to 0.01 mm. (0.2 mm let labels sit on a dashed bias arrow.)
ROOM = 0.098
A4_TEXT_WIDTH = 21.0 - 2 * 2.2


# ---------------------------------------------------------------------------------------------
# Networks to draw


def network(widths, bias, style="long"):
    """(columns, weights, biases) for layout(): ``bias`` "none", "layer" or "neuron"; ``style`` the names.

    "long" is the layered notation (W^{(2)}_{12} = -0.3456), "short" numbers every weight
    (w_{7} = 0.15), "wide" has long node names (\\mathrm{output}_{h1}) and short labels.
    """
    depth, count = len(widths) - 1, itertools.count(1)

    def unit(l, j):
        if l == 0:
            return f"x_{{{j + 1}}}" if style != "short" else f"i_{{{j + 1}}}"
        return {
            "long": f"a^{{({l})}}_{{{j + 1}}}",
            "short": f"z_{{{next(count)}}}",
            "wide": rf"\mathrm{{output}}_{{h{j + 1}}}",
        }[style]

    columns = [[unit(l, j) for j in range(widths[l])] for l in range(depth + 1)]
    weights, values = [None], itertools.cycle(["-0.3456", "0.15", "1.2", "-12.5"])
    number = itertools.count(1)
    for l in range(1, depth + 1):
        if style == "long":
            rows = [
                [f"W^{{({l})}}_{{{j + 1}{k + 1}}} = {next(values)}" for k in range(widths[l - 1])]
                for j in range(widths[l])
            ]
        else:
            rows = [[f"w_{{{next(number)}}} = {next(values)}" for _ in range(widths[l - 1])] for _ in range(widths[l])]
        weights.append(rows)
    biases = [None]
    for l in range(1, depth + 1):
        if bias == "none":
            biases.append(None)
        elif bias == "layer":
            biases.append(f"b^{{({l})}} = 0.1" if style == "long" else f"b_{{{l}}} = 0.35")
        else:
            biases.append(
                [
                    f"b^{{({l})}}_{{{j + 1}}} = -0.25" if style == "long" else f"b_{{{next(number)}}} = 0.6"
                    for j in range(widths[l])
                ]
            )
    return columns, weights, biases


def _cases():
    cases = [
        ((n, m), bias, style)
        for n, m in itertools.product(range(1, 9), repeat=2)
        for bias in ("none", "layer", "neuron")
        for style in ("long", "short")
    ]
    chooser = random.Random(10)
    for depth in (2, 3, 4):
        for _ in range(30):
            widths = tuple(chooser.randint(1, 8) for _ in range(depth + 1))
            cases.append(
                (widths, chooser.choice(["none", "layer", "neuron"]), chooser.choice(["long", "short", "wide"]))
            )
    return cases


CASES = _cases()


@functools.cache
def drawn(widths, bias, style="long"):
    """The layout of a test network, made once per test run."""
    return layout(*network(widths, bias, style))


# The networks of the bundled examples and of three sweep cases with the labels the documents give
# them (as symbackprop/document/picture.py passes them to layout()). A reviewer found labels of these
# touching arrows, arrow tips and nodes in the PDFs while the geometric checks passed.
REAL = {
    "custom_activation_2_2_1": (
        [["x_{1}", "x_{2}"], ["z_{1}", "z_{2}"], ["y"]],
        [None, [["w_{11} = 1", "w_{12} = 2"], ["w_{21} = 2", "w_{22} = 1"]], [["w_{31} = 1", "w_{32} = 1"]]],
        [None, ["b_{1} = 1", "b_{2} = 1"], ["b_{3} = 1"]],
    ),
    "squared_error_2_2_1_shared_bias": (
        [["x_{1}", "x_{2}"], [r"\mathrm{out}_{h1}", r"\mathrm{out}_{h2}"], [r"\mathrm{out}_{o1}"]],
        [None, [["w_{1} = 0.15", "w_{2} = 0.2"], ["w_{3} = 0.25", "w_{4} = 0.3"]], [["w_{5} = 0.4", "w_{6} = 0.45"]]],
        [None, "b_{h} = 0.35", "b_{o} = 0.6"],
    ),
    "bce_sigmoid_2_2_1": (
        [["x_{1}", "x_{2}"], ["a^{(1)}_{1}", "a^{(1)}_{2}"], [r"\hat{y}"]],
        [
            None,
            [["W^{(1)}_{11} = 0.15", "W^{(1)}_{12} = 0.25"], ["W^{(1)}_{21} = 0.2", "W^{(1)}_{22} = 0.3"]],
            [["W^{(2)}_{11} = 0.4", "W^{(2)}_{12} = 0.45"]],
        ],
        [None, ["b^{(1)}_{1} = 0.35", "b^{(1)}_{2} = 0.35"], ["b^{(2)} = 0.6"]],
    ),
    "regression_2_2_1_linear_output": (
        [["x_{1}", "x_{2}"], ["a_{1}", "a_{2}"], [r"\hat{y}"]],
        [None, [["w_{11} = 0.1", "w_{12} = 0.3"], ["w_{21} = 0.2", "w_{22} = 0.4"]], [["v_{1} = 0.5", "v_{2} = 0.6"]]],
        [None, ["b_{1} = 0.1", "b_{2} = 0.1"], ["b_{3} = 0.1"]],
    ),
    "squared_error_2_2_2": (
        [
            ["i_{1}", "i_{2}"],
            [r"\mathrm{output}_{h1}", r"\mathrm{output}_{h2}"],
            [r"\mathrm{output}_{o1}", r"\mathrm{output}_{o2}"],
        ],
        [
            None,
            [["w_{1} = 0.1", "w_{3} = 0.3"], ["w_{2} = 0.2", "w_{4} = 0.4"]],
            [["w_{5} = 0.5", "w_{6} = 0.6"], ["w_{7} = 0.7", "w_{8} = 0.8"]],
        ],
        [None, "b_{1} = 0.25", "b_{2} = 0.35"],
    ),
    "bce_4_1": (
        [["x_{1}", "x_{2}", "x_{3}", "x_{4}"], ["y"]],
        [None, [["w_{11} = -0.7924", "w_{12} = -0.0376", "w_{13} = -1.6072", "w_{14} = 1.4089"]]],
        [None, "b_{1} = -0.1079"],
    ),
    "ce_2_3_softmax": (
        [["x_{1}", "x_{2}"], [r"\mathrm{out}_{o1}", r"\mathrm{out}_{o2}", r"\mathrm{out}_{o3}"]],
        [
            None,
            [
                ["w_{1} = -0.3571", "w_{2} = 0.5574"],
                ["w_{3} = -0.735", "w_{4} = -0.783"],
                ["w_{5} = -0.3066", "w_{6} = -0.0304"],
            ],
        ],
        [None, None],
    ),
    "se_1_1_1": (
        [["x_{1}"], ["a_{1}"], [r"\hat{y}"]],
        [None, [["w_{11} = -0.525497"]], [["v_{1} = -0.139762"]]],
        [None, ["b_{1} = 0.186305"], ["b_{2} = 0.990255"]],
    ),
    "se_2_3_2_leaky": (
        [
            ["i_{1}", "i_{2}"],
            [r"\mathrm{output}_{h1}", r"\mathrm{output}_{h2}", r"\mathrm{output}_{h3}"],
            [r"\mathrm{output}_{o1}", r"\mathrm{output}_{o2}"],
        ],
        [
            None,
            [
                ["w_{1} = -0.594", "w_{2} = -0.408"],
                ["w_{3} = 0.471", "w_{4} = -0.434"],
                ["w_{5} = 0.173", "w_{6} = 0.097"],
            ],
            [
                ["w_{7} = -0.167", "w_{8} = -0.296", "w_{9} = 0.497"],
                ["w_{10} = -0.441", "w_{11} = 0.099", "w_{12} = 0.606"],
            ],
        ],
        [None, ["b_{h1} = -0.281", "b_{h2} = -0.069", "b_{h3} = 0.596"], ["b_{o1} = -0.415", "b_{o2} = 0.57"]],
    ),
}
FIRST_PAGE_HEIGHT = 12.0  # cm: symbackprop/document/picture.py's compact height, under the overview on page 1


@functools.cache
def drawn_as_documents(name):
    """A REAL network laid out as the documents lay it out: at most 12 cm tall unless that shrinks it."""
    compact = layout(*REAL[name], max_height_cm=FIRST_PAGE_HEIGHT)
    return compact if compact.scale == 1 else layout(*REAL[name])


# ---------------------------------------------------------------------------------------------
# Geometry of our own


def _cross(o, a, b):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _point_segment(p, a, b):
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def _segments(a, b, c, d):
    """Distance between segments ab and cd: 0 when they cross."""
    d1, d2, d3, d4 = _cross(c, d, a), _cross(c, d, b), _cross(a, b, c), _cross(a, b, d)
    if ((d1 > 0) != (d2 > 0)) and ((d3 > 0) != (d4 > 0)) and 0 not in (d1, d2, d3, d4):
        return 0.0
    return min(_point_segment(a, c, d), _point_segment(b, c, d), _point_segment(c, a, b), _point_segment(d, a, b))


def _inside(p, polygon):
    """Whether p is inside a convex polygon given counter-clockwise."""
    return all(_cross(polygon[i], polygon[(i + 1) % len(polygon)], p) >= 0 for i in range(len(polygon)))


def _polygons(p, q):
    """Distance between two convex polygons (counter-clockwise): 0 when they overlap."""
    if any(_inside(v, q) for v in p) or any(_inside(v, p) for v in q):
        return 0.0
    return min(
        _segments(p[i], p[(i + 1) % len(p)], q[j], q[(j + 1) % len(q)]) for i in range(len(p)) for j in range(len(q))
    )


def _polygon_segment(polygon, a, b):
    if _inside(a, polygon) or _inside(b, polygon):
        return 0.0
    return min(_segments(polygon[i], polygon[(i + 1) % len(polygon)], a, b) for i in range(len(polygon)))


def _label_polygon(edge):
    angle = math.radians(edge.label_angle)
    ux, uy = math.cos(angle), math.sin(angle)
    a, b = edge.label_width / 2, edge.label_height / 2
    return [
        (edge.label_x + i * a * ux - j * b * uy, edge.label_y + i * a * uy + j * b * ux)
        for i, j in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    ]


def _node_polygon(node, sides=72):
    return [
        (node.x + node.rx * math.cos(2 * math.pi * i / sides), node.y + node.ry * math.sin(2 * math.pi * i / sides))
        for i in range(sides)
    ]


def _name_polygon(node, font):
    """The box of a node's printed name (the layout's estimate, which the TeX tests check)."""
    width, height = text_size(node.label, font)
    a, b = width / 2 - NODE_SEP, height / 2 - NODE_SEP
    return [(node.x - a, node.y - b), (node.x + a, node.y - b), (node.x + a, node.y + b), (node.x - a, node.y + b)]


def _on_border(node, towards):
    """Where the line from a node's centre towards a point leaves its ellipse."""
    dx, dy = towards[0] - node.x, towards[1] - node.y
    t = 1 / math.sqrt((dx / node.rx) ** 2 + (dy / node.ry) ** 2)
    return node.x + t * dx, node.y + t * dy


def _arrow(edge, nodes):
    """The drawn arrow (border to border) and its tip as a triangle."""
    source, target = nodes[edge.source], nodes[edge.target]
    start, end = _on_border(source, (target.x, target.y)), _on_border(target, (source.x, source.y))
    length = math.hypot(end[0] - start[0], end[1] - start[1])
    ux, uy = (end[0] - start[0]) / length, (end[1] - start[1]) / length
    base = (end[0] - TIP_LENGTH * ux, end[1] - TIP_LENGTH * uy)
    half = TIP_WIDTH / 2
    tip = [end, (base[0] - half * uy, base[1] + half * ux), (base[0] + half * uy, base[1] - half * ux)]
    return (start, end), tip if _cross(*tip) > 0 else tip[::-1]


def _near(p, q, reach):
    """Whether two point sets' bounding boxes come within ``reach`` (a quick way out)."""
    return not (
        max(x for x, _ in p) + reach < min(x for x, _ in q)
        or max(x for x, _ in q) + reach < min(x for x, _ in p)
        or max(y for _, y in p) + reach < min(y for _, y in q)
        or max(y for _, y in q) + reach < min(y for _, y in p)
    )


def check_geometry(diagram, max_width=16.0, max_height=18.0, room=ROOM):
    """Every promise of a diagram, checked from its records alone; labels keep ``room`` from all else."""
    nodes = {node.id: node for node in diagram.nodes}
    assert len(nodes) == len(diagram.nodes), "node ids repeat"
    assert diagram.width * diagram.scale <= max_width + 1e-6 and diagram.height * diagram.scale <= max_height + 1e-6
    outlines = {node.id: _node_polygon(node) for node in diagram.nodes}
    for node in diagram.nodes:
        assert node.rx > 0 and node.ry > 0 and (node.shape == "circle") == (node.rx == node.ry)
        assert -1e-3 <= node.x - node.rx and node.x + node.rx <= diagram.width + 1e-3, f"{node.id} sticks out sideways"
        assert -1e-3 <= node.y - node.ry and node.y + node.ry <= diagram.height + 1e-3, f"{node.id} sticks out"
    for a, b in itertools.combinations(diagram.nodes, 2):
        if _near(outlines[a.id], outlines[b.id], 0.1):
            assert _polygons(outlines[a.id], outlines[b.id]) > 0.1, f"nodes {a.id} and {b.id} overlap"
    arrows = {id(edge): _arrow(edge, nodes) for edge in diagram.edges}
    names = {n.id: _name_polygon(n, diagram.node_font) for n in diagram.nodes}
    for edge in diagram.edges:
        (start, end), _ = arrows[id(edge)]
        assert math.dist(start, (edge.x0, edge.y0)) < 0.02 and math.dist(end, (edge.x1, edge.y1)) < 0.02
        for node in diagram.nodes:
            if node.id not in (edge.source, edge.target) and _near(outlines[node.id], [start, end], 0.05):
                # An arrow keeps clear of other nodes; in a crowded plain diagram it may pass behind a
                # node's rim (nodes are drawn over arrows), never across its name.
                clear = _polygon_segment(outlines[node.id], start, end) > 0.02
                assert clear or (not diagram.labelled and _polygon_segment(names[node.id], start, end) > 0.02), (
                    f"{edge.source}->{edge.target} crosses {node.id}"
                )
    if not diagram.labelled:
        assert all(e.label is None and e.label_x is None and e.label_angle is None for e in diagram.edges)
        return
    assert diagram.scale == 1 and diagram.label_font == "scriptsize"
    boxes = {id(edge): _label_polygon(edge) for edge in diagram.edges}
    for edge in diagram.edges:
        box, ((start, end), _) = boxes[id(edge)], arrows[id(edge)]
        assert edge.label is not None
        assert all(-1e-3 <= x <= diagram.width + 1e-3 and -1e-3 <= y <= diagram.height + 1e-3 for x, y in box)
        # On its own arrow, along it.
        assert _point_segment((edge.label_x, edge.label_y), start, end) < 0.005
        direction = math.degrees(math.atan2(end[1] - start[1], end[0] - start[0]))
        assert abs(direction - edge.label_angle) < 0.1
        for node in diagram.nodes:
            if _near(box, outlines[node.id], room):
                gap = _polygons(box, outlines[node.id])
                assert gap >= room, f"label {edge.label} is {gap * 10:.2f} mm from node {node.id}"
        for other in diagram.edges:
            (a, b), tip = arrows[id(other)]
            if other is not edge and _near(box, [a, b], room):
                gap = _polygon_segment(box, a, b)
                assert gap >= room, f"label {edge.label} is {gap * 10:.2f} mm from the arrow of {other.label}"
            if _near(box, tip, room):
                gap = _polygons(box, tip)
                assert gap >= room, f"label {edge.label} is {gap * 10:.2f} mm from the tip of {other.label}"
    for p, q in itertools.combinations(diagram.edges, 2):
        if _near(boxes[id(p)], boxes[id(q)], room):
            gap = _polygons(boxes[id(p)], boxes[id(q)])
            assert gap >= room, f"labels {p.label} and {q.label} are {gap * 10:.2f} mm apart"


# ---------------------------------------------------------------------------------------------
# Geometry tests


@pytest.mark.parametrize(
    ("widths", "bias", "style"), CASES, ids=lambda v: "-".join(map(str, v)) if isinstance(v, tuple) else v
)
def test_nothing_meets_at_any_size(widths, bias, style):
    diagram = drawn(widths, bias, style)
    check_geometry(diagram)
    assert diagram.width * diagram.scale <= A4_TEXT_WIDTH
    # Only long names on deep networks of many units (sum-output names on 8-8-6-3-1) can need shrinking.
    assert diagram.scale == 1 or (style == "wide" and diagram.scale >= 0.75)
    expected = sum(a * b for a, b in itertools.pairwise(widths)) + sum(widths[1:]) * (bias != "none")
    assert len(diagram.edges) == expected and len(diagram.nodes) == sum(widths) + len(widths[1:]) * (bias != "none")


@pytest.mark.parametrize("name", REAL)
def test_the_documents_labels_keep_a_millimetre_from_everything(name):
    diagram = drawn_as_documents(name)
    check_geometry(diagram)
    assert diagram.labelled and diagram.scale == 1 and diagram.height <= FIRST_PAGE_HEIGHT


@pytest.mark.parametrize("name", [name for name in REAL if name != "se_2_3_2_leaky"])
def test_small_networks_are_drawn_roomy_when_the_page_has_room(name):
    """Not packed as tight as the room allows: nodes of a column 2 cm apart, 1.5 mm of white around
    labels; still short enough to stand under the overview on the first page."""
    diagram = drawn_as_documents(name)
    check_geometry(diagram, room=0.148)
    columns = {}
    for node in diagram.nodes:
        if node.kind != "bias":
            columns.setdefault(node.x, []).append(node.y)
    assert all(abs(a - b) >= 2.0 - 1e-3 for ys in columns.values() for a, b in itertools.pairwise(sorted(ys)))
    assert diagram.height <= FIRST_PAGE_HEIGHT


@pytest.mark.parametrize(
    ("widths", "bias", "style"),
    [
        ((16, 16, 1), "neuron", "long"),
        ((1, 16, 16), "layer", "long"),
        ((1, 1, 1, 16, 16), "neuron", "long"),
        ((16, 4, 16, 4, 1), "neuron", "wide"),
        ((16, 16, 1), "none", "wide"),
        ((16, 16, 16, 16, 16), "neuron", "short"),
    ],
)
def test_up_to_the_document_limit_it_is_plain_but_correct(widths, bias, style):
    diagram = layout(*network(widths, bias, style))
    check_geometry(diagram)
    assert not diagram.labelled


def test_very_long_names_shrink_the_picture_to_the_page():
    name = r"\mathrm{" + "m" * 32 + "}_{1}"
    columns = [[name] * 3 for _ in range(5)]
    weights = [None] + [[["w = 1"] * 3 for _ in range(3)] for _ in range(4)]
    diagram = layout(columns, weights, [None] * 5)
    check_geometry(diagram)
    assert diagram.scale < 1 and not diagram.labelled


@pytest.mark.parametrize(
    ("widths", "bias", "style", "labelled"),
    [
        ((2, 2, 1), "neuron", "long", True),
        ((2, 2, 2), "layer", "long", True),
        ((2, 3, 1), "layer", "long", True),
        ((2, 3, 1), "none", "long", True),
        ((2, 3, 1), "neuron", "long", False),
        ((3, 3, 1), "none", "long", False),
        ((3, 3, 3), "none", "short", True),
        ((3, 3, 3), "layer", "short", False),
        ((1, 8, 1), "none", "long", True),
        ((8, 1), "neuron", "long", True),
        ((3, 4, 2), "none", "short", True),
        ((4, 4, 4), "none", "short", False),
        ((3, 3, 3), "neuron", "short", False),
        ((4, 4), "none", "long", False),
        ((3, 3, 3), "neuron", "long", False),
        ((5, 5), "none", "short", False),
        ((3, 4, 2), "neuron", "long", False),
        ((6, 8, 4), "layer", "short", False),
        ((8, 8, 8), "neuron", "short", False),
    ],
)
def test_labels_are_dropped_where_the_module_says(widths, bias, style, labelled):
    assert drawn(widths, bias, style).labelled is labelled


def test_the_table_in_the_module_docstring_is_true():
    """diagram.py's table: for n sources, the most targets a single gap keeps its labels for."""
    table = re.search(r"n sources +1  2.*?\n\n", diagram_module.__doc__, re.S).group().splitlines()[1:-1]
    assert len(table) == 4
    for row in table:
        style, biases, most = re.fullmatch(r" +(long|short), (no bias|biases) +([\d ]+)", row).group(1, 2, 3)
        most = list(map(int, most.split()))
        kinds = ["none"] if biases == "no bias" else ["layer", "neuron"]
        for n, m in zip(range(1, 9), most):
            assert all(drawn((n, k), bias, style).labelled for bias in kinds for k in range(1, m + 1)), (row, n)
            if m < 8:
                assert not all(drawn((n, m + 1), bias, style).labelled for bias in kinds), (row, n)


def test_bias_layouts():
    none, shared, own = (layout(*network((2, 3, 1), bias, "short")) for bias in ("none", "layer", "neuron"))
    assert not [n for n in none.nodes if n.kind == "bias"]
    for diagram in (shared, own):
        assert [(n.id, n.label) for n in diagram.nodes if n.kind == "bias"] == [("b1", "1"), ("b2", "1")]
        assert [(e.source, e.target) for e in diagram.edges if e.kind == "bias"] == [
            ("b1", "n1_0"),
            ("b1", "n1_1"),
            ("b1", "n1_2"),
            ("b2", "n2_0"),
        ]
    assert {e.label for e in shared.edges if e.kind == "bias" and e.layer == 1} == {"b_{1} = 0.35"}
    # Numbered after the nine weights.
    assert [e.label for e in own.edges if e.kind == "bias"][:3] == [f"b_{{{n}}} = 0.6" for n in (10, 11, 12)]


def test_nodes_are_sized_to_their_names():
    small, wide = layout(*network((2, 2, 1), "none", "short")), layout(*network((2, 2, 1), "none", "wide"))
    radius = {n.id: n.rx for n in small.nodes}
    assert radius["n0_0"] == radius["n1_0"] == 0.3
    assert {n.id: n.rx for n in wide.nodes}["n1_0"] > 0.6


@pytest.mark.parametrize(
    ("columns", "weights", "biases", "message"),
    [
        ([["x"]], [None], [None], "columns"),
        ([["x"], ["y"]], [None, [["w"]]], [None], "weights and biases"),
        ([["x"], ["y"]], [None, [["w", "v"]]], [None, None], r"weights\[1\]"),
        ([["x"], ["y", "z"]], [None, [["w"], ["v"]]], [None, ["b"]], r"biases\[1\]"),
    ],
)
def test_bad_shapes_are_named(columns, weights, biases, message):
    with pytest.raises(ValueError, match=message):
        layout(columns, weights, biases)


def test_the_template_draws_the_tip_the_tests_assume():
    text = (TEMPLATES / "blocks" / "diagram.tex.j2").read_text(encoding="utf-8")
    assert text.count("Stealth[length=1.6mm, width=1.2mm]") == 2


# ---------------------------------------------------------------------------------------------
# Mermaid


def _mermaid(diagram):
    template = environment(FORMATS["markdown"], TEMPLATES).from_string(
        '{% from "blocks/diagram.md.j2" import render %}{{ render(block) }}'
    )
    return template.render(block=diagram)


@pytest.mark.parametrize(
    ("widths", "bias"), [((2, 2, 1), "neuron"), ((2, 2, 2), "layer"), ((8, 8, 8), "neuron"), ((16, 16, 1), "none")]
)
def test_mermaid_has_every_node_and_edge_and_labels_only_when_the_diagram_does(widths, bias):
    diagram = layout(*network(widths, bias))
    text = _mermaid(diagram)
    lines = text.splitlines()
    assert lines[:2] == ["```mermaid", "graph LR"] and lines[-1] == "```"
    assert max(map(len, lines)) <= 200
    node_lines = [line for line in lines if re.fullmatch(r'  \w+\(\("[^"]*"\)\)', line)]
    edge_lines = [line for line in lines if re.fullmatch(r'  \w+ (-->|-\.->)(\|"[^"]*"\|)? \w+', line)]
    assert len(node_lines) == len(diagram.nodes) and len(edge_lines) == len(diagram.edges)
    labelled = [line for line in edge_lines if '|"' in line]
    assert len(labelled) == (len(edge_lines) if diagram.labelled else 0)
    assert sum("-.->" in line for line in edge_lines) == sum(e.kind == "bias" for e in diagram.edges)
    assert ("classDef bias" in text) == (bias != "none")


def test_mermaid_labels_are_plain_text():
    text = _mermaid(layout(*network((2, 1), "neuron")))
    assert '  n0_0 -->|"W(1)11 = -0.3456"| n1_0' in text and '  b1 -.->|"b(1)1 = -0.25"| n1_0' in text
    assert '  n1_0(("a(1)1"))' in text


# ---------------------------------------------------------------------------------------------
# TeX: the picture as pdflatex prints it

PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{tikz}
\usetikzlibrary{arrows.meta, shapes.geometric}
\pagestyle{empty}
\begin{document}
"""
_BP = 72 / 2.54  # PDF points per cm
COMPILED = [
    ((2, 2, 1), "neuron", "long"),
    ((2, 2, 2), "layer", "long"),
    ((3, 4, 2), "neuron", "short"),
    ((6, 8, 4), "layer", "long"),
    ((8, 8, 8), "neuron", "long"),
    ((2, 3, 1), "layer", "wide"),
    ((3, 3, 3), "neuron", "short"),
    ((1, 8, 1), "none", "long"),
    ((4, 4, 4), "none", "short"),
]


def _latex(source, folder):
    """The PDF and the log of ``source``, compiled as symbackprop.tex compiles (same command, same sandbox).

    tex.compile_pdf keeps only the PDF; the overfull-box check needs the log too.
    """
    (folder / "document.tex").write_text(source, encoding="utf-8")
    subprocess.run(
        [*tex.LATEXMK, "document.tex"],
        cwd=folder,
        env=tex.sandbox_environment(folder),
        capture_output=True,
        timeout=300,
    )
    log = (folder / "document.log").read_text(encoding="utf-8", errors="replace")
    assert (folder / "document.pdf").exists(), next(
        (line for line in log.splitlines() if line.startswith("!")), log[-500:]
    )
    return folder / "document.pdf", log


def _words(pdf):
    """Every word pdftotext finds, page by page: (text, x0, y0, x1, y1) in PDF points, y downwards."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in html.split("<page ")[1:]:
        pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
        pages.append([(text, *map(float, box)) for *box, text in re.findall(pattern, page)])
    return pages


def _owner(diagram, x, y, slack):
    """The label or node whose reserved box holds the point (cm), or None."""
    for edge in diagram.edges:
        if edge.label is not None:
            angle = math.radians(edge.label_angle)
            dx, dy = x - edge.label_x, y - edge.label_y
            along, across = dx * math.cos(angle) + dy * math.sin(angle), -dx * math.sin(angle) + dy * math.cos(angle)
            if abs(along) <= edge.label_width / 2 + slack and abs(across) <= edge.label_height / 2 + slack:
                return ("label", edge.source, edge.target)
    for node in diagram.nodes:
        if ((x - node.x) / (node.rx + slack)) ** 2 + ((y - node.y) / (node.ry + slack)) ** 2 <= 1:
            return ("node", node.id)
    return None


def _compiled():
    """(name, diagram) of every picture the TeX tests compile: the cases above and the documents' own."""
    pictures = [("_".join(["-".join(map(str, case[0])), *case[1:]]), layout(*network(*case))) for case in COMPILED]
    return pictures + [(name, drawn_as_documents(name)) for name in REAL]


def _tikz(diagram):
    return (
        environment(FORMATS["latex"], TEMPLATES)
        .from_string('((* from "blocks/diagram.tex.j2" import render *))((( render(block) )))')
        .render(block=diagram)
    )


@needs_tex
def test_compiled_diagrams_print_every_word_in_its_place_and_nothing_overlaps(tmp_path):
    pictures = _compiled()
    body = "\n\\clearpage\n".join(_tikz(d) for _, d in pictures)
    pdf, log = _latex(PREAMBLE + body + "\n\\end{document}\n", tmp_path)
    assert "Overfull" not in log and "Underfull" not in log
    pages = _words(pdf)
    assert len(pages) == len(pictures)
    for (case, diagram), words in zip(pictures, pages):
        # The picture is centred on the A4 page, its top on the top margin (2.2 cm).
        scale = diagram.scale * _BP
        left, top = 595.276 / 2 - diagram.width * scale / 2, 2.2 * _BP
        owners = []
        for text, x0, y0, x1, y1 in words:
            x, y = ((x0 + x1) / 2 - left) / scale, diagram.height - ((y0 + y1) / 2 - top) / scale
            owner = _owner(diagram, x, y, 0.03)
            assert owner is not None, f"{case}: {text!r} printed outside every box the layout reserved"
            owners.append(owner)
        for (w, p), (v, q) in itertools.combinations(zip(words, owners), 2):
            if p != q:
                overlap_x = min(w[3], v[3]) - max(w[1], v[1])
                overlap_y = min(w[4], v[4]) - max(w[2], v[2])
                assert min(overlap_x, overlap_y) < 0.5, f"{case}: {w[0]!r} ({p}) and {v[0]!r} ({q}) overlap"
        assert {o for o in owners if o[0] == "node"} == {("node", n.id) for n in diagram.nodes}
        assert {o for o in owners if o[0] == "label"} == {
            ("label", e.source, e.target) for e in diagram.edges if e.label
        }
    if PNGS:
        _pngs(pdf, pictures, Path(PNGS))


def _pngs(pdf, pictures, folder):
    """One PNG per page, cropped to the picture (with 3 mm around it)."""
    folder.mkdir(parents=True, exist_ok=True)
    dpi = 150
    for page, (name, diagram) in enumerate(pictures, start=1):
        width, height = diagram.width * diagram.scale + 0.6, diagram.height * diagram.scale + 0.6
        left, top = 21.0 / 2 - width / 2, 2.2 - 0.3
        box = [round(v / 2.54 * dpi) for v in (left, top, width, height)]
        crop = ["-x", str(box[0]), "-y", str(box[1]), "-W", str(box[2]), "-H", str(box[3])]
        command = ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", str(page), "-l", str(page), *crop]
        subprocess.run([*command, str(pdf), str(folder / name)], check=True)


# The ink test: each picture on a page of exactly its own box, rasterised, every label's surroundings
# read pixel by pixel. This sees what pdflatex prints, so it catches what the records cannot show: text
# running out of its white ground, a tip or line drawn larger than the layout assumed, an arrow that
# the white ground hides but that still passes right by the words.
STANDALONE = r"""\documentclass[11pt,tikz,border=0pt]{standalone}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usetikzlibrary{arrows.meta, shapes.geometric}
\begin{document}
"""
INK_DPI = 400
INK_ROOM = 0.08  # cm of white around a label's ground: with the ground's own 0.6 pt, 1 mm around its words
OWN_LINE = 0.02  # cm either side of a label's own arrow, where that arrow's line is drawn
DARK = 160  # grey level (of 255) below which a pixel is ink


def _gray_pages(pdf, folder, dpi):
    """Each page of ``pdf`` as an array of grey levels (0 black, 255 white), rows from the top."""
    import numpy as np

    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf), str(folder / "page")], check=True)
    pages = []
    for path in sorted(folder.glob("page-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
        data = path.read_bytes()
        magic, width, height, depth, pixels = data.split(maxsplit=4)
        assert magic == b"P5" and depth == b"255"
        pages.append(np.frombuffer(pixels, dtype=np.uint8).reshape(int(height), int(width)))
    return pages


def _ink_near_labels(diagram, gray, dpi):
    """(label, x, y) of ink printed within INK_ROOM of a label's white ground, other than its own arrow."""
    import numpy as np

    cm = 2.54 / dpi / diagram.scale  # one pixel, in the diagram's cm
    found = []
    for edge in diagram.edges:
        if edge.label is None:
            continue
        angle = math.radians(edge.label_angle)
        ux, uy = math.cos(angle), math.sin(angle)
        a, b = edge.label_width / 2, edge.label_height / 2
        reach = math.hypot(a, b) + INK_ROOM
        columns = np.arange(
            max(0, int((edge.label_x - reach) / cm)), min(gray.shape[1], int((edge.label_x + reach) / cm) + 1)
        )
        top, bottom = diagram.height - edge.label_y - reach, diagram.height - edge.label_y + reach
        rows = np.arange(max(0, int(top / cm)), min(gray.shape[0], int(bottom / cm) + 1))
        x = (columns[None, :] + 0.5) * cm - edge.label_x
        y = diagram.height - (rows[:, None] + 0.5) * cm - edge.label_y
        along, across = x * ux + y * uy, -x * uy + y * ux
        outside = np.hypot(np.maximum(np.abs(along) - a, 0), np.maximum(np.abs(across) - b, 0))
        ring = (outside > 0) & (outside <= INK_ROOM) & (np.abs(across) > OWN_LINE)
        dark = ring & (gray[np.ix_(rows, columns)] < DARK)
        if dark.any():
            i, j = np.argwhere(dark)[0]
            found.append((edge.label, round(float(edge.label_x + x[0, j]), 3), round(float(edge.label_y + y[i, 0]), 3)))
    return found


@needs_tex
def test_compiled_labels_have_a_millimetre_of_white_around_their_words(tmp_path):
    pictures = _compiled()
    sources = []
    for _, diagram in pictures:
        picture = re.search(r"\\begin\{tikzpicture\}.*?(?=\\end\{tikzpicture\})", _tikz(diagram), re.S).group()
        # The page is the box the layout says the picture fills, whatever TikZ would have made of it.
        box = f"\\pgfresetboundingbox\n\\path[use as bounding box] (0, 0) rectangle ({diagram.width}, {diagram.height});\n"
        sources.append(picture + box + "\\end{tikzpicture}\n")
    pdf, _ = _latex(STANDALONE + "".join(sources) + "\\end{document}\n", tmp_path)
    pages = _gray_pages(pdf, tmp_path, INK_DPI)
    assert len(pages) == len(pictures)
    crowded = {}
    for (name, diagram), gray in zip(pictures, pages):
        assert abs(gray.shape[1] - diagram.width * diagram.scale / 2.54 * INK_DPI) <= 1
        crowded[name] = _ink_near_labels(diagram, gray, INK_DPI)
    crowded = {name: ink for name, ink in crowded.items() if ink}
    assert not crowded, f"ink within {INK_ROOM * 10} mm of a label's white ground (label, x, y): {crowded}"


@needs_tex
def test_label_sizes_are_never_underestimated_by_more_than_half_a_point(tmp_path):
    names = [
        "x_{1}",
        "a^{(1)}_{2}",
        r"\hat{y}",
        r"\hat{y}_{2}",
        r"\mathrm{out}_{h_{1}}",
        r"\mathrm{output}_{h1}",
        r"\mathrm{out}_{h^{(2)}_{16}}",
        "z_{13}",
        "y^{*}",
        "b^{(4)}",
        r"\delta_{3}",
        "W^{(3)}_{16,16}",
        "w_{127}",
        r"b_{h^{(2)}}",
        "q_{16,2}",
        r"\alpha_{1}",
        "f'",
        r"\tilde{x}_{1}",
        "MW_{MW}",
        "1",
    ]
    values = ["0.15", "-0.3", "-12.5", r"1.5 \times 10^{-5}", "-0.0001", r"-2.25 \times 10^{8}"]
    labels = names + [f"{n} = {v}" for n, v in itertools.product(names, values)]
    sizes = {"scriptsize": 8, "small": 10}
    lines = [rf"\measure{{\{size}}}{{{label}}}" for size in sizes for label in labels]
    source = (
        PREAMBLE.replace(r"\begin{document}", r"\newsavebox\measured")
        + r"\newcommand\measure[2]{\sbox\measured{#1$#2$}\typeout{SIZE \the\wd\measured\space\the\ht\measured\space\the\dp\measured}}"
        + "\n\\begin{document}\n"
        + "\n".join(lines)
        + "\nx\n\\end{document}\n"
    )
    _, log = _latex(source, tmp_path)
    printed = [
        tuple(float(v) for v in re.findall(r"([\d.]+)pt", line))
        for line in log.splitlines()
        if line.startswith("SIZE ")
    ]
    assert len(printed) == len(lines)
    for (size, label), real in zip(itertools.product(sizes, labels), printed):
        estimate = math_size(label, sizes[size])
        for what, guess, actual in zip(("width", "height", "depth"), estimate, real):
            assert guess >= actual - 0.5, f"{label} in \\{size}: {what} {guess:.2f}pt estimated, {actual:.2f}pt printed"
        assert estimate[0] <= real[0] * 1.1 + 1, (
            f"{label} in \\{size}: width {estimate[0]:.2f}pt, far over {real[0]:.2f}pt"
        )
