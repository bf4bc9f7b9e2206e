"""Matrix form: the training step for whole layers at once, layer by layer, with the numbers of the sample.

Every quantity is named as the document's notation names a whole layer (bold u and z, W and V,
net_h, ...); a layer of one unit keeps its unit's own name and plain numbers, never a 1×1
matrix. Each line gives the formula, then the figures where they fit the page, then the result.
"""

import numpy as np
import sympy as sp

from ..printing import Affine, Hadamard, Prime, Transposed
from . import measure
from .blocks import Math, Section, parts, text
from .context import Step, matrix


def matrix_form(ctx):
    forward, backward = _Display(ctx), _Display(ctx)
    for l in range(1, ctx.depth + 1):
        _forward(ctx, l, forward)
    for l in range(ctx.depth, 0, -1):
        _backward(ctx, l, backward)
    j = Math("j")
    lead = ["The same step for whole layers at once. The weights into a layer form a matrix whose row ", j]
    lead += [" holds the weights into unit ", j, ", so one product gives every weighted sum of the layer"]
    if any(_shared(ctx, l) for l in range(1, ctx.depth + 1)):
        lead += ["; the column of ones ", ctx.math(_ones(ctx)), " adds a layer's one bias to each of its units"]
    blocks = [ctx.equations(forward.rows(), lead=parts(*lead, ":"))]
    if ctx.depth > 1:
        back = [
            "Back from the output layer: each layer's error signal gives the gradient of its weights, and the "
            "transposed weights carry the signal down to the layer below. The last line carries it past the first "
            "layer to the inputs, where nothing is left to train."
        ]
    else:
        back = [
            "Back from the output: the error signal gives the gradient of the weights, and the transposed weights "
            "carry it on to the inputs, where nothing is left to train."
        ]
    output = ctx.arch.layers[-1].activation
    if output.vector:
        jacobian = ctx.math(ctx.d(ctx.bold("a", ctx.depth), ctx.bold("z", ctx.depth)))
        j, k = Math("j"), Math("k")
        back += [" The softmax's Jacobian ", jacobian, " holds in row ", k, ", column ", j]
        back += [" the derivative of output ", k, " with respect to weighted sum ", j, " (see the formula reference)."]
    if backward.hadamard:
        back += [" The sign ", Math(r"\odot"), " multiplies entry by entry."]
    back[-1] = back[-1].removesuffix(".") + ":"
    blocks.append(ctx.equations(backward.rows(), lead=parts(*back)))
    if "figures" in forward.dropped | backward.dropped:
        blocks.append(text("Where the figures of a product are too wide for the page, the line gives its result only."))
    if "result" in forward.dropped | backward.dropped:
        blocks.append(
            text(
                "Where a result is too wide for the page, the line gives its formula only; the update table "
                "lists every gradient."
            )
        )
    return (Section("Matrix form", tuple(blocks)),)


