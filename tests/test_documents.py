"""Worked-solution documents: golden files, numbers from the engine, escaping, LaTeX compilation, KaTeX."""

import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from figures import figures, shown
from katex import katex_errors, math_spans, needs_katex
from networks import oracle_for, parameter_names

from symbackprop import bundled_examples, load, parse, train
from symbackprop.cli import main, render_spec
from symbackprop.document import build
from symbackprop.render import FORMATS, latex_escape, markdown_escape, render
from symbackprop.tex import compile_pdf

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "output"
REGENERATE = "python -m symbackprop.outputs"
HAS_TEX = shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None
needs_tex = pytest.mark.skipif(not HAS_TEX, reason="latexmk/pdflatex not installed (.ci/run installs them)")
CASES = [(name, fmt) for name in bundled_examples() for fmt in FORMATS]


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_output_folder_is_current(name, fmt):
    path = OUTPUT / f"{name}{FORMATS[fmt].suffix}"
    assert path.exists(), f"{path} is missing: run `{REGENERATE}`"
    assert render_spec(name, fmt) == path.read_text(encoding="utf-8"), f"{path} is stale: run `{REGENERATE}`"


def _update_rows(markdown):
    section = re.split(r"^## (?:Step \d+: )?Update\n", markdown, flags=re.M)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| $")]
    return [[cell.strip().strip("$") for cell in row.strip("|").split("|")] for row in rows]


@pytest.mark.parametrize("name", bundled_examples())
def test_update_table_shows_the_oracle_numbers_rounded(name):
    spec = load(name)
    net = oracle_for(spec)
    X, Y = spec.numeric_data()
    params = spec.numeric_parameters()
    gradients = net.gradients(params, X, Y, spec.rows, spec.reduction)
    new = net.train(params, X, Y, spec.rows, spec.reduction, float(spec.learning_rate), 1, spec.update_biases)
    names = parameter_names(spec)
    rows = _update_rows(render_spec(name, "markdown"))
    # One table per layer, the output layer first: every trained parameter once.
    layers = [int(names[row[0]][0][1:]) for row in rows]
    assert layers == sorted(layers, reverse=True)
    trained = {n for n, (pname, _) in names.items() if pname[0] == "W" or spec.update_biases}
    assert sorted(row[0] for row in rows) == sorted(trained)
    for pname, value in params.items():
        if pname[0] == "b" and not spec.update_biases:
            assert np.array_equal(new[pname], value)  # a frozen bias does not move, and gets no row
    for row in rows:
        pname, index = names[row[0]]
        for cell, value in zip(row[1:], (params[pname][index], gradients[pname][index], new[pname][index])):
            assert shown(cell, value), (row, pname, index)


def test_001_updates_its_numbered_weights_in_their_natural_order():
    """001 numbers its first layer's weights down the columns (w1, w3 feed h1): its tables still read w1..w4."""
    rows = [row[0] for row in _update_rows(render_spec("squared_error_2_2_2", "markdown"))]
    assert rows == [f"w_{{{n}}}" for n in (5, 6, 7, 8, 1, 2, 3, 4)]


@pytest.mark.parametrize("name", bundled_examples())
@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_every_table_column_has_one_precision(name, fmt):
    """Within a column, every number has the same count of decimals, except a small one that keeps three
    significant figures (LaTeX aligns the column on the decimal point)."""
    text = render_spec(name, fmt)
    uneven = []
    for table in _tables(text, fmt):
        for c, column in enumerate(zip(*table)):
            found = [f for cell in column if NUMERIC_CELL.fullmatch(cell.strip().strip("$")) for f in figures(cell)]
            base = min((p for _, p in found), default=0)
            # More decimals only where a small figure needs them for three significant figures (0.00721).
            if any(p != base and p != 2 - math.floor(math.log10(abs(v))) for v, p in found if v):
                uneven.append((c, column))
    assert not uneven, uneven[:3]


NUMERIC_CELL = re.compile(r"-?\d+(\.\d+)?")


