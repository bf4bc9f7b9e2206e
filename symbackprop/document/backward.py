"""The backward pass: for each layer from the output down, every unit's error signal and every gradient."""

import re

import numpy as np
import sympy as sp

from ..precision import rounded
from ..quantities import gradient_name
from .blocks import Math, Section, text
from .tables import tables


def backward(ctx):
    trace, s = ctx.run.before, ctx.sample
    values = ctx.values(trace, s)
    blocks = [
        text(
            "The backward pass answers one question for every parameter: if it changed a little, how much "
            "would the loss change? The chain rule answers it one layer at a time, starting at the output."
        )
    ]
    if ctx.spec.mode == "batch":
        blocks.append(
            text(
                f"In batch mode each sample contributes its own gradient; the steps are shown for sample {s + 1} "
                "and the table at the end of this section adds up all samples."
            )
        )
    sections = [Section("Backward pass", tuple(blocks))]
    gradients = ctx.gradients
    for l in range(ctx.depth, 0, -1):
        sections.append(_layer(ctx, l, values, gradients))
    if ctx.spec.mode == "batch":
        sections.append(_batch_table(ctx, gradients))
    return tuple(sections)


def _layer(ctx, l, values, gradients):
    blocks = []
    if not ctx.full(l):
        blocks.append(
            text(
                f"This layer has {ctx.widths[l]} units. The first is worked in full; every other unit follows the "
                "same steps, and the table after it gives each unit's numbers."
            )
        )
    if l == ctx.depth and ctx.arch.layers[l - 1].activation.vector:
        blocks += _softmax_slopes(ctx, l, values)
    if "terms" in ctx.spec.extras and l < ctx.depth:
        blocks += _signal_terms(ctx, l)
    for j in ctx.worked_units(l):
        blocks += _output_unit(ctx, l, j, values) if l == ctx.depth else _hidden_unit(ctx, l, j, values)
    if not ctx.full(l):
        blocks += _signals_table(ctx, l)
    if "terms" in ctx.spec.extras:
        blocks += _gradient_terms(ctx, l)
    blocks += _parameter_gradients(ctx, l, values, gradients)
    if "per-output" in ctx.spec.extras and l == ctx.depth - 1 and ctx.widths[ctx.depth] > 1:
        blocks += _per_output(ctx, l)
    role = ctx.layer_role(l).capitalize()
    return Section(f"{role} ({ctx.arch.layers[l - 1].activation.description})", tuple(blocks), level=2)


_TERMS = (("term",), ("what it is",), ("value",))


def _signal_terms(ctx, l):
    """The figures the layer's error signals are made of, in a table, before they are used."""
    trace, s = _trace(ctx)
    n, above = ctx.notation, ctx.layer_role(l + 1)
    rows = []
    for m in range(ctx.widths[l + 1]):
        unit = f"unit {m + 1} of the {above}" if ctx.widths[l + 1] > 1 else f"the {above}"
        rows.append(
            (
                (Math(n.delta[l + 1][m]),),
                (f"error signal of {unit}, found above",),
                (ctx.number(trace.delta[l + 1][s, m], "delta", l + 1),),
            )
        )
    for j in ctx.worked_units(l):
        for m in range(ctx.widths[l + 1]):
            weight = trace.parameters[f"W{l + 1}"][m, j]
            into = f"unit {m + 1} of the {above}" if ctx.widths[l + 1] > 1 else f"the {above}"
            rows.append(
                (
                    (Math(n.W[l + 1][m][j]),),
                    ("weight from ", Math(n.a[l][j]), f" into {into}"),
                    (ctx.number(weight, "param"),),
                )
            )
    if ctx.derivation.delta(l, 0).fprime is not None:
        for j in ctx.worked_units(l):
            slope = ctx.m(ctx.d(ctx.net.a[l][j], ctx.net.z[l][j]))
            rows.append(
                (
                    (Math(slope),),
                    ("how fast ", Math(n.a[l][j]), " changes with its weighted sum"),
                    (ctx.number(trace.fprime[l][s, j], "fprime", l),),
                )
            )
    lead = text(f"The error signals of the {ctx.layer_role(l)} are made of these figures:").parts
    return tables(_TERMS, rows, "llr", lead=lead)


