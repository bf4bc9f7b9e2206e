"""The step in plain NumPy: the stand-alone script of ``render --format python``, and what it prints.

Shown when the spec's [document] extras ask for "script", as reference 002 ends with its own
script. The script is generated as for ``--format python`` and run in an isolated interpreter
(``python -I``, in an empty folder) so the document shows the output it really gives.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import SpecError
from .blocks import Listing, Section, text

RUN_SECONDS = 60


def listing(ctx):
    # Imported here: the renderer imports the document's blocks, so it cannot be imported with them.
    from ..render import render
    from ..script import build

    script = render(build(ctx.result), "python")
    printed = _run(script)
    blocks = (
        text(
            "The whole step again in plain NumPy, to check every figure on a computer: the script needs nothing "
            "but NumPy (save it as check.py and run python3 check.py)."
        ),
        Listing(tuple(script.splitlines()), "python"),
        text("It prints:"),
        Listing(tuple(printed.splitlines())),
    )
    return (Section("Check it yourself in NumPy", blocks),)


def _run(script):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "check.py")
        path.write_text(script, encoding="utf-8")
        try:
            done = subprocess.run(
                [sys.executable, "-I", str(path)], cwd=folder, capture_output=True, text=True, timeout=RUN_SECONDS
            )
        except subprocess.TimeoutExpired:
            raise SpecError(f"document.extras: the NumPy script took over {RUN_SECONDS} s to run") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise SpecError(f"document.extras: the NumPy script failed to run: {last}")
    return done.stdout
