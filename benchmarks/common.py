"""Shared pieces of the benchmark scripts: the machine line, timing, and a plain NumPy backprop."""

import os
import platform
import time

import numpy as np

from symbackprop import activations, losses
from symbackprop.network import Architecture, Layer


def machine():
    cpu = platform.processor() or platform.machine()
    return f"machine: {platform.machine()} ({cpu}), {os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}"


def best_of(function, repeat=20):
    """The fastest of ``repeat`` runs of ``function()``, in seconds, and its last result."""
    (best,), (result,) = race([function], repeat)
    return best, result


def race(functions, repeat=20):
    """Best time and last result of each function, run in turn so that all share the machine's moods."""
    best, results = [float("inf")] * len(functions), [None] * len(functions)
    for _ in range(repeat):
        for i, function in enumerate(functions):
            start = time.perf_counter()
            results[i] = function()
            best[i] = min(best[i], time.perf_counter() - start)
    return best, results


def classifier(sizes):
    """Sigmoid hidden layers, softmax output, cross-entropy: the architecture the tables use."""
    hidden = [Layer(width, activations.SIGMOID) for width in sizes[1:-1]]
    if sizes[-1] == 1:
        return Architecture(sizes[0], (*hidden, Layer(1, activations.SIGMOID)), "per-neuron", losses.BCE)
    return Architecture(sizes[0], (*hidden, Layer(sizes[-1], activations.SOFTMAX)), "per-neuron", losses.CROSS_ENTROPY)


def random_problem(sizes, samples, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.normal(0, 0.5, (sizes[l], sizes[l - 1]))
        params[f"b{l}"] = rng.normal(0, 0.5, sizes[l])
    x = rng.normal(0, 1, (samples, sizes[0]))
    if sizes[-1] == 1:
        y = rng.integers(0, 2, (samples, 1)).astype(float)
    else:
        y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], samples)]
    return params, x, y


def numpy_backprop(params, x, y, depth):
    """Loss and gradients summed over samples, written directly in NumPy (sigmoid hidden layers)."""
    a = [x]
    for l in range(1, depth + 1):
        z = a[-1] @ params[f"W{l}"].T + params[f"b{l}"]
        if l < depth:
            a.append(1 / (1 + np.exp(-z)))
        elif z.shape[1] == 1:
            a.append(1 / (1 + np.exp(-z)))
            loss = float(np.sum(np.logaddexp(0, z) - y * z))
        else:
            shifted = z - z.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            a.append(e / e.sum(axis=1, keepdims=True))
            loss = float(np.sum(y * (np.log(e.sum(axis=1, keepdims=True)) - shifted)))
    delta = a[-1] - y
    grads = {}
    for l in range(depth, 0, -1):
        grads[f"W{l}"] = delta.T @ a[l - 1]
        grads[f"b{l}"] = delta.sum(axis=0)
        if l > 1:
            delta = (delta @ params[f"W{l}"]) * a[l - 1] * (1 - a[l - 1])
    return loss, grads