def _gradient_terms(ctx, l):
    """The figures the layer's parameter gradients are made of: its error signals and the values carried in."""
    trace, s = _trace(ctx)
    n = ctx.notation
    rows = [
        (
            (Math(n.delta[l][j]),),
            ("error signal of ", Math(n.a[l][j]), ", found above"),
            (ctx.number(trace.delta[l][s, j], "delta", l),),
        )
        for j in ctx.worked_units(l)
    ]
    below = n.x if l == 1 else n.a[l - 1]
    what = "input" if l == 1 else f"activation of the {ctx.layer_role(l - 1)}"
    for k, name in enumerate(below):
        figure = ctx.number(trace.a[l - 1][s, k], *(("x",) if l == 1 else ("a", l - 1)))
        rows.append(((Math(name),), (f"{what}, carried into the layer",), (figure,)))
    lead = text(f"The gradients of the {ctx.layer_role(l)}'s parameters are made of these figures:").parts
    return tables(_TERMS, rows, "llr", lead=lead)


def _natural(name):
    """A sort key reading the numbers in a name as numbers: w_{2} before w_{10}."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _per_output(ctx, l):
    """Each weight into the layer below the output, its gradient split into one chain per output's error."""
    errors = ctx.output_errors()
    # In the order of the weights' names (w1, w2, w3, ...), as a reader looks them up.
    weights = sorted(
        ((j, k) for j in ctx.worked_units(l) for k in range(ctx.widths[l - 1])),
        key=lambda jk: _natural(ctx.notation.W[l][jk[0]][jk[1]]),
    )
    lead = (
        "The same gradients, followed one output at a time: the loss is the sum of each output's error, so a weight "
        "below the output layer gets one chain per output, and its gradient adds them:",
    )
    blocks = []
    for i, (j, k) in enumerate(weights):
        lines = _chains_per_output(ctx, l, j, k, errors)
        # Each chain is one output's share; the last line, their sum, is the weight's gradient.
        names = [""] * (len(lines) - 1) + [gradient_name(f"W{l}", (j, k))]
        blocks.append(ctx.equations(lines, lead=lead if i == 0 else (), quantities=names))
    return blocks


def _chains_per_output(ctx, l, j, k, errors):
    """The lines of weight W[l][j, k]: one chain per output's error with its figures, then their sum."""
    trace, s = _trace(ctx)
    net, depth = ctx.net, ctx.depth
    carried = ctx.figures.precision.carried
    w = net.W[l][j, k]
    lines, parts = [], []
    for m, error in enumerate(errors):
        a_m, z_m = net.a[depth][m], net.z[depth][m]
        factors = (
            ctx.d(error, a_m), ctx.d(a_m, z_m), ctx.d(z_m, net.a[l][j]), ctx.d(net.a[l][j], net.z[l][j]),
            ctx.d(net.z[l][j], w),
        )  # fmt: skip
        values = (
            (trace.grad_a[depth][s, m], "grad_a", depth),
            (trace.fprime[depth][s, m], "fprime", depth),
            (trace.parameters[f"W{depth}"][m, j], "param", None),
            (trace.fprime[l][s, j], "fprime", l),
            (trace.a[l - 1][s, k], *(("x", None) if l == 1 else ("a", l - 1))),
        )
        figures = [ctx.shown(*value) for value in values]
        # Carried: the product of the printed figures, rounded; exact: the product of the exact values.
        part = float(np.prod([float(f.text) if carried else value[0] for f, value in zip(figures, values)]))
        part = rounded(part, ctx.places("grad", l, part)) if carried else part
        parts.append(part)
        lines.append(
            (
                ctx.d(error, w),
                ctx.chain(*factors),
                ctx.step(sp.Mul(*figures, evaluate=False), {}),
                ctx.value(part, "grad", l),
            )
        )
    total = sum(parts)
    total = rounded(total, ctx.places("grad", l, total)) if carried else total
    added = sp.Add(*[ctx.shown(p, "grad", l) for p in parts], evaluate=False)
    split = sp.Add(*[ctx.d(error, w) for error in errors], evaluate=False)
    lines.append(
        (ctx.d(ctx.loss_symbol, w), ctx.step(split, keep_order=True), ctx.step(added, {}), ctx.value(total, "grad", l))
    )
    return lines


def _trace(ctx):
    return ctx.run.before, ctx.sample


