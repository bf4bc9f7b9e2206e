"""The command line as its users expect: `render`'s format from -o's suffix, what was written said on standard
error, the precision chosen on the command line; an example in every command's --help; `grad`'s tables within
the terminal's width."""

import json
import os
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from symbackprop import load
from symbackprop.cli import main, render_spec
from symbackprop.evaluation import train
from symbackprop.spec import bundled_text
from symbackprop.tables import result_tables, table

SPEC = "squared_error_2_2_2"  # its [notation] asks for decimals = 5


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("doc.tex", "latex"),
        ("doc.md", "markdown"),
        ("page.html", "html"),
        ("check.py", "python"),
        ("doc.ipynb", "notebook"),
    ],
)
def test_the_suffix_of_o_chooses_the_format(name, fmt, tmp_path, capsys):
    target = tmp_path / name
    status, out, err = run(capsys, "render", SPEC, "-o", str(target))
    assert status == 0 and out == ""
    assert target.read_text(encoding="utf-8") == render_spec(SPEC, fmt)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_an_upper_case_suffix_counts_and_an_unknown_one_is_markdown(tmp_path, capsys):
    assert run(capsys, "render", SPEC, "-o", str(tmp_path / "DOC.TEX"))[0] == 0
    assert (tmp_path / "DOC.TEX").read_text(encoding="utf-8") == render_spec(SPEC, "latex")
    assert run(capsys, "render", SPEC, "-o", str(tmp_path / "notes.txt"))[0] == 0
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == render_spec(SPEC, "markdown")


def test_without_o_or_format_markdown_goes_to_standard_output(capsys):
    status, out, err = run(capsys, "render", SPEC)
    assert status == 0 and out == render_spec(SPEC, "markdown") and err == ""


def test_format_html_without_o_prints_the_page_and_with_o_names_it(tmp_path, capsys, monkeypatch):
    status, out, err = run(capsys, "render", SPEC, "--format", "html")
    assert status == 0 and out.startswith("<!DOCTYPE html>") and out == render_spec(SPEC, "html") and err == ""
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "render", SPEC, "-o", "page.html") == (0, "", "symbackprop: wrote page.html (HTML page)\n")


def test_an_explicit_format_that_agrees_or_names_another_suffix_is_kept(tmp_path, capsys):
    assert run(capsys, "render", SPEC, "--format", "latex", "-o", str(tmp_path / "a.tex"))[0] == 0
    assert run(capsys, "render", SPEC, "--format", "python", "-o", str(tmp_path / "check.txt"))[0] == 0
    assert (tmp_path / "a.tex").read_text(encoding="utf-8") == render_spec(SPEC, "latex")
    assert (tmp_path / "check.txt").read_text(encoding="utf-8") == render_spec(SPEC, "python")


@pytest.fixture
def fake_tex(monkeypatch):
    """build_pdf without TeX: the PDF is the LaTeX it was given, so a test sees which text was compiled."""
    built = []

    def build_pdf(text):
        built.append(text)
        return SimpleNamespace(pdf=text.encode(), problems=[])

    monkeypatch.setattr("symbackprop.tex.build_pdf", build_pdf)
    return built


