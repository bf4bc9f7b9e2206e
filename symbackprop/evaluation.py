"""Numbers from the derivation: forward values, deltas, gradients and SGD steps over whole batches.

An :class:`Evaluator` is built once per derivation. It lambdifies the pieces
that carry the mathematics of each layer (the activation, its derivative, the
output deltas' closed forms and dL/da) into NumPy functions, then applies the
derivation's layer rules to arrays holding every sample at once:
``z = a_below W^T + b``, ``delta_hidden = (delta_above W_above) * f'(z)``,
``dL/dW = delta^T a_below``. Samples are rows everywhere.

>>> from symbackprop import load, train
>>> result = train(load("bce_sigmoid_2_2_1"))
>>> round(float(result.before.a[2][0, 0]), 4)
0.7528
"""

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import sympy as sp

from .derivation import derive
from .errors import SpecError


def _select(rows, samples):
    """An index for ``rows``: a plain slice when they are ``range(samples)`` (no copy, no gather)."""
    if isinstance(rows, range) and rows == range(samples):
        return slice(None)
    return np.asarray(rows)


@dataclass
class Trace:
    """Every number of one forward and backward pass of one parameter set over all samples.

    ``z[l]``, ``a[l]``, ``grad_a[l]`` (dL/da), ``fprime[l]`` and ``delta[l]`` (dL/dz)
    have shape (samples, units of layer l), with ``a[0]`` the inputs; for a softmax
    layer ``fprime`` holds the Jacobian's diagonal a(1 - a). ``loss_sample`` is
    each sample's own loss.
    """

    parameters: dict
    z: list
    a: list
    y: np.ndarray
    loss_sample: np.ndarray
    grad_a: list
    fprime: list
    delta: list
    bias: str

    def contributions(self, l):
        """(samples, units above, units of l): delta[l+1][s, m] * W{l+1}[m, j], the part of dL/da[l]_j through m."""
        return self.delta[l + 1][..., :, :, None] * np.asarray(self.parameters[f"W{l + 1}"])[..., None, :, :]

    def losses(self, rows, reduction):
        """The loss over ``rows`` (their sum or mean), one per parameter set when there are several."""
        values = self.loss_sample[..., _select(rows, self.loss_sample.shape[-1])]
        return values.mean(axis=-1) if reduction == "mean" else values.sum(axis=-1)

    def loss(self, rows, reduction):
        """The loss over ``rows``: their sum, or their mean."""
        return float(self.losses(rows, reduction))

    def gradients(self, rows, reduction):
        """The gradient of :meth:`loss` for every parameter, shaped like the parameter."""
        with np.errstate(all="ignore"):
            return self._gradients(rows, reduction)

    def _gradients(self, rows, reduction):
        scale = 1.0 / len(rows) if reduction == "mean" else 1.0
        result = {}
        chosen = _select(rows, self.delta[1].shape[-2])
        for l in range(1, len(self.delta)):
            delta = self.delta[l][..., chosen, :]
            result[f"W{l}"] = scale * (np.swapaxes(delta, -1, -2) @ self.a[l - 1][..., chosen, :])
            if self.bias == "per-neuron":
                result[f"b{l}"] = scale * delta.sum(axis=-2)
            elif self.bias == "per-layer":
                result[f"b{l}"] = np.asarray(scale * delta.sum(axis=(-2, -1)))
        return result

    def per_sample_gradients(self):
        """Each sample's own gradient: arrays of shape (samples, *parameter shape)."""
        result = {}
        for l in range(1, len(self.delta)):
            result[f"W{l}"] = np.einsum("...sj,...sk->...sjk", self.delta[l], self.a[l - 1])
            if self.bias == "per-neuron":
                result[f"b{l}"] = self.delta[l].copy()
            elif self.bias == "per-layer":
                result[f"b{l}"] = self.delta[l].sum(axis=-1)
        return result


