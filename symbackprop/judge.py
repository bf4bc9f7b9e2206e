"""Judging an author's figures with error carried forward: each claim ok, rounding, carried or a slip.

How it works
------------
Every canonical quantity (docs/quantities.md) is made from a few others by one local rule: a weighted sum
from the activations below and the weights, an activation from its weighted sum, an error signal from dL/da
and f'(z), a gradient from an error signal and an activation, ... A rule reads its inputs through a *view*.
The author's view gives an input the author wrote as written, and one the author did not write as the
author's figures make it (:class:`Derived`: its own rule on them, rounded like them); the exact view gives
every input exactly. Given numbers (parameters, inputs, targets, learning rate) are always exact. So a claim
is judged against its *direct* inputs as the author had them, and an early mistake is blamed once, where it
was made, not again in every figure that inherits it.

A claim, with ``u`` one unit of its last written digit, is then:

1. ``ok`` when the exact value rounds to it (within ``u/2``) or is cut (truncated) to it at that digit;
2. ``rounding`` or ``carried`` when its rule on the author's view gives it, within what the author's own
   rounding or cutting of the steps between can move it (:func:`_slack`): ``rounding`` if no input it read
   was wrong (or it is right from their right values: the author went on with the right value), ``carried``
   if one was;
3. a ``slip`` otherwise. A rule also gives the values of known mistakes (a delta without f', a sum missing
   a term, weights already updated, ...), on the author's view and on the exact one; the first that gives
   the claim is the slip's diagnosis (a named mistake before a sign or a factor 2), ``arithmetic`` when
   none does.

Claims are judged in the order :func:`symbackprop.quantities.listed` gives (forward, losses, signals from the
output down, gradients, updates, the pass after), which is their order of dependence: each input's status is
known before a claim that reads it is judged.

An update after several steps has no rule from the other figures (the steps between have no names): it is
judged against the exact value, within :data:`UNWRITTEN_UNITS` units per step. A claim that is not a finite
number (NaN, infinity, beyond a float) or not a quantity of the network is refused with a
:class:`~symbackprop.errors.SpecError`; any other figure, however large, is judged like any other (a slip).
"""

import math
import re
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, localcontext
from functools import lru_cache

import numpy as np
import sympy as sp

from .errors import SpecError
from .evaluation import train
from .quantities import NAME, SLOPE, listed
from .verdict import DIAGNOSES, Verdict

# The decimals at which the explanations show a recomputed value: two more than the claim's.
SHOWN_EXTRA = 2
# How far a float computation may stray from the decimal arithmetic it stands for.
FLOAT_NOISE = 1e-9
# For a figure no rule computes from the claims (an update after several steps), the units of its last
# digit per step by which the author's rounding of unclaimed figures may move it.
UNWRITTEN_UNITS = 5


_SLOPE_OF = re.compile(r"a(\d+)_(\d+)")  # a training-sample activation, followed by its da/dz


@dataclass(frozen=True)
class Form:
    """One way to compute a quantity: right (``diagnosis`` None) or a known mistake, with a few words on how."""

    value: float
    diagnosis: str | None = None
    how: str = ""
    # How far, in units of the figure's last digit, the author's rounding or cutting of the unwritten steps
    # between the inputs and the figure can move it: one per product written down, the other factor of a
    # product whose factor (f', a Jacobian entry) was rounded before multiplying.
    carry: float = 0.0


class View:
    """The inputs a rule reads: ``claimed`` figures over a ``base`` mapping (the exact values, or
    :class:`Derived`), a few ``moved`` ones (to measure a slope), and the names read while ``recording``
    (a rule stops recording once its right forms are made: what its mistakes read are not its inputs).
    ``decimals`` is the precision of the claim being judged."""

    def __init__(self, base, claimed=None, moved=None, decimals=None):
        self.base, self.claimed, self.moved, self.decimals = base, claimed or {}, moved or {}, decimals
        self.read = []
        self.recording = True

    def __call__(self, name):
        if self.recording and name not in self.read:
            self.read.append(name)
        if name in self.moved:
            return self.moved[name]
        return self.claimed[name] if name in self.claimed else self.base[name]


