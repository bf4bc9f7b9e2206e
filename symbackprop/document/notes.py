"""Notes: what a careful reader should know about particular units (saturated, at a kink, inactive)."""

import numpy as np
import sympy as sp

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
                        f"): the {activation.description} is almost flat there, so its derivative and every gradient "
                        "through it nearly vanish.",
                    )
                )
            if activation.kink is not None and np.any(z == activation.kink):
                items.append(
                    parts(
                        "The unit ",
                        unit,
                        f" sits exactly at the {activation.description} kink (",
                        ctx.math(sp.Eq(ctx.net.z[l][j], ctx.shown(activation.kink), evaluate=False)),
                        "), where the derivative is taken as its left-hand value.",
                    )
                )
            if activation.inactive_below is not None and np.all(z < activation.inactive_below):
                items.append(
                    parts(
                        "The unit ",
                        unit,
                        " is inactive (weighted sum below ",
                        ctx.number(activation.inactive_below),
                        "): no gradient flows through it in this step.",
                    )
                )
    return (Section("Notes", (Bullets(tuple(items)),)),) if items else ()
