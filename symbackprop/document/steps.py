"""The steps after the first: each one's loss, gradients and new parameters, or the loss step by step.

The sections before work the first step in full. Every later step repeats it from the parameters
the step before left, so a table says all there is to it: the loss those parameters give, then
per parameter its old value, its gradient and its new value, with new = old - rate * gradient on
every row. Up to :data:`~symbackprop.evaluation.KEPT_STEPS` steps, each step has its table; past
that, a table of the loss before and after every step (a regular selection of them past
:data:`~symbackprop.evaluation.LISTED_STEPS`), then the last step's table. A chart of the loss
step by step follows the table of the losses, or ends the section where there is none; a format
that draws no pictures shows that table in its place.
"""

import numpy as np
import sympy as sp

from ..charts import Axis, Chart, envelope, linear_ticks, value_axis
from ..evaluation import KEPT_STEPS, listed_steps
from .blocks import Math, Section, text
from .tables import tables


def steps(ctx):
    count, records = ctx.spec.steps, ctx.run.steps
    blocks = [
        text(
            "Every further step repeats the forward pass, the backward pass and the update, starting from the "
            "parameters the step before left. In each table a parameter's new value is its old value minus ",
            ctx.math(ctx.rate_symbol),
            " times its gradient.",
        )
    ]
    if count <= KEPT_STEPS:
        for record in records[1:]:
            blocks += _step(ctx, record, f"Step {record.number} starts from the new values of step {record.number - 1}")
        blocks += loss_chart(ctx, _losses(ctx, text(f"{loss_words(ctx).capitalize()} before and after each step:")))
    else:
        last = records[-1]
        blocks += _losses(ctx, _losses_lead(ctx))
        blocks += loss_chart(ctx)
        blocks += _step(ctx, last, f"The last step, step {count}, starts from the parameters step {count - 1} left")
    title = "Step 2" if count == 2 else f"Steps 2 to {count}"
    return (Section(title, tuple(blocks)),)


def loss_words(ctx):
    """The loss a step measures, in words: "the loss of sample 1", "the total loss of the 4 samples"."""
    spec = ctx.spec
    if spec.mode == "sample":
        return f"the loss of sample {spec.sample}"
    return f"the {'total' if spec.reduction == 'sum' else 'mean'} loss of the {len(spec.rows)} samples"


def _step(ctx, record, opening):
    """The table of one step: every parameter's old value, gradient and new value, led by the step's loss."""
    loss = ctx.math(sp.Eq(ctx.loss_symbol, ctx.shown(record.loss, "loss"), evaluate=False))
    lead = text(f"{opening}; with them {loss_words(ctx)} is ", loss, ". Its gradients and update:")
    rows = []
    # In the order of the update of the first step; a frozen bias never moves.
    for symbol, name, index in ctx.parameters_in_order():
        l = int(name[1:])
        if name[0] == "b" and not ctx.spec.update_biases:
            continue
        rows.append(
            (
                (ctx.parameter_name(symbol),),
                (ctx.number(record.parameters[name][index], "new", l),),
                (ctx.number(record.gradients[name][index], "grad", l),),
                (ctx.number(record.updated[name][index], "new", l),),
            )
        )
    header = (("parameter",), ("old value",), ("gradient",), ("new value",))
    return tables(header, rows, "lrrr", lead=lead.parts)


def loss_chart(ctx, table=()):
    """A line chart of the loss before the first step (at 0) and after each step, a dot on each step the table
    of the losses lists; ``table`` is that table, for a format without pictures, where the section lacks it.

    An infinite loss (a carried output rounded to exactly 0 or 1 under cross-entropy) cannot be plotted:
    the chart leaves it out and says so, and with fewer than two losses left there is no chart.
    """
    count, losses = ctx.spec.steps, ctx.run.losses
    steps = [k for k, loss in enumerate(losses) if np.isfinite(loss)]
    if len(steps) < 2:
        return ()
    points = tuple((k, float(losses[k])) for k in steps)
    index = {k: i for i, k in enumerate(steps)}
    marked = tuple(index[k] for k in (0, *listed_steps(count)) if k in index)
    x = Axis(("step",), 0, count, linear_ticks(0, count, whole=True))
    y = value_axis((ctx.math(ctx.loss_symbol),), [loss for _, loss in envelope(points)], upright=True)
    left_out = len(losses) - len(steps)
    after = ""
    if len(marked) < len(points):
        after += " A dot marks each step the table lists."
    if left_out:
        after += (
            " The infinite loss cannot be drawn and is left out."
            if left_out == 1
            else (f" The {left_out} infinite losses cannot be drawn and are left out.")
        )
    lead = text(
        f"{loss_words(ctx).capitalize()} before the first step (at 0) and after each step",
        " (on a logarithmic scale)" if y.log else "",
        "." + after if after else ":",
    )
    title = f"{loss_words(ctx).capitalize()} over {count} steps of gradient descent"
    return (Chart(title, x, y, points, marked=marked, lead=lead.parts, tables=tuple(table)),)


def _losses_lead(ctx):
    count = ctx.spec.steps
    listed = listed_steps(count)
    which = "each of them"
    if len(listed) < count:
        stride = "second" if listed[1] == 2 else f"{listed[1]}th"
        which = f"the first step, every {stride} and the last"
    return text(
        f"Instead of a table for each of the {count} steps, {loss_words(ctx)} before and after {which}, "
        "then the last step in full:"
    )


def _losses(ctx, lead):
    """The loss before and after each listed step, and its change, led by ``lead``."""
    count, losses = ctx.spec.steps, ctx.run.losses
    listed = listed_steps(count)
    rows = [
        (
            (str(k),),
            (ctx.number(losses[k - 1], "loss"),),
            (ctx.number(losses[k], "loss"),),
            (Math(ctx.figures.difference(losses[k - 1], losses[k], "loss")),),
        )
        for k in listed
    ]
    header = (("step",), ("loss before",), ("loss after",), ("change",))
    return tables(header, rows, "lrrr", lead=lead.parts)