def _output_unit(ctx, l, j, values):
    trace, s = _trace(ctx)
    unit = ctx.derivation.delta(l, j)
    a = ctx.net.a[l][j]
    blocks = []
    if unit.fprime is not None:
        question = ("How much does the loss change when the output ", Math(ctx.notation.a[l][j]), " changes?")
        figure = trace.grad_a[l][s, j]
        line = (ctx.d(ctx.loss_symbol, a), *ctx.worked_with_targets(unit.grad_a, values, figure, "grad_a", l))
        blocks.append(ctx.equations([line], lead=question, quantities=[ctx.signal_name("dL/da", l, j)]))
        blocks += _signal(ctx, l, j, values)
    else:
        blocks += _softmax_signal(ctx, l, j, values)
    if unit.cancels:
        blocks += _cancellation(ctx, unit, values)
    return blocks


def _softmax_slopes(ctx, l, values):
    """dL/dŷ_k of every softmax output, once for the layer: each unit's error signal sums over all of them."""
    trace, s = _trace(ctx)
    lines = []
    for k in range(ctx.widths[l]):
        unit = ctx.derivation.delta(l, k)
        figure = trace.grad_a[l][s, k]
        slope = ctx.worked_with_targets(unit.grad_a, values, figure, "grad_a", l)
        lines.append((ctx.d(ctx.loss_symbol, ctx.net.a[l][k]), *slope))
    names = [ctx.signal_name("dL/da", l, k) for k in range(ctx.widths[l])]
    lead = (
        "Softmax makes every output depend on every weighted sum of the layer, so each error signal needs how the "
        "loss changes with each output:",
    )
    return [ctx.equations(lines, lead=lead, quantities=names)]


def _softmax_signal(ctx, l, j, values):
    """δ_j of a softmax output: the Jacobian entries ∂ŷ_k/∂z_j, then the chain rule's sum over every output k."""
    trace, s = _trace(ctx)
    unit = ctx.derivation.delta(l, j)
    net, n, L = ctx.net, ctx.notation, ctx.loss_symbol
    activation = ctx.arch.layers[l - 1].activation
    jacobian = ctx.figures.jacobian(l)[s]
    units = range(ctx.widths[l])
    entries = [
        (
            ctx.d(net.a[l][k], net.z[l][j]),
            *ctx.worked(activation.jacobian(net.z[l], net.a[l], j, k), values, jacobian[k, j], "fprime", l),
        )
        for k in units
    ]
    lead = (
        "How much does each output change when ",
        Math(n.z[l][j]),
        " changes? Raising it raises its own output and lowers the others (they share one sum):",
    )
    chain = sp.Add(
        *[sp.Mul(ctx.d(L, net.a[l][k]), ctx.d(net.a[l][k], net.z[l][j]), evaluate=False) for k in units], evaluate=False
    )
    figures = sp.Add(
        *[
            sp.Mul(
                ctx.shown(trace.grad_a[l][s, k], "grad_a", l), ctx.shown(jacobian[k, j], "fprime", l), evaluate=False
            )
            for k in units
        ],
        evaluate=False,
    )
    line = (
        unit.symbol,
        ctx.step(ctx.d(L, net.z[l][j])),
        ctx.step(chain, {}),
        ctx.step(figures, {}),
        ctx.value(ctx.figures.product(l, j), "delta", l),
    )
    return [
        ctx.equations(entries, lead=lead),
        ctx.equations(
            [line],
            lead=("The error signal adds the chain rule over every output:",),
            quantities=[ctx.signal_name("delta", l, j)],
        ),
    ]


def _signal(ctx, l, j, values):
    """f'(z) of the unit and its error signal, dL/da times f'(z)."""
    trace, s = _trace(ctx)
    unit = ctx.derivation.delta(l, j)
    net, n, L = ctx.net, ctx.notation, ctx.loss_symbol
    a, z = net.a[l][j], net.z[l][j]
    slope = ctx.equations(
        [(ctx.d(a, z), *ctx.worked(unit.fprime, values, trace.fprime[l][s, j], "fprime", l))],
        lead=(
            "How much does ",
            Math(n.a[l][j]),
            " change when ",
            Math(n.z[l][j]),
            " changes? The derivative of the activation:",
        ),
    )
    product = sp.Mul(
        ctx.shown(trace.grad_a[l][s, j], "grad_a", l), ctx.shown(trace.fprime[l][s, j], "fprime", l), evaluate=False
    )
    signal = ctx.equations(
        [
            (
                unit.symbol,
                ctx.step(ctx.d(L, z)),
                ctx.chain(ctx.d(L, a), ctx.d(a, z)),
                ctx.step(product, {}),
                ctx.value(ctx.figures.product(l, j), "delta", l),
            )
        ],
        lead=("Their product is the error signal of the unit:",),
        quantities=[ctx.signal_name("delta", l, j)],
    )
    return [slope, signal]


