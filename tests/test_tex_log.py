r"""What TeX's log says about a PDF: overfull boxes and missing characters, read out and reported.

The log lines below are copied from real pdfTeX 1.40.24 runs (TeX Live 2022).
"""

import re
import shutil

import pytest

from symbackprop.cli import main
from symbackprop.tex import LOG_WIDTH, Problem, build_pdf, log_problems, report

needs_tex = pytest.mark.skipif(
    shutil.which("latexmk") is None or shutil.which("pdflatex") is None, reason="latexmk/pdflatex not installed"
)


@pytest.mark.parametrize(
    ("log", "problem"),
    [
        (
            r"Overfull \hbox (36.5154pt too wide) in paragraph at lines 29--30",
            Problem("overfull", 36.5154, 29, r"Overfull \hbox (36.5154pt too wide) in paragraph at lines 29--30"),
        ),
        (
            r"Overfull \hbox (1102.09004pt too wide) detected at line 340",
            Problem("overfull", 1102.09004, 340, r"Overfull \hbox (1102.09004pt too wide) detected at line 340"),
        ),
        (
            r"Overfull \hbox (100.0pt too wide) in alignment at lines 3--3",
            Problem("overfull", 100.0, 3, r"Overfull \hbox (100.0pt too wide) in alignment at lines 3--3"),
        ),
        (
            r"Overfull \vbox (90.0pt too high) detected at line 4",
            Problem("overfull", 90.0, 4, r"Overfull \vbox (90.0pt too high) detected at line 4"),
        ),
        (
            r"Overfull \vbox (90.0pt too high) in alignment at lines 5--5",
            Problem("overfull", 90.0, 5, r"Overfull \vbox (90.0pt too high) in alignment at lines 5--5"),
        ),
        (
            r"Overfull \vbox (758.78458pt too high) has occurred while \output is active []",
            Problem(
                "overfull",
                758.78458,
                None,
                r"Overfull \vbox (758.78458pt too high) has occurred while \output is active",
            ),
        ),
        (
            "Missing character: There is no \xc8 in font cmr10!",
            Problem("missing-character", None, None, "Missing character: There is no ^^c8 in font cmr10!"),
        ),
    ],
)
def test_one_report(log, problem):
    assert log_problems(log) == (problem,)


@pytest.mark.parametrize(
    "log",
    [
        r"Overfull \hbox (0.64pt too wide) detected at line 6",  # within 1 pt: invisible in print
        r"Overfull \hbox (1.0pt too wide) detected at line 6",
        r"Underfull \hbox (badness 10000) in paragraph at lines 12--13",
        r"[]\T1/lmr/m/n/10.95 Overfull \hbox (99.0pt too wide) detected at line 7",  # document text in a box display
        "LaTeX Font Warning: Font shape `OMS/lmr/m/n' undefined",
        "",
    ],
)
def test_not_a_report(log):
    assert log_problems(log) == ()


def test_a_report_wrapped_at_the_log_width_is_read_whole():
    log = (
        "Missing character: There is no \xc8 in font a-copy-of-cmr10-with-a-rather-long-fil\n"
        "e-name!\n"
        "[1{/var/lib/texmf/fonts/map/pdftex/updmap/pdftex.map}] (./longfont.aux) )\n"
    )
    assert len(log.splitlines()[0]) == LOG_WIDTH
    (problem,) = log_problems(log)
    assert (
        problem.message == "Missing character: There is no ^^c8 in font a-copy-of-cmr10-with-a-rather-long-file-name!"
    )


def test_a_full_line_that_is_not_wrapped_hides_no_report():
    log = "x" * LOG_WIDTH + "\n" + r"Overfull \hbox (12.0pt too wide) detected at line 9" + "\n"
    assert [p.line for p in log_problems(log)] == [9]


