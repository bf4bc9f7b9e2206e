"""Data and starting parameters: the samples, their targets and every parameter's starting value."""

from ..printing import Transposed
from . import measure
from .blocks import Math, Section, text
from .context import matrix
from .tables import tables


def data(ctx):
    n = ctx.notation
    X, Y = ctx.spec.numeric_data()
    header = (("sample",), *[(Math(name),) for name in n.x], *[(Math(name),) for name in n.y])
    rows = [
        ((str(s + 1),), *[(ctx.number(v, "x"),) for v in X[s]], *[(ctx.number(v, "y"),) for v in Y[s]])
        for s in range(len(X))
    ]
    samples = tables(header, rows, "l" + "r" * (len(header) - 1))
    if ctx.diagram.labelled:
        params = ctx.parameters
        prows = [
            (
                (ctx.parameter_name(symbol),),
                (f"layer {name[1:]}",),
                (ctx.number(params[name][index], "param", int(name[1:])),),
            )
            for symbol, name, index in ctx.net.parameters()
        ]
        parameters = tables((("parameter",), ("layer",), ("value",)), prows, "llr")
    else:
        parameters = (text("The starting parameters are given as matrices with the network diagram, above."),)
    return (Section("Data and starting parameters", samples + parameters),)


def parameter_matrices(ctx, lead):
    """Every starting weight and bias, a layer's in one display: W as a matrix, b as a transposed row.

    A weight matrix too wide for the page becomes a table (row j, column k).
    """
    params = ctx.parameters
    blocks, pending = [], text(lead).parts
    for l in range(1, ctx.depth + 1):
        weights = params[f"W{l}"]
        lines = []
        one = weights.size == 1  # a single weight is a number, not a 1×1 matrix
        step = ctx.step(ctx.shown(weights.item(), "param", l) if one else matrix(ctx, weights, "param", l), {})
        if measure.fits_display(step.latex):
            lines.append((ctx.bold("W", l), step))
        else:
            header = (("",), *[(f"k = {k + 1}",) for k in range(weights.shape[1])])
            rows = [
                ((f"j = {j + 1}",), *[(ctx.number(v, "param", l),) for v in weights[j]])
                for j in range(weights.shape[0])
            ]
            table_lead = (
                "The weights ",
                ctx.math(ctx.bold("W", l)),
                f" in a table: row j, column k holds the weight from unit k of layer {l - 1} into unit j.",
            )
            blocks += tables(header, rows, "l" + "r" * weights.shape[1], lead=pending + (" ",) + table_lead)
            pending = ()
        if f"b{l}" in params:
            bias = params[f"b{l}"]
            if bias.size == 1:  # a shared bias, or the bias of a layer of one unit
                lines.append((ctx.bold("b", l), ctx.step(ctx.shown(bias.item(), "param", l), {})))
            else:
                row = ctx.step(Transposed(matrix(ctx, bias[None, :], "param", l)), {})
                column = ctx.step(matrix(ctx, bias[:, None], "param", l), {})
                lines.append((ctx.bold("b", l), row if measure.fits_display(row.latex) else column))
        if lines:
            blocks.append(ctx.equations(lines, lead=pending))
            pending = ()
    return tuple(blocks)
