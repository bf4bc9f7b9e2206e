"""The forward pass: each unit's weighted sum and activation, worked with numbers, then the loss."""

import numpy as np
import sympy as sp

from ..precision import rounded
from ..printing import Shown
from ..quantities import unit_name
from .blocks import Math, Section, text
from .tables import tables


def forward(ctx):
    return (worked_forward(ctx, ctx.run.before, "Forward pass, step by step"),)


def forward_values(ctx):
    """Every sample's forward values, when there are several samples or a layer is not worked unit by unit."""
    shown_all = all(ctx.full(l) for l in range(1, ctx.depth + 1))
    if len(ctx.spec.x) == 1 and shown_all:
        return ()
    trace = ctx.run.before
    intro = "The forward values of every sample with the starting parameters:"
    if len(ctx.spec.x) == 1:
        intro = "The forward values of every unit with the starting parameters:"
    return (values_section(ctx, trace, "Forward pass: every value", intro),)


def values_section(ctx, trace, title, intro):
    """The z and a of every unit for every sample, one row per quantity and one column per sample.

    With one sample, one row per unit holds its weighted sum and its activation side by side.
    """
    n, samples = ctx.notation, range(len(trace.y))
    if len(samples) == 1:
        header = (("layer",), ("weighted sum",), ("",), ("activation",), ("",))
        rows = [
            (
                (str(l),),
                (Math(n.z[l][j]),),
                (ctx.number(trace.z[l][0, j], "z", l),),
                (Math(n.a[l][j]),),
                (ctx.number(trace.a[l][0, j], "a", l),),
            )
            for l in range(1, ctx.depth + 1)
            for j in range(ctx.widths[l])
        ]
        loss = ctx.math(sp.Eq(ctx.loss_symbol, ctx.shown(trace.loss_sample[0], "loss"), evaluate=False))
        return Section(title, (*tables(header, rows, "llrlr", lead=text(intro).parts), text("The loss: ", loss, ".")))
    header = (("",), *[(f"sample {s + 1}",) for s in samples])
    rows = []
    for l in range(1, ctx.depth + 1):
        for j in range(ctx.widths[l]):
            rows.append(((Math(n.z[l][j]),), *[(ctx.number(trace.z[l][s, j], "z", l),) for s in samples]))
        for j in range(ctx.widths[l]):
            rows.append(((Math(n.a[l][j]),), *[(ctx.number(trace.a[l][s, j], "a", l),) for s in samples]))
    for j in range(ctx.widths[-1]):
        rows.append(((Math(n.y[j]),), *[(ctx.number(trace.y[s, j], "y"),) for s in samples]))
    rows.append((("loss",), *[(ctx.number(trace.loss_sample[s], "loss"),) for s in samples]))
    total = ctx.run.loss_total if trace is ctx.run.before else trace.loss(list(samples), ctx.spec.reduction)
    word = "Total" if ctx.spec.reduction == "sum" else "Mean"
    # Not the one-sample symbol: the sum (or mean) of every sample's loss.
    count = len(samples)
    summed = rf"\sum_{{s=1}}^{{{count}}} {ctx.notation.loss}"
    if ctx.spec.reduction == "mean":
        summed = rf"\frac{{1}}{{{count}}} {summed}"
    loss = Math(f"{summed} = {ctx.num(total, 'loss')}")
    return Section(
        title,
        (
            *tables(header, rows, "l" + "r" * len(samples), lead=text(intro).parts),
            text(f"{word} loss over all samples: ", loss, "."),
        ),
    )


def worked_forward(ctx, trace, title, tabled=True, parameters="param"):
    """The forward pass of the training sample, unit by unit; ``tabled`` says every value is also in a table.

    ``parameters`` names the family of the trace's parameters ("param", or "new" after the update).
    """
    s = ctx.sample
    values = ctx.values(trace, s, parameters)
    blocks = [text(f"Sample {s + 1}: each unit first forms its weighted sum, then applies its activation.")]
    for l in range(1, ctx.depth + 1):
        blocks += _layer(ctx, l, trace, values, tabled)
    if "per-output" in ctx.spec.extras and ctx.widths[-1] > 1:
        blocks.append(_loss_per_output(ctx, trace, values))
    else:
        line = (ctx.loss_symbol, *ctx.worked_with_targets(ctx.net.loss, values, trace.loss_sample[s], "loss"))
        blocks.append(ctx.equations([line], lead=("The loss of this sample:",)))
    return Section(title, tuple(blocks))


def _loss_per_output(ctx, trace, values):
    """The loss as one error per output, each worked with its figures, then their sum."""
    s, depth, carried = ctx.sample, ctx.depth, ctx.figures.precision.carried
    errors = ctx.output_errors()
    term = ctx.arch.loss.term
    lines, parts = [], []
    for m, error in enumerate(errors):
        expr = term(ctx.net.a[depth][m], ctx.net.y[m])
        exact = term(
            sp.Float(trace.a[depth][s, m]) if not carried else sp.Float(values[ctx.net.a[depth][m]].text),
            sp.Float(trace.y[s, m]),
        )
        part = float(exact)
        part = rounded(part, ctx.places("loss", None, part)) if carried else part
        parts.append(part)
        lines.append((error, *ctx.worked(expr, values, part, "loss")))
    added = sp.Add(*[ctx.shown(p, "loss") for p in parts], evaluate=False)
    total = sp.Add(*errors, evaluate=False)
    lines.append(
        (
            ctx.loss_symbol,
            ctx.step(total, keep_order=True),
            ctx.step(added, {}),
            ctx.value(trace.loss_sample[s], "loss"),
        )
    )
    lead = ("The loss of this sample is the sum of each output's error:",)
    return ctx.equations(lines, lead=lead)