def _hidden_unit(ctx, l, j, values):
    trace, s = _trace(ctx)
    unit = ctx.derivation.delta(l, j)
    a = ctx.net.a[l][j]
    name = Math(ctx.notation.a[l][j])
    above = ctx.widths[l + 1]
    if above == 1:
        weight = Math(ctx.notation.W[l + 1][0][j])
        lead = (
            "The hidden unit ",
            name,
            " reaches the loss only through ",
            weight,
            " into ",
            Math(ctx.notation.a[l + 1][0]),
            ", so its sensitivity is that unit's error signal times ",
            weight,
            ":",
        )
        lines = [
            (ctx.d(ctx.loss_symbol, a), *ctx.worked(unit.contributions[0], values, trace.grad_a[l][s, j], "grad_a", l))
        ]
    else:
        lead = (
            "The hidden unit ",
            name,
            f" reaches the loss through each of the {above} units above it, so its sensitivity adds one term per "
            "unit: that unit's error signal times the connecting weight.",
        )
        parts = ctx.figures.contributions(l)[s, :, j]
        lines = [
            (ctx.m(c), ctx.step(c, values), ctx.value(parts[m], "grad_a", l)) for m, c in enumerate(unit.contributions)
        ]
        added = sp.Add(*[ctx.shown(v, "grad_a", l) for v in parts], evaluate=False)
        total = ctx.value(trace.grad_a[l][s, j], "grad_a", l)
        lines.append((ctx.d(ctx.loss_symbol, a), ctx.step(unit.grad_a), ctx.step(added, {}), total))
    names = [""] * (len(lines) - 1) + [ctx.signal_name("dL/da", l, j)]
    return [ctx.equations(lines, lead=lead, quantities=names), *_signal(ctx, l, j, values)]


def _cancellation(ctx, unit, values):
    trace, s = _trace(ctx)
    steps = [ctx.step(unit.raw)]
    together = sp.together(unit.raw)
    if together not in (unit.raw, unit.closed_form):
        steps.append(ctx.step(together))
    steps.append(ctx.step(unit.closed_form))
    what = "sum" if unit.softmax else "product"
    lead = (f"The {what} simplifies. Written out and cancelled:",)
    blocks = [
        ctx.equations([(unit.symbol, *steps)], lead=lead, quantities=[ctx.signal_name("delta", unit.layer, unit.unit)])
    ]
    if unit.assumption:
        blocks.append(text(f"The last step uses that {unit.assumption}."))
    l, j = unit.layer, unit.unit
    value = trace.delta[l][s, j]
    lead = ("With the numbers, the short form gives the same value:",)
    if ctx.num(value, "delta", l) != ctx.num(ctx.figures.product(l, j), "delta", l):
        parts = "terms" if unit.softmax else "two factors"
        lead = (
            f"With the numbers, the short form gives the value carried forward; the {what} above differs in its last "
            f"digit only because its {parts} were rounded first:",
        )
    short = ctx.equations(
        [(unit.symbol, *ctx.worked(unit.closed_form, values, value, "delta", l))],
        lead=lead,
        quantities=[ctx.signal_name("delta", l, j)],
    )
    return [*blocks, short]


