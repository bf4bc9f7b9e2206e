"""A checklist of every gradient: the parameter, its gradient written with the error signals, and its value.

One table per layer, the output layer first, so a reader can tick off each result of the backward
pass and see the pattern: a weight's gradient is the error signal of the unit it feeds times the
value it carries, a bias's is the error signal itself.
"""

import sympy as sp

from ..quantities import gradient_name
from .blocks import Math, Section, text
from .tables import tables


def checklist(ctx):
    blocks = [
        text(
            "Every gradient of the step in one place, written with the error signals of the backward pass "
            f"(the {'sum over the samples' if len(ctx.spec.rows) > 1 else 'training sample'}'s figures), layer by "
            "layer from the output down."
        )
    ]
    L = ctx.loss_symbol
    header = (("parameter",), ("gradient",), ("as error signals",), ("value",))
    for l in range(ctx.depth, 0, -1):
        rows, names = [], []
        for gradient in ctx.derivation.gradients:
            if gradient.name[1:] != str(l):
                continue
            names.append(gradient_name(gradient.name, gradient.index))
            terms = [delta if dz == 1 else sp.Mul(delta, dz, evaluate=False) for delta, dz in gradient.chains]
            formula = sp.Add(*terms, evaluate=False)
            rows.append(
                (
                    (ctx.parameter_name(gradient.symbol),),
                    (ctx.math(ctx.d(L, gradient.symbol)),),
                    (Math(ctx.m(formula, keep_order=True)),),
                    (ctx.number(ctx.run.gradients[gradient.name][gradient.index], "grad", l),),
                )
            )
        blocks += tables(header, rows, "lllr", lead=text(f"The {ctx.layer_role(l)}:").parts, quantities=names)
    return (Section("Checklist of the gradients", tuple(blocks)),)