def _tables(text, fmt):
    """The body rows of every table as lists of cells; a table of quantities by sample (its first header
    cell empty) is given column by column, since there each row is one quantity with its own precision."""
    if fmt == "markdown":
        blocks = [block.splitlines() for block in re.findall(r"((?:^\|.*\|\n)+)", text, re.M)]
        tables = [
            ([c.strip() for c in b[0].strip("|").split("|")], [r.strip("|").split("|") for r in b[2:]]) for b in blocks
        ]
    else:
        found = re.findall(r"\\toprule\n(.*?)\\\\\n\\midrule\n(.*?)\\bottomrule", text, re.S)
        tables = [
            ([c.strip() for c in head.split("&")], [r.split("&") for r in body.split("\\\\\n") if r.strip()])
            for head, body in found
        ]
    # A table of the terms a step uses mixes kinds of figures on purpose (a weight as written beside a computed
    # slope); its column aligns on the decimal point instead.
    tables = [(header, rows) for header, rows in tables if "what it is" not in header]
    return [rows if header[0] else [list(column) for column in zip(*rows)] for header, rows in tables]


@pytest.mark.parametrize(
    ("name", "names"),
    [
        ("bce_sigmoid_2_2_1", [r"z^{(1)}_{1}", r"\hat{y}", r"W^{(2)}_{12}", r"\delta^{(1)}_{2}"]),
        (
            "squared_error_2_2_2",
            [r"\mathrm{sum}_{h1}", r"\mathrm{output}_{o2}", "i_{1}", "E_{\\mathrm{total}}", r"\partial w_{3}"],
        ),
        (
            "squared_error_2_2_1_shared_bias",
            [r"\mathrm{net}_{h1}", r"\mathrm{out}_{o1}", r"\delta_{o}", "w_{6}", "b_{h}", "t_{1}"],
        ),
        ("regression_2_2_1_linear_output", ["v_{2}", "w_{21}", "b_{3}", r"\alpha"]),
        ("custom_activation_2_2_1", ["u_{3}", "z_{2}", "y^{*}", "w_{31}", r"\lambda"]),
    ],
)
def test_each_example_is_written_in_its_own_notation(name, names):
    text = render_spec(name, "markdown")
    for symbol in names:
        assert symbol in text


def test_seed_001_numbers_its_first_layer_weights_down_the_columns():
    text = render_spec("squared_error_2_2_2", "markdown")
    # w_3 carries i_2 into h1 in that example, so its gradient is delta_h1 times i_2. A display row may run
    # over several source lines; rows end with \\.
    rows = re.sub(r"\n(?![\n$])", " ", text).split("\\\\")
    gradient = r"\\frac\{\\partial E_\{\\mathrm\{total\}\}\}\{\\partial w_\{3\}\}.*\\delta_\{h1\} i_\{2\}"
    assert any(re.search(gradient, row) for row in rows)


HOSTILE_TITLE = (
    r"Notes \input{/etc/passwd} \immediate\write18{touch pwned} ^^5c % & # $ {braces} _ ~ <script>alert(1)</script>"
)


def _spec_with_title(title):
    base = (ROOT / "symbackprop" / "examples" / "regression_2_2_1_linear_output.toml").read_text(encoding="utf-8")
    lines = [line for line in base.splitlines() if not line.startswith(("title", "description"))]
    return "title = " + json.dumps(title) + "\n" + "\n".join(lines) + "\n"


def test_markdown_escapes_user_text():
    from symbackprop.document import build
    from symbackprop.evaluation import train
    from symbackprop.render import render

    text = render(build(train(parse(_spec_with_title(HOSTILE_TITLE)))), "markdown")
    title = text.splitlines()[0]
    assert "<script>" not in text and "&lt;script&gt;" in title
    assert r"\$" in title and r"\_" in title


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a&b", r"a\&b"),
        ("50%", r"50\%"),
        ("x^2", r"x\textasciicircum{}2"),
        ("\\input", r"\textbackslash{}input"),
        ("{}", r"\{\}"),
        ("a_b#", r"a\_b\#"),
    ],
)
def test_latex_escape_is_one_pass(raw, escaped):
    assert latex_escape(raw) == escaped


def test_markdown_escape_neutralises_html_and_markup():
    # A word joiner (U+2060) follows each dollar, so a page's math renderer never sees a delimiter.
    assert markdown_escape("<b>*x*</b> & $y$") == "&lt;b&gt;\\*x\\*&lt;/b&gt; &amp; \\$\u2060y\\$\u2060"


