"""What every section of a document needs, made once per document.

:class:`Context` holds the spec, the training run, the derivation, the notation
and its symbol names, and the number printer. Its helpers turn SymPy
expressions into LaTeX under the document's notation and lay long displays
out over several rows, so no section glues LaTeX from strings.
"""

import re
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import sympy as sp

from ..derivation import derive
from ..precision import rounded
from ..printing import Entry, NotationPrinter, Shown, applicable, number_text
from ..quantities import unit_name
from . import measure
from .blocks import Equations, Math, Row
from .figures import Figures
from .picture import network_diagram

# A layer wider than this is worked unit by unit for its first unit only (detail "auto").
FULL_DETAIL_UNITS = 4


def name_order(latex):
    """A sort key that puts names in the order of the numbers they hold: w_{2} before w_{10}."""
    return [int(number) for number in re.findall(r"\d+", latex)]


@dataclass(frozen=True)
class Step:
    """One right-hand side of a worked line: its LaTeX, and the same cut into pieces a row may break between."""

    latex: str
    pieces: tuple
    # For a step of figures, what they give; for a result, its figure and decimals; else None.
    worth: float | None = None
    places: int | None = None
    relation: str = "="


class Context:
    """The spec, the run and the printer of one document; sections read it and never change it."""

    def __init__(self, result):
        self.result = result
        self.spec = result.spec
        self.arch = self.spec.architecture
        self.derivation = derive(self.arch)
        self.net = self.derivation.network
        self.notation = self.spec.notation
        self.figures = Figures(result)
        self.depth = self.arch.depth
        self.widths = self.arch.widths()
        self.sample = self.spec.rows[0]
        self.loss_symbol = sp.Symbol("L")
        self.rate_symbol = sp.Symbol("eta")

    # -- which units are worked in full ---------------------------------------
    def full(self, l):
        """Whether every unit of layer ``l`` is worked step by step (else its first unit only)."""
        detail = self.spec.detail
        return detail == "full" or (detail == "auto" and self.widths[l] <= FULL_DETAIL_UNITS)

    def worked_units(self, l):
        return range(self.widths[l]) if self.full(l) else range(1)

    # -- what several sections show, computed once ----------------------------
    @cached_property
    def parameters(self):
        """The starting parameters as float arrays, by name ("W1", "b1", ...)."""
        return self.spec.numeric_parameters()

    @property
    def run(self):
        """The training run whose figures the document prints (exact, or carried rounded)."""
        return self.figures.run

    @property
    def gradients(self):
        """Each sample's own gradient of every parameter with the starting parameters, as printed."""
        return self.figures.per_sample

    @cached_property
    def diagram(self):
        """The network diagram (its layout decides whether the parameters are shown as matrices)."""
        return network_diagram(self)

    # -- names and numbers ----------------------------------------------------
    @cached_property
    def names(self):
        n, net = self.notation, self.net
        names = {self.loss_symbol: n.loss, self.rate_symbol: n.rate}
        names.update(zip(net.x, n.x))
        names.update(zip(net.y, n.y))
        for l in range(1, self.depth + 1):
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

    def printer(self, shown=False, keep_order=False):
        """The notation printer; numbers are multiplied with a dot, and shown or kept terms keep their order."""
        settings = {"order": "none", "mul_symbol": "dot"} if shown else {"order": "none"} if keep_order else {}
        return NotationPrinter(self.names, **settings)

    def m(self, expr, keep_order=False):
        """``expr`` in LaTeX under the document's notation."""
        return self.printer(keep_order=keep_order).doprint(expr)

    def math(self, expr, keep_order=False):
        return Math(self.m(expr, keep_order))

    def places(self, kind, l=None, value=0.0):
        """The decimals of ``value``, a figure of kind ``kind`` and layer ``l`` (see :mod:`.figures`)."""
        return self.figures.places(kind, l, value)

    def num(self, value, kind, l=None):
        return number_text(value, self.figures.places(kind, l, value))

    def number(self, value, kind, l=None):
        """A figure of family ``(kind, l)`` as inline mathematics."""
        return Math(self.num(value, kind, l))

    def shown(self, value, kind, l=None):
        """A figure of family ``(kind, l)`` inside an expression."""
        return Shown(value, self.figures.places(kind, l, value))

    def d(self, numerator, denominator):
        """The partial derivative ∂numerator/∂denominator, unevaluated."""
        return sp.Derivative(numerator, denominator, evaluate=False)

    def values(self, trace, s, parameters="param"):
        """Every symbol's figure for sample ``s`` of ``trace``: inputs, targets, parameters, z, a, deltas.

        ``parameters`` names the family of the trace's parameters: "param" (the starting ones) or "new".
        """
        net, values = self.net, {}
        values.update({x: self.shown(v, "x") for x, v in zip(net.x, trace.a[0][s])})
        values.update({y: self.shown(v, "y") for y, v in zip(net.y, trace.y[s])})
        for symbol, name, index in net.parameters():
            # A frozen bias is never updated: it keeps the figure it was given.
            kind = "param" if name[0] == "b" and not self.spec.update_biases else parameters
            values[symbol] = self.shown(trace.parameters[name][index], kind, int(name[1:]))
        for l in range(1, self.depth + 1):
            values.update({z: self.shown(v, "z", l) for z, v in zip(net.z[l], trace.z[l][s])})
            values.update({a: self.shown(v, "a", l) for a, v in zip(net.a[l], trace.a[l][s])})
            values.update({d: self.shown(v, "delta", l) for d, v in zip(net.delta[l], trace.delta[l][s])})
        return values

    def bold(self, family, l):
        """Layer ``l``'s whole ``family`` ("z", "a", "delta", "b", or "W" for its weights) as one symbol.

        It prints under the notation's name for the layer (see :meth:`Notation.vector`): bold, or the
        unit's own name for a layer of one unit.
        """
        n = self.notation
        return self.symbol(n.matrix(l) if family == "W" else n.vector(family, l), commutative=False)

    def symbol(self, latex, commutative=True):
        """A symbol that prints as ``latex``: a name the notation makes for a whole layer or for any unit."""
        symbol = sp.Symbol(f"name {latex}", commutative=commutative)
        self.names.setdefault(symbol, latex)
        return symbol

    def output_errors(self):
        """One symbol per output unit for its own part of the loss (E_1, E_2 beside E_total), named after the loss."""
        base = re.match(r"\\?[A-Za-z]+", self.notation.loss).group(0)
        symbols = []
        for m in range(self.widths[self.depth]):
            symbol = sp.Symbol(f"loss part {m + 1}")
            self.names.setdefault(symbol, f"{base}_{{{m + 1}}}")
            symbols.append(symbol)
        return symbols

    def call(self, l, z):
        """The activation of layer ``l`` applied to ``z``, as a document writes it: σ(z), tanh(z), ..."""
        return self.arch.layers[l - 1].activation.call(z)

    def parameter_name(self, symbol):
        return Math(self.names[symbol])

    def parameters_in_order(self):
        """Every parameter as ``(symbol, spec name, index)``: layer by layer from the output down, weights
        before biases, each in the order of its printed name's numbers (w1, w2, w3, w4 where the numbered
        weights run down a matrix's columns, as 001 numbers them)."""

        def order(item):
            symbol, name, _ = item
            return -int(name[1:]), name[0] == "b", name_order(self.names[symbol])

        return sorted(self.net.parameters(), key=order)

    def layer_role(self, l):
        """How prose names layer ``l``: "output layer", "hidden layer" when there is one, "hidden layer 1" among several."""
        if l == self.depth:
            return "output layer"
        return "hidden layer" if self.depth == 2 else f"hidden layer {l}"

    # -- canonical names of what a line works out (symbackprop.quantities) ----
    def signal_name(self, family, l, j):
        """The canonical name of ``family`` ("delta" or "dL/da") of unit ``j`` (0-based) of layer ``l``, for
        the sample the backward pass works: in batch mode each trained sample has its own (``@s``)."""
        return unit_name(family, l, j, self.sample if self.spec.mode != "sample" else None)

    # -- steps and displays ---------------------------------------------------
    def step(self, expr, values=None, keep_order=False):
        """A right-hand side: ``expr`` itself, or with ``values`` substituted for its symbols.

        With numbers, and with ``keep_order``, the factors and terms print in the order built.
        """
        shown = values is not None
        if shown:
            expr = self._substituted(expr, values)
        printer = self.printer(shown, keep_order)
        return Step(printer.doprint(expr), _pieces(expr, printer), _worth(expr) if shown else None)

    def targeted(self, expr, s):
        """``expr`` with sample ``s``'s targets put in exactly, when that makes it shorter (a target of 0 or 1
        drops a term: -y log(ŷ) - (1 - y) log(1 - ŷ) with y = 0 is -log(1 - ŷ)); else None."""
        targets = {y: sp.Rational(str(v)) for y, v in zip(self.net.y, self.spec.y[s])}
        if not expr.free_symbols & set(targets):
            return None
        shorter = expr.xreplace(targets)
        return shorter if sp.count_ops(shorter) < sp.count_ops(expr) else None

    def worked_with_targets(self, expr, values, value, kind, l=None):
        """:meth:`worked`, with a step between the formula and its figures that puts the targets in, where that
        makes the formula shorter: the reader then sees which terms a target of 0 or 1 removes."""
        shorter = self.targeted(expr, self.sample)
        if shorter is None:
            return self.worked(expr, values, value, kind, l)
        if not shorter.free_symbols:  # the target removes every term: -y/ŷ with y = 0 is 0
            return [self.step(expr, keep_order=True), self.value(value, kind, l)]
        return [self.step(expr, keep_order=True), *self.worked(shorter, values, value, kind, l)]

    def chain(self, *factors):
        """A product of chain-rule factors, printed in order with a dot between them."""
        return self.step(sp.Mul(*factors, evaluate=False), {})

    def value(self, value, kind, l=None):
        """A result: the figure ``value`` of family ``(kind, l)``."""
        places = self.figures.places(kind, l, value)
        text = number_text(value, places)
        return Step(text, (text,), float(value), places)

    def worked(self, expr, values, value, kind, l=None):
        """The three right-hand sides of a worked line: the formula, the formula with figures, the result.

        ``values`` maps symbols to :class:`Shown` figures; the result is of kind ``kind`` (layer ``l``). The
        formula keeps its terms in the order the figures print in, so each factor can be matched.
        A piecewise definition is worked by the branch its numbers select, and the line ends with the
        condition that selects it: ``= 0.01 · (−0.54) = −0.0054  since −0.54 < 0``.
        """
        steps = [self.step(expr, keep_order=True), self.step(expr, values), self.value(value, kind, l)]
        reasons = self._reasons(expr, values)
        if not reasons:
            return steps
        if _same(steps[2].latex, steps[1].latex):
            del steps[2]  # the branch is the result itself: "= 1 since 2.97 > 0", not "= 1 = 1 since ..."
        # Each reason braced: after the text, TeX would read the minus of "-0.5 < 0" as a binary one.
        since = r" \quad \text{since } " + r" \text{ and } ".join(f"{{{reason}}}" for reason in reasons)
        last = steps[-1]
        steps[-1] = Step(last.latex + since, (*last.pieces[:-1], last.pieces[-1] + since))
        return steps

    def _substituted(self, expr, values):
        """``expr`` with each of its symbols in ``values`` replaced by its number, nothing evaluated."""
        with sp.evaluate(False):
            present = expr.free_symbols
            return expr.xreplace({s: v for s, v in values.items() if s in present})

    def _reasons(self, expr, values):
        """The conditions that select the branches of the piecewise definitions in ``expr`` with ``values``, as LaTeX."""
        printer = self.printer(shown=True)
        reasons = []
        for node in sp.preorder_traversal(self._substituted(expr, values)):
            chosen = applicable(node) if isinstance(node, sp.Piecewise) else None
            reason = chosen and printer.doprint(chosen[1])
            if reason and reason not in reasons:
                reasons.append(reason)
        return reasons

    def equations(self, lines, lead=(), breakable=None, quantities=()):
        """A display of ``lines``, each ``(left expression, right-hand steps...)``, laid out to fit the page.

        A line that does not fit on one row puts each step on its own row, and a step that does
        not fit alone breaks between its terms, continuing on indented rows. ``quantities`` names
        each line's quantity (canonical names, "" for none); every row of the line carries it.
        """
        lefts = [self.m(left) if not isinstance(left, str) else left for left, *_ in lines]
        margin = max(measure.width(left) for left in lefts)
        rows = []
        names = tuple(quantities) or ("",) * len(lines)
        for left, (_, *steps), name in zip(lefts, lines, names, strict=True):
            steps = [s if isinstance(s, Step) else self.step(s) for s in steps]
            # "= 1 = 1" says nothing twice: a step printed as (or worth) the one before it, or the left side, is dropped.
            kept = [step for i, step in enumerate(steps) if not _same(step.latex, steps[i - 1].latex if i else left)]
            if not self.figures.precision.carried:
                kept = _approximate(kept)
            rows += [
                replace(row, quantity=name) for row in _layout(left, kept or steps[-1:], measure.DISPLAY_WIDTH - margin)
            ]
        if breakable is None:
            # A display taller than a third of a page may break between rows: moved whole to the next
            # page, it would leave that much of this one empty.
            tall = sum(max(measure.height(row.left), measure.height(row.right)) for row in rows)
            breakable = tall > measure.TEXT_HEIGHT / 3
        return Equations(tuple(rows), tuple(lead), breakable)


