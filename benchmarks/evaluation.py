"""Batch gradient evaluation: the engine beside a plain NumPy backprop and PyTorch (CPU, float64).

Each row evaluates the loss and every gradient over all samples; times are the
best of 20 runs, the contenders taking turns in the same process. "engine" is
``Evaluator.loss_and_gradients`` with a Workspace kept between calls, as a
training loop uses it; "fresh" is the same call without one (new arrays every
time); "trace" keeps every intermediate number, as documents need. The engine's
numbers are checked against the NumPy ones to 1e-10 in every row. Also: 1,000
parameter sets of a 2-2-1 network evaluated in one vectorised call.

    python benchmarks/evaluation.py
"""

import time

import numpy as np
from common import best_of, classifier, machine, numpy_backprop, race, random_problem

from symbackprop import derive, evaluator
from symbackprop.evaluation import Workspace

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
    workspace = Workspace()
    rows = range(samples)

    def trace():
        kept = compiled.trace(params, x, y)
        return kept.loss(rows, "sum"), kept.gradients(rows, "sum")

    contenders = [
        lambda: compiled.loss_and_gradients(params, x, y, "sum", workspace),
        lambda: compiled.loss_and_gradients(params, x, y, "sum"),
        trace,
        lambda: numpy_backprop(params, x, y, depth),
    ]
    if torch:
        contenders.append(lambda: torch_backprop(torch, params, x, y, depth))
    times, results = race(contenders)
    reference_loss, reference = results[3]
    error = max(
        max(abs(loss - reference_loss) / max(1, abs(reference_loss)) for loss, _ in results[:3]),
        *(float(np.max(np.abs(grads[k] - reference[k]))) for _, grads in results[:3] for k in reference),
    )
    assert error < 1e-10, error
    t_engine, t_fresh, t_trace, t_numpy = times[:4]
    t_torch = times[4] if torch else float("nan")
    name = "-".join(map(str, sizes))
    print(
        f"{name:<13}{samples:>9}{1000 * t_engine:>11.2f}{1000 * t_fresh:>10.2f}{1000 * t_trace:>10.2f}"
        f"{1000 * t_numpy:>10.2f}{1000 * t_torch:>10.2f}{t_engine / t_numpy:>14.2f}{t_fresh / t_numpy:>13.2f}"
        f"{t_engine / t_torch:>14.2f}{error:>11.1e}"
    )


def main():
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    print(machine(), "| torch:", torch.__version__ if torch else "not installed")
    print(
        f"{'network':<13}{'samples':>9}{'engine ms':>11}{'fresh ms':>10}{'trace ms':>10}{'numpy ms':>10}"
        f"{'torch ms':>10}{'engine/numpy':>14}{'fresh/numpy':>13}{'engine/torch':>14}{'max error':>11}"
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

    t_many, (losses, grads) = best_of(lambda: compiled.loss_and_gradients(params, x, y, "sum"))
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
