"""What each publishing format costs: rendering the same worked solution as Markdown, LaTeX, HTML and a notebook.

1. For the default example, a 6-8-4 network and a 3-step 16-16-4 network (`symbackprop new`), the training
   run is made once; each format then builds its model of the run (the worked-solution document, or the
   notebook's) and renders it (best of ROUNDS, default 3), and its size is measured. The HTML page's MathML
   conversion and the notebook's cells are what set them apart from the Markdown.
2. The default example's notebook executed top to bottom with nbclient (a fresh kernel each time), when
   nbclient and ipykernel are installed (the test extra).

Before it reports a time, each run checks that the HTML page holds as many formulas as the Markdown.

    python benchmarks/formats.py [ROUNDS]
"""

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import machine, race

from symbackprop import load, parse, train
from symbackprop.document import build
from symbackprop.render import FORMATS as MODELS
from symbackprop.render import render

FORMATS = ("markdown", "latex", "html", "notebook")
GENERATED = {"6-8-4": ["6-8-4", "--seed", "1"], "16-16-4, 3 steps": ["16-16-4", "--seed", "1"]}


def _specs(folder):
    yield "2-2-1 (default)", load("bce_sigmoid_2_2_1")
    for name, argv in GENERATED.items():
        path = Path(folder) / "spec.toml"
        subprocess.run([sys.executable, "-m", "symbackprop", "new", *argv, "-q", "-o", str(path)], check=True)
        text = path.read_text()
        if "steps" in name:
            text = re.sub(r"(?m)^steps = \d+", "steps = 3", text)
        yield name, parse(text)


def _formulas_agree(document):
    markdown, page = render(document, "markdown"), render(document, "html")
    spans = len(re.findall(r"\$\$\n.*?\n\$\$", markdown, re.S))
    return page.count("<math") >= spans > 0


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(machine())
    print(f"{'network':<20}{'train s':>9}" + "".join(f"{name + ' s':>12}{'KB':>7}" for name in FORMATS))
    with tempfile.TemporaryDirectory() as folder:
        for name, spec in _specs(folder):
            start = time.perf_counter()
            result = train(spec)
            trained = time.perf_counter() - start
            assert _formulas_agree(build(result)), f"{name}: the HTML page lacks formulas the Markdown has"
            runs = [lambda fmt=fmt, run=result: render(MODELS[fmt].model(run), fmt) for fmt in FORMATS]
            times, texts = race(runs, repeat=rounds)
            cells = "".join(f"{t:>12.3f}{len(text.encode()) / 1024:>7.0f}" for t, text in zip(times, texts))
            print(f"{name:<20}{trained:>9.3f}{cells}")
        _notebook_run(folder, rounds)


def _notebook_run(folder, rounds):
    try:
        import nbclient
        import nbformat
    except ImportError:
        print("notebook execution: skipped (nbclient and ipykernel are in the test extra)")
        return
    result = train(load("bce_sigmoid_2_2_1"))
    text = render(MODELS["notebook"].model(result), "notebook")

    def execute():
        notebook = nbformat.reads(text, as_version=4)
        nbclient.NotebookClient(
            notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": folder}}
        ).execute()
        return notebook

    (best,), (done,) = race([execute], repeat=rounds)
    errors = [o for c in done.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, "the notebook raised an error"
    code = sum(c.cell_type == "code" for c in done.cells)
    print(
        f"notebook of the default example executed by nbclient (kernel start included): {best:.2f} s, {code} code cells"
    )


if __name__ == "__main__":
    main()
