"""The worked solution as a data model: sections of prose, equations, tables and a diagram.

:func:`build` turns a training run into a :class:`Document`. Every decision about
what to show, and every number, is made here; the Jinja2 templates only lay the
blocks out as LaTeX or Markdown. Prose is a list of parts, each plain text
(escaped by the renderer) or :class:`Math` (LaTeX printed by SymPy's printer
under the spec's notation). Numbers are the engine's values, rounded only when
printed.
"""

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .derivation import derive
from .printing import Shown, latex, number_text, partial, show


class Math(str):
    """A piece of inline LaTeX mathematics; joining it with more LaTeX keeps it mathematics."""

    def __add__(self, other):
        return Math(str(self) + str(other))

    def __radd__(self, other):
        return Math(str(other) + str(self))


@dataclass
class Text:
    parts: list
    kind: str = "text"


@dataclass
class Equations:
    """Display lines; each line's parts are joined by '=' and aligned on the first one."""

    lines: list
    kind: str = "equations"


@dataclass
class Table:
    header: list
    rows: list
    kind: str = "table"


@dataclass
class Diagram:
    """Layers of nodes (LaTeX labels) and edges ``(layer, from, to, label, label position)`` between layers."""

    layers: list
    edges: list
    kind: str = "diagram"


@dataclass
class Bullets:
    items: list
    kind: str = "bullets"


@dataclass
class Section:
    title: str
    blocks: list = field(default_factory=list)
    level: int = 1


@dataclass
class Document:
    title: str
    subtitle: str
    sections: list


def _parts(*pieces):
    return [("math", str(p)) if isinstance(p, Math) else ("text", str(p)) for p in pieces if p != ""]


def text(*pieces):
    return Text(_parts(*pieces))


def cell(*pieces):
    return _parts(*pieces)


