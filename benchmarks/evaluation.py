"""Batch gradient evaluation: the engine beside a plain NumPy backprop and PyTorch (CPU, float64).

Each row evaluates the loss and every gradient over all samples; times are the
best of 20 runs, the contenders taking turns in the same process. The engine's
numbers are checked against the NumPy ones to 1e-10 in every row. Also: 1,000
parameter sets of a 2-2-1 network evaluated in one vectorised call.

    python benchmarks/evaluation.py
"""

import time

import numpy as np
from common import best_of, classifier, machine, numpy_backprop, race, random_problem

from symbackprop import derive, evaluator

ROWS = [((2, 2, 1), 100_000), ((3, 3, 3, 1), 100_000), ((32, 64, 64, 10), 10_000)]


def torch_backprop(torch, params, x, y, depth):
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    a, t = torch.tensor(x), torch.tensor(y)
    for l in range(1, depth + 1):
        z = a @ p[f"W{l}"].T + p[f"b{l}"]
        a = torch.sigmoid(z) if l < depth else None
    if z.shape[1] == 1:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, t, reduction="sum")
    else:
        loss = -(t * torch.log_softmax(z, dim=1)).sum()
    loss.backward()
    return float(loss.detach()), {k: v.grad.numpy() for k, v in p.items()}


def row(sizes, samples, torch):
    """Time the engine, NumPy and torch on one network and print the table row."""
    depth = len(sizes) - 1
    params, x, y = random_problem(sizes, samples)
    compiled = evaluator(classifier(sizes))
    rows = range(samples)

    def engine():
        trace = compiled.trace(params, x, y, full=False)
        return trace.loss(rows, "sum"), trace.gradients(rows, "sum")

    contenders = [engine, lambda: numpy_backprop(params, x, y, depth)]
    if torch:
        contenders.append(lambda: torch_backprop(torch, params, x, y, depth))
    times, results = race(contenders)
    (loss, grads), (ref_loss, ref_grads) = results[:2]
    t_engine, t_numpy = times[:2]
    t_torch = times[2] if torch else float("nan")
    error = max(
        abs(loss - ref_loss) / max(1, abs(ref_loss)),
        *(float(np.max(np.abs(grads[k] - ref_grads[k]))) for k in ref_grads),
    )
    assert error < 1e-10, error
    name = "-".join(map(str, sizes))
    print(
        f"{name:<13}{samples:>9}{1000 * t_engine:>11.2f}{1000 * t_numpy:>10.2f}{1000 * t_torch:>10.2f}"
        f"{t_engine / t_numpy:>14.2f}{t_engine / t_torch:>14.2f}{error:>11.1e}"
    )


def main():
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    print(machine(), "| torch:", torch.__version__ if torch else "not installed")
    print(
        f"{'network':<13}{'samples':>9}{'engine ms':>11}{'numpy ms':>10}{'torch ms':>10}{'engine/numpy':>14}{'engine/torch':>14}{'max error':>11}"
    )
    for sizes, samples in ROWS:
        row(sizes, samples, torch)

    sizes, sets, samples = (2, 2, 1), 1000, 4
    arch = classifier(sizes)
    evaluator.cache_clear()
    derive.cache_clear()
    start = time.perf_counter()
    compiled = evaluator(arch)
    derived = time.perf_counter() - start
    rng = np.random.default_rng(1)
    params = {k: rng.normal(0, 0.5, (sets, *v.shape)) for k, v in random_problem(sizes, 1)[0].items()}
    _, x, y = random_problem(sizes, samples)
    rows = range(samples)

    def many():
        trace = compiled.trace(params, x, y, full=False)
        return trace.losses(rows, "sum"), trace.gradients(rows, "sum")

    t_many, (losses, grads) = best_of(many)
    for i in (0, sets - 1):
        ref_loss, ref_grads = numpy_backprop({k: v[i] for k, v in params.items()}, x, y, 2)
        assert abs(losses[i] - ref_loss) < 1e-10 and all(
            np.max(np.abs(grads[k][i] - ref_grads[k])) < 1e-10 for k in ref_grads
        )
    print()
    print(
        f"{'derive once, evaluate many':<30}{'parameter sets':>16}{'derive + compile s':>20}{'evaluate s':>12}{'goal s':>8}"
    )
    print(f"{'2-2-1, 4 samples each':<30}{sets:>16}{derived:>20.3f}{t_many:>12.4f}{0.5:>8}")


if __name__ == "__main__":
    main()