@pytest.mark.parametrize(
    "argv", [["-o", "doc.pdf"], ["--format", "latex", "-o", "doc.pdf"], ["-o", "doc.tex", "--pdf"]]
)
def test_a_pdf_suffix_compiles_the_latex_beside_it(argv, fake_tex, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "render", SPEC, *argv)
    latex = render_spec(SPEC, "latex")
    assert status == 0 and out == "" and fake_tex == [latex]
    assert (tmp_path / "doc.tex").read_text(encoding="utf-8") == latex
    assert (tmp_path / "doc.pdf").read_bytes() == latex.encode()
    assert err == "symbackprop: wrote doc.tex (LaTeX) and doc.pdf\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "markdown", "-o", "doc.tex"], "--format: markdown does not match -o doc.tex, whose suffix .tex"),
        (["--format", "python", "-o", "doc.pdf"], "--format: python does not match -o doc.pdf, whose suffix .pdf"),
        (["--format", "latex", "-o", "doc.md"], "--format: latex does not match -o doc.md"),
        (["--format", "markdown", "-o", "doc.html"], "--format: markdown does not match -o doc.html"),
        (
            ["--format", "markdown", "-o", "doc.ipynb"],
            "--format: markdown does not match -o doc.ipynb, whose suffix .ipynb",
        ),
        (["-o", "doc.md", "--pdf"], "--pdf: compiles LaTeX, but -o doc.md is another format (Markdown); give -o x.pdf"),
        (["-o", "doc.html", "--pdf"], "--pdf: compiles LaTeX, but -o doc.html is another format (HTML page)"),
        (["--format", "notebook", "--pdf"], "--pdf: compiles LaTeX, but --format notebook is another format"),
        (["--pdf"], "--pdf: needs -o PATH to write the PDF to"),
        (["--format", "latex", "--pdf"], "--pdf: needs -o PATH to write the PDF to"),
        (["-o", "out/"], "-o: out/ names a folder; give a file name"),
        (["-o", "doc.pdf", "--pdf", "-o", "out/"], "-o: out/ names a folder"),
        (["-o", "doc.md", "--strict"], "--strict: needs --pdf"),
        (["--format", "pdf", "-o", "doc.pdf"], "--format: unknown format 'pdf'"),
        (["--digits", "3", "--decimals", "2"], "--decimals: give either digits (significant figures) or decimals"),
        (["--digits", "0"], "--digits: expected a whole number from 1 to 15, got 0"),
        (["--decimals", "13"], "--decimals: expected a whole number from 0 to 12, got 13"),
        (["--rounding", "carry"], "--rounding: unknown rounding 'carry' (did you mean 'carried'?)"),
        (["--digits", "four"], "argument --digits: invalid int value: 'four'"),
    ],
)
def test_render_refuses_in_one_line_and_writes_nothing(argv, message, fake_tex, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "render", SPEC, *argv)
    assert status == 2 and out == ""
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == [] and fake_tex == []


def test_quiet_says_nothing_and_standard_output_says_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "render", SPEC, "-o", "doc.md") == (0, "", "symbackprop: wrote doc.md (Markdown)\n")
    assert run(capsys, "render", SPEC, "-o", "check.py", "--quiet") == (0, "", "")
    assert (tmp_path / "check.py").read_text(encoding="utf-8") == render_spec(SPEC, "python")


def test_new_says_what_it_wrote_unless_quiet(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "new", "2-2-1", "--seed", "3", "-o", "a.toml") == (0, "", "symbackprop: wrote a.toml (spec)\n")
    assert run(capsys, "new", "2-2-1", "--seed", "3", "-o", "b.toml", "-q") == (0, "", "")
    status, out, err = run(capsys, "new", "2-2-1", "--seed", "3")
    assert status == 0 and err == "" and out == (tmp_path / "b.toml").read_text() == (tmp_path / "a.toml").read_text()


@pytest.mark.parametrize(
    ("options", "notation"),
    [
        (["--digits", "3"], "digits = 3"),
        (["--decimals", "2"], "decimals = 2"),
        (["--rounding", "carried"], 'decimals = 5\nrounding = "carried"'),
        (["--digits", "6", "--rounding", "carried"], 'digits = 6\nrounding = "carried"'),
    ],
)
@pytest.mark.parametrize("fmt", ["markdown", "python"])
def test_precision_options_take_the_place_of_the_specs(options, notation, fmt, tmp_path, capsys):
    """The spec asks for decimals = 5: each option gives what the spec would give had it said so instead."""
    text = bundled_text(SPEC)
    assert text.count("decimals = 5\n") == 1
    given, said = tmp_path / "given", tmp_path / "said"
    given.mkdir()
    said.mkdir()
    (given / "spec.toml").write_text(text, encoding="utf-8")
    (said / "spec.toml").write_text(text.replace("decimals = 5\n", notation + "\n"), encoding="utf-8")
    status, out, _ = run(capsys, "render", str(given / "spec.toml"), "--format", fmt, *options)
    assert status == 0
    assert out == render_spec(str(said / "spec.toml"), fmt)
    if fmt == "markdown":  # the script prints at the spec's precision but computes exactly either way
        assert out != render_spec(str(given / "spec.toml"), fmt)