class Derived:
    """The values the author's figures give the quantities the author did not write, as a mapping.

    Each is its rule's value on the author's figures, rounded at ``places`` (the decimals the author writes
    most): those it reads were written, or are derived in turn, down to the given numbers. So a figure read
    from an unwritten one inherits the author's rounding (and mistakes) through it, as the author's own
    unwritten working would. ``reads`` keeps what each one read.
    """

    def __init__(self, rules, exact, claimed, places):
        self.rules, self.exact, self.claimed, self.places = rules, exact, claimed, places
        self.values, self.reads, self._working = {}, {}, set()

    def __getitem__(self, name):
        if name in self.claimed:
            return self.claimed[name]
        if name not in self.values:
            if name in self._working:  # only a mistake reads what it feeds (dL/da, the updated weights)
                return self.exact[name]
            self._working.add(name)
            view = View(self, self.claimed)
            right = [f for f in self.rules.forms(name, view) if f.diagnosis is None]
            self._working.discard(name)
            if right and math.isfinite(right[0].value):
                # A form with nothing to round (a frozen bias: its given value) is taken as it is.
                self.values[name] = round(right[0].value, self.places) if right[0].carry else right[0].value
                self.reads[name] = view.read
            else:
                self.values[name], self.reads[name] = self.exact[name], []
        return self.values[name]


def judge(spec, claims):
    """One :class:`~symbackprop.verdict.Verdict` for each of ``claims`` (verdict.Claim, in any order), in their order.

    A name claimed twice is judged twice; the first of its figures is the one later figures are taken to use.

    >>> from decimal import Decimal
    >>> from symbackprop import load
    >>> from symbackprop.verdict import Claim
    >>> spec = load("regression_2_2_1_linear_output")
    >>> claims = [Claim("y", "a2_1", Decimal("0.7668")), Claim("d", "delta2_1", Decimal("0.2332"))]
    >>> [(v.status, v.diagnosis, v.explanation) for v in judge(spec, claims)]
    [('ok', None, '0.766784 rounded to 0.7668'), ('slip', 'sign', 'the sign flipped gives 0.233200 (right: -0.233216)')]
    """
    result = train(spec)
    quantities = listed(result)
    exact, names = {}, []
    for q in quantities:
        exact[q.name] = float(q.value)
        names.append(q.name)
        if (slope := _SLOPE_OF.fullmatch(q.name)) is not None:
            # The activation's derivative f'(z) of the training sample, as a figure of its own, after its a.
            l, j = int(slope[1]), int(slope[2])
            names.append(f"da/dz{l}_{j}")
            exact[names[-1]] = float(result.before.fprime[l][spec.rows[0], j - 1])
    order = {name: i for i, name in enumerate(names)}
    for claim in claims:
        _check_claim(claim, exact)
    twins = _twins(spec, exact)
    written = {}
    for claim in claims:
        written.setdefault(claim.canonical, claim.value)
    for name, twin in twins.items():
        if name in written:
            written.setdefault(twin, written[name])
    judging = Judging(Rules(spec, exact), exact, written)
    verdicts = {}
    for i in sorted(range(len(claims)), key=lambda i: order[claims[i].canonical]):
        name = claims[i].canonical
        verdicts[i] = judging.verdict(claims[i])
        for same in (name, twins.get(name)):
            judging.statuses.setdefault(same, verdicts[i].status)
    return [verdicts[i] for i in range(len(claims))]


def _twins(spec, exact):
    """Names of one number twice: the training sample's forward values and loss, plain and with its ``@s``
    (``a1_2`` and ``a1_2@3`` when sample 3 is trained alone). A figure written under one name is read
    under either, so the rules, which read one of them, see it."""
    at = f"@{spec.rows[0] + 1}"
    pairs = {name: f"{name}{at}" for name in exact if (m := NAME.fullmatch(name)) and m["family"] and "@" not in name}
    pairs = {name: twin for name, twin in pairs.items() if not name.startswith("after ") and twin in exact}
    if spec.mode == "sample":
        pairs["loss"] = f"loss{at}"
    return {**pairs, **{twin: name for name, twin in pairs.items()}}


def _check_claim(claim, exact):
    if claim.canonical not in exact:
        raise SpecError(f"{claim.name}: {claim.canonical!r} is not a quantity of this network")
    value = claim.value
    if not (isinstance(value, Decimal) and value.is_finite()):
        raise SpecError(f"{claim.name}: the claimed value {value} is not a finite number")
    if not math.isfinite(float(value)):
        raise SpecError(f"{claim.name}: the claimed value {value} is too large to judge")


