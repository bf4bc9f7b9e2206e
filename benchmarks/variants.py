"""The cost of exercises for a class: `symbackprop variants` beside one `render --pdf`, and drawing numbers alone.

1. Whole commands, each a fresh process, run in turn (best of ROUNDS, default 1): one
   `render --pdf` of the base spec, then `variants --count 200 --pdf` (200 variants, the question
   and the solution sheets compiled). Goal: the variants within 20 times the one document.
2. `variants.answers`: the asked values of 10,000 variants (drawn, checked and trained as stacked
   arrays), in this process after a warm-up. Goal: under a second.

    python benchmarks/variants.py [ROUNDS]
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import machine, race

SPEC = "bce_sigmoid_2_2_1"


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        one = [sys.executable, "-m", "symbackprop", "render", SPEC, "--format", "latex", "--pdf"]
        one += ["-o", str(Path(folder) / "one.tex")]
        many = [sys.executable, "-m", "symbackprop", "variants", SPEC, "--count", "200", "--seed", "1", "--pdf"]
        many += ["-o", str(Path(folder) / "class")]
        runs = [lambda argv=argv: subprocess.run(argv, check=True, capture_output=True) for argv in (one, many)]
        (single, variants), _ = race(runs, repeat=rounds)
        pages = _pages(Path(folder) / "class" / "solutions.pdf")
    print(f"{'command':<44}{'best s':>8}{'ratio':>8}{'goal':>7}")
    print(f"{'render --pdf (one document)':<44}{single:>8.2f}{1:>8.2f}{'':>7}")
    print(f"{'variants --count 200 --pdf':<44}{variants:>8.2f}{variants / single:>8.2f}{'20':>7}")
    print(f"solutions.pdf of 200 variants: {pages} pages")

    from symbackprop import load
    from symbackprop.variants import answers

    spec = load(SPEC)
    answers(spec, 100, 0)  # warm-up: the derivation and the evaluator are made once per process
    print(f"{'drawing the numbers alone':<44}{'best s':>8}{'count':>8}{'goal s':>7}")
    for count in (1_000, 10_000):
        times, results = race([lambda count=count: answers(spec, count, 7)], repeat=3)
        names, values = results[0]
        print(f"{f'variants.answers, {len(names)} answers each':<44}{times[0]:>8.3f}{count:>8}{'1.0':>7}")


def _pages(pdf):
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:"))


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - start:.1f} s")
