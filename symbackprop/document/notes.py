"""Notes: what a careful reader should know about particular units (saturated, at a kink, inactive).

Units of one layer in the same state share one note, so a wide layer of saturated units is one
sentence, not one per unit. Where units are saturated in a network of several layers, a bar chart
shows the size of each layer's weight gradients, so the reader sees how far they shrank.
"""

import numpy as np
import sympy as sp

from ..charts import Axis, Chart, counted_ticks, value_axis
from .blocks import Bullets, Math, Section, Table, listed, parts, text


def notes(ctx):
    items, saturated_somewhere = [], False
    trace = ctx.run.before
    for l in range(1, ctx.depth + 1):
        activation = ctx.arch.layers[l - 1].activation
        z = trace.z[l][ctx.spec.rows]
        names = ctx.notation.a[l]
        units = range(ctx.widths[l])
        if activation.saturates_beyond is not None:
            saturated = [j for j in units if np.any(np.abs(z[:, j]) > activation.saturates_beyond)]
            if saturated:
                saturated_somewhere = True
                largest = z[:, saturated].flat[np.argmax(np.abs(z[:, saturated]))]
                items.append(
                    parts(
                        *_subject(names, saturated),
                        " saturated (weighted sums reach ",
                        ctx.number(largest, "z", l),
                        f"): the {activation.description} is almost flat there, so its derivative and every "
                        "gradient through it nearly vanish.",
                    )
                )
        if activation.kink is not None:
            kinked = [j for j in units if np.any(z[:, j] == activation.kink)]
            if kinked:
                at = ctx.math(sp.Eq(sp.Symbol("z"), ctx.shown(activation.kink, "written"), evaluate=False))
                items.append(
                    parts(
                        *_subject(names, kinked),
                        f" exactly at the {activation.description} kink (",
                        at,
                        "), where the derivative is taken as its left-hand value.",
                    )
                )
        if activation.inactive_below is not None:
            inactive = [j for j in units if np.all(z[:, j] < activation.inactive_below)]
            if inactive:
                items.append(
                    parts(
                        *_subject(names, inactive),
                        " inactive (weighted sum below ",
                        ctx.number(activation.inactive_below, "written"),
                        "): no gradient flows through ",
                        "it" if len(inactive) == 1 else "them",
                        " in this step.",
                    )
                )
    if not items:
        return ()
    # With one layer there is nothing to compare its bar with.
    chart = (gradient_chart(ctx),) if saturated_somewhere and ctx.depth > 1 else ()
    return (Section("Notes", (Bullets(tuple(items)), *chart)),)


def gradient_sizes(ctx):
    """Each layer's largest |dL/dw| over its weights, at the starting parameters: the size of its weight gradients.

    The largest, not a mean, because it is a figure the reader finds in the document's own gradients.
    """
    return [float(np.max(np.abs(ctx.run.gradients[f"W{l}"]))) for l in range(1, ctx.depth + 1)]


def gradient_chart(ctx):
    """A bar chart of :func:`gradient_sizes`, one bar per layer, each labelled with its figure."""
    sizes = gradient_sizes(ctx)
    layers = range(1, ctx.depth + 1)
    measure = ctx.math(sp.Abs(ctx.d(ctx.loss_symbol, sp.Symbol("w"))))
    x = Axis(("layer",), 0.5, ctx.depth + 0.5, counted_ticks(ctx.depth))
    y = value_axis(("largest ", measure), sizes, from_zero=True, headroom=True)
    figures = tuple((ctx.number(size, "grad", l),) for l, size in zip(layers, sizes))
    scale = " (on a logarithmic scale)" if y.log else ""
    lead = text(
        f"Each bar shows the largest gradient, in absolute value, among the weights into one layer's units{scale}: "
        "a short bar means this step hardly changes that layer, and saturated units shorten the bars of the "
        "layers whose gradients pass through them."
    )
    table_lead = text(
        "The largest gradient, in absolute value, among the weights into each layer's units: a small one means "
        "this step hardly changes that layer, and saturated units shrink the gradients that pass through them."
    )
    table = Table(
        (("layer",), ("largest ", measure)),
        tuple(((ctx.layer_role(l),), figure) for l, figure in zip(layers, figures)),
        "lr",
        lead=table_lead.parts,
    )
    title = "The largest gradient of a weight in each layer, layer by layer"
    return Chart(title, x, y, tuple(zip(layers, sizes)), bars=True, labels=figures, lead=lead.parts, tables=(table,))


def _subject(names, units):
    """ "The unit a is" or "The units a, b and c are", as prose parts."""
    if len(units) == 1:
        return ("The unit ", Math(names[units[0]]), " is")
    return ("The units ", *listed([names[j] for j in units], most=6), " are")