class Judging:
    """The claims of one spec as they are judged: the exact values, the figures written, the statuses so far."""

    def __init__(self, rules, exact, written):
        self.rules, self.exact, self.written = rules, exact, written
        self.claimed = {name: float(value) for name, value in written.items()}
        places = Counter(max(0, -value.as_tuple().exponent) for value in written.values()).most_common(1)
        self.derived = Derived(rules, exact, self.claimed, places[0][0] if places else 6)
        self.statuses = {}

    def wrong_inputs(self, read):
        """The claimed figures among ``read``, or behind the unwritten ones among them, that were wrong."""
        found = []
        for n in read:
            if n in self.claimed:
                behind = [n] if self.statuses.get(n) in ("carried", "slip") else []
            else:
                behind = self.wrong_inputs(self.derived.reads.get(n, []))
            found += [m for m in behind if m not in found]
        return found

    def verdict(self, claim):
        """Steps 1 to 3 of the module's walk-through for one claim."""
        d, correct = claim.decimals, self.exact[claim.canonical]
        convention = _convention(claim.value, correct, d)
        if convention:
            return Verdict(
                claim, correct, "ok", None, f"{_fig(correct, d + SHOWN_EXTRA)} {convention} to {claim.value}"
            )
        author = View(self.derived, self.claimed, decimals=d)
        forms = self.rules.forms(claim.canonical, author)
        right = [f for f in forms if f.diagnosis is None]
        if right:
            tol = _slack(self.rules, claim.canonical, right[0], author, self.claimed, 10.0**-d)
            found = self.from_own_figures(claim, right, tol, author)
        else:
            tol, found = self.without_rule(claim)
        return found or self.slip(claim, forms, right, tol, author)

    def from_own_figures(self, claim, right, tol, author):
        """``rounding`` or ``carried`` when a right form on the author's figures gives the claim, else None."""
        value, d = float(claim.value), claim.decimals
        wrong = self.wrong_inputs(author.read)
        if wrong:
            # Right from the right values of the wrong inputs (rounded as the author would have rounded them):
            # the author went on with the right value, or the error is too small to show here. Nothing wrong
            # is carried into this figure.
            kept = {n: v for n, v in self.claimed.items() if n not in wrong}
            fixed = View(self.exact, kept, decimals=d)
            again = [f for f in self.rules.forms(claim.canonical, fixed) if f.diagnosis is None]
            slack = _slack(self.rules, claim.canonical, again[0], fixed, kept, 10.0**-d) if again else 0.0
            form = next((f for f in again if _near(f.value, value, slack)), None)
            if form is not None:
                words = f"from the right {', '.join(wrong)}, not the author's: {_fig(form.value, d + SHOWN_EXTRA)}"
                return Verdict(claim, self.exact[claim.canonical], "rounding", None, words)
        form = next((f for f in right if _near(f.value, value, tol)), None)
        if form is None:
            return None
        gives = _fig(form.value, d + SHOWN_EXTRA)
        if not wrong:
            return Verdict(claim, self.exact[claim.canonical], "rounding", None, f"{self.inputs(author)}: {gives}")
        uses = ", ".join(f"{self.written[n]} for {n}" for n in wrong)
        return Verdict(claim, self.exact[claim.canonical], "carried", None, f"uses {uses} (itself wrong): {gives}")

    def without_rule(self, claim):
        """(tolerance, verdict or None) for a figure no rule computes from the claims (an update after several
        steps): the author's rounding of the steps between, which the claims do not show, moves it a few units."""
        units = UNWRITTEN_UNITS * max(1, self.rules.spec.steps)
        tol, correct = units * 10.0**-claim.decimals, self.exact[claim.canonical]
        if abs(float(claim.value) - correct) > tol:
            return tol, None
        words = f"within {units} units of {_fig(correct, claim.decimals + SHOWN_EXTRA)}; the figures between are not claimed"
        return tol, Verdict(claim, correct, "rounding", None, words)

    def slip(self, claim, forms, right, tol, author):
        """The slip's verdict: the first known mistake that gives the claim, else an arithmetic slip."""
        name, value, d = claim.canonical, float(claim.value), claim.decimals
        correct = self.exact[name]
        mistakes = [f for f in forms if f.diagnosis]
        mistakes += [f for f in self.rules.forms(name, View(self.exact)) if f.diagnosis]
        mistakes += self.rules.generic(name, [f.value for f in right] + [correct])
        # A mistake that gives the right value (W[j,j] transposed) tells nothing.
        mistakes = [f for f in mistakes if not _near(f.value, correct, tol / 2)]
        rank = {diagnosis: i for i, diagnosis in enumerate(DIAGNOSES)}
        # A named mistake says more than a sign or a factor 2 that happens to give the same figure.
        for form in sorted(mistakes, key=lambda f: (f.diagnosis in ("sign", "factor-2"), rank[f.diagnosis])):
            if _near(form.value, value, tol):
                words = (
                    f"{form.how} gives {_fig(form.value, d + SHOWN_EXTRA)} (right: {_fig(correct, d + SHOWN_EXTRA)})"
                )
                return Verdict(claim, correct, "slip", form.diagnosis, words)
        if right:
            words = f"{self.inputs(author)}: {_fig(right[0].value, d + SHOWN_EXTRA)}, not {claim.value}"
        else:
            words = f"the exact value is {_fig(correct, d + SHOWN_EXTRA)}, not {claim.value}"
        return Verdict(claim, correct, "slip", "arithmetic", words)

    def inputs(self, author, most=4):
        """The first inputs a rule read, as the author wrote them or as their written figures make them."""
        shown = [
            f"{n} = {self.written[n] if n in self.written else f'{self.derived[n]:g}'}" for n in author.read[:most]
        ]
        more = ", ..." if len(author.read) > most else ""
        return ("from " + ", ".join(shown) + more) if shown else "from the given numbers"


