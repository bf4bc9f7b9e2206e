"""Charts: the loss step by step and each layer's largest weight gradient, checked against the oracle.

The numbers a chart plots are compared with tests/oracle.py (plain NumPy, one sample at a time), the
marked steps with the steps the document's own table of losses lists, and the chart's presence with
the conditions it stands for (several steps; a saturated unit in a network of several layers). The
SVG drawing is parsed back and its coordinates mapped to the data; the LaTeX is compiled and TeX's
log read for overfull boxes; the Markdown's math is typeset by KaTeX.
"""

import json
import math
import re
import shutil
import xml.etree.ElementTree as ET
from functools import cache

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from katex import HAS_KATEX, katex_errors, math_spans
from oracle import Net
from pdf_sweep import CASES
from test_hostile import SATURATED

from symbackprop import parse, train
from symbackprop.charts import (
    MOST_DRAWN,
    Axis,
    Chart,
    Tick,
    counted_ticks,
    envelope,
    linear_ticks,
    log_ticks,
    svg,
    value_axis,
)
from symbackprop.document import build
from symbackprop.document.blocks import Math, Table
from symbackprop.document.figures import Figures
from symbackprop.render import FORMATS, environment, render
from symbackprop.sheets import SolutionSheet
from symbackprop.tex import build_pdf

HAS_TEX = shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None
needs_tex = pytest.mark.skipif(not HAS_TEX, reason="latexmk/pdflatex not installed (.ci/run installs them)")
SVG = "{http://www.w3.org/2000/svg}"

# A 2-2-1 sigmoid network on two samples, and a 2-3-3-1 one whose large weights saturate hidden units.
SMALL = {"W1": [[0.15, -0.2], [0.25, 0.3]], "b1": [0.35, -0.1], "W2": [[0.4, -0.45]], "b2": [0.6]}
SATURATING = {
    "W1": [[7.0, 9.0], [-6.0, -4.0], [8.0, -2.0]],
    "b1": [0.5, 0.5, -0.3],
    "W2": [[4.0, 3.0, 6.0], [3.0, -3.0, 5.0], [-3.0, 3.0, 3.0]],
    "b2": [-0.1, 0.3, 0.0],
    "W3": [[-0.4, 0.7, 0.4]],
    "b3": [-0.3],
}
GENTLE = {name: (np.asarray(value) / 10).tolist() for name, value in SATURATING.items()}
X, Y = [[0.05, 0.1], [-0.8, 0.9]], [[0.01], [0.0]]


def spec_text(parameters, steps=1, rate=0.5, mode="batch", title="charts", extra=""):
    depth = len(parameters) // 2
    widths = [len(parameters[f"W{l}"]) for l in range(1, depth + 1)]
    layers = ", ".join(f'{{ units = {w}, activation = "sigmoid" }}' for w in widths)
    lines = [
        f"title = {json.dumps(title)}",
        "[network]",
        "inputs = 2",
        "bias = 'per-neuron'",
        f"layers = [{layers}]",
        "[loss]",
        "kind = 'squared_error'",
        "factor = 0.5",
        "reduction = 'sum'",
        "[parameters]",
        *(f"{name} = {value}" for name, value in parameters.items()),
        "[data]",
        f"x = {X}",
        f"y = {Y}",
        "[training]",
        f"learning_rate = {rate}",
        f"mode = '{mode}'",
        "sample = 2",
        f"steps = {steps}",
        extra,
    ]
    return "\n".join(lines) + "\n"


