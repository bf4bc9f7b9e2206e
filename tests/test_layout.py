"""Documents of networks of every size: nothing dropped, displays and tables laid out to fit the page."""

import re
import shutil
import statistics
import subprocess

import numpy as np
import pytest
from figures import figures, shown
from katex import katex_errors, math_spans, needs_katex
from networks import draw_numbers, make_case

from symbackprop.cli import render_spec
from symbackprop.document import context, measure, tables
from symbackprop.document.blocks import Math

HAS_TEX = shutil.which("pdflatex") is not None
needs_tex = pytest.mark.skipif(not HAS_TEX, reason="pdflatex not installed (.ci/run installs it)")

# (inputs, hidden widths, outputs, hidden activation, output activation, loss, bias, detail)
WIDE = [
    (6, [8], 4, "sigmoid", "sigmoid", "bce", "per-neuron", "auto"),
    (4, [5], 3, "tanh", "softmax", "cross_entropy", "per-layer", "auto"),
    (3, [3], 2, "sigmoid", "softmax", "cross_entropy", "per-neuron", "full"),
    (2, [3, 3], 1, "relu", "linear", "squared_error", "none", "compact"),
    (8, [6, 5], 8, "leaky_relu", "tanh", "squared_error", "per-neuron", "auto"),
]


def wide_spec(inputs, widths, outputs, hidden, output, loss, bias, detail, seed=0, samples=1):
    c = {
        "inputs": inputs, "widths": widths, "outputs": outputs, "hidden": [hidden] * len(widths), "output": output,
        "loss": loss, "bias": bias, "factor": 0.5, "learning_rate": 0.5, "update_biases": True, "mode": "sample",
        "sample": 1, "steps": 1, "reduction": "sum",
    }  # fmt: skip
    draw_numbers(c, np.random.default_rng(seed), samples, loss, outputs)
    text, net, plain = make_case(c)
    return text + f'\n[document]\ndetail = "{detail}"\n', net, plain


@pytest.mark.parametrize("case", WIDE, ids=lambda c: f"{c[0]}-{'-'.join(map(str, c[1]))}-{c[2]}-{c[3]}-{c[7]}")
def test_every_number_of_the_step_is_in_the_document(case, tmp_path):
    text, net, plain = wide_spec(*case)
    path = tmp_path / "spec.toml"
    path.write_text(text)
    markdown = render_spec(str(path), "markdown")
    found = figures(markdown)
    params, x, y = plain["params"], plain["x"][0], plain["y"][0]
    _grads, deltas, zs, outs = net.sample_gradients(params, x, y)
    gradients = net.gradients(params, plain["x"], plain["y"], plain["rows"], "sum")
    new = net.train(params, plain["x"], plain["y"], plain["rows"], "sum", 0.5, 1, True)
    missing = []
    for l in range(1, len(zs)):
        for j, (z, a, delta) in enumerate(zip(zs[l], outs[l], deltas[l])):
            missing += [
                f"{name}{l}_{j + 1}"
                for name, v in (("z", z), ("a", a), ("delta", delta))
                if not shown(markdown, v, found)
            ]
    for name, value in params.items():
        for index in np.ndindex(np.shape(value)):
            for kind, table in (("gradient", gradients), ("new", new)):
                if not shown(markdown, np.asarray(table[name])[index], found):
                    missing.append(f"{kind} {name}{list(index)}")
    assert not missing, f"not in the document: {missing}"


def test_a_long_step_breaks_between_terms_and_keeps_every_term():
    pieces = tuple(f"+ W_{{{k}}} x_{{{k}}}" if k else "W_{0} x_{0}" for k in range(40))
    step = context.Step(" ".join(pieces), pieces)
    rows = context._layout("z", [step, context.Step("0.5", ("0.5",))], room=300)
    assert len(rows) > 3 and rows[0].left == "z" and all(row.left == "" for row in rows[1:])
    assert all(measure.width(row.right) <= 300 for row in rows)
    joined = " ".join(row.right.replace(r"\quad ", "") for row in rows)
    assert joined == "= " + " ".join(pieces) + " = 0.5"


def test_a_short_line_stays_on_one_row():
    rows = context._layout("z", [context.Step("a + b", ("a", "+ b")), context.Step("1", ("1",))], room=300)
    assert [(row.left, row.right) for row in rows] == [("z", "= a + b = 1")]


