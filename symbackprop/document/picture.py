"""The network diagram: nodes for the inputs and units, edges labelled with the starting weights."""

import sympy as sp

from .. import diagram
from ..printing import Entry

COMPACT_CM = 12.0  # a diagram this tall fits on the first page under the overview


def network_diagram(ctx):
    """The diagram of the network with its starting weights and biases (labels dropped where too dense)."""
    columns = [list(ctx.notation.x)] + [list(ctx.notation.a[l]) for l in range(1, ctx.depth + 1)]
    params = ctx.parameters

    def label(symbol, value, l):
        return ctx.m(sp.Eq(symbol, Entry(value, ctx.places("param", l)), evaluate=False))

    weights, biases = [None], [None]
    for l in range(1, ctx.depth + 1):
        W, b = params[f"W{l}"], ctx.net.b[l]
        weights.append([[label(ctx.net.W[l][j, k], W[j, k], l) for k in range(W.shape[1])] for j in range(W.shape[0])])
        if b is None:
            biases.append(None)
        elif isinstance(b, sp.Symbol):
            biases.append(label(b, params[f"b{l}"], l))
        else:
            biases.append([label(bj, params[f"b{l}"][j], l) for j, bj in enumerate(b)])
    # As short as it can be without shrinking its text: at most 12 cm, it fits on the first page under
    # the overview; a wide layer takes 15 cm, or the full height, rather than shrink.
    for height in (COMPACT_CM, 15.0):
        picture = diagram.layout(columns, weights, biases, max_height_cm=height)
        if picture.scale == 1:
            return picture
    return diagram.layout(columns, weights, biases)
