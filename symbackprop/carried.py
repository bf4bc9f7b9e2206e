"""A training run as a student works it by hand: every figure rounded before it is used again.

With ``[notation] rounding = "carried"`` a document's figures are not the exact
values rounded for display. Each quantity is computed from the *rounded* figures
of the quantities it is made of, exactly as its worked line shows them, and is
rounded in turn; so every displayed line reproduces on a calculator. The order
follows the documents:

- forward: ``z = sum W a + b`` from the rounded activations below, then
  ``a = f(z)`` from the rounded ``z`` (softmax: the rounded sum of exponentials
  first, then each share of it), then each sample's loss;
- output layer: ``dL/da`` and ``f'`` from the rounded outputs, and the error
  signal as their rounded product, or, where the document cancels it to a short
  form (``a - y``), that short form evaluated on the rounded figures;
- hidden layers: each downstream contribution ``W delta`` rounded, their rounded
  sum, then the rounded product with ``f'``;
- gradients ``delta a`` rounded, summed or averaged over the samples and rounded,
  and the update ``old - rate * gradient`` rounded.

``places(kind, l, value)`` gives the decimals of each figure (see :mod:`symbackprop.precision`).
"""

import numpy as np
import sympy as sp

from .activations import numeric_form
from .evaluation import Result, Step, Trace, _per_unit, evaluator, kept
from .precision import rounded

_round = np.vectorize(rounded, otypes=[float])


class Carried:
    """Figures rounded as they are carried; ``places(kind, l, value)`` gives each figure's decimals."""

    def __init__(self, spec, places):
        self.spec = spec
        self.places = places
        self.evaluator = evaluator(spec.architecture)
        self.derivation = self.evaluator.derivation
        self.products = {}
        net, depth = self.derivation.network, spec.architecture.depth
        units = self.derivation.deltas[depth]
        arguments = [*net.a[depth], *net.z[depth], *net.y]
        self._grad_a = sp.lambdify(arguments, [numeric_form(d.grad_a) for d in units], "numpy", cse=True)
        self._loss = sp.lambdify(arguments, [numeric_form(net.loss)], "numpy")
        term = spec.architecture.loss.term
        self._terms = sp.lambdify(arguments, [numeric_form(term(a, y)) for a, y in zip(net.a[depth], net.y)], "numpy")

    def round(self, values, kind, l=None):
        places = self.places
        return _round(np.asarray(values, dtype=float), np.vectorize(lambda v: places(kind, l, v))(values))

    def trace(self, parameters, x, y):
        """Every figure of one forward and backward pass, each rounded before the next uses it."""
        ev, depth = self.evaluator, self.spec.architecture.depth
        z, a, sums = [None], [np.asarray(x, dtype=float)], [None]
        arithmetic = "arithmetic" in self.spec.extras
        for l in range(1, depth + 1):
            activation = self.spec.architecture.layers[l - 1].activation
            if arithmetic:
                # Each product W_jk a_k is shown rounded, and the weighted sum adds the rounded products.
                products = self.round(a[-1][:, None, :] * parameters[f"W{l}"][None, :, :], "z", l)
                bias = ev._pre_activation(parameters, l, np.zeros_like(a[-1]))
                z.append(self.round(products.sum(axis=-1) + bias, "z", l))
            else:
                z.append(self.round(ev._pre_activation(parameters, l, a[-1]), "z", l))
            if arithmetic and activation.numeric_name == "sigmoid":
                # e^(-z) is shown rounded, then 1 + e^(-z), then its reciprocal.
                sums.append(None)
                a.append(self.round(1 / (1 + self.round(np.exp(-z[l]), "exp", l)), "a", l))
            elif activation.vector:
                total = self.round(np.exp(z[l]).sum(axis=-1), "exp", l)
                sums.append(total)
                a.append(self.round(np.exp(z[l]) / total[:, None], "a", l))
            else:
                sums.append(None)
                a.append(self.round(ev.forward[l - 1](z[l]), "a", l))
        # The loss and dL/da as the worked lines write them, with the outputs (not the logits' stable forms).
        loss = self.spec.architecture.loss
        if "per-output" in self.spec.extras:
            # Each output's part of the loss is shown rounded, and the loss adds the rounded parts.
            parts = self.round(_per_unit(self._terms, a[-1], z[-1], y), "loss")
            loss_sample = self.round(parts.sum(axis=-1), "loss")
        else:
            loss_sample = self.round(_per_unit(self._loss, a[-1], z[-1], y)[..., 0], "loss")
        grad_a, fprime, delta = [None] * (depth + 1), [None] * (depth + 1), [None] * (depth + 1)
        if loss.numeric_grad_a is not None:
            grad_a[depth] = loss.numeric_grad_a(z[-1], a[-1], np.broadcast_to(y, a[-1].shape))
        else:
            grad_a[depth] = _per_unit(self._grad_a, a[-1], z[-1], y)
        grad_a[depth] = self.round(grad_a[depth], "grad_a", depth)
        fprime[depth] = self.round(ev._fprime(depth, z[depth], a[depth]), "fprime", depth)
        if self.spec.architecture.layers[-1].activation.vector:
            # Softmax: each Jacobian entry a_k (1[k = j] - a_j) rounded, then the chain rule's sum over k.
            units = a[depth].shape[-1]
            jacobian = self.round(a[depth][:, :, None] * (np.eye(units)[None] - a[depth][:, None, :]), "fprime", depth)
            product = self.round(np.einsum("sk,skj->sj", grad_a[depth], jacobian), "delta", depth)
        else:
            jacobian = None
            product = self.round(grad_a[depth] * fprime[depth], "delta", depth)
        closed = self.round(_per_unit(ev._output_delta, a[-1], z[-1], y), "delta", depth)
        delta[depth] = np.stack(
            [closed[:, j] if short else product[:, j] for j, short in enumerate(self.short_forms())], axis=-1
        )
        self.products[depth] = product
        contributions = [None] * (depth + 1)
        for l in range(depth - 1, 0, -1):
            parts = self.round(delta[l + 1][:, :, None] * parameters[f"W{l + 1}"][None, :, :], "grad_a", l)
            contributions[l] = parts
            grad_a[l] = self.round(parts.sum(axis=1), "grad_a", l)
            fprime[l] = self.round(ev._fprime(l, z[l], a[l]), "fprime", l)
            delta[l] = self.round(grad_a[l] * fprime[l], "delta", l)
            self.products[l] = delta[l]
        trace = Trace(parameters, z, a, np.asarray(y, dtype=float), loss_sample, grad_a, fprime, delta, ev.bias)
        trace.exp_sums = sums
        trace.parts = contributions
        trace.jacobian = jacobian
        return trace

    def short_forms(self):
        """For each output unit, whether its error signal is the cancelled short form (else dL/da times f')."""
        return [unit.cancels for unit in self.derivation.deltas[self.spec.architecture.depth]]

    def per_sample_gradients(self, trace):
        """Each sample's gradient of every parameter: delta times the activation below, rounded."""
        result = {}
        for l in range(1, len(trace.delta)):
            result[f"W{l}"] = self.round(np.einsum("sj,sk->sjk", trace.delta[l], trace.a[l - 1]), "grad", l)
            if trace.bias == "per-neuron":
                result[f"b{l}"] = self.round(trace.delta[l], "grad", l)
            elif trace.bias == "per-layer":
                result[f"b{l}"] = self.round(trace.delta[l].sum(axis=-1), "grad", l)
        return result

    def gradients(self, per_sample, rows):
        """The step's gradients: the rounded per-sample gradients of ``rows`` added (or averaged), rounded."""
        result = {}
        for name, values in per_sample.items():
            total = values[list(rows)].sum(axis=0)
            if self.spec.reduction == "mean":
                total = total / len(rows)
            result[name] = self.round(total, "grad", int(name[1:]))
        return result

    def update(self, parameters, gradients):
        rate = float(self.spec.learning_rate)
        new = {}
        for name, value in parameters.items():
            if name.startswith("W") or self.spec.update_biases:
                new[name] = self.round(value - rate * gradients[name], "new", int(name[1:]))
            else:
                new[name] = value.copy()
        return new

    def loss(self, trace, rows):
        values = trace.loss_sample[list(rows)]
        return float(self.round(values.mean() if self.spec.reduction == "mean" else values.sum(), "loss"))


