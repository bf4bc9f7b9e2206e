"""Regenerate ``output/``: every bundled example in every format of :data:`~symbackprop.render.FORMATS` (the
worked solution as Markdown, LaTeX, PDF, an HTML page and a notebook, and its NumPy script).

python -m symbackprop.outputs [FOLDER] [--no-pdf]
"""

import sys
from pathlib import Path

from .cli import render_spec
from .files import write_atomically
from .render import FORMATS
from .spec import bundled_examples
from .tex import compile_pdf

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "output"


def regenerate(folder=DEFAULT_FOLDER, pdf=True):
    """Write every bundled example's documents into ``folder``; return the paths written."""
    folder = Path(folder)
    written = []
    for name in bundled_examples():
        for fmt in FORMATS.values():
            text = render_spec(name, fmt.name)
            path = folder / f"{name}{fmt.suffix}"
            write_atomically(path, text)
            written.append(path)
            if fmt.compiles_to_pdf and pdf:
                write_atomically(path.with_suffix(".pdf"), compile_pdf(text))
                written.append(path.with_suffix(".pdf"))
    return written


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--no-pdf"]
    for path in regenerate(arguments[0] if arguments else DEFAULT_FOLDER, pdf="--no-pdf" not in sys.argv):
        print(path)
