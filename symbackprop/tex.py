"""Compiling LaTeX to PDF inside a sandbox: a scratch folder, paranoid file access, a time limit.

The documents escape every piece of user text, and notation names are
whitelisted, so a spec cannot put a TeX command into the source. This module is
the second wall, for the day the first one has a hole: TeX runs

- in a fresh scratch folder, removed afterwards whatever happens;
- with kpathsea's paranoid file access (``openin_any=p``, ``openout_any=p``): no
  file may be read or written by absolute path outside that folder, none in a
  parent folder, no dot file;
- without shell escape (``-no-shell-escape`` and ``shell_escape=f``), stopping
  at the first error, reading no latexmkrc;
- in a process group of its own, killed as a whole when the time limit
  (``budget.MAX_COMPILE_SECONDS``) passes, on any error, and on SIGTERM or
  SIGINT (the command line turns those into exceptions), so no TeX process is
  ever left running.

A PDF that compiles can still be wrong: a box too wide for the page runs off
its edge, a box too tall loses what does not fit, and a character the font
lacks is silently left out. TeX says so only in its log, so :func:`build_pdf`
keeps the log and :func:`log_problems` reads those reports out of it.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import budget
from .errors import SpecError

# \tracinglostchars=2 makes TeX log every character a font lacks, whatever the LaTeX kernel's default is.
LATEXMK = [
    "latexmk",
    "-pdf",
    "-norc",
    "-no-shell-escape",
    "-interaction=nonstopmode",
    "-halt-on-error",
    "-quiet",
    r"-usepretex=\tracinglostchars=2",
]
OVERFULL_LIMIT_PT = 1.0  # overfull boxes up to this much are invisible in print and not reported
LOG_WIDTH = 79  # TeX's max_print_line: it wraps longer log lines at this many characters
_MAX_WRAPS = 3  # a report of ours fits in this many wrapped lines


@dataclass(frozen=True)
class Problem:
    """A layout problem TeX reported in its log: a box that does not fit, or a character the font lacks.

    ``kind`` is "overfull" or "missing-character"; ``amount`` how many points an overfull box is too
    wide or too high; ``line`` the line of the LaTeX source the log names (TeX names none for a
    missing character or for a box of the page itself); ``message`` the log's words, on one line.
    """

    kind: str
    amount: float | None
    line: int | None
    message: str


@dataclass(frozen=True)
class PdfBuild:
    """A compiled PDF, the log of TeX's last run (one character per byte) and the problems it reports."""

    pdf: bytes
    log: str
    problems: tuple


_OVERFULL = re.compile(
    r"Overfull \\[hv]box \((?P<amount>\d+(?:\.\d+)?)pt too (?:wide|high)\) "
    r"(?:in (?:paragraph|alignment) at lines (?P<lines>\d+)--\d+|detected at line (?P<line>\d+)"
    r"|has occurred while \\output is active)"
)
_MISSING = re.compile(r"Missing character: There is no .+? in font [^!]+!")


def log_problems(log_text):
    r"""Every overfull box over ``OVERFULL_LIMIT_PT`` and every missing character reported in a TeX log.

    ``log_text`` is the log decoded one character per byte (Latin-1), as TeX counts when it
    wraps lines at ``LOG_WIDTH``; a report wrapped over several lines is read whole.

    >>> [(p.kind, p.amount, p.line) for p in log_problems(r"Overfull \hbox (12.3pt too wide) in paragraph at lines 245--246")]
    [('overfull', 12.3, 245)]
    """
    lines = log_text.splitlines()
    problems = []
    for start in range(len(lines)):
        whole = _unwrapped(lines, start)
        overfull = _OVERFULL.match(whole)
        if overfull and float(overfull["amount"]) > OVERFULL_LIMIT_PT:
            line = overfull["lines"] or overfull["line"]
            problems.append(Problem("overfull", float(overfull["amount"]), int(line) if line else None, overfull[0]))
        missing = _MISSING.match(whole)
        if missing:
            problems.append(Problem("missing-character", None, None, _visible(missing[0])))
    return tuple(problems)


