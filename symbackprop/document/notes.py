"""Notes: what a careful reader should know about particular units (saturated, at a kink, inactive).

Units of one layer in the same state share one note, so a wide layer of saturated units is one
sentence, not one per unit.
"""

import numpy as np
import sympy as sp

from .blocks import Bullets, Math, Section, listed, parts


def notes(ctx):
    items = []
    trace = ctx.run.before
    for l in range(1, ctx.depth + 1):
        activation = ctx.arch.layers[l - 1].activation
        z = trace.z[l][ctx.spec.rows]
        names = ctx.notation.a[l]
        units = range(ctx.widths[l])
        if activation.saturates_beyond is not None:
            saturated = [j for j in units if np.any(np.abs(z[:, j]) > activation.saturates_beyond)]
            if saturated:
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
    return (Section("Notes", (Bullets(tuple(items)),)),) if items else ()


def _subject(names, units):
    """ "The unit a is" or "The units a, b and c are", as prose parts."""
    if len(units) == 1:
        return ("The unit ", Math(names[units[0]]), " is")
    return ("The units ", *listed([names[j] for j in units], most=6), " are")
