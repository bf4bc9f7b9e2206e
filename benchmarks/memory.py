"""Peak memory of a 32-64-64-10 run: derivation, compilation and one evaluation of 10,000 samples.

Each run is a child process of its own, so its peak resident set size is its own
(read with ``resource.getrusage`` in the child). Two ways of evaluating: the full
trace that documents need, and the fast path a training loop uses.

    python benchmarks/memory.py
"""

import subprocess
import sys
from pathlib import Path

from common import machine

CHILD = """
import resource, sys
sys.path.insert(0, {folder!r})
{work}
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
PROBLEM = """
from common import classifier, random_problem
from symbackprop import evaluator
sizes = (32, 64, 64, 10)
params, x, y = random_problem(sizes, 10_000)
compiled = evaluator(classifier(sizes))
"""
RUNS = {
    "import sympy, numpy": ("import sympy, numpy", None),
    "32-64-64-10, 10,000 samples: trace": (
        PROBLEM + 'compiled.trace(params, x, y).gradients(range(10_000), "sum")',
        500,
    ),
    "32-64-64-10, 10,000 samples: fast path": (PROBLEM + 'compiled.loss_and_gradients(params, x, y, "sum")', 500),
}


def peak_megabytes(work):
    code = CHILD.format(folder=str(Path(__file__).parent), work=work)
    return int(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout) / 1024


def main():
    print(machine())
    print(f"{'run':<42}{'peak RSS MB':>12}{'goal MB':>9}")
    for name, (work, goal) in RUNS.items():
        print(f"{name:<42}{peak_megabytes(work):>12.0f}{goal or '':>9}")


if __name__ == "__main__":
    main()