@needs_tex
def test_hostile_title_compiles_and_shows_literally(tmp_path):
    from symbackprop.document import build
    from symbackprop.evaluation import train
    from symbackprop.render import render

    monkey_dir = tmp_path / "work"
    monkey_dir.mkdir()
    tex = render(build(train(parse(_spec_with_title(HOSTILE_TITLE)))), "latex")
    (tmp_path / "hostile.pdf").write_bytes(compile_pdf(tex))
    shown = subprocess.run(["pdftotext", str(tmp_path / "hostile.pdf"), "-"], capture_output=True, text=True).stdout
    assert "input{/etc/passwd}" in shown and "write18{touch pwned}" in shown and "<script>" in shown
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


@needs_tex
@pytest.mark.parametrize("name", bundled_examples())
def test_every_latex_document_compiles_to_the_pdf_in_output(name, tmp_path):
    (tmp_path / f"{name}.pdf").write_bytes(compile_pdf(render_spec(name, "latex")))
    assert (tmp_path / f"{name}.pdf").read_bytes().startswith(b"%PDF")
    # Compare what the pages say rather than bytes, which differ between TeX versions.
    assert _pdf_text(tmp_path / f"{name}.pdf") == _pdf_text(OUTPUT / f"{name}.pdf"), (
        f"output/{name}.pdf is stale: run `{REGENERATE}`"
    )


