"""Matrix form: the same step for a whole layer at once, first as formulas, then with the numbers."""

import numpy as np
import sympy as sp

from ..printing import Affine, Hadamard, Prime, Transposed
from . import measure
from .blocks import Math, Section, text
from .context import Step, matrix


def matrix_form(ctx):
    trace, s = ctx.run.before, ctx.sample
    has_bias = ctx.arch.bias != "none"
    W, a, z, b, delta = (ctx.bold(base, "l") for base in ("W", "a", "z", "b", "delta"))
    a_below, W_above, delta_above = ctx.bold("a", "l-1"), ctx.bold("W", "l+1"), ctx.bold("delta", "l+1")
    f = sp.Function("f")
    with sp.evaluate(False):
        weighted = sp.Mul(W, a_below)
        general = [
            (z, ctx.step(sp.Add(weighted, b) if has_bias else weighted, keep_order=True)),
            (a, ctx.step(f(z))),
            (delta, ctx.step(Hadamard(sp.Mul(Transposed(W_above), delta_above), Prime(sp.Symbol("f"), z)))),
            (ctx.d(ctx.loss_symbol, W), ctx.step(sp.Mul(delta, Transposed(a_below)), keep_order=True)),
        ]
    lead = (
        "The same computation for a whole layer at once, with the weights of layer ",
        Math("l"),
        " as a matrix ",
        ctx.math(W),
        " (row ",
        Math("j"),
        " holds the weights into unit ",
        Math("j"),
        "):",
    )
    blocks = [ctx.equations(general, lead=lead)]
    lines, wide_products, wide_gradients = [], [], []
    for l in range(1, ctx.depth + 1):
        z = ctx.step(matrix(ctx, trace.z[l][s][:, None], "z", l), {})
        below = matrix(ctx, trace.a[l - 1][s][:, None], *(("a", l - 1) if l > 1 else ("x",)))
        terms = [matrix(ctx, trace.parameters[f"W{l}"], "param", l), below]
        if has_bias:
            bias = np.broadcast_to(trace.parameters[f"b{l}"], (ctx.widths[l],))[:, None]
            terms.append(matrix(ctx, bias, "param", l))
        # W a and + b may go on rows of their own; W a itself cannot be cut.
        pieces = (ctx.step(Affine(*terms[:2]), {}).latex, *(f"+ {ctx.step(t, {}).latex}" for t in terms[2:]))
        if measure.fits_display(pieces[0]):
            lines.append((ctx.bold("z", l), Step(" ".join(pieces), pieces), z))
        else:
            wide_products.append(l)
            lines.append((ctx.bold("z", l), z))
    for l in range(ctx.depth, 0, -1):
        lines.append((ctx.bold("delta", l), ctx.step(matrix(ctx, trace.delta[l][s][:, None], "delta", l), {})))
        step = ctx.step(matrix(ctx, ctx.gradients[f"W{l}"][s], "grad", l), {})
        if measure.fits_display(step.latex):
            lines.append((ctx.d(ctx.loss_symbol, ctx.bold("W", l)), step))
        else:
            wide_gradients.append(l)
    blocks.append(ctx.equations(lines, lead=(f"With the numbers of sample {s + 1}:",)))
    if wide_products:
        blocks.append(
            text(
                f"The weight {_matrices(wide_products)} too wide to print in a product here; the weighted sums are "
                "shown, and the weights are with the starting parameters."
            )
        )
    if wide_gradients:
        blocks.append(
            text(
                f"The gradient {_matrices(wide_gradients)} too wide to print here; the update table lists every entry."
            )
        )
    return (Section("Matrix form", tuple(blocks)),)


def _matrices(layers):
    """ "matrix of layer 2 is" or "matrices of layers 1 and 2 are", for the prose."""
    if len(layers) == 1:
        return f"matrix of layer {layers[0]} is"
    ordered = sorted(layers)
    return f"matrices of layers {', '.join(map(str, ordered[:-1]))} and {ordered[-1]} are"
