"""Data and starting parameters: the samples, their targets and every parameter's starting value."""

from . import measure
from .blocks import Math, Section, text
from .context import matrix
from .picture import network_diagram
from .tables import tables


def data(ctx):
    n = ctx.notation
    X, Y = ctx.spec.numeric_data()
    header = (("sample",), *[(Math(name),) for name in n.x], *[(Math(name),) for name in n.y])
    rows = [
        ((str(s + 1),), *[(ctx.number(v),) for v in X[s]], *[(ctx.number(v),) for v in Y[s]]) for s in range(len(X))
    ]
    samples = tables(header, rows, "l" + "r" * (len(header) - 1))
    if network_diagram(ctx).labelled:
        params = ctx.spec.numeric_parameters()
        prows = [
            ((ctx.parameter_name(symbol),), (f"layer {name[1:]}",), (ctx.number(params[name][index]),))
            for symbol, name, index in ctx.net.parameters()
        ]
        parameters = tables((("parameter",), ("layer",), ("value",)), prows, "llr")
    else:
        parameters = (text("The starting parameters are the matrices under the network diagram."),)
    return (Section("Data and starting parameters", samples + parameters),)


def parameter_matrices(ctx, lead):
    """Every starting weight and bias as a matrix or vector; a matrix too wide for the page becomes a table."""
    params = ctx.spec.numeric_parameters()
    blocks = []
    for l in range(1, ctx.depth + 1):
        for name in (f"W{l}", f"b{l}"):
            if name not in params:
                continue
            value = params[name]
            symbol = ctx.bold(name[0], l) if value.ndim else ctx.net.b[l]
            shown = matrix(ctx, value if value.ndim != 1 else value[:, None]) if value.ndim else ctx.shown(value)
            step = ctx.step(shown, {})
            first = () if blocks else text(lead).parts
            if measure.width(step.latex) <= measure.DISPLAY_WIDTH - 40:
                blocks.append(ctx.equations([(symbol, step)], lead=first))
                continue
            header = (("",), *[(f"k = {k + 1}",) for k in range(value.shape[1])])
            rows = [((f"j = {j + 1}",), *[(ctx.number(v),) for v in value[j]]) for j in range(value.shape[0])]
            table_lead = (
                " The weights ",
                ctx.math(symbol),
                f" are too many for one matrix: row j, column k holds the weight from unit k of layer {l - 1} to unit j.",
            )
            blocks += tables(header, rows, "l" + "r" * value.shape[1], lead=first + table_lead)
    return tuple(blocks)
