"""Batch gradient evaluation: the engine beside a plain NumPy backprop and PyTorch (CPU, float64).

Each row evaluates the loss and every gradient over all samples. The contenders:

- engine: ``Evaluator.loss_and_gradients`` with a Workspace kept between calls, as a training loop uses it;
- fresh: the same call without a workspace (new arrays every call);
- trace: ``Evaluator.trace`` then ``Trace.gradients``, which keeps every number for documents;
- numpy: a backprop written directly in NumPy (common.numpy_backprop);
- torch: PyTorch autograd, float64, one thread.

Each contender is timed alone in a child process of its own (best of 20 calls after
3 warm-up calls), as it would run in a program of its own: memory one contender
leaves mapped would otherwise spare the next one's page faults. The children take
turns over several rounds, so the machine's moods hit every contender, and the
table keeps each one's best round. A second table times them the old way, all in
one process taking turns, for comparison. Before timing, the engine's three ways are
checked against the NumPy backprop in this process, to 1e-10 relative to each
quantity's largest magnitude. Also: 1,000
parameter sets of a 2-2-1 network evaluated in one vectorised call.

    python benchmarks/evaluation.py [ROUNDS]
"""

import subprocess
import sys
import time

import numpy as np
from common import best_of, classifier, machine, numpy_backprop, race, random_problem

from symbackprop import derive, evaluator
from symbackprop.evaluation import Workspace

ROWS = [((2, 2, 1), 100_000), ((3, 3, 3, 1), 100_000), ((32, 64, 64, 10), 10_000)]
CONTENDERS = ("engine", "fresh", "trace", "numpy", "torch")


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


def contender(name, sizes, samples):
    """The function that computes loss and gradients the ``name`` way; None when torch is missing."""
    depth = len(sizes) - 1
    params, x, y = random_problem(sizes, samples)
    if name == "numpy":
        return lambda: numpy_backprop(params, x, y, depth)
    if name == "torch":
        try:
            import torch
        except ImportError:
            return None
        torch.set_num_threads(1)
        return lambda: torch_backprop(torch, params, x, y, depth)
    compiled = evaluator(classifier(sizes))
    if name == "engine":
        workspace = Workspace()
        return lambda: compiled.loss_and_gradients(params, x, y, "sum", workspace)
    if name == "fresh":
        return lambda: compiled.loss_and_gradients(params, x, y, "sum")
    rows = range(samples)

    def trace():
        kept = compiled.trace(params, x, y)
        return kept.loss(rows, "sum"), kept.gradients(rows, "sum")

    return trace


def time_alone(name, sizes, samples):
    """Child process: print the best time of ``name`` in seconds, or nan when it cannot run."""
    function = contender(name, sizes, samples)
    if function is None:
        print("nan")
        return
    for _ in range(3):
        function()
    print(best_of(function, 20)[0])


def timed_in_child(name, sizes, samples):
    argv = [sys.executable, __file__, "--alone", name, "-".join(map(str, sizes)), str(samples)]
    return float(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)


def check(sizes, samples):
    """The largest disagreement of the engine's three ways with the NumPy backprop (asserted below 1e-10).

    Each quantity's error is relative to max(1, its largest magnitude): summed over 100,000
    samples, gradients reach 10^4, where float64 itself only resolves about 10^-12.
    """
    reference_loss, reference = contender("numpy", sizes, samples)()
    error = 0.0
    for name in ("engine", "fresh", "trace"):
        loss, gradients = contender(name, sizes, samples)()
        error = max(error, abs(loss - reference_loss) / max(1, abs(reference_loss)))
        for k, expected in reference.items():
            error = max(error, float(np.max(np.abs(gradients[k] - expected)) / max(1, np.max(np.abs(expected)))))
    assert error < 1e-10, error
    return error


def many_parameter_sets():
    sizes, sets, samples = (2, 2, 1), 1000, 4
    evaluator.cache_clear()
    derive.cache_clear()
    start = time.perf_counter()
    compiled = evaluator(classifier(sizes))
    derived = time.perf_counter() - start
    rng = np.random.default_rng(1)
    params = {k: rng.normal(0, 0.5, (sets, *v.shape)) for k, v in random_problem(sizes, 1)[0].items()}
    _, x, y = random_problem(sizes, samples)
    t_many, (losses, grads) = best_of(lambda: compiled.loss_and_gradients(params, x, y, "sum"))
    for i in (0, sets - 1):
        ref_loss, ref_grads = numpy_backprop({k: v[i] for k, v in params.items()}, x, y, 2)
        assert abs(losses[i] - ref_loss) < 1e-10
        assert all(np.max(np.abs(grads[k][i] - ref_grads[k])) < 1e-10 for k in ref_grads)
    print(
        f"{'derive once, evaluate many':<30}{'parameter sets':>16}{'derive + compile s':>20}{'evaluate s':>12}{'goal s':>8}"
    )
    print(f"{'2-2-1, 4 samples each':<30}{sets:>16}{derived:>20.3f}{t_many:>12.4f}{0.5:>8}")


def table(title, timings):
    """Print one table: a row per network, ``timings(sizes, samples)`` giving each contender's best seconds."""
    print(title)
    heads = "".join(f"{name + ' ms':>11}" for name in CONTENDERS)
    ratios = f"{'engine/numpy':>14}{'fresh/numpy':>13}{'engine/torch':>14}{'rel. error':>11}"
    print(f"{'network':<13}{'samples':>9}{heads}{ratios}")
    for sizes, samples in ROWS:
        error = check(sizes, samples)
        best = timings(sizes, samples)
        cells = "".join(f"{1000 * best[name]:>11.2f}" for name in CONTENDERS)
        print(
            f"{'-'.join(map(str, sizes)):<13}{samples:>9}{cells}{best['engine'] / best['numpy']:>14.2f}"
            f"{best['fresh'] / best['numpy']:>13.2f}{best['engine'] / best['torch']:>14.2f}{error:>11.1e}"
        )
    print()


def alone(rounds):
    def timings(sizes, samples):
        best = dict.fromkeys(CONTENDERS, float("inf"))
        for _ in range(rounds):
            for name in CONTENDERS:
                best[name] = min(best[name], timed_in_child(name, sizes, samples))
        return best

    return timings


def together(sizes, samples):
    functions = [contender(name, sizes, samples) for name in CONTENDERS]
    times, _ = race([f or (lambda: None) for f in functions])
    return {name: t if f else float("nan") for name, f, t in zip(CONTENDERS, functions, times)}


def main(rounds):
    print(machine())
    print()
    table(f"Each contender alone in a child process, best of {rounds} rounds (the goal's measure):", alone(rounds))
    table("All contenders in one process, taking turns (memory the others leave mapped spares page faults):", together)
    many_parameter_sets()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--alone"]:
        time_alone(sys.argv[2], tuple(int(n) for n in sys.argv[3].split("-")), int(sys.argv[4]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