def _worth(expr):
    """What a step of figures gives, computed from the figures as printed; None where it holds anything else."""
    figures = {atom: sp.Float(atom.text) for atom in expr.atoms(Shown) if re.fullmatch(r"-?\d+(\.\d+)?", atom.text)}
    try:
        value = expr.xreplace(figures).evalf()
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    # Only a number is a worth: a symbol, a function of one, an imaginary part or an infinity is not.
    return float(value) if isinstance(value, sp.Number) and value.is_finite else None


def _approximate(steps):
    """``steps`` with a result that its printed figures give only to more than one unit of its last digit
    written after ≈ instead of = (exact figures: the inputs were rounded for display, the result was not)."""
    result = list(steps)
    for i in range(1, len(result)):
        before, step = result[i - 1], result[i]
        if before.worth is None or step.places is None or step.worth is None:
            continue
        if abs(rounded(before.worth, step.places) - rounded(step.worth, step.places)) > 10.0**-step.places * 1.000001:
            result[i] = replace(step, relation=r"\approx")
    return result


def _same(latex, before):
    """Whether a step says nothing new: it prints as the one before, or is the same number (0.01 after 0.01000)."""
    if latex == before:
        return True
    try:
        return float(latex) == float(before)
    except ValueError:
        return False


def _pieces(expr, printer):
    """The LaTeX of ``expr`` cut where a row may break: between the terms of a sum."""
    if isinstance(expr, sp.Add):
        terms = printer._as_ordered_terms(expr, order=printer.order)
        pieces = []
        for i, term in enumerate(terms):
            sign = ""
            if i > 0:
                if term.could_extract_minus_sign():
                    sign, term = "- ", -term
                else:
                    sign = "+ "
            text = printer._print(term)
            if printer._needs_add_brackets(term):
                text = rf"\left({text}\right)"
            pieces.append(sign + text)
        return tuple(pieces)
    if isinstance(expr, sp.Mul):
        # A factor times a sum, such as 1/2 of a squared error: the sum breaks inside fixed-size brackets.
        sums = [f for f in expr.args if isinstance(f, sp.Add)]
        if len(sums) == 1 and len(expr.args) == 2:
            (other,) = [f for f in expr.args if f is not sums[0]]
            inner = _pieces(sums[0], printer)
            if len(inner) > 1:
                head = printer._print(other)
                head += r" \cdot " if printer._settings["mul_symbol"] == "dot" else " "
                return (head + r"\bigl(" + inner[0], *inner[1:-1], inner[-1] + r"\bigr)")
    return (printer.doprint(expr),)


