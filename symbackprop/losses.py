"""Loss functions: one entry per kind, holding its per-output term, its stable numeric forms, its
printed name and what a spec may say about it.

A loss here is the loss of one sample, summed over the output units; the spec's
``reduction`` then sums or averages it over samples. :data:`KINDS` is the table
a spec's ``[loss]`` table is read from: each kind reads and checks its own
settings, the output activation it can follow and the targets it can take.

>>> import sympy
>>> a, y = sympy.symbols("a y")
>>> squared_error(sympy.Rational(1, 2)).formula([a], [y])
(a - y)**2/2
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import sympy as sp

from . import activations
from .checks import number, show, suggest
from .errors import SpecError


@dataclass(frozen=True, eq=False)
class Loss:
    """One loss.

    ``term(a_j, y_j)`` is the loss of one output; :meth:`formula` sums it over
    the outputs, so dL/da_j is the derivative of that one term (differentiating
    the whole sum for every output would cost the square of the outputs).
    ``numeric(z, a, y)`` gives the loss per sample for arrays of shape
    (samples, outputs), and ``numeric_grad_a(z, a, y)``, where given, dL/da in a
    form that gives no NaN where an output rounds to 0 or 1 (else the derivative
    is lambdified). ``after`` maps the name of an output activation to a pair of
    such forms written with the pre-activations ``z``, which stay finite where
    the general ones overflow (BCE after a sigmoid); :meth:`numeric_forms` picks
    the pair. ``factor`` scales squared error (1 for the others).
    ``targets_sum_to_one`` says the targets of each sample are a probability
    distribution, which the derivation may use to simplify.
    """

    kind: str
    label: str
    term: Callable[[sp.Expr, sp.Expr], sp.Expr]
    numeric: Callable[..., np.ndarray]
    factor: sp.Rational = sp.Integer(1)
    targets_sum_to_one: bool = False
    numeric_grad_a: Callable[..., np.ndarray] | None = None
    after: dict = field(default_factory=dict)

    # Equal by kind and factor, not by the identity of the lambdas (see Activation).
    def __eq__(self, other):
        return isinstance(other, Loss) and (self.kind, self.factor) == (other.kind, other.factor)

    def __hash__(self):
        return hash((self.kind, self.factor))

    def formula(self, a, y):
        """The loss of one sample from output symbols ``a`` and target symbols ``y``: one term per output."""
        return sp.Add(*[self.term(ai, yi) for ai, yi in zip(a, y)])

    def numeric_forms(self, output):
        """``(numeric, numeric_grad_a)`` after the output activation ``output``: its own pair in ``after``
        where the loss has one, else the general forms, which hold for any output the loss takes."""
        return self.after.get(output.numeric_name, (self.numeric, self.numeric_grad_a))


def squared_error(factor):
    factor = sp.Rational(str(factor))

    def numeric(z, a, y):
        return float(factor) * np.sum((a - y) ** 2, axis=-1)

    return Loss("squared_error", "squared error", lambda a, y: factor * (a - y) ** 2, numeric, factor=factor)


def _bce_from_outputs(z, a, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = -(np.where(y > 0, y * np.log(a), 0.0) + np.where(y < 1, (1 - y) * np.log1p(-a), 0.0))
    return np.sum(terms, axis=-1)


def _bce_grad_from_outputs(z, a, y):
    """-y/a + (1 - y)/(1 - a), each term only where its target weight is nonzero (no 0/0 at a = 0 or 1)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        wrong, right = 1 / (1 - a), 1 / a
        return np.where(y < 1, (1 - y) * wrong, 0.0) - np.where(y > 0, y * right, 0.0)


def _bce_after_sigmoid(z, a, y):
    # -[y log s(z) + (1-y) log(1-s(z))] = log(1 + e^z) - y z = max(z, 0) + log(1 + e^-|z|) - y z,
    # finite for any z. The same formula as np.logaddexp(0, z), in whole-array passes that run
    # faster than logaddexp's element-by-element loop.
    terms = np.abs(z)
    np.negative(terms, out=terms)
    np.exp(terms, out=terms)
    np.log1p(terms, out=terms)
    terms += np.maximum(z, 0.0)
    return np.sum(terms, axis=-1) - np.sum(y * z, axis=-1)


def _bce_grad_after_sigmoid(z, a, y):
    """As :func:`_bce_grad_from_outputs`, with a = s(z): 1/a = 1 + e^-z and 1/(1 - a) = 1 + e^z, exact
    where a itself rounds to 0 or 1."""
    with np.errstate(over="ignore", invalid="ignore"):
        wrong, right = 1 + np.exp(z), 1 + np.exp(-z)
        return np.where(y < 1, (1 - y) * wrong, 0.0) - np.where(y > 0, y * right, 0.0)


BCE = Loss(
    "bce",
    "binary cross-entropy",
    lambda a, y: -(y * sp.log(a) + (1 - y) * sp.log(1 - a)),
    _bce_from_outputs,
    numeric_grad_a=_bce_grad_from_outputs,
    after={"sigmoid": (_bce_after_sigmoid, _bce_grad_after_sigmoid)},
)


