"""Notation: every symbol the document uses, and what it stands for.

A second table gives the names the matrix form uses for a whole layer at once (bold vectors and
matrices, or the unit's own name for a layer of one unit), so they are introduced before they appear.
"""

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
        rows.append((listed([name for row in n.W[l] for name in row]), (f"weights into the {where}",)))
        if n.shared(l):
            rows.append(((Math(n.b[l]),), (f"the one bias of the {where}, added to each of its units",)))
        elif n.b[l] is not None:
            rows.append((listed(n.b[l]), (f"biases in the {where}",)))
    rows.append(((Math(n.loss),), ("the loss",)))
    rows.append(((Math(n.rate),), ("the learning rate",)))
    blocks = tables((("symbol",), ("meaning",)), rows, "ll")
    return (Section("Notation", blocks + _layers(ctx)),)


def _layers(ctx):
    """The names of whole layers, one row a layer, as the matrix form writes them."""
    n = ctx.notation
    columns = [("weighted sums", "z"), ("activations", "a"), ("error signals", "delta")]
    if ctx.arch.bias != "none":
        columns.append(("biases", "b"))
    header = (("layer",), *[(title,) for title, _ in columns], ("weights",))
    rows = [
        ((ctx.layer_role(l),), *[(Math(n.vector(family, l)),) for _, family in columns], (Math(n.matrix(l)),))
        for l in range(1, ctx.depth + 1)
    ]
    single = any(ctx.widths[l] == 1 for l in range(1, ctx.depth + 1)) and not n.profile.bold_single
    lead = (
        "The matrix form takes each layer's quantities together, as one vector or matrix"
        + (" (a layer of one unit keeps its unit's names)" if single else "")
        + "; the inputs together are ",
        Math(n.vector("a", 0)),
        ".",
    )
    return tables(header, rows, "l" * len(header), lead=lead)