def _layout(left, steps, room):
    """Rows for ``left = step = step ...`` within ``room`` points of right-hand side."""
    rows, current = [], ""
    for step in steps:
        relation = step.relation
        candidate = (current + f" {relation} " if current else f"{relation} ") + step.latex
        if measure.width(candidate) <= room:
            current = candidate
            continue
        if current:
            rows.append(current)
        alone = f"{relation} " + step.latex
        if measure.width(alone) <= room or len(step.pieces) == 1:
            current = alone
        else:
            *full, current = _broken(f"{relation} ", step.pieces, room)
            rows += full
    rows.append(current)
    return [Row(left if i == 0 else "", row) for i, row in enumerate(rows)]


def _broken(relation, pieces, room):
    """``relation`` and ``pieces`` on rows of at most ``room`` points; continuation rows are indented."""
    rows, current = [], relation + pieces[0]
    for piece in pieces[1:]:
        if measure.width(current + " " + piece) > room:
            rows.append(current)
            current = r"\quad " + piece
        else:
            current += " " + piece
    rows.append(current)
    return rows


def matrix(ctx, array, kind, l=None):
    """A NumPy array of figures of family ``(kind, l)`` as a SymPy matrix."""
    array = np.atleast_2d(array)
    return sp.ImmutableMatrix(
        array.shape[0], array.shape[1], lambda i, j: Entry(array[i, j], ctx.places(kind, l, array[i, j]))
    )