def _unwrapped(lines, start):
    """The log line at ``start`` with the lines TeX wrapped it onto (a full line of LOG_WIDTH continues)."""
    whole, end = lines[start], start
    while len(lines[end]) == LOG_WIDTH and end + 1 < len(lines) and end - start < _MAX_WRAPS:
        end += 1
        whole += lines[end]
    return whole


def _visible(text):
    """``text`` with control characters and bytes above 127 written as TeX writes them, ^^xx."""
    return "".join(ch if " " <= ch <= "~" else f"^^{ord(ch):02x}" for ch in text)


def report(problems, source):
    """One line per kind of problem in ``problems``, for a build of the LaTeX file ``source``.

    >>> report((Problem("overfull", 12.5, None, ""), Problem("overfull", 30.04, 245, "")), "x.tex")
    ['2 overfull boxes (largest 30.0 pt), first at line 245 of x.tex']
    """
    lines = []
    overfull = [p for p in problems if p.kind == "overfull"]
    if overfull:
        located = [p.line for p in overfull if p.line is not None]
        where = f", first at line {located[0]} of {source}" if located else f" in {source}"
        largest = max(p.amount for p in overfull)
        lines.append(f"{_count(len(overfull), 'overfull box', 'overfull boxes')} (largest {largest:.1f} pt){where}")
    missing = [p for p in problems if p.kind == "missing-character"]
    if missing:
        first = missing[0].message.removeprefix("Missing character: There is ").rstrip("!")
        count = _count(len(missing), "missing character", "missing characters")
        lines.append(f"{count} (first: {first}) in {source}; TeX logs no line for them")
    return lines


def _count(number, one, many):
    return f"{number} {one if number == 1 else many}"


def sandbox_environment(scratch):
    """The environment TeX runs in: the caller's, with file access and shell escape locked down."""
    return {
        **os.environ,
        "openin_any": "p",
        "openout_any": "p",
        "shell_escape": "f",
        "TEXMFOUTPUT": str(scratch),
        # A fixed date makes the PDF byte-for-byte reproducible, so output/ can be checked for staleness.
        "SOURCE_DATE_EPOCH": "0",
        "FORCE_SOURCE_DATE": "1",
    }


def compile_pdf(tex_text, seconds=budget.MAX_COMPILE_SECONDS):
    """Compile LaTeX source with latexmk and pdflatex in a sandbox and return the PDF's bytes."""
    return build_pdf(tex_text, seconds).pdf


def build_pdf(tex_text, seconds=budget.MAX_COMPILE_SECONDS):
    """Compile LaTeX source like :func:`compile_pdf`; return the PDF with TeX's log and the problems it reports."""
    if shutil.which("latexmk") is None or shutil.which("pdflatex") is None:
        raise SpecError(
            "--pdf: no TeX engine found; install latexmk and pdflatex (e.g. Debian's latexmk and texlive-latex-extra)"
        )
    with tempfile.TemporaryDirectory(prefix="symbackprop-") as scratch:
        source = Path(scratch) / "document.tex"
        source.write_text(tex_text, encoding="utf-8")
        process = subprocess.Popen(
            [*LATEXMK, source.name],
            cwd=scratch,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=sandbox_environment(scratch),
            start_new_session=True,
        )
        try:
            status = process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            raise SpecError(
                f"--pdf: LaTeX ran for more than {seconds} s and was stopped; nothing was written"
            ) from None
        finally:
            _kill_group(process)
        if status != 0:
            raise SpecError(f"--pdf: LaTeX failed: {_first_error(Path(scratch) / 'document.log')}; nothing was written")
        log = (Path(scratch) / "document.log").read_bytes().decode("latin-1")
        return PdfBuild((Path(scratch) / "document.pdf").read_bytes(), log, log_problems(log))


def _kill_group(process):
    """Kill every process of the compilation's group (latexmk, pdflatex and anything they started)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _first_error(log):
    if not log.exists():
        return "see the LaTeX log"
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return next((line for line in lines if line.startswith("!")), "see the LaTeX log")
