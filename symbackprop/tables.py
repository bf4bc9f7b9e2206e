"""The summary of a training run as tables: plain text for the terminal (``symbackprop grad``), and the same
tables for a notebook's rich display (:mod:`symbackprop.display`).

:func:`summary` says what the summary holds, as lines of text and :class:`Grid` tables; :func:`result_tables`
lays it out as text.
"""

from dataclasses import dataclass

import numpy as np

from .evaluation import listed_steps


def table(header, rows, width=None):
    """Align ``rows`` under ``header``: first column left, the others right.

    Within ``width`` characters, if given: a table too wide is split into column groups, one under the other,
    each with the first column again (a column wider than ``width`` still gets a group of its own).

    >>> print(table(["unit", "a", "b"], [["z1", "1.5", "-2.25"]], width=12))
    unit    a
    ----  ---
    z1    1.5
    <BLANKLINE>
    unit      b
    ----  -----
    z1    -2.25
    """
    cells = [header, *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    groups, used = [[]], widths[0]
    for i in range(1, len(header)):
        if width is not None and groups[-1] and used + 2 + widths[i] > width:
            groups.append([])
            used = widths[0]
        groups[-1].append(i)
        used += 2 + widths[i]
    return "\n\n".join(_aligned(cells, widths, [0, *group]) for group in groups)


def _aligned(cells, widths, columns):
    lines = []
    for n, row in enumerate(cells):
        parts = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in columns[1:]]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * widths[i] for i in columns))
    return "\n".join(lines)


def number(value, decimals):
    """``value`` with ``decimals`` decimals, in scientific notation when that would show only zeros."""
    value = float(value)
    if value != 0 and abs(value) < 0.5 * 10.0**-decimals or abs(value) >= 1e9:
        return f"{value:.{max(decimals - 2, 2)}e}"
    text = f"{value:.{decimals}f}"
    return "0" + text[2:] if text.startswith("-") and float(text) == 0 else text


def unit_name(prefix, l, j):
    return f"{prefix}{l}_{j + 1}"


def parameter_name(name, index):
    return name + ("[" + ",".join(str(i + 1) for i in index) + "]" if index else "")


@dataclass(frozen=True)
class Grid:
    """One table of the summary: its header and its rows, every cell a string."""

    header: list
    rows: list


def result_tables(result, decimals=6, width=None):
    """Every number of a training run as text tables: forward pass, backward pass, update, loss change; each
    table within ``width`` characters if given (split into column groups)."""
    parts = summary(result, decimals)
    return "\n".join(table(part.header, part.rows, width) if isinstance(part, Grid) else part for part in parts)