def _convention(written, correct, d):
    """ "rounded" or "truncated" when ``correct`` gives the figure ``written`` at its ``d`` decimals, else None."""
    value, unit = float(written), 10.0**-d
    if abs(correct - value) <= unit / 2 + FLOAT_NOISE * max(1.0, abs(correct)):
        return "rounded"
    cut = Decimal(repr(correct + math.copysign(FLOAT_NOISE * max(1.0, abs(correct)), correct)))
    with localcontext(prec=cut.adjusted() + d + 2 if cut.adjusted() > 0 else 28):
        truncated = cut.quantize(Decimal(1).scaleb(-d), rounding=ROUND_DOWN) == written
    return "truncated" if truncated else None


def _near(candidate, value, tol):
    return math.isfinite(candidate) and abs(candidate - value) <= tol


def _slack(rules, name, form, author, claimed, unit):
    """How far the author's own rounding can move a figure from its rule's value on the author's view.

    The figure itself is rounded or cut (one unit), and so may be each step between its inputs and it that
    the author wrote down but did not claim (a product, f'): the form's ``carry``. An input not claimed was
    rounded too, at a precision we take to be the claim's: its effect is its sensitivity times one unit.
    """
    value, tol = form.value, unit * (1.0 + FLOAT_NOISE + form.carry)
    for n in author.read:
        if n not in claimed:
            tol += unit * min(_sensitivity(rules, name, value, author, n, side) for side in (1, -1))
    return tol


def _sensitivity(rules, name, value, author, n, side):
    """How fast the figure's value moves with input ``n``, on one side: the smaller side is taken, so a kink
    met on the way (a ReLU's at 0) is not mistaken for a steep slope."""
    step = side * 1e-6 * max(1.0, abs(author(n)))
    moved = View(author.base, author.claimed, {n: author(n) + step}, author.decimals)
    changed = [f.value for f in rules.forms(name, moved) if f.diagnosis is None]
    return abs(changed[0] - value) / abs(step) if changed and math.isfinite(changed[0]) else 0.0


def _fig(value, decimals):
    return f"{value:.{decimals}f}" if math.isfinite(value) else str(value)


def _at(s):
    return f"@{s}" if s else ""


def _scalar(function, *values):
    with np.errstate(all="ignore"):
        return float(np.asarray(function(*(np.array([v], dtype=float) for v in values))).reshape(-1)[0])


