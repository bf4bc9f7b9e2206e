"""Loss functions: symbolic per-sample formula, stable numeric form and printed name.

A loss here is the loss of one sample, summed over the output units; the spec's
``reduction`` then sums or averages it over samples.

>>> import sympy
>>> a, y = sympy.symbols("a y")
>>> squared_error(sympy.Rational(1, 2)).formula([a], [y])
(a - y)**2/2
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp


@dataclass(frozen=True, eq=False)
class Loss:
    """One loss.

    ``formula(a, y)`` builds the per-sample loss from output symbols ``a`` and
    target symbols ``y``; every loss here is a sum of one ``term(a_j, y_j)`` per
    output, so dL/da_j is the derivative of that one term (differentiating the
    whole sum for every output would cost the square of the outputs). ``numeric(z, a, y, activation_name)`` gives it per
    sample for arrays of shape (samples, outputs); it uses the pre-activations
    ``z`` where that avoids overflow (BCE after a sigmoid, cross-entropy after
    softmax). ``targets_sum_to_one`` says the targets of each sample are a
    probability distribution, which the derivation may use to simplify.
    ``numeric_grad_a(z, a, y, activation_name)``, where given, is dL/da in a form
    that gives no NaN where an output rounds to 0 or 1 (else the derivative is
    lambdified).
    """

    kind: str
    label: str
    formula: Callable[[list, list], sp.Expr]
    term: Callable[[sp.Expr, sp.Expr], sp.Expr]
    numeric: Callable[..., np.ndarray]
    factor: sp.Rational = sp.Integer(1)
    targets_sum_to_one: bool = False
    numeric_grad_a: Callable[..., np.ndarray] | None = None

    # Equal by kind and factor, not by the identity of the lambdas (see Activation).
    def __eq__(self, other):
        return isinstance(other, Loss) and (self.kind, self.factor) == (other.kind, other.factor)

    def __hash__(self):
        return hash((self.kind, self.factor))


def squared_error(factor):
    factor = sp.Rational(str(factor))

    def numeric(z, a, y, activation):
        return float(factor) * np.sum((a - y) ** 2, axis=-1)

    return Loss(
        "squared_error",
        "squared error",
        lambda a, y: factor * sp.Add(*[(ai - yi) ** 2 for ai, yi in zip(a, y)]),
        lambda a, y: factor * (a - y) ** 2,
        numeric,
        factor=factor,
    )


def _bce_numeric(z, a, y, activation):
    if activation == "sigmoid":
        # -[y log s(z) + (1-y) log(1-s(z))] = log(1 + e^z) - y z = max(z, 0) + log(1 + e^-|z|) - y z,
        # finite for any z. The same formula as np.logaddexp(0, z), in whole-array passes that run
        # faster than logaddexp's element-by-element loop.
        terms = np.abs(z)
        np.negative(terms, out=terms)
        np.exp(terms, out=terms)
        np.log1p(terms, out=terms)
        terms += np.maximum(z, 0.0)
        return np.sum(terms, axis=-1) - np.sum(y * z, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = -(np.where(y > 0, y * np.log(a), 0.0) + np.where(y < 1, (1 - y) * np.log1p(-a), 0.0))
    return np.sum(terms, axis=-1)


def _bce_grad_a(z, a, y, activation):
    """-y/a + (1 - y)/(1 - a), each term only where its target weight is nonzero (no 0/0 at a = 0 or 1)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if activation == "sigmoid":
            # With a = s(z): 1/a = 1 + e^-z and 1/(1 - a) = 1 + e^z, exact where a itself rounds to 0 or 1.
            wrong, right = 1 + np.exp(z), 1 + np.exp(-z)
        else:
            wrong, right = 1 / (1 - a), 1 / a
        return np.where(y < 1, (1 - y) * wrong, 0.0) - np.where(y > 0, y * right, 0.0)


BCE = Loss(
    "bce",
    "binary cross-entropy",
    lambda a, y: -sp.Add(*[yi * sp.log(ai) + (1 - yi) * sp.log(1 - ai) for ai, yi in zip(a, y)]),
    lambda a, y: -(y * sp.log(a) + (1 - y) * sp.log(1 - a)),
    _bce_numeric,
    numeric_grad_a=_bce_grad_a,
)


def _cross_entropy_numeric(z, a, y, activation):
    # With softmax outputs, -sum y log a = sum y (logsumexp(z) - z): no log of a tiny a. The largest
    # output, at the largest z, is e^0 / sum e^(z - max z), so logsumexp(z) = max z - log(max a): stable
    # (max a >= 1/units never underflows) and it reuses the softmax's exponentials instead of redoing them.
    logsumexp = z.max(axis=-1, keepdims=True) - np.log(a.max(axis=-1, keepdims=True))
    return np.sum(y * (logsumexp - z), axis=-1)


def _cross_entropy_grad_a(z, a, y, activation):
    """-y/a, and 0 where the target is 0 (no 0/0 where an output underflows to 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y > 0, -y / a, 0.0)


CROSS_ENTROPY = Loss(
    "cross_entropy",
    "cross-entropy",
    lambda a, y: -sp.Add(*[yi * sp.log(ai) for ai, yi in zip(a, y)]),
    lambda a, y: -y * sp.log(a),
    _cross_entropy_numeric,
    targets_sum_to_one=True,
    numeric_grad_a=_cross_entropy_grad_a,
)

KINDS = ("squared_error", "bce", "cross_entropy")
# The losses that take no setting, by kind (squared_error is built with its factor).
FIXED = {"bce": BCE, "cross_entropy": CROSS_ENTROPY}
