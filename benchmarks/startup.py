"""Start-up cost: `symbackprop grad` and `symbackprop render` as fresh processes beside importing SymPy and NumPy.

Each command runs 7 times in turn with the others; the table shows the best
time and the ratio to `python -c "import sympy, numpy"`.

    python benchmarks/startup.py
"""

import subprocess
import sys

from common import machine, race

COMMANDS = {
    "import sympy, numpy": [sys.executable, "-c", "import sympy, numpy"],
    "symbackprop grad": [sys.executable, "-m", "symbackprop", "grad"],
    "symbackprop grad --json": [sys.executable, "-m", "symbackprop", "grad", "--json"],
    "symbackprop render": [sys.executable, "-m", "symbackprop", "render"],
}


def main():
    print(machine())
    runs = [lambda argv=argv: subprocess.run(argv, check=True, capture_output=True) for argv in COMMANDS.values()]
    times, _ = race(runs, repeat=7)
    baseline = times[0]
    print(f"{'command':<26}{'best s':>8}{'x baseline':>12}{'goal':>7}")
    for (name, _), seconds in zip(COMMANDS.items(), times):
        goal = "" if name.startswith("import") else "2.0"
        print(f"{name:<26}{seconds:>8.3f}{seconds / baseline:>12.2f}{goal:>7}")


if __name__ == "__main__":
    main()