@lru_cache(maxsize=256)
def _loss_term(loss, y):
    """(loss term, its derivative) of one output with target ``y``, as functions of the output. Written for
    this target, so that a target of 0 or 1 drops the log it weighs (no 0 log 0 at an output of 0 or 1)."""
    a = sp.Symbol("a", real=True)
    term = loss.term(a, sp.Rational(repr(y)))
    return sp.lambdify([a], term, "math"), sp.lambdify([a], sp.diff(term, a), "math")


class Rules:
    """The local rules of one spec: for each canonical name, its right forms and its known mistakes."""

    def __init__(self, spec, exact):
        self.spec, self.exact = spec, exact
        arch = spec.architecture
        self.depth, self.bias, self.loss = arch.depth, arch.bias, arch.loss
        self.widths = arch.widths()
        self.acts = [layer.activation for layer in arch.layers]
        self._forward = [act.numeric_forward() for act in self.acts]
        self._derivative = [act.numeric_derivative() for act in self.acts]
        self.params = spec.numeric_parameters()
        self.x, self.y = spec.numeric_data()
        self.rows = list(spec.rows)
        self.batch = spec.mode != "sample"
        self.rate = float(spec.learning_rate)

    def _term(self, a, y):
        return _loss_term(self.loss, float(y))[0](a)

    def _term_prime(self, a, y):
        return _loss_term(self.loss, float(y))[1](a)

    # Given numbers, and the names of the quantities a rule reads.

    def weight(self, l, j, k, v, after=False):
        return v(f"new W{l}[{j + 1},{k + 1}]") if after else float(self.params[f"W{l}"][j, k])

    def bias_of(self, l, j, v, after=False):
        if self.bias == "none":
            return 0.0
        index = f"[{j + 1}]" if self.bias == "per-neuron" else ""
        if after:
            return v(f"new b{l}{index}")
        b = self.params[f"b{l}"]
        return float(b[j] if self.bias == "per-neuron" else b)

    def below(self, l, k, row, at, v, prefix=""):
        """The activation of unit k of layer l - 1 (an input of the sample ``row`` for l = 1)."""
        return float(self.x[row, k]) if l == 1 else v(f"{prefix}a{l - 1}_{k + 1}{at}")

    def sample_row(self, s):
        """The row of sample ``s`` (1-based, from a name's ``@s``), or of the training sample for a plain name."""
        return s - 1 if s else self.rows[0]

    def trained_at(self, r):
        """The suffix of trained row ``r``'s signals and of the forward values its gradients read: ``@{r + 1}``
        in batch mode, none in sample mode (the training sample's plain names)."""
        return f"@{r + 1}" if self.batch else ""

    def f(self, l, z):
        return _scalar(self._forward[l - 1], z)

    def fprime(self, l, z, a):
        return _scalar(self._derivative[l - 1], z, a)

    # The rules, by family.

    def forms(self, name, v):
        """The forms of quantity ``name`` with inputs read from ``v``: right ones first, then known mistakes."""
        m = NAME.fullmatch(name)
        v.recording = True
        try:
            if (slope := SLOPE.fullmatch(name)) is not None:
                return self.slope(int(slope[1]), int(slope[2]) - 1, v)
            if m["family"]:
                l, j, s = int(m["l"]), int(m["j"]) - 1, int(m["s"]) if m["s"] else None
                rule = self.z if m["family"] == "z" else self.a
                return rule(l, j, s, v, bool(m["after"]))
            if m["loss"]:
                return self.losses(m["loss"], v)
            if m["signal"]:
                l, j, s = int(m["sl"]), int(m["sj"]) - 1, int(m["ss"]) if m["ss"] else None
                if m["signal"] == "delta":
                    return self.delta(l, j, s, v)
                return self.grad_a(l, j, s, v)
            l = int(m["pl"])
            index = [int(i) - 1 for i in m["pi"].split(",")] if m["pi"] else []
            if m["param"] == "dL/d":
                return self.gradient(m["kind"], l, index, v)
            return self.new(m["kind"], l, index, v)
        except (OverflowError, ValueError, ZeroDivisionError):
            return []
        finally:
            v.recording = True

    def slope(self, l, j, v):
        """da/dz = f'(z), from the unit's z and a (the training sample's); or f' written with z where a goes."""
        z, a = v(f"z{l}_{j + 1}"), v(f"a{l}_{j + 1}")
        forms = [Form(self.fprime(l, z, a))]  # from the written a alone: no unwritten step between
        v.recording = False
        forms.append(Form(self.fprime(l, a, z), "wrong-derivative", "f' of a in place of z"))
        return forms

    def z(self, l, j, s, v, after):
        """z = sum_k W[j,k] a_k + b, from the activations below (the inputs in layer 1)."""
        row, at, prefix = self.sample_row(s), _at(s), "after " if after else ""
        terms = [
            (f"W{l}[{j + 1},{k + 1}]", self.weight(l, j, k, v, after) * self.below(l, k, row, at, v, prefix))
            for k in range(self.widths[l - 1])
        ]
        bias = self.bias_of(l, j, v, after)
        total = sum(t for _, t in terms) + bias
        forms = [Form(total, carry=len(terms))]
        v.recording = False
        if len(terms) + (self.bias != "none") > 1:
            forms += [Form(total - t, "missing-contribution", f"leaving out {w}·a") for w, t in terms]
        if self.bias != "none":
            forms.append(Form(total - bias, "missing-contribution", "leaving out the bias"))
        if self.widths[l] == self.widths[l - 1] > 1:
            swapped = sum(
                self.weight(l, k, j, v, after) * self.below(l, k, row, at, v, prefix) for k in range(self.widths[l - 1])
            )
            forms.append(Form(swapped + bias, "transposed", f"W{l}[k,{j + 1}] for W{l}[{j + 1},k]"))
        return forms

    def a(self, l, j, s, v, after):
        """a = f(z), from the unit's z (softmax: from the layer's)."""
        prefix, at = "after " if after else "", _at(s)
        if self.acts[l - 1].vector:
            zs = [v(f"{prefix}z{l}_{k + 1}{at}") for k in range(self.widths[l])]
            top = max(zs)
            exps = [math.exp(z - top) for z in zs]
            return [Form(exps[j] / sum(exps), carry=2)]
        return [Form(self.f(l, v(f"{prefix}z{l}_{j + 1}{at}")), carry=2)]

    def sample_loss(self, at, v, prefix=""):
        """The loss of one sample from its outputs, and the same loss missing one output's term."""
        L, targets = self.depth, self.y[self.sample_row(int(at[1:]) if at else None)]
        terms = [self._term(v(f"{prefix}a{L}_{j + 1}{at}"), float(targets[j])) for j in range(self.widths[L])]
        outs = [v(f"{prefix}a{L}_{j + 1}{at}") for j in range(self.widths[L])]
        slopes = [abs(self._term_prime(a, float(y))) for a, y in zip(outs, targets)]
        forms = [Form(sum(terms), carry=len(terms) + sum(slopes))]
        v.recording = False
        if len(terms) > 1:
            forms += [Form(sum(terms) - t, "missing-contribution", "leaving out an output's term") for t in terms]
        return forms

    def reduced(self, rows, v):
        """The loss over ``rows`` from their own losses, summed or averaged as the spec says, and the mistakes."""
        values = [v(f"loss@{r + 1}") for r in rows]
        total = sum(values)
        mean = self.spec.reduction == "mean"
        forms = [Form(total / len(rows) if mean else total, carry=1)]
        v.recording = False
        if len(rows) > 1:
            other = "summed instead of averaged" if mean else "averaged instead of summed"
            forms.append(Form(total if mean else total / len(rows), "mean-vs-sum", other))
            for value in values:
                part = total - value
                forms.append(Form(part / len(rows) if mean else part, "missing-contribution", "a sample left out"))
        return forms

    def losses(self, name, v):
        """A sample's loss from its outputs; a batch's from its samples' losses."""
        if name.startswith("loss@"):
            return self.sample_loss("@" + name[5:], v)
        if name == "loss_total":
            return self.reduced(range(len(self.x)), v)
        if not self.batch:
            return self.sample_loss("", v, "after " if name == "loss_after" else "")
        return self.batch_loss_after(v) if name == "loss_after" else self.reduced(self.rows, v)

    def batch_loss_after(self, v):
        """The loss after the step over the trained samples, from the claimed updated parameters.

        No name holds these samples' pass afterwards, so it is worked here as the author would have worked it,
        each figure rounded at the claim's decimals, as well as exactly.
        """
        L, mean = self.depth, self.spec.reduction == "mean"
        forms = []
        for places in dict.fromkeys([v.decimals, None]):

            def rounded(value, places=places):
                return value if places is None else round(value, places)

            losses = []
            for r in self.rows:
                outs = [float(x) for x in self.x[r]]
                for l in range(1, L + 1):
                    zs = [
                        rounded(
                            sum(self.weight(l, j, k, v, True) * outs[k] for k in range(self.widths[l - 1]))
                            + self.bias_of(l, j, v, True)
                        )
                        for j in range(self.widths[l])
                    ]
                    if self.acts[l - 1].vector:
                        exps = [math.exp(z - max(zs)) for z in zs]
                        outs = [rounded(e / sum(exps)) for e in exps]
                    else:
                        outs = [rounded(self.f(l, z)) for z in zs]
                losses.append(rounded(sum(self._term(a, float(t)) for a, t in zip(outs, self.y[r]))))
            total = sum(losses)
            forms.append(Form(total / len(losses) if mean else total, carry=len(losses) * sum(self.widths)))
        return forms

    def grad_a(self, l, j, s, v):
        """dL/da: the loss term's derivative at an output; at a hidden unit, sum_m W[m,j] delta_m from above."""
        at, L = _at(s), self.depth
        if l == L:
            return [Form(self._term_prime(v(f"a{L}_{j + 1}{at}"), float(self.y[self.sample_row(s), j])), carry=2)]
        units = range(self.widths[l + 1])
        deltas = [v(f"delta{l + 1}_{m + 1}{at}") for m in units]
        W = self.params[f"W{l + 1}"]
        terms = [float(W[m, j]) * deltas[m] for m in units]
        forms = [Form(sum(terms), carry=len(terms))]
        v.recording = False
        if len(terms) > 1:
            forms += [
                Form(
                    sum(terms) - t,
                    "missing-contribution",
                    f"leaving out W{l + 1}[{m + 1},{j + 1}]·delta{l + 1}_{m + 1}",
                )
                for m, t in enumerate(terms)
            ]
        updated = [float(W[m, j]) - self.rate * v(f"dL/dW{l + 1}[{m + 1},{j + 1}]") for m in units]
        forms.append(Form(sum(w * d for w, d in zip(updated, deltas)), "updated-weights", f"the updated W{l + 1}"))
        if W.shape[0] == W.shape[1] > 1:
            swapped = sum(float(W[j, m]) * deltas[m] for m in units)
            forms.append(Form(swapped, "transposed", f"W{l + 1}[{j + 1},m] for W{l + 1}[m,{j + 1}]"))
        return forms

    def delta(self, l, j, s, v):
        """delta = dL/da f'(z), f' written with z or with a; at an output also dL/da's own form from a (a - y)."""
        at, L = _at(s), self.depth
        z, a = v(f"z{l}_{j + 1}{at}"), v(f"a{l}_{j + 1}{at}")
        g = v(f"dL/da{l}_{j + 1}{at}")
        if self.acts[l - 1].vector:
            return self.softmax_delta(l, j, s, v)
        slopes = [self.fprime(l, z, a), self.fprime(l, z, self.f(l, z))]
        forms = [Form(g * slope, carry=1 + abs(g)) for slope in slopes]
        if l == L:
            row = self.sample_row(s)
            forms.append(Form(self._term_prime(a, float(self.y[row, j])) * slopes[0], carry=2))
        v.recording = False
        forms.append(Form(g, "missing-derivative", "dL/da without f'(z)"))
        forms += [
            Form(g * self.fprime(l, a, self.f(l, a)), "wrong-derivative", f"f' taken at a = {a:g} instead of z"),
            Form(g * self.fprime(l, z, z), "wrong-derivative", f"f' written with z = {z:g} for a"),
            Form(g * a, "wrong-derivative", "a in place of f'(z)"),
        ]
        if l < L:
            # The author may have gone straight to delta: dL/da's own mistakes, times f'.
            passed = self.grad_a(l, j, s, View(v.base, v.claimed, v.moved))
            forms += [Form(f.value * slopes[0], f.diagnosis, f.how) for f in passed if f.diagnosis]
        return forms

    def softmax_delta(self, l, j, s, v):
        at, units = _at(s), range(self.widths[l])
        outs = [v(f"a{l}_{k + 1}{at}") for k in units]
        grads = [v(f"dL/da{l}_{k + 1}{at}") for k in units]
        row = self.sample_row(s)
        own = [self._term_prime(outs[k], float(self.y[row, k])) for k in units]

        def chain(g):
            return sum(g[k] * outs[k] * ((k == j) - outs[j]) for k in units)

        right = [Form(chain(grads), carry=1 + sum(map(abs, grads))), Form(chain(own), carry=1 + sum(map(abs, own)))]
        v.recording = False
        return [
            *right,
            Form(grads[j], "missing-derivative", "dL/da without the softmax Jacobian"),
            Form(grads[j] * outs[j] * (1 - outs[j]), "missing-contribution", "only the Jacobian's diagonal"),
        ]

    def gradient(self, kind, l, index, v):
        """dL/dW = delta a_below, dL/db = delta (a shared bias: the layer's deltas added), over the trained
        rows, added or averaged."""
        mean = self.spec.reduction == "mean"
        parts = []
        for r in self.rows:
            at = self.trained_at(r)
            if kind == "W":
                j, k = index
                parts.append(v(f"delta{l}_{j + 1}{at}") * self.below(l, k, r, at, v))
            elif index:
                parts.append(v(f"delta{l}_{index[0] + 1}{at}"))
            else:
                parts.append(sum(v(f"delta{l}_{j + 1}{at}") for j in range(self.widths[l])))
        n = len(self.rows)
        total = sum(parts)
        forms = [Form(total / n if mean else total, carry=n)]
        v.recording = False
        if n > 1:
            other = "summed instead of averaged" if mean else "averaged instead of summed"
            forms.append(Form(total if mean else total / n, "mean-vs-sum", other))
            for r, part in zip(self.rows, parts):
                rest = total - part
                forms.append(Form(rest / n if mean else rest, "missing-contribution", f"sample {r + 1} left out"))
        if kind == "W" and index[1] < self.widths[l] and index[0] < self.widths[l - 1]:
            j, k = index
            swapped = sum(
                v(f"delta{l}_{k + 1}{self.trained_at(r)}") * self.below(l, j, r, self.trained_at(r), v)
                for r in self.rows
            )
            forms.append(
                Form(swapped / n if mean else swapped, "transposed", f"delta{l}_{k + 1}·a_{j + 1} (indices swapped)")
            )
        return forms

    def new(self, kind, l, index, v):
        """The parameter after one step, old - rate gradient (a frozen bias: old); no rule after several steps."""
        if self.spec.steps != 1:
            return []
        suffix = f"[{','.join(str(i + 1) for i in index)}]" if index else ""
        old = float(self.params[f"{kind}{l}"][tuple(index)])
        g, rate = v(f"dL/d{kind}{l}{suffix}"), self.rate
        moved = old - rate * g
        v.recording = False
        if kind == "b" and not self.spec.update_biases:
            return [Form(old), Form(moved, "learning-rate", "a frozen bias updated")]
        forms = [Form(moved, carry=1), Form(old + rate * g, "learning-rate", "the update added, not subtracted")]
        if rate != 1:
            forms += [
                Form(old - g, "learning-rate", "the rate left out"),
                Form(old - g / rate, "learning-rate", "divided by the rate"),
            ]
        return forms

    def generic(self, name, values):
        """Mistakes any quantity can carry: its sign, a factor 2, another sample's value."""
        forms = []
        for value in values[:1]:
            forms += [
                Form(-value, "sign", "the sign flipped"),
                Form(2 * value, "factor-2", "twice the value"),
                Form(value / 2, "factor-2", "half the value"),
            ]
        forms += [Form(value, "wrong-sample", f"sample {s}'s value") for s, value in self.other_samples(name)]
        return forms

    def other_samples(self, name):
        """(sample, exact value) of the same quantity for the other samples."""
        base, _, s = name.partition("@")
        if name.startswith(("after ", "dL/dW", "dL/db", "new ")) or name in ("loss_total", "loss_after"):
            return []
        own = int(s) if s else self.rows[0] + 1
        if base == "loss" and self.batch and not s:
            return []
        found = []
        for other in range(1, len(self.x) + 1):
            key = f"{base}@{other}"
            if other != own and key in self.exact:
                found.append((other, self.exact[key]))
        return found
