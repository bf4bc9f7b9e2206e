"""Rich display in a notebook: a training result shows its summary tables (Markdown, HTML, LaTeX for MathJax), a
document its worked solution; the numbers are `grad --json`'s, user text stays text, and IPython finds them."""

import html
import json
import re
import sys

import pytest
from figures import shown
from katex import katex_errors, math_spans, needs_katex
from networks import SMALL_SPEC

from symbackprop import bundled_examples, load, parse, train
from symbackprop.cli import main
from symbackprop.document import build
from symbackprop.render import render

HOSTILE_TITLE = "<script>alert(1)</script> $x$ *b* \\(y\\) {#} & _ ^ ~ %"
MULTI_STEP = SMALL_SPEC + '[training]\nmode = "batch"\nsteps = 3\nupdate_biases = false\n'


def _markdown_tables(text):
    """Each Markdown table as (header, rows), its cells unescaped."""
    tables = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.startswith("| ")]
        if lines:
            cells = [[re.sub(r"\\(.)", r"\1", cell).strip() for cell in line[2:-2].split(" | ")] for line in lines]
            tables.append((cells[0], cells[2:]))
    return tables


def _html_tables(text):
    tables = []
    for found in re.findall(r"<table>(.*?)</table>", text):
        header = [html.unescape(cell) for cell in re.findall(r"<th>(.*?)</th>", found)]
        rows = [
            [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", found)
        ]
        tables.append((header, [row for row in rows if row]))
    return tables


_FROM_MATH = {r"\backslash": "\\", r"\{": "{", r"\}": "}", r"\lt": "<", r"\gt": ">", r"\hat{}": "^", r"\sim": "~"}


def _from_math(cell):
    """A cell of the LaTeX display back as text: \\text{} runs and symbols."""
    out = []
    for text, symbol in re.findall(r"\\text\{([^{}]*)\}|(\\[a-z]+(?:\{\})?|\\.)", cell.strip()):
        out.append(text if not symbol else _FROM_MATH.get(symbol, symbol[1:]))
    return "".join(out)


def _latex_tables(text):
    tables = []
    for found in re.findall(r"\\begin\{array\}\{l(?:r+)\} (.*?) \\end\{array\}", text):
        head, body = found.split(r" \\ \hline ")
        header = [_from_math(cell) for cell in head.split(" & ")]
        tables.append((header, [[_from_math(cell) for cell in row.split(" & ")] for row in body.split(r" \\ ")]))
    return tables


READERS = {"markdown": _markdown_tables, "html": _html_tables, "latex": _latex_tables}
REPRS = {"markdown": "_repr_markdown_", "html": "_repr_html_", "latex": "_repr_latex_"}


def _close(cell, value):
    """The cell shows ``value`` with six decimals (the tables' default)."""
    return abs(float(cell) - value) <= 0.5e-6 * (1 + 1e-9) + 1e-12


def _grad_json(source, capsys):
    assert main(["grad", source, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


CASES = [*bundled_examples(), "multi-step"]


@pytest.mark.parametrize("fmt", READERS)
@pytest.mark.parametrize("name", CASES)
def test_a_result_shows_the_numbers_of_grad_json(name, fmt, tmp_path, capsys):
    source = name
    if name == "multi-step":
        source = str(tmp_path / "multi.toml")
        (tmp_path / "multi.toml").write_text(MULTI_STEP, encoding="utf-8")
    engine = _grad_json(source, capsys)
    spec = load(source)
    text = getattr(train(spec), REPRS[fmt])()
    tables = {header[0]: (header, rows) for header, rows in READERS[fmt](text)}
    header, rows = tables["parameter"]
    assert header[:3] == ["parameter", "old", "gradient"]
    seen = set()
    for row in rows:
        pname, index = re.fullmatch(r"(\w+?)(?:\[([\d,]+)\])?", row[0]).groups()
        index = [int(i) - 1 for i in index.split(",")] if index else []
        gradient, updated = engine["gradients"][pname], engine["updated"][pname]
        for i in index:
            gradient, updated = gradient[i], updated[i]
        assert _close(row[2], gradient), (row, gradient)
        if row[-1] == "frozen":
            assert pname.startswith("b") and not spec.update_biases
        else:
            assert _close(row[-1], updated), (row, updated)
        seen.add(pname)
    assert seen == set(engine["gradients"])
    header, rows = tables["sample"]
    depth = len(spec.architecture.layers)
    outputs = [i for i, cell in enumerate(header) if cell.startswith(f"a{depth}_")]
    for row, expected in zip(rows, engine["outputs"]):
        assert [_close(row[i], value) for i, value in zip(outputs, expected)] == [True] * len(expected)
    before = re.search(r"loss (?:of the step before|before step 1): (\S+)", text if fmt != "latex" else _plain(text))
    assert _close(before.group(1), engine["loss"])


def _plain(latex):
    return " ".join(_from_math(line) for line in latex.split(r" \\"))


def test_a_document_shows_its_worked_solution_in_markdown_and_no_latex(capsys):
    engine = _grad_json("bce_sigmoid_2_2_1", capsys)
    document = build(train(load("bce_sigmoid_2_2_1")))
    text = document._repr_markdown_()
    assert text.startswith("# 2-2-1 sigmoid classifier") and "\n## Step 4: Update\n" in text
    for value in (engine["loss"], *engine["updated"]["W2"][0], engine["updated"]["b2"][0]):
        assert shown(text, value), value
    assert document._repr_latex_() is None


def _hostile():
    return train(parse(SMALL_SPEC.replace('"A small network"', json.dumps(HOSTILE_TITLE))))


def test_a_hostile_title_shows_literally_in_every_repr():
    result = _hostile()
    assert result.spec.title == HOSTILE_TITLE
    markdown = result._repr_markdown_()
    assert "<script>" not in markdown and "$x$" not in markdown and "*b*" not in markdown
    assert "&lt;script&gt;" in markdown
    page = result._repr_html_()
    assert "<script>" not in page and f"<p>{html.escape(HOSTILE_TITLE)}</p>" in page
    latex = result._repr_latex_()
    inner = latex.removeprefix("$$\n").removesuffix("\n$$")
    assert "$" not in inner.replace(r"\$", "") and "<" not in inner and "&lt;" not in inner
    unescaped = re.sub(r"\\[{}]", "", inner)  # each brace of the title is \{ or \}: the others pair up
    assert unescaped.count("{") == unescaped.count("}")
    assert _from_math(inner.splitlines()[1].removesuffix(r" \\")) == HOSTILE_TITLE  # the first line of the array
    document = build(result)._repr_markdown_()
    assert "<script>" not in document and "$x$" not in document
    frame = build(result)._repr_html_()
    assert frame.count("<") == 2 and "<script>" not in frame  # the iframe's tags only: the page is one attribute


def test_a_document_shows_its_page_in_a_sandboxed_frame():
    document = build(train(load("bce_sigmoid_2_2_1")))
    frame = document._repr_html_()
    match = re.fullmatch(r'<iframe srcdoc="([^"<>]*)" sandbox="allow-scripts" style="[^"<>]*"></iframe>', frame)
    assert match is not None
    assert html.unescape(match.group(1)) == render(document, "html")


def test_ipython_finds_every_repr():
    limit = sys.getrecursionlimit()
    formatters = pytest.importorskip("IPython.core.formatters", reason="IPython comes with ipykernel (test extra)")
    # IPython imports jedi, which raises the recursion limit for good: put it back, as later tests (a spec nested
    # 1000 deep) rely on Python's own.
    sys.setrecursionlimit(limit)
    result = _hostile()
    data, _ = formatters.DisplayFormatter().format(result)
    assert data["text/markdown"] == result._repr_markdown_()
    assert data["text/html"] == result._repr_html_()
    assert data["text/latex"] == result._repr_latex_()
    data, _ = formatters.DisplayFormatter().format(build(result))
    assert "text/markdown" in data and "text/html" in data and "text/latex" not in data


@needs_katex
def test_the_latex_display_typesets(tmp_path):
    """KaTeX stands in for MathJax: the display of a hostile title and of a three-step run typesets without error."""
    (tmp_path / "multi.toml").write_text(MULTI_STEP, encoding="utf-8")
    for result in (_hostile(), train(load(tmp_path / "multi.toml"))):
        spans = math_spans(result._repr_latex_())
        assert len(spans) == 1 and spans[0]["display"]
        assert katex_errors(spans) == ""