@pytest.mark.parametrize("command", ["grad", "render", "examples", "new", "variants", "check"])
def test_every_command_help_shows_an_example(command, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert f"example: symbackprop {command}" in out or f"examples:\n  symbackprop {command}" in out


@pytest.mark.parametrize("width", [12, 30, 45, 80, 1000])
def test_a_table_within_a_width_is_the_whole_table_in_column_groups(width):
    header = ["parameter"] + [f"col {k}" for k in range(9)]
    rows = [[f"W1[{r},1]"] + [f"{(-1) ** k * (r + 1) * 10.0 ** (k % 5):.4f}" for k in range(9)] for r in range(3)]
    whole = table(header, rows)
    groups = table(header, rows, width).split("\n\n")
    for group in groups:
        lines = group.splitlines()
        assert [line.split()[0] for line in lines] == [line.split()[0] for line in whole.splitlines()]
        # Only a group of one column, too wide for any width, may run past it.
        assert len(lines[1].split()) == 2 or max(map(len, lines)) <= width
    # Side by side again, the groups' columns are the whole table's, in order.
    columns = [line.split()[1:] for line in whole.splitlines()]
    joined = [sum((group.splitlines()[n].split()[1:] for group in groups), []) for n in range(len(columns))]
    assert joined == columns
    assert (len(groups) == 1) == (max(map(len, whole.splitlines())) <= width)


def test_grad_fits_a_terminal_and_gives_pipes_and_json_the_whole_tables(capsys, monkeypatch):
    result = train(load(SPEC))
    piped, json_piped = run(capsys, "grad", SPEC)[1], run(capsys, "grad", SPEC, "--json")[1]
    assert piped == result_tables(result) + "\n"
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(shutil, "get_terminal_size", lambda: os.terminal_size((50, 24)))
    shown = run(capsys, "grad", SPEC)[1]
    assert shown == result_tables(result, 6, 50) + "\n" != piped
    forward = shown.split("Forward pass with the starting parameters\n", 1)[1].split("\n(*", 1)[0]
    assert forward.count("\n\n") >= 2 and max(map(len, forward.splitlines())) <= 50
    assert run(capsys, "grad", SPEC, "--json")[1] == json_piped


def _readme_format_commands():
    """The commands of the README's "One worked solution, every format" block, each split into its arguments."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("## One worked solution, every format", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].split()[1:] for line in block.splitlines()]


def test_the_readme_shows_one_working_command_per_format(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    commands = _readme_format_commands()
    written = {argv[argv.index("-o") + 1] for argv in commands if "-o" in argv}
    assert {Path(name).suffix for name in written} == {".md", ".pdf", ".tex", ".html", ".ipynb", ".py"}
    for argv in commands:
        if argv[-1].endswith(".pdf") and shutil.which("latexmk") is None:
            continue
        status, out, err = run(capsys, *argv)
        assert status == 0, (argv, err)
    # Each file is what its suffix says, read by a reader of that kind (not by symbackprop).
    assert Path("worked.md").read_text().startswith("# ")
    assert "\\documentclass" in Path("worked.tex").read_text() and Path("worked.tex").read_text().rstrip().endswith(
        "\\end{document}"
    )
    assert Path("worked.html").read_text().startswith("<!DOCTYPE html>")
    assert json.loads(Path("worked.ipynb").read_text())["nbformat"] == 4
    compile(Path("check.py").read_text(), "check.py", "exec")
    if shutil.which("latexmk"):
        assert Path("worked.pdf").read_bytes().startswith(b"%PDF")
