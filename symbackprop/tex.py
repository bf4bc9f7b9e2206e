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
"""

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from . import budget
from .errors import SpecError

LATEXMK = ["latexmk", "-pdf", "-norc", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "-quiet"]


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
        return (Path(scratch) / "document.pdf").read_bytes()


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