def _signals_table(ctx, l):
    """dL/da, f'(z) and the error signal of every unit of a layer not worked unit by unit."""
    trace, s = _trace(ctx)
    n = ctx.notation
    derivative = trace.fprime[l] is not None and ctx.derivation.delta(l, 0).fprime is not None
    a, z = sp.Symbol("a"), sp.Symbol("z")
    header = [("unit",), (ctx.math(ctx.d(ctx.loss_symbol, a)),)]
    if derivative:
        header.append((ctx.math(ctx.d(a, z)),))
    header.append(("error signal",))
    rows = []
    for j in range(ctx.widths[l]):
        row = [(Math(n.a[l][j]),), (ctx.number(trace.grad_a[l][s, j], "grad_a", l),)]
        if derivative:
            row.append((ctx.number(trace.fprime[l][s, j], "fprime", l),))
        row.append((ctx.number(trace.delta[l][s, j], "delta", l),))
        rows.append(tuple(row))
    names = [ctx.signal_name("delta", l, j) for j in range(ctx.widths[l])]
    lead = text("Every unit of the layer:").parts
    return tables(tuple(header), rows, "l" + "r" * (len(header) - 1), lead=lead, quantities=names)


def _parameter_gradients(ctx, l, values, gradients):
    """The gradient of every weight and bias into the layer's worked units: one display per unit."""
    net, L, s = ctx.net, ctx.loss_symbol, ctx.sample
    displays = []
    for j in ctx.worked_units(l):
        delta, z = net.delta[l][j], net.z[l][j]
        lines, names = [], []
        for k in range(ctx.widths[l - 1]):
            names.append(gradient_name(f"W{l}", (j, k)))
            w = net.W[l][j, k]
            product = sp.Mul(delta, net.a[l - 1][k], evaluate=False)
            lines.append(
                (
                    ctx.d(L, w),
                    ctx.chain(ctx.d(L, z), ctx.d(z, w)),
                    ctx.step(product, keep_order=True),
                    ctx.step(product, values),
                    ctx.value(gradients[f"W{l}"][s, j, k], "grad", l),
                )
            )
        b = net.b[l] if ctx.spec.update_biases else None  # a frozen bias needs no gradient
        if b is not None and not isinstance(b, sp.Symbol):
            one = sp.Mul(ctx.d(L, z), sp.Integer(1), evaluate=False)
            names.append(gradient_name(f"b{l}", (j,)))
            lines.append(
                (ctx.d(L, b[j]), ctx.chain(*one.args), ctx.step(delta), ctx.value(gradients[f"b{l}"][s, j], "grad", l))
            )
        displays.append((lines, names))
    if isinstance(net.b[l], sp.Symbol) and ctx.spec.update_biases:
        total = sp.Add(*net.delta[l], evaluate=False)
        line = (ctx.d(L, net.b[l]), *ctx.worked(total, values, gradients[f"b{l}"][s], "grad", l))
        displays.append(([line], [gradient_name(f"b{l}", ())]))
    lead = ["Each weight's gradient is the error signal of the unit it feeds times the input it carries."]
    if net.b[l] is not None and not ctx.spec.update_biases and l == ctx.depth:
        lead.append(" The biases are frozen, so they need no gradient.")
    if isinstance(net.b[l], sp.Symbol) and ctx.widths[l] > 1 and ctx.spec.update_biases:
        lead.append(" The shared bias feeds every unit of the layer, so its gradient adds their error signals.")
    if not ctx.full(l):
        lead.append(" For the first unit (the gradients of every parameter are in the update table):")
    blocks = [
        ctx.equations(lines, lead=tuple(lead) if i == 0 else (), quantities=names)
        for i, (lines, names) in enumerate(displays)
    ]
    return blocks


def _batch_table(ctx, gradients):
    """Each sample's gradient of every parameter and their sum (or mean): one table per layer, output first."""
    rows_used = ctx.spec.rows
    header = (("parameter",), *[(f"sample {s + 1}",) for s in rows_used], (ctx.spec.reduction,))
    blocks = []
    for l in range(ctx.depth, 0, -1):
        rows, names = [], []
        for symbol, name, index in ctx.net.parameters():
            if name[1:] != str(l):
                continue
            names.append(gradient_name(name, index))
            per_sample = [(ctx.number(gradients[name][(s, *index)], "grad", l),) for s in rows_used]
            total = ctx.number(ctx.run.gradients[name][index], "grad", l)
            rows.append(((ctx.parameter_name(symbol),), *per_sample, (total,)))
        lead = text(f"The {ctx.layer_role(l)}:").parts
        blocks += tables(header, rows, "l" + "r" * (len(header) - 1), lead=lead, quantities=names)
    return Section("Gradients of every sample", tuple(blocks), level=2)
