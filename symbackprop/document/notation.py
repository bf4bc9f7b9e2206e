"""Notation: every symbol the document uses, and what it stands for.

A second table gives the names the matrix form uses for a whole layer at once (bold vectors and
matrices, or the unit's own name for a layer of one unit), so they are introduced before they appear.
"""

from .blocks import Math, Section, listed
from .context import name_order
from .tables import tables


def notation(ctx):
    n = ctx.notation
    rows = [
        (listed(n.x), (_count(n.x, "the input", "inputs"),)),
        (listed(n.y), (_count(n.y, "the target", "targets") + " (what the network should output)",)),
    ]
    for l in range(1, ctx.depth + 1):
        where = ctx.layer_role(l)
        one = ctx.widths[l] == 1
        place = ("of the output unit" if l == ctx.depth else f"of the {where}'s unit") if one else f"in the {where}"
        rows.append(
            (
                listed(n.z[l]),
                (_count(n.z[l], "the weighted sum (pre-activation)", "weighted sums (pre-activations)") + f" {place}",),
            )
        )
        prediction = ": the prediction" if l == ctx.depth else ""
        rows.append((listed(n.a[l]), (f"{_count(n.a[l], 'the activation', 'activations')} {place}{prediction}",)))
        any_z = ctx.net.z[l][0] if one else ctx.symbol(n.unit("z", l, "j"))
        signal = ctx.math(ctx.d(ctx.loss_symbol, any_z))
        rows.append(
            (listed(n.delta[l]), (_count(n.delta[l], "the error signal ", "error signals "), signal, f" {place}"))
        )
        weights = sorted((name for row in n.W[l] for name in row), key=name_order)
        rows.append((listed(weights), (f"{_count(weights, 'the weight', 'weights')} into the {where}",)))
        if n.shared(l) and not one:
            rows.append(((Math(n.b[l]),), (f"the one bias of the {where}, added to each of its units",)))
        elif n.b[l] is not None:
            biases = [n.b[l]] if n.shared(l) else n.b[l]
            rows.append((listed(biases), (f"{_count(biases, 'the bias', 'biases')} {place}",)))
    rows.append(((Math(n.loss),), ("the loss",)))
    if "per-output" in ctx.spec.extras and ctx.widths[-1] > 1:
        parts = [ctx.names[symbol] for symbol in ctx.output_errors()]
        rows.append((listed(parts), ("each output's own error; together they make the loss",)))
    rows.append(((Math(n.rate),), ("the learning rate",)))
    blocks = tables((("symbol",), ("meaning",)), rows, "ll")
    return (Section("Notation", blocks + _layers(ctx)),)


def _count(names, one, several):
    """The words for ``names``: ``one`` for a single name, ``several`` for more."""
    return one if len(names) == 1 else several


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
