"""Derivation cost against network size: the engine's layer-by-layer chain rule beside the naive way.

Prints one table. Each row derives a fresh architecture (the cache is cleared),
then builds its evaluator (lambdify) and checks one batch against a plain NumPy
backprop written here, so a fast but wrong engine cannot pass unnoticed. The
naive way (SymPy diff() of the fully substituted loss for every parameter, then
lambdify) runs in a child process stopped after CAP seconds; once it has hit
the cap, larger networks are reported as "> cap" without running it again.

    python benchmarks/derivation.py [CAP_SECONDS]
"""

import multiprocessing
import platform
import sys
import time

import numpy as np
from common import classifier, numpy_backprop

from symbackprop.derivation import derive
from symbackprop.evaluation import Evaluator
from symbackprop.network import Network

SIZES = [(2, 2, 1), (4, 8, 8, 2), (8, 16, 16, 4), (16, 32, 32, 8), (32, 64, 64, 10)]


def naive(sizes, queue):
    """Differentiate the fully substituted loss for every parameter, then lambdify: the way that blows up."""
    import sympy as sp

    start = time.perf_counter()
    net = Network(classifier(sizes))
    full = net.substitute_forward(net.loss)
    parameters = [symbol for symbol, _, _ in net.parameters()]
    gradients = [sp.diff(full, p) for p in parameters]
    derived = time.perf_counter()
    sp.lambdify([*net.x, *net.y, *parameters], gradients, "numpy", cse=True)
    queue.put((derived - start, time.perf_counter() - derived))


def time_naive(sizes, cap):
    queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=naive, args=(sizes, queue))
    child.start()
    child.join(cap)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    return sum(queue.get())


def main():
    cap = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}; naive cap {cap:g} s"
    )
    print(
        f"{'network':<14}{'parameters':>11}{'derive s':>10}{'lambdify s':>12}"
        f"{'total s':>9}{'s / 1k params':>15}{'naive s':>10}{'naive/engine':>14}{'max error':>11}"
    )
    capped = False
    rng = np.random.default_rng(0)
    for sizes in SIZES:
        arch = classifier(sizes)
        derive.cache_clear()
        start = time.perf_counter()
        derivation = derive(arch)
        derived = time.perf_counter()
        evaluator = Evaluator(derivation)
        compiled = time.perf_counter()
        params = {}
        for l in range(1, len(sizes)):
            params[f"W{l}"] = rng.normal(0, 0.5, (sizes[l], sizes[l - 1]))
            params[f"b{l}"] = rng.normal(0, 0.5, sizes[l])
        x = rng.normal(0, 1, (64, sizes[0]))
        y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 64)]
        trace = evaluator.trace(params, x, y)
        engine = trace.gradients(list(range(64)), "sum")
        _, reference = numpy_backprop(params, x, y, len(sizes) - 1)
        error = max(float(np.max(np.abs(engine[k] - reference[k]))) for k in reference)
        count = arch.parameter_count()
        total = compiled - start
        name = "-".join(map(str, sizes))
        naive_time = None if capped else time_naive(sizes, cap)
        capped = naive_time is None
        naive_text = f"> {cap:g}" if capped else f"{naive_time:.2f}"
        ratio = f"> {cap / total:.0f}" if capped else f"{naive_time / total:.2f}"
        print(
            f"{name:<14}{count:>11}{derived - start:>10.3f}{compiled - derived:>12.3f}{total:>9.3f}"
            f"{1000 * total / count:>15.3f}{naive_text:>10}{ratio:>14}{error:>11.1e}"
        )
        assert error < 1e-10, error


if __name__ == "__main__":
    main()
