"""Numbers from the derivation: forward values, deltas, gradients and SGD steps over whole batches.

An :class:`Evaluator` is built once per derivation. It lambdifies the pieces
that carry the mathematics of each layer (the activation, its derivative, the
output deltas' closed forms and dL/da) into NumPy functions, then applies the
derivation's layer rules to arrays holding every sample at once:
``z = a_below W^T + b``, ``delta_hidden = (delta_above W_above) * f'(z)``,
``dL/dW = delta^T a_below``. Samples are rows everywhere.

Two ways in: :meth:`Evaluator.trace` keeps every number of both passes, for
documents and tables; :meth:`Evaluator.loss_and_gradients` is the fast path
for training steps and large batches, which keeps nothing but the gradients
and can reuse its arrays from one call to the next through a :class:`Workspace`.

>>> from symbackprop import load, train
>>> result = train(load("bce_sigmoid_2_2_1"))
>>> round(float(result.before.a[2][0, 0]), 4)
0.7528
"""

import itertools
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import sympy as sp

from .activations import numeric_form
from .derivation import derive
from .errors import SpecError

# The fast path takes the samples in blocks of about this many values per layer (256 KiB of float64):
# a block's arrays stay in the processor's cache through the forward and the backward pass, and
# they are small enough to be reused by the allocator instead of mapped anew, which on large
# batches costs more than the arithmetic. Measured with benchmarks/evaluation.py; 2**14 to 2**16 do alike.
BLOCK_ELEMENTS = 2**15


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
        scale = 1.0 / len(rows) if reduction == "mean" else None
        result = {}
        chosen = _select(rows, self.delta[1].shape[-2])
        for l in range(1, len(self.delta)):
            result.update(
                _layer_gradients(self.bias, l, self.delta[l][..., chosen, :], self.a[l - 1][..., chosen, :], scale)
            )
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
        self.fprime = [layer.activation.numeric_derivative() for layer in arch.layers]
        L = arch.depth
        arguments = [*net.a[L], *net.z[L], *net.y]
        output = derivation.deltas[L]
        self._output_delta = sp.lambdify(arguments, [numeric_form(d.closed_form) for d in output], "numpy", cse=True)
        # When every output delta cancelled to a - y, one array subtraction evaluates them all.
        self._delta_is_residual = all(d.closed_form == a - y for d, a, y in zip(output, net.a[L], net.y))
        # The loss and dL/da in the forms its output activation calls for; dL/da for the documents is the
        # derivative, lambdified, only where the loss has no overflow-safe form of its own.
        self._loss, self._loss_grad_a = arch.loss.numeric_forms(arch.layers[-1].activation)
        self._output_grad_a = (
            None
            if self._loss_grad_a is not None
            else sp.lambdify(arguments, [numeric_form(d.grad_a) for d in output], "numpy", cse=True)
        )
        self._block_rows = max(1, BLOCK_ELEMENTS // max(arch.inputs, *(layer.units for layer in arch.layers)))

    def trace(self, parameters, x, y):
        """Run the forward and the backward pass of ``parameters`` on every row of ``x`` and ``y``.

        Arrays may carry leading batch axes: parameters of shape (sets, *shape) and data of shape
        (sets, samples, width) evaluate many parameter sets at once.
        Overflow is not warned about here: :func:`train` refuses non-finite results with a clear error.
        """
        with np.errstate(all="ignore"):
            return self._trace(parameters, np.asarray(x, dtype=float), np.asarray(y, dtype=float))

    def _trace(self, parameters, x, y):
        depth = len(self.layers)
        z, a = [None], [x]
        for l in range(1, depth + 1):
            z.append(self._pre_activation(parameters, l, a[-1]))
            a.append(self.forward[l - 1](z[-1]))
        loss_sample = self._loss(z[-1], a[-1], y)

        grad_a = [None] * (depth + 1)
        fprime = [None] * (depth + 1)
        delta = [None] * (depth + 1)
        delta[depth] = a[-1] - y if self._delta_is_residual else _per_unit(self._output_delta, a[-1], z[-1], y)
        if self._output_grad_a is None:
            grad_a[depth] = self._loss_grad_a(z[-1], a[-1], np.broadcast_to(y, a[-1].shape))
        else:
            grad_a[depth] = _per_unit(self._output_grad_a, a[-1], z[-1], y)
        fprime[depth] = self._fprime(depth, z[depth], a[depth])
        for l in range(depth - 1, 0, -1):
            grad_a[l] = delta[l + 1] @ parameters[f"W{l + 1}"]
            fprime[l] = self._fprime(l, z[l], a[l])
            delta[l] = grad_a[l] * fprime[l]
        return Trace(parameters, z, a, y, loss_sample, grad_a, fprime, delta, self.bias)

    def loss_and_gradients(self, parameters, x, y, reduction="sum", workspace=None):
        """The loss over every row of ``x`` and ``y`` (sum or mean) and its gradient for every parameter.

        The same numbers as :meth:`trace` followed by :meth:`Trace.gradients`, without keeping
        the trace: the samples go through in blocks (see ``BLOCK_ELEMENTS``) whose gradients are
        summed, and each intermediate array is written once and then updated in place, in arrays
        taken from ``workspace``. Pass the same :class:`Workspace` to calls that follow each other
        (training steps, repeated batches) and they reuse its arrays instead of asking the system
        for fresh memory. The results never share memory with the workspace. Leading batch axes
        work as in :meth:`trace`, giving one loss per parameter set.
        """
        workspace = Workspace() if workspace is None else workspace
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        samples = x.shape[-2]
        losses, gradients = 0.0, {}
        with np.errstate(all="ignore"):
            for start in range(0, samples, self._block_rows):
                rows = slice(start, start + self._block_rows)
                block_losses, block_gradients = self._loss_and_gradients(
                    parameters, x[..., rows, :], y[..., rows, :], workspace
                )
                losses = losses + block_losses
                for name, value in block_gradients.items():
                    if name in gradients:
                        gradients[name] += value
                    else:
                        gradients[name] = value
        if reduction == "mean":
            losses = losses / samples
            for value in gradients.values():
                value /= samples
        return losses, gradients

    def _loss_and_gradients(self, parameters, x, y, workspace):
        depth = len(self.layers)
        z, a = [None], [x]
        for l in range(1, depth + 1):
            z.append(self._pre_activation(parameters, l, a[-1], workspace))
            a.append(self.forward[l - 1](z[-1], out=workspace.array(("a", l), z[-1].shape)))
        losses = self._loss(z[-1], a[-1], y).sum(axis=-1)
        if self._delta_is_residual:
            delta = np.subtract(a[-1], y, out=a[-1])
        else:
            delta = _per_unit(self._output_delta, a[-1], z[-1], y)
        gradients = {}
        for l in range(depth, 0, -1):
            gradients.update(_layer_gradients(self.bias, l, delta, a[l - 1], None))
            if l > 1:
                # a[l-1] is no longer needed once its gradient is taken, nor z[l-1] once f' is: f' overwrites z.
                delta = np.matmul(delta, parameters[f"W{l}"], out=workspace.array(("delta", l - 1), z[l - 1].shape))
                delta *= self._fprime(l - 1, z[l - 1], a[l - 1], out=z[l - 1])
        return losses, gradients

    def _pre_activation(self, parameters, l, below, workspace=None):
        """z = a_below W^T + b for layer ``l``, into the workspace's array when one is given."""
        weights = np.swapaxes(parameters[f"W{l}"], -1, -2)
        if workspace is None:
            pre = below @ weights
        else:
            shape = (*np.broadcast_shapes(below.shape[:-2], weights.shape[:-2]), below.shape[-2], weights.shape[-1])
            pre = np.matmul(below, weights, out=workspace.array(("z", l), shape))
        if self.bias == "per-neuron":
            pre += np.asarray(parameters[f"b{l}"])[..., None, :]
        elif self.bias == "per-layer":
            pre += np.asarray(parameters[f"b{l}"])[..., None, None]
        return pre

    def _fprime(self, l, z, a, out=None):
        return self.fprime[l - 1](z, a, out=out)


class Workspace:
    """Arrays that :meth:`Evaluator.loss_and_gradients` reuses from one call to the next.

    Arrays are kept per name and shape; being block-sized, they stay small whatever the batch.
    One workspace serves one sequence of calls: don't share it between threads.
    """

    def __init__(self):
        self._arrays = {}

    def array(self, key, shape):
        """The array kept under ``key`` and ``shape``, made on first use."""
        found = self._arrays.get((key, shape))
        if found is None:
            found = self._arrays[key, shape] = np.empty(shape)
        return found


def _layer_gradients(bias, l, delta, below, scale):
    """dL/dW and dL/db of layer ``l`` from its deltas and the outputs below, each times ``scale`` if given."""
    parts = {f"W{l}": np.swapaxes(delta, -1, -2) @ below}
    if bias == "per-neuron":
        parts[f"b{l}"] = delta.sum(axis=-2)
    elif bias == "per-layer":
        parts[f"b{l}"] = np.asarray(delta.sum(axis=(-2, -1)))
    if scale:
        for value in parts.values():
            value *= scale
    return parts


def _per_unit(function, a, z, y):
    """A lambdified output-layer function of every unit's a, z and y, evaluated as one array shaped like ``a``.

    The function takes one array per unit and per quantity and returns one result per unit,
    which may be a constant; the results are stacked with units last.
    """
    columns = [*np.moveaxis(a, -1, 0), *np.moveaxis(z, -1, 0), *np.moveaxis(np.broadcast_to(y, a.shape), -1, 0)]
    return np.stack([np.broadcast_to(np.asarray(c, dtype=float), a.shape[:-1]) for c in function(*columns)], axis=-1)


@lru_cache(maxsize=32)
def evaluator(architecture):
    """The evaluator of ``architecture``, derived and compiled once per process."""
    return Evaluator(derive(architecture))


# How many of a run's first steps keep their full record (parameters, loss, gradients, update): the
# documents table each step one by one up to this many steps, and past it the loss per step and the
# last step. The last step's record is kept too, and the loss of every step whatever their number.
KEPT_STEPS = 3


@dataclass(frozen=True)
class Step:
    """One training step: the parameters it starts from, their loss over the trained rows (sum or mean, as the
    spec reduces), the gradients of that loss, and the parameters the step leaves."""

    number: int
    parameters: dict
    loss: float
    gradients: dict
    updated: dict


def kept(step, count):
    """Whether step ``step`` of ``count`` keeps its full :class:`Step` record: one of the first
    :data:`KEPT_STEPS`, or the last."""
    return step <= KEPT_STEPS or step == count


# A table of the loss per step lists every step up to this many, and a regular selection of them past it.
LISTED_STEPS = 50


def listed_steps(count, most=LISTED_STEPS):
    """The steps of ``count`` that a table of the loss per step lists: all of them up to ``most``; past that the
    first, every k-th and the last, k the least of 1, 2, 5, 10, 20, 50, ... that keeps them to ``most`` + 2.

    >>> listed_steps(4), listed_steps(12, 5), listed_steps(10_000)[:4]
    ([1, 2, 3, 4], [1, 5, 10, 12], [1, 200, 400, 600])
    """
    stride = next(m * 10**e for e in itertools.count() for m in (1, 2, 5) if count <= most * m * 10**e)
    return sorted({1, *range(stride, count + 1, stride), count})


@dataclass
class Result:
    """A training run of a spec: the passes before and after, the first step's loss and gradients, every step's loss.

    ``steps`` holds the full :class:`Step` records of the first :data:`KEPT_STEPS` steps and of the last,
    so a run of 10,000 steps keeps a few parameter sets, not 10,000. ``losses`` holds the loss over the
    trained rows before each step and after the last (steps + 1 figures).
    """

    spec: object
    before: Trace
    loss: float
    gradients: dict
    steps: list = field(default_factory=list)
    losses: np.ndarray | None = None
    after: Trace | None = None
    loss_after: float = float("nan")

    def _repr_markdown_(self):
        """The summary tables of ``symbackprop grad`` as Markdown, which a notebook shows for a Result."""
        from .display import markdown

        return markdown(self)

    def _repr_html_(self):
        """The summary tables as HTML, for front ends that show HTML but not Markdown."""
        from .display import html

        return html(self)

    def _repr_latex_(self):
        """The summary tables as one MathJax display (a column of text lines and arrays)."""
        from .display import latex

        return latex(self)

    @property
    def first_update(self):
        """The parameters after the first step, which documents work through."""
        return self.steps[0].updated

    @property
    def updated(self):
        """The parameters after the last step."""
        return self.steps[-1].updated

    @property
    def derivation(self):
        return derive(self.spec.architecture)

    @cached_property
    def loss_total(self):
        """The loss over every sample with the starting parameters (sum or mean, as the spec reduces)."""
        return self.before.loss(list(range(len(self.before.y))), self.spec.reduction)

    @property
    def loss_change_percent(self):
        """The change of the loss over all steps in percent, or None where a percentage means nothing (a loss of 0)."""
        if not self.loss:
            return None
        change = 100.0 * (self.loss_after - self.loss) / self.loss
        return change if np.isfinite(change) else None


def sgd_step(parameters, gradients, learning_rate, update_biases):
    """New parameters: each one minus the learning rate times its gradient (biases only if updated)."""
    return {
        name: value - learning_rate * gradients[name] if name.startswith("W") or update_biases else value.copy()
        for name, value in parameters.items()
    }


def train(spec):
    """Take the spec's training steps and return every number along the way.

    Every number is checked as it is made: a value that is not finite (an overflow, a log of 0)
    stops the run with a :class:`SpecError` naming the sample, the quantity and the step. So NumPy's
    own overflow warnings are silenced: they would only add lines before that one error line.
    """
    with np.errstate(all="ignore"):
        return _train(spec)


def _train(spec):
    compiled = evaluator(spec.architecture)
    x, y = spec.numeric_data()
    rows = spec.rows
    parameters = spec.numeric_parameters()
    rate = float(spec.learning_rate)
    before = compiled.trace(parameters, x, y)
    _check_trace(before, spec, "")
    result = Result(spec, before, before.loss(rows, spec.reduction), before.gradients(rows, spec.reduction))
    _check_values({"": result.loss, **result.gradients}, "the gradient of {}", "step 1")
    loss, gradients, workspace = result.loss, result.gradients, Workspace()
    losses = [loss]
    chosen = _select(rows, len(x))
    x_rows, y_rows = x[chosen], y[chosen]
    for step in range(1, spec.steps + 1):
        updated = sgd_step(parameters, gradients, rate, spec.update_biases)
        _check_values(updated, "the updated {}", f"step {step}")
        if kept(step, spec.steps):
            result.steps.append(Step(step, parameters, loss, gradients, updated))
        parameters = updated
        if step < spec.steps:
            loss, gradients = compiled.loss_and_gradients(parameters, x_rows, y_rows, spec.reduction, workspace)
            _check_values({"": loss, **gradients}, "the gradient of {}", f"step {step + 1}")
            loss = float(loss)
            losses.append(loss)
    result.after = compiled.trace(parameters, x, y)
    _check_trace(result.after, spec, f" after {_steps(spec.steps)}")
    result.loss_after = result.after.loss(rows, spec.reduction)
    _check_values({"": result.loss_after}, "", f"after {_steps(spec.steps)}")
    result.losses = np.array([*losses, result.loss_after])
    _check_values({"": result.loss_total}, "", "all samples")
    return result


_ADVICE = "use smaller parameters, inputs or learning_rate, or an activation that suits the loss"


def _steps(count):
    return "the update" if count == 1 else f"{count} steps"


def _check_values(arrays, what, when):
    """Refuse a step whose loss (under the key ""), parameters or gradients are not finite, naming the first."""
    for name, value in arrays.items():
        if not np.all(np.isfinite(value)):
            quantity = "the loss" if not name else what.format(name)
            raise SpecError(f"training: {when}: {quantity} is not finite (an overflow); {_ADVICE}")


def _check_trace(trace, spec, when):
    """Refuse a pass in which some sample's value is not finite, naming the sample and the quantity.

    Every sample is checked, trained on or not: documents and JSON show them all, and a NaN or an
    infinity must never reach either.
    """
    depth = len(trace.a) - 1
    layers = spec.architecture.layers
    quantities = []
    for l in range(1, depth + 1):
        quantities += [(f"z{l}", layers[l - 1], trace.z[l]), (f"a{l}", layers[l - 1], trace.a[l])]
    quantities.append(("loss", None, trace.loss_sample[:, None]))
    for l in range(depth, 0, -1):
        quantities += [(f"dL/da{l}", None, trace.grad_a[l]), (f"f'(z{l})", None, trace.fprime[l])]
        quantities.append((f"delta{l}", None, trace.delta[l]))
    for name, layer, values in quantities:
        # dL/da and f' may be infinite where a unit saturates (dL/da = 1/(1 - a) with a rounded to 1): the
        # documents show that as the overflow it is. Only a NaN, a number lost, is refused there.
        lost = np.isnan(values) if name.startswith(("dL", "f'")) else ~np.isfinite(values)
        bad = np.argwhere(lost)
        if len(bad):
            sample, unit = (int(i) + 1 for i in bad[0])
            quantity = name if name == "loss" else f"{name}_{unit}"
            # Built-in activations and custom formulas recognised as one have stable numeric forms.
            naive = layer is not None and layer.activation.numeric is None
            why = f"the custom activation {layer.activation.name} overflows as written" if naive else "an overflow"
            raise SpecError(f"data.x[{sample}]: sample {sample}{when}: {quantity} is not finite ({why}); {_ADVICE}")
