"""The network: its layers, activations, loss and biases, and a diagram with the starting weights."""

import sympy as sp

from ..printing import Total
from . import measure
from .blocks import Bullets, Section, listed, parts
from .data import parameter_matrices
from .picture import COMPACT_CM

_BIASES = {
    "per-neuron": "every unit has its own bias",
    "per-layer": "each layer has one bias shared by all its units",
    "none": "the network has no biases",
}


def network(ctx):
    arch, n = ctx.arch, ctx.notation
    inputs = ctx.widths[0]
    items = [parts(f"Input layer: {inputs} input{'s' if inputs > 1 else ''}, ", *listed(n.x), ".")]
    for l, layer in enumerate(arch.layers, start=1):
        role = ctx.layer_role(l).capitalize()
        units = f"{layer.units} unit{'s' if layer.units > 1 else ''}"
        items.append(parts(f"{role}: {units} with activation ", _activation(ctx, l), "."))
    reduction = ""
    if len(ctx.spec.x) > 1:
        verb = "summed" if ctx.spec.reduction == "sum" else "averaged"
        reduction = f" for one sample; over several samples the losses are {verb}"
    loss = ctx.math(sp.Eq(ctx.loss_symbol, ctx.net.loss, evaluate=False))
    # A loss summed over many outputs is too long for a line of prose: it gets a display of its own.
    long_loss = measure.inline_width(loss.latex) > measure.TEXT_WIDTH / 2
    natural = " (log is the natural logarithm)" if ctx.net.loss.has(sp.log) else ""
    if long_loss:
        items.append(parts(f"Loss: {arch.loss.label}, written out below{reduction}{natural}."))
    else:
        items.append(parts(f"Loss: {arch.loss.label}, ", loss, reduction + natural + "."))
    frozen = "" if ctx.spec.update_biases or arch.bias == "none" else "; the biases are frozen: never updated"
    items.append(parts(f"Biases: {_BIASES[arch.bias]}{frozen}."))
    picture = ctx.diagram
    blocks = [Bullets(tuple(items))]
    if long_loss:
        blocks.append(ctx.equations([(ctx.loss_symbol, ctx.step(ctx.net.loss))], lead=("The loss of one sample:",)))
    if not picture.labelled:
        blocks += parameter_matrices(
            ctx,
            "The network diagram is too dense to label its edges; the starting parameters are these, "
            "row j of a weight matrix holding the weights into unit j.",
        )
    # A picture of at most 12 cm goes first: under the short overview it still fits the first page.
    # A taller one goes last, so that the list and the matrices fill the first page before it.
    if picture.height <= COMPACT_CM:
        blocks.insert(0, picture)
    else:
        blocks.append(picture)
    return (Section("The network", tuple(blocks)),)


def _activation(ctx, l):
    activation = ctx.arch.layers[l - 1].activation
    t = sp.Symbol("t", real=True)
    if activation.vector:
        n = ctx.notation
        z_j, z_k, k = ctx.symbol(n.unit("z", l, "j")), ctx.symbol(n.unit("z", l, "k")), sp.Symbol("k")
        share = sp.exp(z_j) / Total(sp.exp(z_k), k)
        return ctx.math(sp.Eq(activation.call(z_j), share, evaluate=False))
    if ctx.m(ctx.call(l, t)) == ctx.m(activation.formula(t)):
        return ctx.math(ctx.call(l, t))  # tanh(t) is its own formula
    return ctx.math(sp.Eq(ctx.call(l, t), activation.formula(t), evaluate=False), keep_order=True)