def test_reports_come_in_log_order():
    log = "\n".join(
        [
            r"Overfull \hbox (36.5154pt too wide) in paragraph at lines 29--30",
            r"[]\T1/lmr/m/n/10.95 Loss: bi-nary cross-entropy,",
            "",
            r"Overfull \vbox (758.78458pt too high) has occurred while \output is active []",
            "",
            r"Overfull \hbox (566.24768pt too wide) detected at line 319",
            "[]",
            "Missing character: There is no \xc8 in font cmr10!",
        ]
    )
    assert [(p.kind, p.line) for p in log_problems(log)] == [
        ("overfull", 29),
        ("overfull", None),
        ("overfull", 319),
        ("missing-character", None),
    ]


def test_report_is_one_line_per_kind():
    problems = (
        Problem("overfull", 758.78458, None, ""),
        Problem("overfull", 36.5154, 29, ""),
        Problem("overfull", 1091.2, 319, ""),
        Problem("missing-character", None, None, "Missing character: There is no ^^c8 in font cmr10!"),
        Problem("missing-character", None, None, "Missing character: There is no ^^c9 in font cmr10!"),
    )
    assert report(problems, "x.tex") == [
        "3 overfull boxes (largest 1091.2 pt), first at line 29 of x.tex",
        "2 missing characters (first: no ^^c8 in font cmr10) in x.tex; TeX logs no line for them",
    ]
    assert report(problems[:1], "x.tex") == ["1 overfull box (largest 758.8 pt) in x.tex"]
    assert report((), "x.tex") == []


# A document template of the test's own, so that these tests do not depend on the document's layout.
CLEAN = r"""\documentclass{article}
\begin{document}
((( doc.title | escape )))
((( extra )))
\end{document}
"""


def _templates(folder, extra=""):
    folder.mkdir()
    (folder / "document.tex.j2").write_text(CLEAN.replace("((( extra )))", extra), encoding="utf-8")
    return str(folder)


@needs_tex
def test_build_pdf_reads_its_own_log():
    text = CLEAN.replace("((( doc.title | escape )))", "Text").replace(
        "((( extra )))", "\n\\noindent\\rule{30cm}{1pt}\n\n{\\font\\x=cmr10 \\x\\char200}"
    )
    built = build_pdf(text)
    assert built.pdf.startswith(b"%PDF") and "Overfull" in built.log
    assert [(p.kind, p.line) for p in built.problems] == [("overfull", 5), ("missing-character", None)]
    assert built.problems[0].amount > 500


@needs_tex
def test_render_pdf_warns_of_overfull_boxes_and_strict_fails(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    templates = _templates(tmp_path / "templates", "\n\\noindent\\rule{30cm}{1pt}\n")
    target = tmp_path / "x.tex"
    argv = ["render", "bce_sigmoid_2_2_1", "--format", "latex", "-o", "x.tex", "--pdf", "--template-dir", templates]
    assert main(argv) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "symbackprop: wrote x.tex (LaTeX) and x.pdf"
    assert re.fullmatch(
        r"symbackprop: warning: 1 overfull box \(largest \d+\.\d pt\), first at line 5 of x.tex", lines[1]
    )
    assert len(lines) == 2
    target.unlink()
    target.with_suffix(".pdf").unlink()
    assert main([*argv, "--strict"]) == 1
    assert capsys.readouterr().err.splitlines()[1:] == lines[1:]
    assert target.read_text(encoding="utf-8").count(r"\rule{30cm}{1pt}") == 1
    assert target.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


@needs_tex
def test_render_pdf_of_a_clean_document_passes_strict(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    templates = _templates(tmp_path / "templates")
    argv = ["render", "bce_sigmoid_2_2_1", "--format", "latex", "-o", "x.pdf", "--pdf", "--strict"]
    assert main([*argv, "--template-dir", templates]) == 0
    assert capsys.readouterr().err == "symbackprop: wrote x.tex (LaTeX) and x.pdf\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["templates", "x.pdf", "x.tex"]


def test_strict_needs_pdf(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["render", "--format", "latex", "-o", "x.tex", "--strict"]) == 2
    err = capsys.readouterr().err
    assert err == "symbackprop: error: --strict: needs --pdf (it checks what TeX reports while building the PDF)\n"
    assert list(tmp_path.iterdir()) == []
