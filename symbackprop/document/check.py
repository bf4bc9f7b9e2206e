"""The check: the forward pass again with the new parameters, and how much the loss went down."""

import sympy as sp

from .blocks import Math, Section, text
from .forward import worked_forward
from .tables import tables


def check(ctx):
    result = ctx.run
    blocks = ()
    if ctx.spec.steps > 1:
        final = [
            ((ctx.parameter_name(symbol),), (ctx.number(result.updated[name][index], "new", int(name[1:])),))
            for symbol, name, index in ctx.net.parameters()
        ]
        lead = text(f"Parameters after {ctx.spec.steps} steps:").parts
        blocks += tables((("parameter",), ("value",)), final, "lr", lead=lead)
    blocks += worked_forward(ctx, result.after, "", tabled=False, parameters="new").blocks
    change = result.loss_change_percent
    before = ctx.math(sp.Eq(ctx.loss_symbol, ctx.shown(result.loss, "loss"), evaluate=False))
    if change is None:
        tail = (", so no percentage of it applies.",)
    else:
        tail = (", a change of ", Math(ctx.num(change, "percent") + r"\,\%"), ".")
    blocks += (text("The loss of the step went from ", before, " to ", ctx.number(result.loss_after, "loss"), *tail),)
    return (Section("Check: the forward pass with the new parameters", blocks),)
