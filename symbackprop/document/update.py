"""The update: every parameter moves against its gradient, scaled by the learning rate."""

import sympy as sp

from ..printing import Becomes
from .blocks import Section, text
from .tables import tables


def update(ctx):
    params = ctx.parameters
    first = ctx.result.first_update
    rows = []
    for symbol, name, index in ctx.net.parameters():
        frozen = name[0] == "b" and not ctx.spec.update_biases
        new = ("frozen",) if frozen else (ctx.number(first[name][index]),)
        rows.append(
            (
                (ctx.parameter_name(symbol),),
                (ctx.number(params[name][index]),),
                (ctx.number(ctx.result.gradients[name][index]),),
                new,
            )
        )
    w = sp.Symbol("w")
    with sp.evaluate(False):
        rule = ctx.math(Becomes(w, w - ctx.rate_symbol * ctx.d(ctx.loss_symbol, w)), keep_order=True)
    header = (("parameter",), ("old value",), ("gradient",), ("new value",))
    blocks = tables(
        header, rows, "lrrr", lead=text("Every parameter takes one step against its gradient: ", rule, ".").parts
    )
    if ctx.spec.steps > 1:
        blocks += (
            text(f"The step is repeated {ctx.spec.steps} times in all; the final parameters are in the next section."),
        )
    return (Section("Update", blocks),)
