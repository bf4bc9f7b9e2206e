"""Notes: what a careful reader should know about particular units (saturated, at a kink, inactive)."""

import numpy as np

from .blocks import Bullets, Math, Section, parts


def notes(ctx):
    items = []
    trace = ctx.result.before
    for l in range(1, ctx.depth + 1):
        activation = ctx.arch.layers[l - 1].activation
        for j in range(ctx.widths[l]):
            z = trace.z[l][ctx.spec.rows, j]
            unit = Math(ctx.notation.a[l][j])
            if activation.saturates_beyond is not None and np.any(np.abs(z) > activation.saturates_beyond):
                items.append(
                    parts(
                        "The unit ",
                        unit,
                        " is saturated (its weighted sum reaches ",
                        ctx.number(z[np.argmax(np.abs(z))]),
                        f"): the {activation.name} is almost flat there, so its derivative and every gradient "
                        "through it nearly vanish.",
                    )
                )
            if activation.kink is not None and np.any(z == activation.kink):
                items.append(
                    parts(
                        "The unit ",
                        unit,
                        f" sits exactly at the kink of its {activation.name} (where its weighted sum is ",
                        ctx.number(activation.kink),
                        "); the derivative there is taken as its left-hand value.",
                    )
                )
            if activation.inactive_below is not None and np.all(z < activation.inactive_below):
                items.append(
                    parts(
                        "The unit ",
                        unit,
                        " is inactive (its weighted sum is below ",
                        ctx.number(activation.inactive_below),
                        "): no gradient flows through it in this step.",
                    )
                )
    return (Section("Notes", (Bullets(tuple(items)),)),) if items else ()
