"""Formula reference: the rules the document used, for any unit of each layer, in the document's notation.

One column per layer, since layers name their quantities differently (a hidden unit's activation
z_j is the output's y; the w-v profile gives each layer's weights a letter of its own). A cell
names any unit of its layer by a letter (j for the unit, k for one below, m for one above); a
layer of one unit keeps its unit's own name. Rules the network does not use are left out: bias
rows without biases or with frozen ones.
"""

import sympy as sp

from ..printing import Becomes, Prime, Total
from . import measure
from .blocks import Math, Section, parts
from .tables import tables


def reference(ctx):
    L = ctx.depth
    rules = [("weighted sum", _weighted_sum), ("activation", _activation), ("derivative", _derivative)]
    rules += [("error signal", _signal), ("weight gradient", _weight_gradient)]
    trained = ctx.arch.bias != "none" and ctx.spec.update_biases
    if trained:
        rules.append(("bias gradient", _bias_gradient))
    rules.append(("weight update", _weight_update))
    if trained:
        rules.append(("bias update", _bias_update))
    header = (("rule",), *[(ctx.layer_role(l),) for l in range(1, L + 1)])
    rows = [
        ((label,), *[(Math(ctx.m(make(_Unit(ctx, l)), keep_order=True)),) for l in range(1, L + 1)])
        for label, make in rules
    ]
    rows.insert(3, _loss_row(ctx))
    j, k, m = Math("j"), Math("k"), Math("m")
    lead = ["Each column holds the rules of one layer, for any of its units ", j, "; ", k, " stands for a unit of "]
    lead += ["the layer below", *((", ", m, " for one of the layer above.") if L > 1 else (".",))]
    if ctx.notation.profile.numbered_weights:
        lead += [" The weights, numbered one by one in the worked steps, are named here by their layer and the "]
        lead += ["units they join: ", Math(ctx.notation.weight(L, "j", "k")), " goes into unit ", j, " of the "]
        lead += [ctx.layer_role(L), " from unit ", k, " below it."]
    return (Section("Formula reference", tables(header, rows, "l" * (L + 1), lead=parts(*lead))),)


def _loss_row(ctx):
    """The loss of one sample, in the output layer's column (the hidden layers' cells stay empty)."""
    loss = Math(ctx.m(sp.Eq(ctx.loss_symbol, ctx.net.loss, evaluate=False), keep_order=True))
    if measure.inline_width(loss.latex) > measure.TEXT_WIDTH / 3:
        loss = ("as written out in the network section",)
    else:
        loss = (loss,)
    return (("loss of a sample",), *[("",)] * (ctx.depth - 1), loss)


class _Unit:
    """Any unit j of layer ``l`` and its neighbours, as symbols under the notation's names."""

    def __init__(self, ctx, l):
        self.ctx, self.l = ctx, l
        self.activation = ctx.arch.layers[l - 1].activation
        self.j = self.index(l, "j")
        self.k = self.index(l - 1, "k")
        self.z, self.a, self.delta = (self.unit(family, l, self.j) for family in ("z", "a", "delta"))
        self.below = self.unit("a", l - 1, self.k)
        self.w = self.ctx.symbol(ctx.notation.weight(l, self.j, self.k))
        self.b = self.unit("b", l, self.j) if ctx.arch.bias != "none" else None

    def index(self, l, letter):
        """``letter`` for any unit of a layer of several units (softmax's always), the one unit's index 0 otherwise."""
        several = self.ctx.widths[l] > 1 or (l == self.l and self.activation.vector)
        return letter if several else 0

    def unit(self, family, l, j):
        return self.ctx.symbol(self.ctx.notation.unit(family, l, j))

    def total(self, body, index):
        """Σ over ``index`` of ``body``, or ``body`` itself when the index is a single unit's."""
        return Total(body, sp.Symbol(index)) if isinstance(index, str) else body

    def prime(self):
        return Prime(self.activation.call(self.z))

    def d(self, parameter):
        return sp.Derivative(self.ctx.loss_symbol, parameter, evaluate=False)

    def update(self, parameter):
        step = sp.Mul(-1, self.ctx.rate_symbol, self.d(parameter), evaluate=False)
        return Becomes(parameter, sp.Add(parameter, step, evaluate=False))


def _eq(left, right):
    return sp.Eq(left, right, evaluate=False)


def _weighted_sum(u):
    weighted = u.total(sp.Mul(u.w, u.below, evaluate=False), u.k)
    return _eq(u.z, sp.Add(weighted, u.b, evaluate=False) if u.b is not None else weighted)


def _activation(u):
    if u.activation.vector:
        others = u.unit("z", u.l, "k")
        return _eq(u.a, sp.exp(u.z) / Total(sp.exp(others), sp.Symbol("k")))
    return _eq(u.a, u.activation.call(u.z))


def _derivative(u):
    if u.activation.vector:
        other = u.unit("a", u.l, "k")
        kronecker = u.ctx.symbol("1_{k=j}")
        return _eq(
            sp.Derivative(other, u.z, evaluate=False),
            sp.Mul(other, sp.Add(kronecker, -u.a, evaluate=False), evaluate=False),
        )
    return _eq(u.prime(), u.activation.derivative(u.z, u.a))


def _signal(u):
    ctx, l = u.ctx, u.l
    if l == ctx.depth and u.activation.vector:
        other = u.unit("a", l, "k")
        chain = sp.Mul(u.d(other), sp.Derivative(other, u.z, evaluate=False), evaluate=False)
        return _eq(u.delta, Total(chain, sp.Symbol("k")))
    if l == ctx.depth:
        return _eq(u.delta, sp.Mul(u.d(u.a), u.prime(), evaluate=False))
    m = u.index(l + 1, "m")
    above = sp.Mul(ctx.symbol(ctx.notation.weight(l + 1, m, u.j)), u.unit("delta", l + 1, m), evaluate=False)
    return _eq(u.delta, sp.Mul(u.prime(), u.total(above, m), evaluate=False))


def _weight_gradient(u):
    return _eq(u.d(u.w), sp.Mul(u.delta, u.below, evaluate=False))


def _bias_gradient(u):
    if u.ctx.notation.shared(u.l):
        return _eq(u.d(u.b), u.total(u.delta, u.j))
    return _eq(u.d(u.b), u.delta)


def _weight_update(u):
    return u.update(u.w)


def _bias_update(u):
    return u.update(u.b)