class _Writer:
    """Builds the sections of one document; holds the names, the numbers and the printer settings."""

    def __init__(self, result):
        self.result = result
        self.spec = result.spec
        self.arch = self.spec.architecture
        self.derivation = derive(self.arch)
        self.net = self.derivation.network
        self.notation = self.spec.notation
        self.decimals = self.notation.decimals
        self.loss_symbol = sp.Symbol("L")
        self.names = self._names()
        self.sample = self.spec.rows[0]
        self.depth = self.arch.depth
        self.widths = self.arch.widths()

    # -- names and numbers -------------------------------------------------
    def _names(self):
        n, net = self.notation, self.net
        names = {self.loss_symbol: n.loss}
        names.update(zip(net.x, n.x))
        names.update(zip(net.y, n.y))
        for l in range(1, self.arch.depth + 1):
            names.update(zip(net.z[l], n.z[l]))
            names.update(zip(net.a[l], n.a[l]))
            names.update(zip(net.delta[l], n.delta[l]))
            for j in range(net.W[l].rows):
                for k in range(net.W[l].cols):
                    names[net.W[l][j, k]] = n.W[l][j][k]
            if isinstance(net.b[l], sp.Symbol):
                names[net.b[l]] = n.b[l]
            elif net.b[l] is not None:
                names.update(zip(net.b[l], n.b[l]))
        return names

    def m(self, expr):
        return Math(latex(expr, self.names))

    def num(self, value):
        return Math(number_text(value, self.decimals))

    def shown(self, expr, values):
        return Math(show(expr, values, self.decimals, self.names))

    def worked(self, expr, values, value):
        """The three right-hand sides of a worked line: the formula, the formula with numbers, the result."""
        return [self.m(expr), self.shown(expr, values), self.num(value)]

    def d(self, numerator, denominator):
        return Math(partial(numerator, denominator, self.names))

    def values(self, trace, s):
        """Every symbol's number for sample ``s`` of ``trace``: inputs, targets, parameters, z, a, deltas."""
        net, values = self.net, {}
        values.update(zip(net.x, trace.a[0][s]))
        values.update(zip(net.y, trace.y[s]))
        for symbol, name, index in net.parameters():
            values[symbol] = float(trace.parameters[name][index])
        for l in range(1, self.depth + 1):
            values.update(zip(net.z[l], trace.z[l][s]))
            values.update(zip(net.a[l], trace.a[l][s]))
            values.update(zip(net.delta[l], trace.delta[l][s]))
        return values

    def z_expression(self, l, j):
        """Σ_k W_jk a_k + b in reading order (weights first, bias last)."""
        with sp.evaluate(False):
            terms = [sp.Mul(self.net.W[l][j, k], self.net.a[l - 1][k]) for k in range(self.widths[l - 1])]
            bias = self.net.bias_of(l, j)
            return sp.Add(*terms, bias) if bias != 0 else sp.Add(*terms)

    def activation_call(self, l, j):
        activation = self.arch.layers[l - 1].activation
        label = {"sigmoid": "sigma", "linear": "id"}.get(activation.name, activation.name)
        return sp.Function(label)(self.net.z[l][j])

    # -- sections ----------------------------------------------------------
    def overview(self):
        n = self.notation
        step = (
            f"sample {self.spec.sample}"
            if self.spec.mode == "sample"
            else f"all {len(self.spec.x)} samples at once ({self.spec.reduction} of their losses)"
        )
        return Section(
            "Overview",
            [
                text(
                    "One training step has three phases. The forward pass feeds the inputs through the network "
                    "and measures the loss. The backward pass applies the chain rule from the loss back to every "
                    "weight and bias, giving each parameter's gradient. The update moves every parameter a small "
                    "step against its gradient, scaled by the learning rate ",
                    Math(n.rate),
                    ".",
                ),
                text(
                    f"Here the step uses {step}, with learning rate ",
                    Math(rf"{n.rate} = {number_text(self.spec.learning_rate, 12)}"),
                    f", for {self.spec.steps} step{'s' if self.spec.steps > 1 else ''}.",
                ),
            ],
        )

    def architecture(self):
        arch, n = self.arch, self.notation
        items = [
            cell(f"Input layer: {self.widths[0]} input{'s' if self.widths[0] > 1 else ''}, ", *self._list(n.x), ".")
        ]
        for l, layer in enumerate(arch.layers, start=1):
            role = "Output layer" if l == self.depth else f"Hidden layer {l}"
            items.append(
                cell(
                    f"{role}: {layer.units} unit{'s' if layer.units > 1 else ''} with activation ",
                    *self._activation_formula(layer.activation, l),
                    ".",
                )
            )
        items.append(
            cell(f"Loss: {arch.loss.label}, ", Math(f"{n.loss} = ") + self.m(self.net.loss), self._reduction())
        )
        bias = {
            "per-neuron": "every unit has its own bias",
            "per-layer": "each layer has one bias shared by all its units",
            "none": "the network has no biases",
        }[arch.bias]
        frozen = "" if self.spec.update_biases or arch.bias == "none" else "; the biases are frozen: never updated"
        items.append(cell(f"Biases: {bias}{frozen}."))
        layers = [[Math(name) for name in n.x]] + [[Math(name) for name in n.a[l]] for l in range(1, self.depth + 1)]
        params = self.spec.numeric_parameters()
        edges = []
        for l in range(1, self.depth + 1):
            for j in range(self.widths[l]):
                for k in range(self.widths[l - 1]):
                    label = Math(rf"{n.W[l][j][k]} = {number_text(params[f'W{l}'][j, k], self.decimals)}")
                    # Labels of edges leaving the upper sources sit near the source, the others near the
                    # target, so that the labels of crossing edges do not meet in the middle.
                    position = 0.3 + 0.45 * k / max(1, self.widths[l - 1] - 1)
                    edges.append((l, k, j, label, round(position, 2)))
        return Section("The network", [Bullets(items), Diagram(layers, edges)])

    def _list(self, names):
        parts = []
        for i, name in enumerate(names):
            parts += [Math(name)] + ([", "] if i < len(names) - 1 else [])
        return parts

    def _reduction(self):
        if len(self.spec.x) == 1:
            return ""
        return f" for one sample; over several samples the losses are {'summed' if self.spec.reduction == 'sum' else 'averaged'}"

    def _activation_formula(self, activation, l):
        t = sp.Symbol("t", real=True)
        if activation.vector:
            return [Math(r"\operatorname{softmax}(z)_j = \frac{e^{z_j}}{\sum_k e^{z_k}}")]
        call = self.activation_call(l, 0).func(t)
        return [Math(latex(sp.Eq(call, activation.formula(t), evaluate=False)))]

    def notation_table(self):
        n, l_out = self.notation, self.depth
        rows = [
            [cell(*self._list(n.x)), cell("inputs")],
            [cell(*self._list(n.y)), cell("targets (the values the network should output)")],
        ]
        for l in range(1, self.depth + 1):
            where = "output layer" if l == l_out else f"hidden layer {l}"
            rows.append([cell(*self._list(n.z[l])), cell(f"weighted sums (pre-activations) in the {where}")])
            rows.append(
                [
                    cell(*self._list(n.a[l])),
                    cell(f"activations in the {where}" + (": the prediction" if l == l_out else "")),
                ]
            )
            rows.append(
                [
                    cell(*self._list(n.delta[l])),
                    cell("error signals ", self.d(self.loss_symbol, self.net.z[l][0]), f" in the {where}"),
                ]
            )
        rows.append([cell(Math(n.loss)), cell("the loss")])
        rows.append([cell(Math(n.rate)), cell("the learning rate")])
        return Section("Notation", [Table([cell("symbol"), cell("meaning")], rows)])

    def data_and_parameters(self):
        n = self.notation
        X, Y = self.spec.numeric_data()
        header = [cell("sample")] + [cell(Math(name)) for name in n.x] + [cell(Math(name)) for name in n.y]
        rows = [
            [cell(str(s + 1))] + [cell(self.num(v)) for v in X[s]] + [cell(self.num(v)) for v in Y[s]]
            for s in range(len(X))
        ]
        params = self.spec.numeric_parameters()
        prow = []
        for symbol, name, index in self.net.parameters():
            prow.append(
                [cell(Math(self.names[symbol])), cell(f"layer {name[1:]}"), cell(self.num(params[name][index]))]
            )
        return Section(
            "Data and starting parameters",
            [Table(header, rows), Table([cell("parameter"), cell("layer"), cell("value")], prow)],
        )

    def forward(self, trace, title, s):
        blocks = [text(f"Sample {s + 1}: each unit first forms its weighted sum, then applies its activation.")]
        values = self.values(trace, s)
        for l in range(1, self.depth + 1):
            role = "output layer" if l == self.depth else f"hidden layer {l}"
            lines = []
            for j in range(self.widths[l]):
                z_expr = self.z_expression(l, j)
                lines.append([self.m(self.net.z[l][j]), *self.worked(z_expr, values, values[self.net.z[l][j]])])
            for j in range(self.widths[l]):
                a_def = self.net.a_definitions[l][j]
                z_values = {z: values[z] for z in self.net.z[l]}
                line = [self.m(self.net.a[l][j])]
                if not self.arch.layers[l - 1].activation.vector:
                    line.append(self.m(self.activation_call(l, j)))
                line += self.worked(a_def, z_values, values[self.net.a[l][j]])
                lines.append(line)
            blocks += [text(f"The {role}:"), Equations(lines)]
        loss_value = trace.loss_sample[s]
        blocks += [
            text("The loss of this sample:"),
            Equations([[Math(self.notation.loss), *self.worked(self.net.loss, values, loss_value)]]),
        ]
        return Section(title, blocks)

    def forward_table(self, trace, title, intro):
        n = self.notation
        header = [cell("sample")]
        for l in range(1, self.depth + 1):
            header += [cell(Math(name)) for name in n.z[l]] + [cell(Math(name)) for name in n.a[l]]
        header += [cell(Math(name)) for name in n.y] + [cell("loss")]
        rows = []
        for s in range(len(trace.y)):
            row = [cell(str(s + 1))]
            for l in range(1, self.depth + 1):
                row += [cell(self.num(v)) for v in trace.z[l][s]] + [cell(self.num(v)) for v in trace.a[l][s]]
            rows.append(row + [cell(self.num(v)) for v in trace.y[s]] + [cell(self.num(trace.loss_sample[s]))])
        total = trace.loss(list(range(len(trace.y))), self.spec.reduction)
        word = "Total" if self.spec.reduction == "sum" else "Mean"
        return Section(
            title,
            [
                text(intro),
                Table(header, rows),
                text(f"{word} loss over all samples: ", Math(f"{n.loss} = ") + self.num(total) + "."),
            ],
        )

    def backward(self):
        trace, s = self.result.before, self.sample
        values = self.values(trace, s)
        blocks = [
            text(
                "The backward pass answers one question for every parameter: if it changed a little, how much "
                "would the loss change? The chain rule answers it one layer at a time, starting at the output.",
            )
        ]
        if self.spec.mode == "batch":
            blocks.append(
                text(
                    f"In batch mode each sample contributes its own gradient; the steps are shown for sample {s + 1} "
                    "and the table at the end of this section adds up all samples."
                )
            )
        sections = [Section("Backward pass", blocks)]
        for l in range(self.depth, 0, -1):
            sections.append(self._layer_backward(l, values, trace, s))
        if self.spec.mode == "batch":
            sections.append(self._batch_table())
        return sections

    def _layer_backward(self, l, values, trace, s):
        net, n, L = self.net, self.notation, self.loss_symbol
        blocks = []
        activation = self.arch.layers[l - 1].activation
        contributions = trace.contributions(l) if l < self.depth else None
        for j in range(self.widths[l]):
            unit = self.derivation.delta(l, j)
            a, z = net.a[l][j], net.z[l][j]
            if l == self.depth:
                blocks.append(text("How much does the loss change when the output ", Math(n.a[l][j]), " changes?"))
                blocks.append(Equations([[self.d(L, a), *self.worked(unit.grad_a, values, trace.grad_a[l][s, j])]]))
            else:
                blocks.append(
                    text(
                        "The hidden unit ",
                        Math(n.a[l][j]),
                        " reaches the loss through every unit of the layer above, so its sensitivity is a sum "
                        "with one term per unit above: that unit's error signal times the connecting weight.",
                    )
                )
                if len(unit.contributions) == 1:
                    (c,) = unit.contributions
                    lines = [[self.d(L, a), *self.worked(c, values, trace.grad_a[l][s, j])]]
                else:
                    lines = [self.worked(c, values, contributions[s, m, j]) for m, c in enumerate(unit.contributions)]
                    with sp.evaluate(False):
                        added = sp.Add(*[Shown(v, self.decimals) for v in contributions[s, :, j]])
                    lines.append(
                        [
                            self.d(L, a),
                            self.m(unit.grad_a),
                            Math(latex(added, order="none")),
                            self.num(trace.grad_a[l][s, j]),
                        ]
                    )
                blocks.append(Equations(lines))
            if unit.fprime is not None:
                blocks.append(
                    text(
                        "How much does ",
                        Math(n.a[l][j]),
                        " change when ",
                        Math(n.z[l][j]),
                        " changes? The derivative of the activation:",
                    )
                )
                blocks.append(
                    Equations(
                        [
                            [
                                self.d(a, z),
                                self.m(unit.fprime),
                                self.shown(unit.fprime, values),
                                self.num(trace.fprime[l][s, j]),
                            ]
                        ]
                    )
                )
                blocks.append(text("Their product is the error signal of the unit:"))
                blocks.append(
                    Equations(
                        [
                            [
                                self.m(unit.symbol),
                                Math(self.d(L, z)),
                                Math(self.d(L, a) + r" \cdot " + self.d(a, z)),
                                Math(
                                    show(
                                        sp.Mul(
                                            Shown(trace.grad_a[l][s, j], self.decimals),
                                            Shown(trace.fprime[l][s, j], self.decimals),
                                            evaluate=False,
                                        ),
                                        {},
                                        self.decimals,
                                    )
                                ),
                                self.num(trace.delta[l][s, j]),
                            ]
                        ]
                    )
                )
            if l == self.depth and unit.closed_form != sp.Mul(*unit.raw.args):
                blocks += self._cancellation(unit, values, trace, s)
        blocks += self._parameter_gradients(l, values, trace, s)
        role = "Output layer" if l == self.depth else f"Hidden layer {l}"
        name = activation.name
        return Section(f"{role} ({name})", blocks, level=2)

    def _cancellation(self, unit, values, trace, s):
        steps = [self.m(unit.raw)]
        together = sp.together(unit.raw)
        if together != unit.raw and together != unit.closed_form:
            steps.append(self.m(together))
        steps.append(self.m(unit.closed_form))
        blocks = [
            text("The product simplifies. Written out and cancelled:"),
            Equations([[self.m(unit.symbol)] + steps]),
        ]
        if unit.assumption:
            blocks.append(text(f"The last step uses that {unit.assumption}."))
        blocks += [
            text("With the numbers, the short form gives the same value:"),
            Equations(
                [[self.m(unit.symbol), *self.worked(unit.closed_form, values, trace.delta[unit.layer][s, unit.unit])]]
            ),
        ]
        return blocks

    def _parameter_gradients(self, l, values, trace, s):
        net, L = self.net, self.loss_symbol
        lines = []
        for j in range(self.widths[l]):
            delta = net.delta[l][j]
            for k in range(self.widths[l - 1]):
                w, a_below = net.W[l][j, k], net.a[l - 1][k]
                value = trace.delta[l][s, j] * trace.a[l - 1][s, k]
                chain = Math(self.d(L, net.z[l][j]) + r" \cdot " + self.d(net.z[l][j], w))
                lines.append([self.d(L, w), chain, *self.worked(sp.Mul(delta, a_below, evaluate=False), values, value)])
            b = net.b[l]
            if b is not None and not isinstance(b, sp.Symbol):
                lines.append(
                    [
                        self.d(L, b[j]),
                        Math(self.d(L, net.z[l][j]) + r" \cdot 1"),
                        self.m(delta),
                        self.num(trace.delta[l][s, j]),
                    ]
                )
        if isinstance(net.b[l], sp.Symbol):
            total = sp.Add(*net.delta[l], evaluate=False)
            lines.append([self.d(L, net.b[l]), *self.worked(total, values, trace.delta[l][s].sum())])
        blocks = [
            text("Each weight's gradient is the error signal of the unit it feeds times the input it carries:"),
            Equations(lines),
        ]
        if isinstance(net.b[l], sp.Symbol):
            blocks.insert(
                1, text("The shared bias feeds every unit of the layer, so its gradient adds their error signals.")
            )
        if net.b[l] is not None and not self.spec.update_biases:
            blocks.append(text("The biases are frozen in this example: their gradients are computed but not applied."))
        return blocks

    def _batch_table(self):
        per_sample = self.result.before.per_sample_gradients()
        rows_used = self.spec.rows
        header = [cell("parameter")] + [cell(f"sample {s + 1}") for s in rows_used] + [cell(self.spec.reduction)]
        rows = []
        for symbol, name, index in self.net.parameters():
            values = [per_sample[name][(s, *index)] for s in rows_used]
            rows.append(
                [cell(Math(self.names[symbol]))]
                + [cell(self.num(v)) for v in values]
                + [cell(self.num(self.result.gradients[name][index]))]
            )
        return Section("Gradients of every sample", [Table(header, rows)], level=2)

    def update(self):
        n = self.notation
        params = self.spec.numeric_parameters()
        first = self.result.first_update
        rows = []
        for symbol, name, index in self.net.parameters():
            frozen = name[0] == "b" and not self.spec.update_biases
            rows.append(
                [
                    cell(Math(self.names[symbol])),
                    cell(self.num(params[name][index])),
                    cell(self.num(self.result.gradients[name][index])),
                    cell(self.num(first[name][index]) if not frozen else "frozen"),
                ]
            )
        w = sp.Symbol("w")
        rule = Math(rf"w \leftarrow w - {n.rate} \, " + partial(self.loss_symbol, w, {self.loss_symbol: n.loss}))
        blocks = [
            text("Every parameter takes one step against its gradient: ", rule, "."),
            Table([cell("parameter"), cell("old value"), cell("gradient"), cell("new value")], rows),
        ]
        if self.spec.steps > 1:
            blocks.append(
                text(
                    f"The step is repeated {self.spec.steps} times in all; the final parameters are in the next section."
                )
            )
        return Section("Update", blocks)

    def verification(self):
        n = self.notation
        after = self.result.after
        blocks = []
        if self.spec.steps > 1:
            final = [
                [cell(Math(self.names[symbol])), cell(self.num(self.result.updated[name][index]))]
                for symbol, name, index in self.net.parameters()
            ]
            blocks += [
                text(f"Parameters after {self.spec.steps} steps:"),
                Table([cell("parameter"), cell("value")], final),
            ]
        section = self.forward(after, "Check: the forward pass again", self.sample)
        change = self.result.loss_change_percent
        blocks += section.blocks
        blocks.append(
            text(
                "The loss of the step went from ",
                Math(f"{n.loss} = ") + self.num(self.result.loss),
                " to ",
                self.num(self.result.loss_after),
                *(
                    [", so no percentage of it applies."]
                    if change is None
                    else [", a change of ", Math(number_text(change, 2) + r"\%"), "."]
                ),
            )
        )
        return Section("Check: the forward pass with the new parameters", blocks)

    def matrix_form(self):
        trace, s = self.result.before, self.sample
        blocks = [
            text(
                "The same computation for a whole layer at once, with the weights of layer ",
                Math("l"),
                " as a matrix ",
                Math(r"\mathbf{W}^{(l)}"),
                " (row ",
                Math("j"),
                " holds the weights into unit ",
                Math("j"),
                "):",
            ),
            Equations(
                [
                    [Math(r"\mathbf{z}^{(l)}"), Math(r"\mathbf{W}^{(l)} \mathbf{a}^{(l-1)} + \mathbf{b}^{(l)}")],
                    [Math(r"\mathbf{a}^{(l)}"), Math(r"f\left(\mathbf{z}^{(l)}\right)")],
                    [
                        Math(r"\boldsymbol{\delta}^{(l)}"),
                        Math(
                            r"\left(\mathbf{W}^{(l+1)\top} \boldsymbol{\delta}^{(l+1)}\right) \odot f'\left(\mathbf{z}^{(l)}\right)"
                        ),
                    ],
                    [
                        Math(r"\frac{\partial L}{\partial \mathbf{W}^{(l)}}"),
                        Math(r"\boldsymbol{\delta}^{(l)} \mathbf{a}^{(l-1)\top}"),
                    ],
                ]
            ),
            text(f"With the numbers of sample {s + 1}:"),
        ]
        lines = []
        for l in range(1, self.depth + 1):
            W = self._matrix(trace.parameters[f"W{l}"])
            a_below = self._matrix(trace.a[l - 1][s][:, None])
            lines.append(
                [
                    Math(rf"\mathbf{{z}}^{{({l})}}"),
                    Math(latex(W) + " " + latex(a_below) + self._bias_matrix(trace, l)),
                    Math(latex(self._matrix(trace.z[l][s][:, None]))),
                ]
            )
        for l in range(self.depth, 0, -1):
            lines.append(
                [Math(rf"\boldsymbol{{\delta}}^{{({l})}}"), Math(latex(self._matrix(trace.delta[l][s][:, None])))]
            )
            grad = trace.delta[l][s][:, None] @ trace.a[l - 1][s][None, :]
            lines.append(
                [Math(rf"\frac{{\partial L}}{{\partial \mathbf{{W}}^{{({l})}}}}"), Math(latex(self._matrix(grad)))]
            )
        blocks.append(Equations(lines))
        return Section("Matrix form", blocks)

    def _matrix(self, array):
        array = np.atleast_2d(array)
        return sp.Matrix(array.shape[0], array.shape[1], lambda i, j: Shown(array[i, j], self.decimals))

    def _bias_matrix(self, trace, l):
        if self.arch.bias == "none":
            return ""
        b = np.broadcast_to(trace.parameters[f"b{l}"], (self.widths[l],))
        return " + " + latex(self._matrix(b[:, None]))

    def reference(self):
        rows = [
            [cell("weighted sum"), cell(Math(r"z_j = \sum_k w_{jk} a_k + b_j"))],
            [cell("activation"), cell(Math(r"a_j = f(z_j)"))],
            [cell("output error signal"), cell(Math(r"\delta_j = \frac{\partial L}{\partial a_j} f'(z_j)"))],
            [cell("hidden error signal"), cell(Math(r"\delta_j = f'(z_j) \sum_m w_{mj} \delta_m"))],
            [cell("weight gradient"), cell(Math(r"\frac{\partial L}{\partial w_{jk}} = \delta_j a_k"))],
            [cell("bias gradient"), cell(Math(r"\frac{\partial L}{\partial b_j} = \delta_j"))],
            [cell("update"), cell(Math(r"w \leftarrow w - \eta \frac{\partial L}{\partial w}"))],
        ]
        for layer in {layer.activation.name: layer for layer in self.arch.layers}.values():
            activation = layer.activation
            if activation.vector:
                rows.append(
                    [cell("softmax derivative"), cell(Math(r"\frac{\partial a_k}{\partial z_j} = a_k (1_{k=j} - a_j)"))]
                )
            else:
                z, a = sp.Symbol("z", real=True), sp.Symbol("a", real=True)
                rows.append(
                    [
                        cell(f"{activation.name} derivative"),
                        cell(Math(r"f'(z) = " + latex(activation.derivative(z, a)))),
                    ]
                )
        return Section("Formula reference", [Table([cell("rule"), cell("formula")], rows)])

    def notes(self):
        items = []
        trace = self.result.before
        for l in range(1, self.depth + 1):
            activation = self.arch.layers[l - 1].activation
            for j in range(self.widths[l]):
                z = trace.z[l][self.spec.rows, j]
                label = Math(self.notation.a[l][j])
                if activation.saturates_beyond is not None and np.any(np.abs(z) > activation.saturates_beyond):
                    items.append(
                        cell(
                            "The unit ",
                            label,
                            " is saturated (its weighted sum reaches ",
                            self.num(z[np.argmax(np.abs(z))]),
                            f"): the {activation.description} is almost flat there, so its derivative and every gradient through it nearly vanish.",
                        )
                    )
                if activation.kink is not None and np.any(z == activation.kink):
                    items.append(
                        cell(
                            "The unit ",
                            label,
                            f" sits exactly at the {activation.description} kink (z = {activation.kink:g}), where the derivative is taken as its left-hand value.",
                        )
                    )
                if activation.inactive_below is not None and np.all(z < activation.inactive_below):
                    items.append(
                        cell(
                            "The unit ",
                            label,
                            f" is inactive (weighted sum below {activation.inactive_below:g}): no gradient flows through it in this step.",
                        )
                    )
        return Section("Notes", [Bullets(items)]) if items else None


def build(result):
    """The worked-solution document of a training run."""
    w = _Writer(result)
    spec = result.spec
    sections = [w.overview(), w.architecture(), w.notation_table(), w.data_and_parameters()]
    if len(spec.x) > 1:
        sections.append(
            w.forward_table(
                result.before,
                "Forward pass for every sample",
                "The forward values of every sample with the starting parameters:",
            )
        )
    sections.append(w.forward(result.before, "Forward pass, step by step", w.sample))
    sections += w.backward()
    sections.append(w.update())
    if spec.verify or spec.steps > 1:
        sections.append(w.verification())
    sections += [w.matrix_form(), w.reference()]
    notes = w.notes()
    if notes:
        sections.append(notes)
    subtitle = f"{'-'.join(map(str, spec.architecture.widths()))} network, {spec.architecture.loss.label}"
    return Document(spec.title, subtitle, sections)