def _layer(ctx, l, trace, values, tabled):
    net = ctx.net
    units = ctx.worked_units(l)
    role = ctx.layer_role(l)
    activation = ctx.arch.layers[l - 1].activation
    s = ctx.sample
    arithmetic = "arithmetic" in ctx.spec.extras
    # The training sample's values before the update have plain canonical names; the re-check's are "after".
    prefix = "" if trace is ctx.run.before else "after "
    lines, names = [], []
    for j in units:
        names.append(prefix + unit_name("z", l, j))
        steps = ctx.worked(z_expression(ctx, l, j), values, trace.z[l][s, j], "z", l)
        if arithmetic:
            steps.insert(2, ctx.step(_products(ctx, trace, l, j), {}))
        lines.append((net.z[l][j], *steps))
    blocks = []
    if activation.vector:
        total = sp.Symbol(f"S{l}")
        ctx.names.setdefault(total, rf"S^{{({l})}}" if ctx.depth > 1 else "S")
        exps = sp.Add(*[sp.exp(z) for z in net.z[l]], evaluate=False)
        z_values = {z: values[z] for z in net.z[l]}
        exp_sum = _exp_sum(ctx, trace, l)
        lines.append((total, ctx.step(exps), ctx.step(exps, z_values), ctx.value(exp_sum, "exp", l)))
        names.append("")
        z_values[total] = ctx.shown(exp_sum, "exp", l)
        for j in units:
            share = sp.Mul(sp.exp(net.z[l][j]), sp.Pow(total, -1, evaluate=False), evaluate=False)
            lines.append((net.a[l][j], *ctx.worked(share, z_values, trace.a[l][s, j], "a", l)))
            names.append(prefix + unit_name("a", l, j))
    else:
        for j in units:
            z = net.z[l][j]
            definition = net.a_definitions[l][j]
            steps = ctx.worked(definition, {z: values[z]}, trace.a[l][s, j], "a", l)
            if arithmetic and activation.numeric_name == "sigmoid":
                steps[2:2] = _sigmoid_arithmetic(ctx, trace.z[l][s, j], l)
            lines.append((net.a[l][j], ctx.step(ctx.call(l, z)), *steps))
            names.append(prefix + unit_name("a", l, j))
    lead = f"The {role}:"
    if not ctx.full(l):
        others = "are in the table of every value above" if tabled else "follow the same steps"
        lead = f"The {role} has {ctx.widths[l]} units; its first unit is worked here, and the others {others}:"
    blocks.append(ctx.equations(lines, lead=(lead,), quantities=names))
    return blocks


def _products(ctx, trace, l, j):
    """The weighted sum's terms worked out: each weight times its input, as a rounded figure, then the bias."""
    s = ctx.sample
    weights, below = trace.parameters[f"W{l}"][j], trace.a[l - 1][s]
    terms = [ctx.shown(w * a, "z", l) for w, a in zip(weights, below)]
    bias = ctx.net.bias_of(l, j)
    if bias != 0:
        index = () if np.ndim(trace.parameters[f"b{l}"]) == 0 else (j,)
        terms.append(ctx.shown(trace.parameters[f"b{l}"][index], "param"))
    return sp.Add(*terms, evaluate=False)


def _sigmoid_arithmetic(ctx, z, l):
    """1/(1 + e^(-z)) worked out: e^(-z) as a figure, then 1 plus it (with as many decimals)."""
    exp = float(np.exp(-z))
    places = ctx.places("exp", l, exp)
    with sp.evaluate(False):
        first = sp.Pow(sp.Add(1, Shown(exp, places)), -1)
        second = sp.Pow(Shown(1 + float(Shown(exp, places).text), places), -1)
    return [ctx.step(first, {}), ctx.step(second, {})]


def _exp_sum(ctx, trace, l):
    """The softmax denominator Σ e^z of the training sample (carried figures keep their own, rounded).

    Infinite rather than an error where an exponential overflows.
    """
    s = ctx.sample
    sums = getattr(trace, "exp_sums", None)
    if sums is not None:
        return float(sums[l][s])
    with np.errstate(over="ignore"):
        return float(np.sum(np.exp(trace.z[l][s])))


def z_expression(ctx, l, j):
    """Σ_k W_jk a_k + b in reading order (weights first, bias last)."""
    net = ctx.net
    with sp.evaluate(False):
        terms = [sp.Mul(net.W[l][j, k], net.a[l - 1][k]) for k in range(ctx.widths[l - 1])]
        bias = net.bias_of(l, j)
        return sp.Add(*terms, bias) if bias != 0 else sp.Add(*terms)
