"""Notation: every symbol the document uses, and what it stands for."""

from .blocks import Math, Section, listed
from .tables import tables


def notation(ctx):
    n = ctx.notation
    rows = [
        (listed(n.x), ("inputs",)),
        (listed(n.y), ("targets (the values the network should output)",)),
    ]
    for l in range(1, ctx.depth + 1):
        where = ctx.layer_role(l)
        rows.append((listed(n.z[l]), (f"weighted sums (pre-activations) in the {where}",)))
        prediction = ": the prediction" if l == ctx.depth else ""
        rows.append((listed(n.a[l]), (f"activations in the {where}{prediction}",)))
        signal = ctx.math(ctx.d(ctx.loss_symbol, ctx.net.z[l][0]))
        rows.append((listed(n.delta[l]), ("error signals ", signal, f" in the {where}")))
    rows.append(((Math(n.loss),), ("the loss",)))
    rows.append(((Math(n.rate),), ("the learning rate",)))
    return (Section("Notation", tables((("symbol",), ("meaning",)), rows, "ll")),)