def summary(result, decimals=6):
    """The summary of a training run, in order: lines of text (titles, notes; an empty one between parts) and
    :class:`Grid` tables: the forward pass, the backward pass, the gradients and the update, the loss change."""
    spec = result.spec
    arch = spec.architecture
    before = result.before
    f = lambda v: number(v, decimals)  # noqa: E731
    depth = arch.depth
    widths = "-".join(str(w) for w in arch.widths())
    acts = "/".join(layer.activation.name for layer in arch.layers)
    rows = spec.rows
    step = f"sample {spec.sample}" if spec.mode == "sample" else f"batch of {len(rows)} samples"
    out = [
        spec.title,
        f"network {widths} ({acts}), loss {arch.loss.label} ({spec.reduction} over samples), bias {arch.bias}"
        + ("" if spec.update_biases else " (frozen)"),
        f"training: {step}, learning rate {spec.learning_rate}, {spec.steps} step{'s' if spec.steps > 1 else ''}",
        "",
        "Forward pass with the starting parameters",
    ]
    header = ["sample"] + [f"x_{k + 1}" for k in range(arch.inputs)]
    for l in range(1, depth + 1):
        header += [unit_name("z", l, j) for j in range(arch.widths()[l])]
        header += [unit_name("a", l, j) for j in range(arch.widths()[l])]
    header += [f"y_{j + 1}" for j in range(arch.outputs)] + ["loss"]
    body = []
    for s in range(len(before.y)):
        row = [str(s + 1) + ("*" if s in rows else "")] + [f(v) for v in before.a[0][s]]
        for l in range(1, depth + 1):
            row += [f(v) for v in before.z[l][s]] + [f(v) for v in before.a[l][s]]
        body.append(row + [f(v) for v in before.y[s]] + [f(before.loss_sample[s])])
    out += [
        Grid(header, body),
        f"(* = used in the training step)  loss over all samples ({spec.reduction}): {f(result.loss_total)}",
        "",
    ]

    out.append("Backward pass: dL/da, f'(z) and delta = dL/dz of every unit, per training sample")
    header = ["unit"] + [f"{name} s{s + 1}" for s in rows[:4] for name in ("dL/da", "f'(z)", "delta")]
    body = []
    for l in range(depth, 0, -1):
        for j in range(arch.widths()[l]):
            cells = [unit_name("a", l, j)]
            for s in rows[:4]:
                cells += [f(before.grad_a[l][s, j]), f(before.fprime[l][s, j]), f(before.delta[l][s, j])]
            body.append(cells)
    out.append(Grid(header, body))
    if len(rows) > 4:
        out.append(f"(first 4 of {len(rows)} samples shown)")
    if arch.layers[-1].activation.vector:
        # Softmax's f'(z) column holds the Jacobian's diagonal only: its delta is not dL/da times that.
        out.append(
            "(softmax outputs: f'(z) is a_j(1 - a_j), the diagonal of the Jacobian; delta sums dL/da_k times "
            "da_k/dz_j over every output k, so it is not dL/da times f'(z))"
        )
    out.append("")

    out += _update(result, f)
    if spec.steps > 1:
        out += ["", *_losses(result, f)]
    count = spec.steps
    before, after = ("of the step before", "after") if count == 1 else ("before step 1", f"after step {count}")
    out += ["", f"loss {before}: {f(result.loss)}  {after}: {f(result.loss_after)}  change: {_percent(result)}"]
    return out


def _update(result, f):
    """The first step's update, one row per parameter: "after step 1" is old - rate * gradient on every row;
    past one step, a last column holds the parameters after all of them."""
    spec = result.spec
    first, count = result.steps[0], spec.steps
    header = ["parameter", "old", "gradient", "after step 1"] + ([f"after {count} steps"] if count > 1 else [])
    body = []
    for name, value in first.parameters.items():
        frozen = name[0] == "b" and not spec.update_biases
        for index in np.ndindex(value.shape):
            moved = [first.updated[name][index]] + ([result.updated[name][index]] if count > 1 else [])
            cells = ["frozen"] * len(moved) if frozen else [f(v) for v in moved]
            body.append([parameter_name(name, index), f(value[index]), f(first.gradients[name][index]), *cells])
    title = f"Gradients and update of step 1: after step 1 = old - {spec.learning_rate} * gradient"
    if not spec.update_biases:
        title += " (biases frozen)"
    return [title, Grid(header, body)]


def _losses(result, f):
    """The loss over the trained rows before and after each step (a regular selection of them past 50 steps)."""
    spec = result.spec
    listed, losses = listed_steps(spec.steps), result.losses
    body = [[str(k), f(losses[k - 1]), f(losses[k]), f(losses[k] - losses[k - 1])] for k in listed]
    whose = f"sample {spec.sample}" if spec.mode == "sample" else f"{spec.reduction} over the {len(spec.rows)} samples"
    title = f"Loss per step ({whose})"
    if len(listed) < spec.steps:
        title += f", every {listed[1]} steps with the first and the last"
    return [title, Grid(["step", "loss before", "loss after", "change"], body)]


def _percent(result):
    change = result.loss_change_percent
    return "none (the loss was 0)" if change is None else f"{change:+.2f}%"