def test_wide_tables_split_into_column_groups_that_repeat_the_key_column():
    header = (("parameter",), *[(f"sample {s}",) for s in range(1, 31)])
    rows = [((Math(f"w_{{{r}}}"),), *[(Math(f"{r}.{s:04d}"),) for s in range(1, 31)]) for r in range(5)]
    groups = tables.tables(header, rows, "l" + "r" * 30)
    assert len(groups) > 1
    assert all(g.header[0] == ("parameter",) and g.align[0] == "l" for g in groups)
    assert [c for g in groups for c in g.header[1:]] == list(header[1:])
    for g in groups:
        assert sum(
            max(tables.cell_width(row[c]) for row in (g.header, *g.rows)) + 12 for c in range(len(g.header))
        ) <= (measure.TEXT_WIDTH)


def _rows_of(latex):
    for block in re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", latex, re.S):
        for row in block.split("\\\\\n"):
            if "&" in row:
                yield from (part.strip() for part in row.split("&", 1) if part.strip())


def _cells_of(latex):
    for _, table in re.findall(r"\\begin\{(longtable|tabular)\}(.*?)\\end\{\1\}", latex, re.S):
        yield from re.findall(r"\$(.+?)\$", table)


@needs_tex
def test_the_width_estimate_never_falls_short_of_what_pdflatex_prints(tmp_path):
    latex = ""
    for case in WIDE[:3]:
        text, _, _ = wide_spec(*case)
        path = tmp_path / "spec.toml"
        path.write_text(text)
        latex += render_spec(str(path), "latex")
    # Display rows' sides as align* sets them (display style, {} before the right side); table cells in text style.
    rows = [(row, measure.width, rf"\displaystyle {{}}{row}") for row in dict.fromkeys(_rows_of(latex))][:300]
    cells = [(cell, measure.inline_width, cell) for cell in dict.fromkeys(_cells_of(latex))][:300]
    lines = [r"\documentclass[11pt]{article}\usepackage[T1]{fontenc}\usepackage{lmodern}\usepackage{amsmath}"]
    lines.append(r"\newlength\w\begin{document}")
    lines += [rf"\settowidth{{\w}}{{${tex}$}}\typeout{{W{i}=\the\w}}" for i, (_, _, tex) in enumerate(rows + cells)]
    (tmp_path / "m.tex").write_text("\n".join(lines) + r"\end{document}")
    subprocess.run(["pdflatex", "-interaction=batchmode", "m.tex"], cwd=tmp_path, capture_output=True, timeout=120)
    log = (tmp_path / "m.log").read_text(errors="replace")
    real = {int(i): float(w) for i, w in re.findall(r"^W(\d+)=([0-9.]+)pt", log, re.M)}
    assert len(real) == len(rows) + len(cells) and len(rows) > 100 and len(cells) > 100
    printed = [real[i] for i in range(len(real))]
    for name, measured, widths in (
        ("display rows", rows, printed[: len(rows)]),
        ("table cells", cells, printed[len(rows) :]),
    ):
        estimates = [(estimate(latex), width, latex) for (latex, estimate, _), width in zip(measured, widths)]
        short = [
            f"{latex}: {guess:.2f}pt estimated, {width}pt printed"
            for guess, width, latex in estimates
            if guess < width - 0.01
        ]
        assert not short, f"{name} estimated short (text could run off the page): {short[:5]}"
        ratios = [guess / width for guess, width, _ in estimates if width > 30]
        assert statistics.median(ratios) <= 1.02, f"{name}: estimates far too wide break lines that would fit"


@pytest.mark.parametrize("case", WIDE, ids=lambda c: f"{c[0]}-{'-'.join(map(str, c[1]))}-{c[2]}-{c[3]}-{c[7]}")
@needs_katex
def test_the_markdown_of_wide_networks_renders_with_katex(case, tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text(wide_spec(*case)[0])
    errors = katex_errors(math_spans(render_spec(str(path), "markdown")))
    assert not errors, errors


@pytest.mark.parametrize(
    ("profile", "widths", "expected"),
    [
        ("layered", [2, 2, 1], ("W^{(1)}_{21}", "W^{(2)}_{12}")),
        ("layered", [2, 12, 1], ("W^{(1)}_{2,1}", "W^{(2)}_{1,2}")),
        ("w-v", [11, 3, 2], ("w_{2,1}", "v_{12}")),
        ("u-z", [2, 5, 6, 1], ("w_{21}", "w_{6,2}")),
    ],
)
def test_weight_indices_take_commas_for_the_whole_layer_once_one_has_two_digits(profile, widths, expected):
    from symbackprop.activations import SIGMOID
    from symbackprop.losses import BCE
    from symbackprop.network import Architecture, Layer
    from symbackprop.notation import build

    layers = tuple(Layer(units, SIGMOID) for units in widths[1:])
    names = build(Architecture(widths[0], layers, "per-neuron", BCE), profile)
    assert (names.W[1][1][0], names.W[2][0][1]) == expected