class _Display:
    """The lines of one display: each a left side, its formula, and the figures and result that fit the page."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.lines = []
        self.dropped = set()  # "figures" or "result": what was too wide somewhere
        self.hadamard = False

    def add(self, left, formula, figures=None, result=None):
        self.hadamard = self.hadamard or formula.has(Hadamard)
        self.lines.append((left, self.ctx.step(formula, keep_order=True), figures, result))

    def rows(self):
        """The lines, each without the figures or the result that would not fit beside the widest left side."""
        ctx = self.ctx
        room = measure.DISPLAY_WIDTH - max(measure.width(ctx.m(left)) for left, *_ in self.lines)
        rows = []
        for left, formula, figures, result in self.lines:
            steps = [formula]
            for kind, step in (("figures", figures), ("result", result)):
                if step is None:
                    continue
                if all(measure.width("= " + piece) <= room for piece in step.pieces):
                    steps.append(step)
                else:
                    self.dropped.add(kind)
            rows.append((left, *steps))
        return rows


def _forward(ctx, l, display):
    """z = W a + b with its figures, then a = f(z)."""
    trace, s = ctx.run.before, ctx.sample
    z, a, W, below = ctx.bold("z", l), ctx.bold("a", l), ctx.bold("W", l), ctx.bold("a", l - 1)
    terms = [sp.Mul(W, below, evaluate=False)]
    figures = [
        _figures(ctx, trace.parameters[f"W{l}"], "param", l),
        _figures(ctx, trace.a[l - 1][s], *(("a", l - 1) if l > 1 else ("x",))),
    ]
    if ctx.arch.bias != "none":
        b = ctx.bold("b", l)
        terms.append(sp.Mul(b, _ones(ctx), evaluate=False) if _shared(ctx, l) else b)
        bias = np.broadcast_to(trace.parameters[f"b{l}"], (ctx.widths[l],))
        figures.append(_figures(ctx, bias, "param", l))
    formula = sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]
    # W a and + b may go on rows of their own; W a itself cannot be cut.
    pieces = (ctx.step(Affine(*figures[:2]), {}).latex, *(f"+ {ctx.step(f, {}).latex}" for f in figures[2:]))
    display.add(z, formula, Step(" ".join(pieces), pieces), _result(ctx, trace.z[l][s], "z", l))
    activation = ctx.arch.layers[l - 1].activation
    display.add(a, activation.call(z), None, _result(ctx, trace.a[l][s], "a", l))


def _backward(ctx, l, display):
    """The layer's error signal, its weight and bias gradients, and the signal it passes down."""
    trace, s, L = ctx.run.before, ctx.sample, ctx.loss_symbol
    z, a, delta = ctx.bold("z", l), ctx.bold("a", l), ctx.bold("delta", l)
    activation = ctx.arch.layers[l - 1].activation
    if activation.vector:
        # Every output depends on every weighted sum: the Jacobian, transposed, gathers them.
        display.add(
            delta,
            sp.Mul(Transposed(ctx.d(a, z)), ctx.d(L, a), evaluate=False),
            None,
            _result(ctx, trace.delta[l][s], "delta", l),
        )
    else:
        formula = _entrywise(ctx, l, ctx.d(L, a), Prime(activation.call(z)))
        # An output signal the backward pass cancels to a shorter form is not the product of these figures.
        cancelled = l == ctx.depth and any(unit.cancels for unit in ctx.derivation.deltas[l])
        figures = None
        if not cancelled:
            product = _entrywise(
                ctx,
                l,
                _figures(ctx, trace.grad_a[l][s], "grad_a", l),
                _figures(ctx, trace.fprime[l][s], "fprime", l),
            )
            figures = ctx.step(product, {})
        display.add(delta, formula, figures, _result(ctx, trace.delta[l][s], "delta", l))
    below = ctx.bold("a", l - 1)
    W = ctx.bold("W", l)
    gradient = ctx.gradients[f"W{l}"][s]
    outer = Affine(
        _figures(ctx, trace.delta[l][s], "delta", l),
        _figures(ctx, trace.a[l - 1][s][None, :], *(("a", l - 1) if l > 1 else ("x",))),
    )
    display.add(
        ctx.d(L, W),
        sp.Mul(delta, _transposed(ctx, below, l - 1), evaluate=False),
        ctx.step(outer, {}),
        _result(ctx, gradient, "grad", l),
    )
    if ctx.arch.bias != "none" and ctx.spec.update_biases:  # a frozen bias needs no gradient
        b = ctx.bold("b", l)
        if _shared(ctx, l):
            total = ctx.gradients[f"b{l}"][s]
            display.add(
                ctx.d(L, b), sp.Mul(Transposed(_ones(ctx)), delta, evaluate=False), None, ctx.value(total, "grad", l)
            )
        else:
            display.add(ctx.d(L, b), delta)
    weights = np.asarray(trace.parameters[f"W{l}"], dtype=float)
    signal = trace.grad_a[l - 1][s] if l > 1 else trace.delta[l][s] @ weights
    passed = Affine(_figures(ctx, weights.T, "param", l), _figures(ctx, trace.delta[l][s], "delta", l))
    display.add(
        ctx.d(L, below),
        sp.Mul(_transposed(ctx, W, l, weights=True), delta, evaluate=False),
        ctx.step(passed, {}),
        _result(ctx, signal, "grad_a", l - 1),
    )


def _entrywise(ctx, l, left, right):
    """``left ⊙ right`` for a layer of several units; a plain product for one unit."""
    if ctx.widths[l] == 1:
        return sp.Mul(left, right, evaluate=False)
    return Hadamard(left, right)


def _transposed(ctx, symbol, l, weights=False):
    """``symbol``ᵀ, unless it stands for one number (a layer of one unit; a single weight)."""
    single = ctx.widths[l] == 1 and (not weights or ctx.widths[l - 1] == 1)
    return symbol if single else Transposed(symbol)


def _shared(ctx, l):
    """Whether layer ``l`` adds one shared bias to several units (written b·1)."""
    return ctx.notation.shared(l) and ctx.widths[l] > 1


def _ones(ctx):
    return ctx.symbol(r"\mathbf{1}", commutative=False)


def _figures(ctx, array, kind, l=None):
    """Figures of family ``(kind, l)``: a number when ``array`` holds one, else a matrix (a vector as a column)."""
    array = np.asarray(array, dtype=float)
    if array.size == 1:
        return ctx.shown(float(array.ravel()[0]), kind, l)
    return matrix(ctx, array[:, None] if array.ndim == 1 else array, kind, l)


def _result(ctx, array, kind, l=None):
    """The result of a line: a number, or a matrix of figures."""
    array = np.asarray(array, dtype=float)
    if array.size == 1:
        return ctx.value(float(array.ravel()[0]), kind, l)
    return ctx.step(_figures(ctx, array, kind, l), {})
