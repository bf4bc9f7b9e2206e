"""The Jupyter notebook (`render --format notebook`): executed top to bottom in a real kernel, it prints what
`grad --json` prints, each step's numbers where the worked solution works them, under the Markdown document's
sections in their order; without nbformat the command says how to install it in one line.

Each notebook is executed once, in a kernel of its own (nbclient, kernel python3 by ipykernel): about 1.3 s
with the kernel's start, most of it the start. A kernel shared between notebooks would save about 1 s each but
keep one notebook's functions for the next, where they could hide a cell that forgot to define one.
"""

import ast
import json
import os
import re
import sys
import time

import numpy as np
import pytest
from close import assert_close
from figures import shown
from networks import SMALL_SPEC, oracle_for

from symbackprop import bundled_examples, load
from symbackprop.cli import main, render_spec
from symbackprop.notation import plain_name

nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[test]' installs nbformat")
nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[test]' installs nbclient")
pytest.importorskip("ipykernel", reason="pip install -e '.[test]' installs ipykernel")

HOSTILE_TITLE = '<script>alert(1)</script> $x$ *b* """ \' \\ {{ x }} # %% [setup]'


def _generated(tmp_path_factory, name, *arguments, steps=1):
    """A spec written by `symbackprop new` (its steps set to ``steps``), as a file path."""
    path = tmp_path_factory.mktemp("specs") / f"{name}.toml"
    assert main(["new", *arguments, "-o", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nsteps = 1\n", f"\nsteps = {steps}\n"), encoding="utf-8")
    return str(path)


GENERATED = {
    "new-3-4-2": lambda f: _generated(f, "plain", "3-4-2", "--seed", "1"),
    "new-3-4-2-softmax-batch-3-steps": lambda f: _generated(
        f, "softmax", "3-4-2", "--hidden", "tanh", "--output", "softmax", "--samples", "3", "--mode", "batch",
        "--seed", "2", steps=3,
    ),
}  # fmt: skip


@pytest.fixture(scope="module", params=[*bundled_examples(), *GENERATED])
def run(request, tmp_path_factory):
    """A spec (name or path), its notebook as written, the same executed, and the seconds the execution took."""
    source = request.param
    if source in GENERATED:
        source = GENERATED[source](tmp_path_factory)
    return source, *_executed(source)


def _executed(source):
    """The notebook of ``source`` as written, the same executed, and the seconds the execution took."""
    text = render_spec(source, "notebook")
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    executed = nbformat.reads(text, as_version=4)
    # The kernel gets none of the PYTHON* or SBP_* variables, so no path leads it to this work tree.
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "SBP_"))}
    start = time.perf_counter()
    nbclient.NotebookClient(executed, kernel_name="python3", timeout=120).execute(env=environment)
    return notebook, executed, time.perf_counter() - start


def _code(notebook):
    return {cell.id: cell for cell in notebook.cells if cell.cell_type == "code"}


def _printed(cell):
    """What a code cell printed on standard output."""
    return "".join(output.text for output in cell.outputs if output.output_type == "stream" and output.name == "stdout")


