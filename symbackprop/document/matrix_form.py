"""Matrix form: the same step for a whole layer at once, first as formulas, then with the numbers."""

import numpy as np
import sympy as sp

from ..printing import Affine, Hadamard, Prime, Transposed
from . import measure
from .blocks import Math, Section, text
from .context import matrix


def matrix_form(ctx):
    trace, s = ctx.result.before, ctx.sample
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
    lines, skipped = [], []
    for l in range(1, ctx.depth + 1):
        weights = matrix(ctx, trace.parameters[f"W{l}"])
        terms = [weights, matrix(ctx, trace.a[l - 1][s][:, None])]
        if has_bias:
            terms.append(matrix(ctx, np.broadcast_to(trace.parameters[f"b{l}"], (ctx.widths[l],))[:, None]))
        product = Affine(*terms)
        step = ctx.step(product, {})
        if measure.width(step.latex) > measure.DISPLAY_WIDTH - 40:
            skipped.append(l)
            lines.append((ctx.bold("z", l), ctx.step(matrix(ctx, trace.z[l][s][:, None]), {})))
            continue
        lines.append((ctx.bold("z", l), step, ctx.step(matrix(ctx, trace.z[l][s][:, None]), {})))
    for l in range(ctx.depth, 0, -1):
        lines.append((ctx.bold("delta", l), ctx.step(matrix(ctx, trace.delta[l][s][:, None]), {})))
        gradient = trace.per_sample_gradients()[f"W{l}"][s]
        step = ctx.step(matrix(ctx, gradient), {})
        if measure.width(step.latex) > measure.DISPLAY_WIDTH - 40:
            skipped.append(l)
            continue
        lines.append((ctx.d(ctx.loss_symbol, ctx.bold("W", l)), step))
    blocks.append(ctx.equations(lines, lead=(f"With the numbers of sample {s + 1}:",)))
    if skipped:
        layers = ", ".join(str(l) for l in sorted(set(skipped)))
        blocks.append(
            text(
                f"The weight matrices of layer {layers} are too wide to print here; their entries and gradients are "
                "in the parameter and update tables."
            )
        )
    return (Section("Matrix form", tuple(blocks)),)