def _cross_entropy_after_softmax(z, a, y):
    # With softmax outputs, -sum y log a = sum y (logsumexp(z) - z): no log of a tiny a. The largest
    # output, at the largest z, is e^0 / sum e^(z - max z), so logsumexp(z) = max z - log(max a): stable
    # (max a >= 1/units never underflows) and it reuses the softmax's exponentials instead of redoing them.
    logsumexp = z.max(axis=-1, keepdims=True) - np.log(a.max(axis=-1, keepdims=True))
    return np.sum(y * (logsumexp - z), axis=-1)


def _cross_entropy_grad_a(z, a, y):
    """-y/a, and 0 where the target is 0 (no 0/0 where an output underflows to 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y > 0, -y / a, 0.0)


# Its numeric form is written for softmax outputs, the only ones it takes.
CROSS_ENTROPY = Loss(
    "cross_entropy",
    "cross-entropy",
    lambda a, y: -y * sp.log(a),
    _cross_entropy_after_softmax,
    targets_sum_to_one=True,
    numeric_grad_a=_cross_entropy_grad_a,
)


@dataclass(frozen=True)
class Kind:
    """One kind of loss as a spec's ``[loss]`` table names it.

    ``settings`` are the keys it takes besides ``kind`` and ``reduction``; ``read(table, key)``
    checks them and builds the loss. ``refuse_output(output)`` says why the output layer's
    activation does not suit it, or None when it does; each of ``target_checks``,
    ``check(kind, row)``, does the same for one sample's targets.
    """

    read: Callable[[dict, str], Loss]
    settings: frozenset = frozenset()
    refuse_output: Callable[[activations.Activation], str | None] = lambda output: None
    target_checks: tuple = ()


def _read_squared_error(table, key):
    factor = number(table.get("factor", Decimal("0.5")), f"{key}.factor")
    if factor <= 0:
        raise SpecError(f"{key}.factor: expected a positive number, got {factor}")
    return squared_error(factor)


def _refuse_unless_in_unit_interval(output):
    """BCE takes the logs of a and 1 - a: a sigmoid's outputs lie in (0, 1), the other built-ins' need not.

    A custom formula's range is not known before it is computed (a log of a value outside (0, 1) is
    refused then); one recognised as a built-in is that built-in.
    """
    if output.numeric_name in activations.NAMES and output.numeric_name != "sigmoid":
        recognised = f" (a {output.same_as})" if output.same_as else ""
        return f"bce needs outputs in (0, 1), i.e. a sigmoid output layer, got {output.name!r}{recognised}"
    return None


def _refuse_unless_softmax(output):
    if output != activations.SOFTMAX:
        return f"cross_entropy needs a softmax output layer, got {output.name!r}; use bce for sigmoid outputs"
    return None


def _between_0_and_1(kind, row):
    if any(not 0 <= v <= 1 for v in row):
        return f"{kind} needs targets between 0 and 1, got {[float(v) for v in row]}"
    return None


def _summing_to_1(kind, row):
    if abs(sum(row) - 1) > Decimal("1e-9"):
        return f"{kind} needs targets that sum to 1 (e.g. one-hot), got sum {float(sum(row))}"
    return None


KINDS = {
    "squared_error": Kind(_read_squared_error, frozenset({"factor"})),
    "bce": Kind(
        lambda table, key: BCE,
        refuse_output=_refuse_unless_in_unit_interval,
        target_checks=(_between_0_and_1,),
    ),
    "cross_entropy": Kind(
        lambda table, key: CROSS_ENTROPY,
        refuse_output=_refuse_unless_softmax,
        target_checks=(_between_0_and_1, _summing_to_1),
    ),
}
# Every setting some kind takes: a [loss] table may hold these besides kind and reduction.
SETTINGS = frozenset().union(*(kind.settings for kind in KINDS.values()))


def from_spec(table, output, *, key="loss"):
    """The loss a spec's ``[loss]`` table describes, after the output activation ``output``.

    Its kind is looked up in :data:`KINDS` (an unknown one is refused, naming the closest); the
    kind reads its own settings; a setting only other kinds take, or an output it cannot follow, is refused.
    """
    if "kind" not in table:
        raise SpecError(f"{key}.kind: missing")
    name = table["kind"]
    if not isinstance(name, str) or name not in KINDS:
        raise SpecError(
            f"{key}.kind: unknown value {show(name)}{suggest(name, KINDS)}; expected one of {', '.join(KINDS)}"
        )
    kind = KINDS[name]
    for setting in sorted(SETTINGS & table.keys() - kind.settings):
        takers = [other for other, entry in KINDS.items() if setting in entry.settings]
        raise SpecError(f"{key}.{setting}: only {' and '.join(takers)} takes a {setting}, not {name}")
    refusal = kind.refuse_output(output)
    if refusal:
        raise SpecError(f"{key}.kind: {refusal}")
    return kind.read(table, key)


def check_targets(loss, y):
    """Refuse the first sample whose targets ``y`` (rows of Decimals) the kind of ``loss`` cannot take."""
    for check in KINDS[loss.kind].target_checks:
        for row, values in enumerate(y, start=1):
            refusal = check(loss.kind, values)
            if refusal:
                raise SpecError(f"data.y[{row}]: {refusal}")
