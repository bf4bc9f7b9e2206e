"""The update: every parameter moves against its gradient, scaled by the learning rate, layer by layer."""

import sympy as sp

from ..evaluation import KEPT_STEPS
from ..printing import Becomes
from ..quantities import gradient_name
from .blocks import Section, text
from .tables import tables


def update(ctx):
    w = sp.Symbol("w")
    with sp.evaluate(False):
        rule = ctx.math(Becomes(w, w - ctx.rate_symbol * ctx.d(ctx.loss_symbol, w)), keep_order=True)
    frozen = ctx.arch.bias != "none" and not ctx.spec.update_biases
    moved = "Every weight (the biases are frozen)" if frozen else "Every parameter"
    lead = [f"{moved} takes one step against its gradient: ", rule, "."]
    if ctx.depth > 1:
        lead.append(
            " Every gradient above was computed with the old values, so the order of the updates does not matter; "
            "the output layer is listed first, as in the backward pass."
        )
    blocks = [text(*lead)]
    for l in range(ctx.depth, 0, -1):
        blocks += _layer(ctx, l)
    count = ctx.spec.steps
    if count > 1:
        later = "Step 2 repeats" if count == 2 else f"Steps 2 to {count} repeat"
        shown = "each in a table" if count <= KEPT_STEPS else "the loss of each, and the last in full"
        blocks.append(text(f"{later} this from the new values; the next section gives {shown}."))
    return (Section("Update", tuple(blocks)),)


def _layer(ctx, l):
    """The update lines of the layer's worked units, then a table of every parameter of the layer."""
    params, first, gradients = ctx.parameters, ctx.run.first_update, ctx.run.gradients
    frozen = not ctx.spec.update_biases
    worked = set(ctx.worked_units(l))
    lines, rows, names = [], [], []
    for symbol, name, index in ctx.parameters_in_order():
        if name[1:] != str(l):
            continue
        if name[0] == "b" and frozen:
            continue  # a frozen bias keeps its value: the network section says so
        old, gradient = params[name][index], gradients[name][index]
        names.append(gradient_name(name, index))
        rows.append(
            (
                (ctx.parameter_name(symbol),),
                (ctx.number(old, "param"),),
                (ctx.number(gradient, "grad", l),),
                (ctx.number(first[name][index], "new", l),),
            )
        )
        unit = index[0] if index else 0
        if unit in worked:
            with sp.evaluate(False):
                rule = Becomes(symbol, symbol - ctx.rate_symbol * ctx.d(ctx.loss_symbol, symbol))
                figures = ctx.shown(old, "param") - ctx.shown(ctx.spec.learning_rate, "rate") * ctx.shown(
                    gradient, "grad", l
                )
            lines.append((ctx.m(rule, keep_order=True), ctx.step(figures, {}), ctx.value(first[name][index], "new", l)))
    role = ctx.layer_role(l)
    header = (("parameter",), ("old value",), ("gradient",), ("new value",))
    blocks = []
    if lines:
        blocks.append(ctx.equations(lines, lead=(f"The {role}:",)))
        table_lead = text(f"Every parameter of the {role}:" if not ctx.full(l) else "In a table:").parts
    else:
        table_lead = text(f"The {role}:").parts
    return [*blocks, *tables(header, rows, "lrrr", lead=table_lead, quantities=names)]