@needs_tex
@pytest.mark.parametrize("name", bundled_examples())
def test_the_network_diagram_is_whole_on_the_first_page(name):
    # The picture stands between the heading and the list of layers, so the list's first line on the
    # first page means the whole picture is there, under the overview.
    first = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(OUTPUT / f"{name}.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "The network" in first and "Input layer:" in first


def _pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@needs_katex
@pytest.mark.parametrize("name", bundled_examples())
def test_every_markdown_math_span_renders_with_katex(name):
    spans = math_spans(render_spec(name, "markdown"))
    assert len(spans) > 50
    errors = katex_errors(spans)
    assert not errors, errors


# One unit per layer, each layer with another activation; the weights send the ReLU and the leaky ReLU
# below their kink.
ACTIVATIONS = [
    '"sigmoid"',
    '"tanh"',
    '"relu"',
    '{ name = "leaky_relu", slope = 0.01 }',
    '"linear"',
    '"softplus"',
    '{ name = "A", variable = "t", expression = "1.7159*tanh(2*t/3)" }',
    '{ name = "S", variable = "t", expression = "t/(1+abs(t))" }',
]
EVERY_ACTIVATION = "\n".join(
    [
        'title = "Every activation"',
        "[network]",
        "inputs = 1",
        "layers = [" + ", ".join(f"{{ units = 1, activation = {a} }}" for a in ACTIVATIONS) + "]",
        "[loss]",
        'kind = "squared_error"',
        "[parameters]",
        *[
            f"W{l} = [[{-1.5 if l == 3 else 1.5}]]\nb{l} = [{-0.5 if l == 4 else 0.1}]"
            for l in range(1, len(ACTIVATIONS) + 1)
        ],
        "[data]",
        "x = [[0.3]]",
        "y = [[0.5]]",
    ]
)


def _rendered(spec, fmt):
    return render(build(train(spec)), fmt)


def test_every_activation_prints_by_its_name_in_both_formats():
    spec = parse(EVERY_ACTIVATION)
    for fmt in ("latex", "markdown"):
        text = _rendered(spec, fmt)
        for printed in (r"\operatorname{ReLU}", r"\operatorname{LeakyReLU}", r"\operatorname{softplus}", r"\sigma"):
            assert printed in text, (fmt, printed)
        assert "leaky_" not in text and "relu}" not in text, fmt
        assert r"1.7159 \tanh" in text and r"1.1439 \left(1 - \tanh^{2}" in text, fmt
        assert r"\frac{1}{\left(1 + \left\lvert" in text and r"\operatorname{re}" not in text, fmt


def test_a_piecewise_activation_is_worked_by_the_branch_its_numbers_select():
    text = _rendered(parse(EVERY_ACTIVATION), "latex")
    assert r"= \max\left(0, -1.073\right) = 0" in text
    assert r"= 0.01 \cdot \left(-0.5000\right)" in text and r"= -0.005000 \quad \text{since } {-0.5000 < 0}" in text
    assert r"\text{otherwise} \end{cases} = 0 \quad \text{since } {0 \leq 0}" in text
    assert r"\text{for}\: -" not in text and r"\text{for}\: 0" not in text


@needs_katex
def test_every_activation_renders_with_katex():
    spans = math_spans(_rendered(parse(EVERY_ACTIVATION), "markdown"))
    errors = katex_errors(spans)
    assert not errors, errors


@needs_tex
def test_every_activation_compiles_with_latex():
    assert compile_pdf(_rendered(parse(EVERY_ACTIVATION), "latex")).startswith(b"%PDF")


def test_user_template_folder_takes_precedence(tmp_path, capsys):
    (tmp_path / "document.md.j2").write_text(
        "custom: {{ doc.title | escape }} with {{ doc.sections | length }} sections\n", encoding="utf-8"
    )
    assert main(["render", "bce_sigmoid_2_2_1", "--template-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("custom: 2-2-1 sigmoid classifier") and "sections" in out


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_one_block_kind_is_restyled_by_overriding_its_macro_alone(tmp_path, capsys, fmt):
    extension = {"markdown": "md", "latex": "tex"}[fmt]
    (tmp_path / "blocks").mkdir()
    statement = "{% macro render(block) %}" if fmt == "markdown" else "((* macro render(block) *))"
    end = "{% endmacro %}" if fmt == "markdown" else "((* endmacro *))"
    value = "{{ block.rows | length }}" if fmt == "markdown" else "((( block.rows | length )))"
    (tmp_path / "blocks" / f"table.{extension}.j2").write_text(f"{statement}TABLE OF {value} ROWS{end}\n")
    main(["render", "bce_sigmoid_2_2_1", "--format", fmt])
    stock = capsys.readouterr().out
    assert main(["render", "bce_sigmoid_2_2_1", "--format", fmt, "--template-dir", str(tmp_path)]) == 0
    restyled = capsys.readouterr().out
    # Every table is drawn by the user's macro; every other block exactly as before.
    assert "TABLE OF 9 ROWS" in restyled and "TABLE OF 5 ROWS" in restyled
    assert "\\begin{longtable}" not in restyled and "|---" not in restyled
    kept = [line for line in stock.splitlines() if "\\begin{align" in line or line.startswith("$$")]
    assert kept and all(line in restyled.splitlines() for line in kept)


def test_render_writes_the_file_atomically(tmp_path, capsys):
    target = tmp_path / "doc.md"
    assert main(["render", "squared_error_2_2_2", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render_spec("squared_error_2_2_2", "markdown")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.md"]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["render", "--format", "docx"], "--format: unknown format 'docx'"),
        (["render", "--format", "html", "-o", "/no/such/folder/doc.html"], "-o: folder /no/such/folder does not exist"),
        (["render", "-o", "/no/such/folder/doc.md"], "-o: folder /no/such/folder does not exist"),
        (["render", "--pdf"], "--pdf: needs -o PATH to write the PDF to"),
        (["render", "--template-dir", "/no/such/templates"], "--template-dir: /no/such/templates is not a folder"),
    ],
)
def test_render_errors_are_one_line_and_write_nothing(argv, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_pdf_without_tex_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["render", "--format", "latex", "-o", str(tmp_path / "doc.tex"), "--pdf"]) == 2
    assert "no TeX engine found" in capsys.readouterr().err


def test_unwritable_target_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    assert main(["render", "-o", str(tmp_path / "taken")]) == 2
    assert "is not a regular file" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_documents_render_from_an_installed_wheel(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    (wheel,) = wheels.glob("symbackprop-*.whl")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [str(python), "-c", "import symbackprop, sys; print(symbackprop.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert str(venv) in done.stdout, done.stdout + done.stderr
    for fmt in ("markdown", "latex", "python", "notebook"):
        rendered = subprocess.run(
            [str(python), "-m", "symbackprop", "render", "custom_activation_2_2_1", "--format", fmt],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert rendered.returncode == 0, rendered.stderr
        assert rendered.stdout == render_spec("custom_activation_2_2_1", fmt)
