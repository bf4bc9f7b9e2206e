"""The cost of specs at the edge of the budget (symbackprop/budget.py): time and peak memory of whole commands.

Each case is a spec just inside one limit, run as a fresh `symbackprop` process
(best of ROUNDS, default 3). The goal: every case finishes within about 10 s
and 1 GB on this 2-core machine. Peak memory is the process's own maximum
resident set (from wait4), so it includes the ~60 MB of importing SymPy and NumPy.
This script imports neither SymPy nor symbackprop itself: Linux carries a
process's peak resident set across fork and exec, so a heavy parent would show
its own size as every child's peak.

    python benchmarks/budget.py [ROUNDS]
"""

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MAX_TRAINING_WORK = int(
    subprocess.run(
        [sys.executable, "-c", "from symbackprop import budget; print(budget.MAX_TRAINING_WORK)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
)


def network(widths, samples=1, steps=1, hidden="tanh", output="sigmoid", loss="bce", mode="sample", number="0.5"):
    """Spec text for ``widths`` with short numbers (so the largest specs still fit the file budget)."""
    layers = ", ".join(
        f'{{ units = {w}, activation = "{output if i == len(widths) - 2 else hidden}" }}'
        for i, w in enumerate(widths[1:])
    )
    lines = [f"[network]\ninputs = {widths[0]}\nlayers = [{layers}]\n[loss]\nkind = {loss!r}\n[parameters]"]
    for l in range(1, len(widths)):
        row = "[" + ",".join("0.01" if (k + l) % 3 else "-0.02" for k in range(widths[l - 1])) + "]"
        lines.append(f"W{l} = [" + ",".join(row for _ in range(widths[l])) + "]")
        lines.append(f"b{l} = [" + ",".join("0.1" for _ in range(widths[l])) + "]")
    x = "[" + ",".join(number for _ in range(widths[0])) + "]"
    y = "[" + ",".join("1" if j == 0 else "0" for j in range(widths[-1])) + "]"
    lines.append(f"[data]\nx = [{','.join(x for _ in range(samples))}]\ny = [{','.join(y for _ in range(samples))}]")
    lines.append(f'[training]\nsteps = {steps}\nmode = "{mode}"\nlearning_rate = 0.1')
    return "\n".join(lines) + "\n"


def degree_64():
    return """[network]
inputs = 2
layers = [{ units = 2, activation = "tanh" },
          { units = 1, activation = { name = "f", variable = "t", expression = "(t+1)**16/(t+2)**16+(t+3)**16/(t+5)**16" } }]
[loss]
kind = "squared_error"
[parameters]
W1 = [[0.1, 0.2], [0.3, 0.4]]
b1 = [0.1, 0.1]
W2 = [[0.5, 0.6]]
b2 = [0.1]
[data]
x = [[0.5, 0.5]]
y = [[0.2]]
"""


def custom_layer(expression, units, samples):
    """1-UNITS-1: a hidden layer with a custom formula, a linear output, squared error."""
    weights = ",".join(f"[{0.1 * (1 + k % 7):.1f}]" for k in range(units))
    biases = ",".join("0.1" for _ in range(units))
    outputs = ",".join("0.05" for _ in range(units))
    x = ",".join(f"[{(k % 19) / 10 - 0.9:.1f}]" for k in range(samples))
    y = ",".join("[0.2]" for _ in range(samples))
    return f"""[network]
inputs = 1
layers = [{{ units = {units}, activation = {{ name = "f", variable = "t", expression = "{expression}" }} }},
          {{ units = 1, activation = "linear" }}]
[loss]
kind = "squared_error"
[parameters]
W1 = [{weights}]
b1 = [{biases}]
W2 = [[{outputs}]]
b2 = [0.1]
[data]
x = [{x}]
y = [{y}]
"""


def deep_chain(layers, steps):
    """``layers`` layers of one leaky ReLU unit and a linear output, trained for ``steps`` steps."""
    hidden = ", ".join('{ units = 1, activation = { name = "leaky_relu", slope = 0.1 } }' for _ in range(layers - 1))
    parameters = "\n".join(f"W{l} = [[0.9]]\nb{l} = [0.01]" for l in range(1, layers + 1))
    return (
        f'[network]\ninputs = 1\nlayers = [{hidden}, {{ units = 1, activation = "linear" }}]\n'
        f'[loss]\nkind = "squared_error"\n[parameters]\n{parameters}\n[data]\nx = [[1.0]]\ny = [[0.5]]\n'
        f"[training]\nsteps = {steps}\nlearning_rate = 0.001\n"
    )


# 22 different factors: its derivative has 22 terms of 22 factors, the costliest kind of formula to evaluate.
PRODUCT = "*".join(
    ["sin(t)", "cos(t)", "exp(t)", "atan(t)", "tanh(t)", "sinh(t)", "cosh(t)"]
    + [
        f"{outer}({inner}(t))"
        for outer in ("sin", "cos")
        for inner in ("sin", "cos", "exp", "atan", "tanh", "sinh", "cosh")
        if outer != inner
    ]
    + ["exp(sin(t))", "exp(cos(t))", "exp(atan(t))"]
)
NESTED_SINE = "sin(" * 38 + "t" + ")" * 38


def custom_document():
    """1-16-15-1 with a custom formula of size 52 (of 60) in both hidden layers, 16 samples, two steps."""
    formula = '{ name = "f", variable = "t", expression = "tanh(t)*sin(t)*cos(t)*exp(-t**2)+atan(t)" }'
    widths = [1, 16, 15, 1]
    lines = [
        "[network]\ninputs = 1",
        f"layers = [{{ units = 16, activation = {formula} }}, {{ units = 15, activation = {formula} }},"
        ' { units = 1, activation = "linear" }]',
        '[loss]\nkind = "squared_error"\n[parameters]',
    ]
    for l in range(1, len(widths)):
        row = "[" + ",".join("0.1" for _ in range(widths[l - 1])) + "]"
        lines.append(f"W{l} = [" + ",".join(row for _ in range(widths[l])) + "]")
        lines.append(f"b{l} = [" + ",".join("0.05" for _ in range(widths[l])) + "]")
    lines.append("[data]\nx = [" + ",".join(f"[{k / 10}]" for k in range(16)) + "]")
    lines.append("y = [" + ",".join("[0.3]" for _ in range(16)) + "]")
    lines.append('[training]\nmode = "batch"\nsteps = 2\nverify = true')
    return "\n".join(lines) + "\n"


SOFTMAX = {"output": "softmax", "loss": "cross_entropy"}
WORK_WIDTHS = [16, 32, 32, 4]
WORK_PARAMETERS = 16 * 32 + 32 + 32 * 32 + 32 + 32 * 4 + 4
WORK_STEPS = MAX_TRAINING_WORK // (100 * WORK_PARAMETERS)

CASES = [
    ("parameters: 64-128-10, 9,610 of 10,000", "grad", network([64, 128, 10], **SOFTMAX)),
    ("depth: 16 layers of 24, 9,025", "grad", network([24] * 16 + [1])),
    ("softmax: 64 outputs, 6,272 params", "grad", network([32, 64, 64], **SOFTMAX)),
    ("outputs: 512 sigmoid outputs with BCE", "grad", network([2, 512])),
    (
        "samples x units: 70,000 x 25",
        "grad",
        network([1, 20, 4], samples=70_000, mode="batch", number="1", **SOFTMAX),
    ),
    (
        f"training work: 100 x {WORK_PARAMETERS:,} x {WORK_STEPS:,} steps",
        "grad",
        network(WORK_WIDTHS, samples=100, steps=WORK_STEPS, mode="batch", **SOFTMAX),
    ),
    ("steps: 10,000 on 64-128-10", "grad", network([64, 128, 10], steps=10_000, **SOFTMAX)),
    ("formula: degree 64", "render", degree_64()),
    ("formula size: 15 units of a 22-factor product", "grad", custom_layer(PRODUCT, 15, 5000)),
    ("formula size: 24 units of sin nested 38 deep", "grad", custom_layer(NESTED_SINE, 24, 5000)),
    ("steps x layers: 16 layers x 2,500 steps", "grad", deep_chain(16, 2500)),
    ("document: 16-16-2, 306 of 320 params, 16 samples", "render", network([16, 16, 2], samples=16, **SOFTMAX)),
    (
        "document: 16-16-2, 16 samples, batch, LaTeX",
        "latex",
        network([16, 16, 2], samples=16, mode="batch", **SOFTMAX),
    ),
    (
        "document: 16-16-2, 16 samples, batch, --pdf",
        "pdf",
        network([16, 16, 2], samples=16, mode="batch", **SOFTMAX),
    ),
    (
        "document: 8-8-8-8-8, 16 samples, batch, --pdf",
        "pdf",
        network([8, 8, 8, 8, 8], samples=16, mode="batch", **SOFTMAX),
    ),
    ("document: 1-16-15-1, custom formulas, --pdf", "pdf", custom_document()),
]


def command(kind, spec, folder):
    base = [sys.executable, "-m", "symbackprop"]
    if kind == "grad":
        return [*base, "grad", spec, "--json"]
    if kind == "render":
        return [*base, "render", spec, "-o", str(folder / "doc.md")]
    if kind == "latex":
        return [*base, "render", spec, "--format", "latex", "-o", str(folder / "doc.tex")]
    return [*base, "render", spec, "--format", "latex", "-o", str(folder / "doc.pdf"), "--pdf"]


def measure(argv):
    """Wall seconds and peak resident megabytes of one run of ``argv`` (its own figure, from wait4)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    error = process.stderr.read().decode()
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv[3:])} failed: {error.strip()}")
    return seconds, usage.ru_maxrss / 1024


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; best of {rounds}"
    )
    print(f"{'case':<48}{'command':>8}{'spec KB':>9}{'best s':>8}{'peak MB':>9}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for name, kind, text in CASES:
            spec = folder / "spec.toml"
            spec.write_text(text, encoding="utf-8")
            runs = [measure(command(kind, str(spec), folder)) for _ in range(rounds)]
            seconds = min(s for s, _ in runs)
            peak = max(m for _, m in runs)
            print(f"{name:<48}{kind:>8}{len(text) / 1024:>9.0f}{seconds:>8.2f}{peak:>9.0f}")


if __name__ == "__main__":
    main()