def oracle(parameters):
    return Net([("sigmoid", {})] * (len(parameters) // 2), "squared_error", "per-neuron")


@cache
def document(parameters_name, steps=1, mode="batch", rate=0.5, title="charts"):
    parameters = {"SMALL": SMALL, "SATURATING": SATURATING, "GENTLE": GENTLE}[parameters_name]
    return build(train(parse(spec_text(parameters, steps, rate, mode, title))))


def charts(doc):
    return [(section.title, block) for section in doc.sections for block in section.blocks if block.kind == "chart"]


def number(latex):
    """A printed figure back as a float: 0.4802, -1.5, 1.2 \\times 10^{-9}."""
    mantissa, _, exponent = latex.partition(r" \times 10^")
    return float(mantissa) * (10.0 ** int(exponent.strip("{}")) if exponent else 1.0)


# -- the numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("steps, mode", [(2, "batch"), (3, "sample"), (7, "batch"), (120, "sample")])
def test_the_loss_chart_plots_the_oracle_loss_before_each_step_and_after_the_last(steps, mode):
    net = oracle(SMALL)
    rows = [0, 1] if mode == "batch" else [1]
    params = {k: np.asarray(v, dtype=float) for k, v in SMALL.items()}
    expected = [net.loss(params, np.array(X), np.array(Y), rows, "sum")]
    for _ in range(steps):
        params = net.train(params, np.array(X), np.array(Y), rows, "sum", 0.5, 1, True)
        expected.append(net.loss(params, np.array(X), np.array(Y), rows, "sum"))
    [(title, chart)] = charts(document("SMALL", steps, mode))
    assert title.startswith("Step")
    assert [x for x, _ in chart.points] == list(range(steps + 1))
    assert [y for _, y in chart.points] == pytest.approx(expected, rel=1e-9)
    assert not chart.bars and chart.y.low <= min(expected) and chart.y.high >= max(expected)


@pytest.mark.parametrize("steps", [4, 50, 51, 120, 1000])
def test_the_loss_chart_marks_the_steps_its_table_lists(steps):
    doc = document("SMALL", steps)
    [(_, chart)] = charts(doc)
    [section] = [s for s in doc.sections if any(b is chart for b in s.blocks)]
    losses = next(b for b in section.blocks if isinstance(b, Table) and b.header[0] == ("step",))
    listed = [int(row[0][0]) for row in losses.rows]
    assert [chart.points[i][0] for i in chart.marked] == [0, *listed]
    # Past 50 steps the table thins its rows, and the chart its dots, to the first, every k-th and the last.
    assert len(chart.marked) == steps + 1 if steps <= 50 else len(chart.marked) < 60
    assert chart.tables == ()  # the section already has the table; Markdown shows nothing more


def test_with_three_steps_or_fewer_markdown_shows_the_losses_as_a_table_in_place_of_the_chart():
    doc = document("SMALL", 3)
    [(_, chart)] = charts(doc)
    [table] = chart.tables
    before = [number(row[1][0].latex) for row in table.rows]
    after = [number(row[2][0].latex) for row in table.rows]
    losses = [y for _, y in chart.points]
    assert [int(row[0][0]) for row in table.rows] == [1, 2, 3]
    for printed, exact in zip(before + after, losses[:3] + losses[1:]):
        assert printed == pytest.approx(exact, abs=0.5 * 10 ** -len(str(printed).partition(".")[2]) + 1e-12)
    markdown = render(doc, "markdown")
    assert "| step | loss before | loss after | change |" in markdown


def test_the_gradient_chart_plots_each_layers_largest_weight_gradient_from_the_oracle():
    net = oracle(SATURATING)
    params = {k: np.asarray(v, dtype=float) for k, v in SATURATING.items()}
    gradients = net.gradients(params, np.array(X), np.array(Y), [0, 1], "sum")
    expected = [float(np.max(np.abs(gradients[f"W{l}"]))) for l in (1, 2, 3)]
    [(title, chart)] = charts(document("SATURATING"))
    assert title == "Notes" and chart.bars
    assert [x for x, _ in chart.points] == [1, 2, 3]
    assert [y for _, y in chart.points] == pytest.approx(expected, rel=1e-9)
    # Each bar's label is its figure as the document prints gradients: within half a unit of its last digit.
    for (_, value), (label,) in zip(chart.points, chart.labels):
        places = len(label.latex.partition(".")[2])
        assert abs(number(label.latex) - value) <= 0.5 * 10**-places + 1e-15
    assert [t.label for t in chart.x.ticks] == ["1", "2", "3"]
    [table] = chart.tables
    assert [row[1] for row in table.rows] == list(chart.labels)


def test_gradients_spanning_decades_are_drawn_on_a_logarithmic_scale():
    sizes = [3e-7, 2e-3, 0.4]
    axis = value_axis(("g",), sizes, from_zero=True, headroom=True)
    assert axis.log and axis.low <= min(sizes) and axis.high >= max(sizes)
    assert axis.low == pytest.approx(1e-7) and axis.high == pytest.approx(10.0)  # 0.4 keeps a decade above it
    # Nine decades are too many ticks for a small chart: every other one.
    assert [t.label for t in axis.ticks] == [f"10^{{{e}}}" for e in range(-7, 2, 2)]


# -- when charts appear --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parameters, steps, expected",
    [
        ("SMALL", 1, []),
        ("SMALL", 2, ["line"]),
        ("SMALL", 60, ["line"]),
        ("GENTLE", 1, []),  # the same network with weights a tenth as large: nothing saturates
        ("SATURATING", 1, ["bars"]),
        ("SATURATING", 2, ["line", "bars"]),
    ],
)
def test_a_chart_appears_exactly_where_its_condition_holds(parameters, steps, expected):
    doc = document(parameters, steps)
    notes = [s for s in doc.sections if s.title == "Notes"]
    saturated = bool(notes) and "saturated" in str(notes[0].blocks[0].items)
    assert saturated == (parameters == "SATURATING")
    assert ["bars" if c.bars else "line" for _, c in charts(doc)] == expected
    assert doc.charts == bool(expected)
    assert ("pgfplots" in render(doc, "latex")) == bool(expected)


def test_a_saturated_network_of_one_layer_has_its_note_but_no_chart():
    text = SATURATED  # one sigmoid unit with a bias of 40
    doc = build(train(parse(text)))
    assert "saturated" in str(doc.sections[-1].blocks[0].items)
    assert charts(doc) == []


# -- ticks ---------------------------------------------------------------------------------------------


@given(st.floats(-1e4, 1e4), st.floats(1e-5, 100))
def test_linear_ticks_are_round_evenly_spaced_and_cover_the_range(low, spread):
    span = spread * max(1.0, abs(low))
    high = low + span
    ticks = linear_ticks(low, high)
    at = [t.at for t in ticks]
    assert 1 <= len(at) <= 6
    assert all(low - 1e-9 * span <= a <= high + 1e-9 * span for a in at)
    spacing = at[1] - at[0] if len(at) > 1 else span
    assert all(b - a == pytest.approx(spacing) for a, b in zip(at, at[1:]))
    assert at[0] - low < spacing * (1 + 1e-9) and high - at[-1] < spacing * (1 + 1e-9)
    mantissa = spacing / 10 ** math.floor(math.log10(spacing))
    assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-4
    # The labels are the positions, all with the same decimals (0 prints as 0, as every figure of 0 does).
    assert [number(t.label) for t in ticks] == pytest.approx(at)
    assert len({len(t.label.partition(".")[2]) for t in ticks if t.label != "0"}) == 1


@pytest.mark.parametrize("steps", [2, 3, 7, 10, 49, 50, 51, 99, 1000, 9999, 10_000])
def test_the_step_axis_has_whole_ticks_from_0_for_any_count_of_steps(steps):
    ticks = linear_ticks(0, steps, whole=True)
    at = [t.at for t in ticks]
    assert at[0] == 0 and all(a == int(a) and str(int(a)) == t.label for a, t in zip(at, ticks))
    assert 3 <= len(at) <= 6 and steps - at[-1] < at[1]


def test_values_the_documents_print_as_0_keep_an_axis_linear():
    # A loss trained down to float noise prints as 0 in the tables: the chart does not plot it at 10^-31.
    assert not value_axis(("L",), [0.25, 1e-3, 3e-31]).log
    assert value_axis(("L",), [0.25, 1e-3, 3e-12]).log


def test_log_ticks_are_powers_of_ten_every_one_or_every_kth():
    assert [t.at for t in log_ticks(1e-3, 1)] == pytest.approx([1e-3, 1e-2, 1e-1, 1])
    many = log_ticks(1e-30, 1)
    assert len(many) <= 7 and many[0].label == "10^{-30}" and many[-1].label == "10^{0}"


def test_a_long_line_is_drawn_through_the_extremes_of_each_stretch():
    rng = np.random.default_rng(3)
    points = [(x, float(v)) for x, v in enumerate(rng.normal(size=10_001))]
    drawn = envelope(points)
    assert len(drawn) <= MOST_DRAWN + 2 and drawn[0] == points[0] and drawn[-1] == points[-1]
    assert [x for x, _ in drawn] == sorted({x for x, _ in drawn})
    assert max(y for _, y in drawn) == max(y for _, y in points) and min(y for _, y in drawn) == min(
        y for _, y in points
    )


# -- SVG -----------------------------------------------------------------------------------------------


def _svg(chart):
    root = ET.fromstring(svg(chart))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-label") == chart.title and root.find(f"{SVG}title").text == chart.title
    assert root.get("viewBox") and not root.get("width")
    for element in root.iter():
        assert element.tag.removeprefix(SVG) in {
            "svg",
            "title",
            "line",
            "text",
            "tspan",
            "rect",
            "polyline",
            "circle",
            "path",
        }
        assert not any("href" in name or name.startswith("on") for name in element.attrib)
    return root


def _monotone(data, drawn, increasing=True):
    """Whether the drawn coordinates are in the order (or the reverse order) of the data."""
    pairs = sorted(zip(data, drawn))
    return all((b[1] > a[1]) == increasing for a, b in zip(pairs, pairs[1:]) if b[0] > a[0])


@pytest.mark.parametrize("steps", [3, 120])
def test_the_svg_loss_line_maps_steps_rightwards_and_losses_upwards(steps):
    [(_, chart)] = charts(document("SMALL", steps))
    root = _svg(chart)
    line = root.find(f"{SVG}polyline").get("points").split()
    drawn = [tuple(map(float, p.split(","))) for p in line]
    data = chart.drawn
    assert len(drawn) == len(data)
    assert _monotone([x for x, _ in data], [x for x, _ in drawn])
    assert _monotone([y for _, y in data], [y for _, y in drawn], increasing=False)
    dots = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{SVG}circle")]
    assert len(dots) == len(chart.marked)
    marked = [chart.points[i] for i in chart.marked]
    assert _monotone([x for x, _ in marked], [x for x, _ in dots])
    # The first and last points sit on the ends of the x axis (0 and the last step).
    assert drawn[0][0] == pytest.approx(72) and drawn[-1][0] == pytest.approx(480 - 16)


def test_the_svg_bars_grow_with_the_gradients_and_ticks_span_the_axis():
    [(_, chart)] = charts(document("SATURATING"))
    root = _svg(chart)
    bars = [(float(r.get("y")), float(r.get("height"))) for r in root.iter(f"{SVG}rect")]
    sizes = [y for _, y in chart.points]
    assert _monotone(sizes, [height for _, height in bars])
    # Every bar stands on the x axis.
    assert len({round(top + height, 1) for top, height in bars}) == 1
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for tick in chart.y.ticks:
        assert tick.label.replace("-", "−") in texts
    assert chart.y.ticks[0].at == chart.y.low == 0 and chart.y.ticks[-1].at >= max(sizes) - (
        chart.y.ticks[1].at - chart.y.ticks[0].at
    )
    assert [label[0].latex for label in chart.labels] == [t for t in texts if t[0] == "0"][-3:]


def test_the_svg_of_a_logarithmic_axis_places_each_decade_evenly():
    y = value_axis(("L",), [1.0, 1e-4])
    chart = Chart(
        "decades",
        Axis(("step",), 0, 4, linear_ticks(0, 4, whole=True)),
        y,
        tuple(enumerate([1, 0.1, 1e-2, 1e-3, 1e-4])),
    )
    drawn = [tuple(map(float, p.split(","))) for p in _svg(chart).find(f"{SVG}polyline").get("points").split()]
    steps = [b[1] - a[1] for a, b in zip(drawn, drawn[1:])]
    assert steps == pytest.approx([steps[0]] * 4, abs=0.02) and steps[0] > 0


HOSTILE = "</title><script>alert(1)</script> & \" ' $\\input{x}$ <!-- ]]>"


def test_no_text_in_a_chart_can_open_an_element_or_an_attribute():
    axis = Axis((HOSTILE, Math("L")), 0, 1, (Tick(0, "0"), Tick(1, "1")))
    chart = Chart(HOSTILE, axis, axis, ((0, 0.5), (1, 1.0)), labels=((HOSTILE,), (HOSTILE,)))
    root = _svg(chart)
    assert root.find(f"{SVG}title").text == HOSTILE
    assert sum("".join(t.itertext()) == HOSTILE + "L" for t in root.iter(f"{SVG}text")) == 2
    assert sum("".join(t.itertext()) == HOSTILE for t in root.iter(f"{SVG}text")) == 2
    assert "<script" not in svg(chart)


def test_a_charts_mathematics_is_set_as_tex_sets_it():
    italic = Axis(("largest ", Math(r"\\left|\\frac{\\partial E_{\\mathrm{total}}}{\\partial w}\\right|")), 0, 1, ())
    root = _svg(Chart("t", italic, italic, ((0, 0), (1, 1))))
    label = next(t for t in root.iter(f"{SVG}text") if "".join(t.itertext()) == "largest |∂Etotal/∂w|")
    spans = {span.text: span.attrib for span in label.iter(f"{SVG}tspan")}
    assert spans["E"] == spans["w"] == {"font-style": "italic"}
    assert spans["total"] == {"baseline-shift": "sub", "font-size": "75%"}


def test_a_hostile_title_reaches_no_chart():
    title = "Steps $\\input{/etc/passwd}$ </title><script>x</script> -- %"
    doc = document("SATURATING", 2, title=title)
    assert doc.title == title
    for _, chart in charts(doc):
        _svg(chart)
        assert "script" not in svg(chart) and "passwd" not in svg(chart)
    latex = render(doc, "latex")
    for axis in re.findall(r"\\begin\{axis\}.*?\\end\{axis\}", latex, re.S):
        assert "passwd" not in axis and "script" not in axis


# -- LaTeX and Markdown --------------------------------------------------------------------------------


@needs_tex
@pytest.mark.parametrize("parameters, steps", [("SMALL", 3), ("SMALL", 120), ("SATURATING", 2)])
def test_documents_with_charts_compile_without_overfull_boxes(parameters, steps):
    built = build_pdf(render(document(parameters, steps), "latex"))
    assert [p for p in built.problems if p.kind == "overfull"] == []
    assert "pgfplots" in built.log


@pytest.mark.skipif(not HAS_KATEX, reason="node and katex not installed (.ci/run installs them)")
def test_markdown_with_charts_is_katex_valid():
    spans = []
    for parameters, steps in [("SMALL", 3), ("SMALL", 120), ("SATURATING", 2)]:
        spans += math_spans(render(document(parameters, steps), "markdown"))
    assert katex_errors(spans) == ""


@pytest.mark.parametrize(("parameters", "steps"), [("SMALL", 3), ("SMALL", 5), ("SATURATING", 5)])
def test_a_chart_leaves_no_second_blank_line_in_markdown(parameters, steps):
    """Whether a chart shows its tables or nothing (the document holds them already), blocks stay one blank line
    apart."""
    doc = document(parameters, steps)
    assert charts(doc)
    assert "\n\n\n" not in render(doc, "markdown")


def test_markdown_shows_the_gradient_figures_where_latex_draws_bars():
    doc = document("SATURATING")
    [(_, chart)] = charts(doc)
    markdown = render(doc, "markdown")
    notes = markdown[markdown.index("## Notes") :]
    for label, role in zip(chart.labels, ("hidden layer 1", "hidden layer 2", "output layer")):
        assert f"| {role} | ${label[0].latex}$ |" in notes
    assert "\\begin{axis}" in render(doc, "latex") and "axis" not in notes


def test_counted_ticks():
    assert [(t.at, t.label) for t in counted_ticks(4)] == [(1, "1"), (2, "2"), (3, "3"), (4, "4")]


def test_a_solution_sheet_loads_pgfplots_when_one_of_its_solutions_draws_a_chart():
    plain, charted = document("SMALL", 1), document("SMALL", 2)
    sheet = environment(FORMATS["latex"]).get_template("sheets/solutions.tex.j2")

    def rendered(*documents):
        sheets = [SolutionSheet(str(i), d) for i, d in enumerate(documents)]
        return sheet.render(title="t", header="t", sheets=sheets)

    assert "pgfplots" not in rendered(plain, plain)
    assert rendered(plain, charted).count(r"\usepackage{pgfplots}") == 1


def test_an_infinite_loss_is_left_out_of_the_loss_chart_and_the_lead_says_so():
    # Carried rounding takes an output of this case to exactly 1, where cross-entropy is infinite.
    case = next(c for c in CASES if c.name == "bce_3_5_3_batch")
    text = case.spec()[0].replace("[notation]\n", '[notation]\nrounding = "carried"\n', 1)
    result = train(parse(text))
    losses = Figures(result).run.losses
    assert not np.all(np.isfinite(losses))
    [chart] = [chart for _, chart in charts(build(result)) if not chart.bars]
    assert chart.points == tuple((k, float(v)) for k, v in enumerate(losses) if np.isfinite(v))
    assert "infinite loss" in "".join(p for p in chart.lead if isinstance(p, str))
    assert all(math.isfinite(float(c)) for pair in chart.coordinates for c in pair)