class Evaluator:
    """NumPy evaluation of one derivation, for any parameter values and any batch of samples."""

    def __init__(self, derivation):
        self.derivation = derivation
        net = derivation.network
        arch = derivation.architecture
        self.bias = arch.bias
        self.layers = arch.layers
        self.forward = [act.activation.numeric_forward() for act in arch.layers]
        self.fprime = [
            None if layer.activation.vector else layer.activation.numeric_derivative() for layer in arch.layers
        ]
        L = arch.depth
        arguments = [*net.a[L], *net.z[L], *net.y]
        output = derivation.deltas[L]
        self._output_delta = sp.lambdify(arguments, [d.closed_form for d in output], "numpy", cse=True)
        # When every output delta cancelled to a - y, one array subtraction evaluates them all.
        self._delta_is_residual = all(d.closed_form == a - y for d, a, y in zip(output, net.a[L], net.y))
        self._output_grad_a = sp.lambdify(arguments, [d.grad_a for d in output], "numpy", cse=True)

    def trace(self, parameters, x, y, full=True):
        """Run the forward and the backward pass of ``parameters`` on every row of ``x`` and ``y``.

        Arrays may carry leading batch axes: parameters of shape (sets, *shape) and data of shape
        (sets, samples, width) evaluate many parameter sets at once. With ``full=False`` the
        output layer's dL/da and f'(z), which only documents show, are not computed.
        Overflow is not warned about here: :func:`train` refuses non-finite results with a clear error.
        """
        with np.errstate(all="ignore"):
            return self._trace(parameters, np.asarray(x, dtype=float), np.asarray(y, dtype=float), full)

    def _trace(self, parameters, x, y, full):
        depth = len(self.layers)
        z, a = [None], [x]
        for l in range(1, depth + 1):
            pre = a[-1] @ np.swapaxes(parameters[f"W{l}"], -1, -2)
            if self.bias == "per-neuron":
                pre = pre + parameters[f"b{l}"][..., None, :]
            elif self.bias == "per-layer":
                pre = pre + np.asarray(parameters[f"b{l}"])[..., None, None]
            z.append(pre)
            a.append(self.forward[l - 1](pre))
        loss_sample = self.derivation.architecture.loss.numeric(z[-1], a[-1], y, self.layers[-1].activation.name)

        grad_a = [None] * (depth + 1)
        fprime = [None] * (depth + 1)
        delta = [None] * (depth + 1)
        if self._delta_is_residual:
            delta[depth] = a[-1] - y
        else:
            delta[depth] = _stack(self._output_delta(*self._columns(a[-1], z[-1], y)), a[-1].shape)
        if full:
            grad_a[depth] = _stack(self._output_grad_a(*self._columns(a[-1], z[-1], y)), a[-1].shape)
            fprime[depth] = self._fprime(depth, z[depth], a[depth])
        for l in range(depth - 1, 0, -1):
            grad_a[l] = delta[l + 1] @ parameters[f"W{l + 1}"]
            fprime[l] = self._fprime(l, z[l], a[l])
            delta[l] = grad_a[l] * fprime[l]
        return Trace(parameters, z, a, y, loss_sample, grad_a, fprime, delta, self.bias)

    @staticmethod
    def _columns(a, z, y):
        """The output layer's a, z and y split into one array per unit: the lambdified functions' arguments."""
        return [*np.moveaxis(a, -1, 0), *np.moveaxis(z, -1, 0), *np.moveaxis(np.broadcast_to(y, a.shape), -1, 0)]

    def _fprime(self, l, z, a):
        if self.fprime[l - 1] is None:
            return a * (1 - a)
        return self.fprime[l - 1](z, a)


def _stack(columns, shape):
    """Lambdified per-unit results (arrays or constants) as one array of ``shape``, units last."""
    return np.stack([np.broadcast_to(np.asarray(c, dtype=float), shape[:-1]) for c in columns], axis=-1)


@lru_cache(maxsize=32)
def evaluator(architecture):
    """The evaluator of ``architecture``, derived and compiled once per process."""
    return Evaluator(derive(architecture))


@dataclass
class Result:
    """A training run of a spec: the passes before and after, the step's loss and gradients, every step's parameters."""

    spec: object
    before: Trace
    loss: float
    gradients: dict
    history: list = field(default_factory=list)
    after: Trace | None = None
    loss_after: float = float("nan")

    @property
    def derivation(self):
        return derive(self.spec.architecture)

    @property
    def updated(self):
        return self.history[-1]

    @cached_property
    def loss_total(self):
        """The loss over every sample with the starting parameters (sum or mean, as the spec reduces)."""
        return self.before.loss(list(range(len(self.before.y))), self.spec.reduction)

    @property
    def loss_change_percent(self):
        return 100.0 * (self.loss_after - self.loss) / self.loss if self.loss else float("nan")


def sgd_step(parameters, gradients, learning_rate, update_biases):
    """New parameters: each one minus the learning rate times its gradient (biases only if updated)."""
    return {
        name: value - learning_rate * gradients[name] if name.startswith("W") or update_biases else value.copy()
        for name, value in parameters.items()
    }


def train(spec):
    """Take the spec's training steps and return every number along the way."""
    compiled = evaluator(spec.architecture)
    x, y = spec.numeric_data()
    rows = spec.rows
    parameters = spec.numeric_parameters()
    rate = float(spec.learning_rate)
    before = compiled.trace(parameters, x, y)
    result = Result(spec, before, before.loss(rows, spec.reduction), before.gradients(rows, spec.reduction))
    trace = before
    for step in range(spec.steps):
        gradients = result.gradients if step == 0 else trace.gradients(rows, spec.reduction)
        parameters = sgd_step(parameters, gradients, rate, spec.update_biases)
        result.history.append(parameters)
        trace = compiled.trace(parameters, x, y, full=step == spec.steps - 1)
    result.after = trace
    result.loss_after = trace.loss(rows, spec.reduction)
    _check_finite(result)
    return result


def _check_finite(result):
    """Refuse a run whose numbers overflowed, naming the first quantity that did."""
    named = [("the loss", result.loss), ("the loss after the update", result.loss_after)]
    named += [(f"the gradient of {k}", v) for k, v in result.gradients.items()]
    named += [(f"the updated {k}", v) for k, v in result.updated.items()]
    for what, value in named:
        if not np.all(np.isfinite(value)):
            raise SpecError(
                f"training: {what} is not finite (overflow or a log of 0 or less); "
                "use smaller parameters, inputs or learning_rate, or an activation that suits the loss"
            )
