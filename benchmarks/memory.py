"""Peak memory of a 32-64-64-10 run: derivation, compilation and one evaluation of 10,000 samples.

The work runs in a child process so its peak resident set size is its own.

    python benchmarks/memory.py
"""

import resource
import subprocess
import sys

from common import machine

CHILD = """
import sys
sys.path.insert(0, {folder!r})
from common import classifier, random_problem
from symbackprop import evaluator
sizes = (32, 64, 64, 10)
params, x, y = random_problem(sizes, 10_000)
trace = evaluator(classifier(sizes)).trace(params, x, y)
trace.gradients(range(10_000), "sum")
"""


def main():
    from pathlib import Path

    print(machine())
    baseline = subprocess.run([sys.executable, "-c", "import sympy, numpy"], check=True)
    after_baseline = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([sys.executable, "-c", CHILD.format(folder=str(Path(__file__).parent))], check=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert baseline.returncode == 0
    print(f"{'run':<44}{'peak RSS MB':>12}{'goal MB':>9}")
    print(f"{'import sympy, numpy':<44}{after_baseline / 1024:>12.0f}{'':>9}")
    print(f"{'32-64-64-10: derive, compile, 10,000 samples':<44}{peak / 1024:>12.0f}{500:>9}")


if __name__ == "__main__":
    main()