def _grad_json(source, capsys):
    assert main(["grad", source, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_executed_notebook_prints_the_json_of_grad(run, capsys):
    source, _, executed, seconds = run
    cells = list(_code(executed).values())
    assert cells[-1] is executed.cells[-1] and cells[-1].id == "results"
    assert_close(json.loads(_printed(cells[-1])), _grad_json(source, capsys), same_types=False, abs_tol=1e-300)
    print(f"{source}: executed in {seconds:.2f} s")


def test_no_code_cell_raises_or_warns_and_every_one_prints(run):
    _, _, executed, _ = run
    for cell in _code(executed).values():
        kinds = {(output.output_type, output.get("name")) for output in cell.outputs}
        assert kinds == {("stream", "stdout")}, (cell.id, cell.outputs)
        assert _printed(cell).strip(), cell.id
        assert not _printed(cell).startswith("\n"), cell.id  # the cell's source is just above: no gap to fill


def test_the_code_imports_numpy_and_the_standard_library_only(run):
    _, notebook, _, _ = run
    imported = set()
    for cell in _code(notebook).values():
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module)
    assert imported == {"json", "math", "numpy"}


def _sections(markdown):
    """The headings of a Markdown document's sections (## and ###), code fences skipped."""
    headings, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and re.match(r"#{2,3} ", line):
            headings.append(line)
    return headings


def test_every_section_of_the_markdown_document_is_a_markdown_cell_in_order(run):
    source, notebook, _, _ = run
    document = render_spec(source, "markdown")
    cells = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    assert cells[0].startswith(document.split("\n\n", 2)[0] + "\n\n")  # the title, as the document gives it
    assert [cell.splitlines()[0] for cell in cells[1:]] == _sections(document)
    at = 0
    for cell in cells[1:]:
        at = document.index(cell, at) + len(cell)  # each section whole, and after the one before it


# The section each step's code cell comes right after (its heading, without "Step n: "); without a section of its
# own, the forward pass follows the worked one (one sample has no table of every sample's values) and the check
# follows the update's cells (a document checks the loss again only when asked).
AFTER = {
    "setup": r"## Data and starting parameters",
    "forward": r"## Forward pass(: every value|, step by step)",
    "loss": r"## Forward pass, step by step",
    "backward": r"### ",
    "update": r"## Update",
    "steps": r"## Steps 2 to \d+",
    "check": r"## (Check|Update)",
}


def test_each_code_cell_follows_the_section_it_recomputes(run):
    source, notebook, _, _ = run
    spec = load(source)
    order, heading = [], None
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            heading = re.sub(r"^(#+) Step \d+: ", r"\1 ", cell.source.splitlines()[0])
            continue
        order.append(cell.id)
        if cell.id in AFTER:
            assert re.match(AFTER[cell.id], heading), (cell.id, heading)
    expected = ["setup", "forward", "loss", "backward", "gradients", "update"]
    expected += ["steps"] * (spec.steps > 1) + ["check", "results"]
    assert order == expected
    # The backward pass's cells follow its last layer's section, the update's section after them.
    cells = notebook.cells
    gradients = next(i for i, cell in enumerate(cells) if cell.id == "gradients")
    assert cells[gradients - 1].id == "backward" and cells[gradients + 1].source.startswith("## ")


def _lines(text, heading):
    """The lines under ``heading`` up to the next blank line, split at " = " or ": "."""
    block = ("\n" + text).split(f"\n{heading}\n", 1)[1].split("\n\n", 1)[0]
    return [re.split(r" = |: ", line, maxsplit=1) for line in block.splitlines()]


def _assert_shown(figure, value, decimals, what):
    assert shown(figure.replace("e", " \\times 10^"), value, fixed=decimals), (what, figure, value)


def test_the_forward_and_gradient_cells_print_the_oracles_numbers(run):
    """Against the independent backpropagation of tests/oracle.py, one sample at a time in plain loops."""
    source, _, executed, _ = run
    spec = load(source)
    notation, decimals = spec.notation, spec.notation.precision.decimals
    net = oracle_for(spec)
    x, y = spec.numeric_data()
    params = spec.numeric_parameters()
    cells = _code(executed)
    forward = _printed(cells["forward"])
    for row in range(len(x)):
        zs, outs = net.forward(params, x[row])
        expected = [(plain_name(n), v) for n, v in zip(notation.x, x[row])]
        for l in range(1, spec.architecture.depth + 1):
            for j in range(len(zs[l])):
                expected += [(plain_name(notation.z[l][j]), zs[l][j]), (plain_name(notation.a[l][j]), outs[l][j])]
        expected += [(plain_name(n), v) for n, v in zip(notation.y, y[row])]
        lines = _lines(forward, f"Forward pass, sample {row + 1}")
        assert [name for name, _ in lines[:-1]] == [name for name, _ in expected]
        for (name, figure), (_, value) in zip(lines, expected):
            _assert_shown(figure, value, decimals, name)
    gradients = net.gradients(params, x, y, spec.rows, spec.reduction)
    printed = _printed(cells["gradients"]).strip().splitlines()[1:]
    expected = []
    for pname, value in gradients.items():
        family, l = pname[0], int(pname[1:])
        for index in np.ndindex(np.shape(value)):
            entry = notation.W[l][index[0]][index[1]] if family == "W" else notation.b[l]
            if family == "b" and not notation.shared(l):
                entry = entry[index[0]]
            expected.append((f"d{plain_name(notation.loss)}/d{plain_name(entry)}", np.asarray(value)[index]))
    assert sorted(line.split(" = ")[0] for line in printed) == sorted(name for name, _ in expected)
    values = dict(line.split(" = ") for line in printed)
    for name, value in expected:
        _assert_shown(values[name], value, decimals, name)


def test_a_hostile_title_is_text_in_the_markdown_and_a_string_in_the_code(tmp_path, capsys):
    path = tmp_path / "hostile.toml"
    title = json.dumps(HOSTILE_TITLE)
    path.write_text(SMALL_SPEC.replace('title = "A small network"', f"title = {title}"), encoding="utf-8")
    notebook, executed, _ = _executed(str(path))
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "<script>" not in markdown and "$x$" not in markdown and "*b*" not in markdown
    assert "&lt;script&gt;" in markdown
    cells = _code(executed)
    assert _printed(cells["setup"]).splitlines()[0] == HOSTILE_TITLE
    assert_close(
        json.loads(_printed(cells["results"])), _grad_json(str(path), capsys), same_types=False, abs_tol=1e-300
    )


def test_the_notebook_is_the_same_every_time_with_ids_of_its_own():
    text = render_spec("squared_error_2_2_2", "notebook")
    assert text == render_spec("squared_error_2_2_2", "notebook")
    notebook = nbformat.reads(text, as_version=4)
    ids = [cell.id for cell in notebook.cells]
    assert len(set(ids)) == len(ids)
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize(
    "argv", [["-o", "doc.ipynb"], ["--format", "notebook", "-o", "doc.ipynb"], ["--format", "notebook"]]
)
def test_without_nbformat_the_notebook_is_refused_in_one_line(argv, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "nbformat", None)  # import nbformat now fails, as when it is not installed
    monkeypatch.chdir(tmp_path)
    assert main(["render", "squared_error_2_2_2", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "symbackprop: error: --format notebook needs nbformat: pip install 'symbackprop[notebook]'\n"
    assert list(tmp_path.iterdir()) == []