def carried_run(spec, places):
    """The spec's training run with every figure carried rounded: a :class:`Result` like :func:`train`'s.

    A value that overflows (a log of an output rounded to 0 or 1) is left infinite, as the document shows it.
    """
    with np.errstate(all="ignore"):
        return _carried_run(spec, places)


def _carried_run(spec, places):
    carried = Carried(spec, places)
    x, y = spec.numeric_data()
    rows = spec.rows
    parameters = spec.numeric_parameters()
    before = carried.trace(parameters, x, y)
    per_sample = carried.per_sample_gradients(before)
    gradients = carried.gradients(per_sample, rows)
    result = Result(spec, before, carried.loss(before, rows), gradients)
    result.loss_total = carried.loss(before, range(len(x)))
    result.per_sample = per_sample
    result.products = dict(carried.products)
    loss, losses = result.loss, [result.loss]
    for step in range(1, spec.steps + 1):
        updated = carried.update(parameters, gradients)
        if kept(step, spec.steps):
            result.steps.append(Step(step, parameters, loss, gradients, updated))
        parameters = updated
        if step < spec.steps:
            trace = carried.trace(parameters, x, y)
            loss = carried.loss(trace, rows)
            gradients = carried.gradients(carried.per_sample_gradients(trace), rows)
            losses.append(loss)
    result.after = carried.trace(parameters, x, y)
    result.loss_after = carried.loss(result.after, rows)
    result.losses = np.array([*losses, result.loss_after])
    return result
