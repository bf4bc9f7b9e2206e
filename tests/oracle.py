"""An independent backpropagation for the tests: plain NumPy, one sample at a time, no symbolic code.

Nothing here imports symbackprop. Each activation's derivative is written out
by hand in terms of z, the output layer's Jacobian is applied explicitly, and
the hidden layers use nested loops rather than matrix products, so a mistake
in the engine's vectorised layer rules cannot repeat itself here.
"""

import math

import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def activation(name, slope=0.01, custom=None):
    """(f, f') for one unit, as scalar functions of z."""
    if name == "sigmoid":
        return _sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))
    if name == "tanh":
        return math.tanh, lambda z: 1.0 - math.tanh(z) ** 2
    if name == "relu":
        return (lambda z: z if z > 0 else 0.0), (lambda z: 1.0 if z > 0 else 0.0)
    if name == "leaky_relu":
        return (lambda z: z if z > 0 else slope * z), (lambda z: 1.0 if z > 0 else slope)
    if name == "linear":
        return (lambda z: z), (lambda z: 1.0)
    if name == "softplus":
        return (lambda z: math.log1p(math.exp(z)) if z < 30 else z + math.log1p(math.exp(-z))), _sigmoid
    if name == "custom":
        return custom
    raise ValueError(name)


class Net:
    """A network described by plain values: ``acts`` is one (name, options) per layer."""

    def __init__(self, acts, loss, bias, factor=0.5):
        self.acts = acts
        self.loss_kind = loss
        self.bias = bias
        self.factor = factor

    def _bias(self, params, l, j):
        if self.bias == "none":
            return 0.0
        b = np.asarray(params[f"b{l}"], dtype=float)
        return float(b) if b.ndim == 0 else float(b[j])

    def forward(self, params, x):
        """Pre-activations and activations of every layer for one sample (lists of lists)."""
        zs, outs = [None], [list(map(float, x))]
        for l, (name, options) in enumerate(self.acts, start=1):
            W = np.asarray(params[f"W{l}"], dtype=float)
            z = []
            for j in range(W.shape[0]):
                total = self._bias(params, l, j)
                for k in range(W.shape[1]):
                    total += W[j, k] * outs[-1][k]
                z.append(total)
            if name == "softmax":
                top = max(z)
                e = [math.exp(v - top) for v in z]
                a = [v / sum(e) for v in e]
            else:
                f, _ = activation(name, **options)
                a = [f(v) for v in z]
            zs.append(z)
            outs.append(a)
        return zs, outs

    def sample_loss(self, params, x, y):
        zs, outs = self.forward(params, x)
        a = outs[-1]
        if self.loss_kind == "squared_error":
            return self.factor * sum((ai - yi) ** 2 for ai, yi in zip(a, y))
        if self.loss_kind == "bce":
            return -sum(yi * math.log(ai) + (1 - yi) * math.log(1 - ai) for ai, yi in zip(a, y))
        return -sum(yi * math.log(ai) for ai, yi in zip(a, y) if yi)

    def loss(self, params, X, Y, rows, reduction):
        total = sum(self.sample_loss(params, X[s], Y[s]) for s in rows)
        return total / len(rows) if reduction == "mean" else total

    def sample_gradients(self, params, x, y):
        """dL/dparameter for one sample, with dL/dz of every layer, by the textbook recursion."""
        zs, outs = self.forward(params, x)
        depth = len(self.acts)
        a = outs[-1]
        if self.loss_kind == "squared_error":
            dL_da = [2 * self.factor * (ai - yi) for ai, yi in zip(a, y)]
        elif self.loss_kind == "bce":
            dL_da = [-(yi / ai) + (1 - yi) / (1 - ai) for ai, yi in zip(a, y)]
        else:
            dL_da = [-(yi / ai) if yi else 0.0 for ai, yi in zip(a, y)]
        name, options = self.acts[-1]
        if name == "softmax":
            n = len(a)
            delta = [sum(dL_da[k] * a[k] * ((1.0 if k == j else 0.0) - a[j]) for k in range(n)) for j in range(n)]
        else:
            _, fp = activation(name, **options)
            delta = [g * fp(z) for g, z in zip(dL_da, zs[-1])]
        deltas = {depth: delta}
        for l in range(depth - 1, 0, -1):
            W = np.asarray(params[f"W{l + 1}"], dtype=float)
            _, fp = activation(self.acts[l - 1][0], **self.acts[l - 1][1])
            deltas[l] = [
                fp(zs[l][j]) * sum(W[m, j] * deltas[l + 1][m] for m in range(W.shape[0])) for j in range(W.shape[1])
            ]
        grads = {}
        for l in range(1, depth + 1):
            W = np.asarray(params[f"W{l}"], dtype=float)
            g = np.zeros_like(W)
            for j in range(W.shape[0]):
                for k in range(W.shape[1]):
                    g[j, k] = deltas[l][j] * outs[l - 1][k]
            grads[f"W{l}"] = g
            if self.bias == "per-neuron":
                grads[f"b{l}"] = np.array(deltas[l])
            elif self.bias == "per-layer":
                grads[f"b{l}"] = np.array(sum(deltas[l]))
        return grads, deltas, zs, outs

    def gradients(self, params, X, Y, rows, reduction):
        total = None
        for s in rows:
            g, *_ = self.sample_gradients(params, X[s], Y[s])
            total = g if total is None else {k: total[k] + g[k] for k in g}
        scale = 1.0 / len(rows) if reduction == "mean" else 1.0
        return {k: scale * v for k, v in total.items()}

    def train(self, params, X, Y, rows, reduction, rate, steps, update_biases):
        params = {k: np.array(v, dtype=float) for k, v in params.items()}
        for _ in range(steps):
            g = self.gradients(params, X, Y, rows, reduction)
            params = {k: v - rate * g[k] if (k[0] == "W" or update_biases) else v for k, v in params.items()}
        return params


def finite_differences(function, params, h=1e-3):
    """dfunction/dparameter by the fourth-order central difference (error of order h**4)."""
    grads = {}
    for name, value in params.items():
        value = np.asarray(value, dtype=float)
        g = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            samples = []
            for step in (2, 1, -1, -2):
                moved = {k: np.array(v, dtype=float) for k, v in params.items()}
                moved[name][index] += step * h
                samples.append(function(moved))
            g[index] = (-samples[0] + 8 * samples[1] - 8 * samples[2] + samples[3]) / (12 * h)
        grads[name] = g
    return grads
