"""The figures of a document: which number each quantity shows, and with how many decimals.

Every figure has a kind, and for most kinds a layer: ``("z", 2)`` are the weighted
sums of layer 2, ``("grad", 1)`` the gradients of layer 1's parameters. Computed
figures take their decimals from the spec's precision policy
(:mod:`symbackprop.precision`): a fixed count, or as many as give each figure
its significant figures. Numbers the author gave come in families that print
alike: ``x`` (every input), ``y`` (every target), ``param`` (every starting
parameter) and ``rate``.

Kinds of computed figures: ``z``, ``a``, ``exp`` (a softmax layer's sum of
exponentials), ``loss``, ``grad_a`` (dL/da and its parts), ``fprime``, ``delta``,
``grad``, ``new`` (updated parameters), ``percent``; ``written`` is a constant of
the mathematics, printed as written.
"""

from functools import cached_property

import numpy as np

from ..carried import carried_run
from ..precision import text as number_text
from ..precision import written_places

GIVEN = ("x", "y", "param", "rate")
PERCENT_PLACES = 1  # a change of the loss reads best as -25.8 %


class Figures:
    """The run a document shows (exact, or carried rounded) and the decimals of every family."""

    def __init__(self, result):
        self.result = result
        self.spec = result.spec
        self.precision = self.spec.notation.precision

    @cached_property
    def run(self):
        """The training run whose numbers the document prints."""
        if self.precision.carried:
            return carried_run(self.spec, self.places)
        return self.result

    @cached_property
    def per_sample(self):
        """Each sample's own gradient of every parameter, as the document prints them."""
        if self.precision.carried:
            return self.run.per_sample
        return self.result.before.per_sample_gradients()

    def product(self, l, j):
        """dL/da times f' of unit ``j`` of layer ``l`` for the training sample, as its worked line gives it
        (for softmax, the chain rule's sum over the layer's Jacobian)."""
        s = self.spec.rows[0]
        if self.precision.carried:
            return self.run.products[l][s, j]
        return self.result.before.delta[l][s, j]

    def drift(self):
        """The largest difference between a carried new parameter and its exact value."""
        return max(
            float(np.max(np.abs(np.asarray(self.run.updated[name]) - np.asarray(self.result.updated[name]))))
            for name in self.result.updated
        )

    def jacobian(self, l):
        """(samples, k, j): the softmax Jacobian entries da_k/dz_j = a_k (1[k = j] - a_j) of layer ``l``, as printed."""
        if self.precision.carried:
            return self.run.before.jacobian
        a = self.result.before.a[l]
        return a[:, :, None] * (np.eye(a.shape[-1])[None] - a[:, None, :])

    def contributions(self, l):
        """(samples, units above, units of l): each downstream unit's part of dL/da for layer ``l``, as printed."""
        if self.precision.carried:
            return self.run.before.parts[l]
        return self.result.before.contributions(l)

    def difference(self, before, after, kind, l=None):
        """``after - before`` as text, with at least the decimals of the more precise of the two figures.

        Carried rounded, the difference of two figures has no more decimals than they have, and printed
        with theirs it is exactly the difference of the printed figures. Exact, it also keeps its own
        significant figures, so that a change smaller than the figures' last digit still shows.
        """
        places = max(self.places(kind, l, before), self.places(kind, l, after))
        if not self.precision.carried:
            places = max(places, self.places(kind, l, after - before))
        return number_text(after - before, places)

    def places(self, kind, l=None, value=0.0):
        """The decimals of ``value``, a figure of kind ``kind`` (and layer ``l``)."""
        if kind == "written":
            return written_places(value)
        if kind in GIVEN:
            return self._given[kind]
        if kind == "percent":
            return PERCENT_PLACES
        return self.precision.places(value)

    @cached_property
    def _given(self):
        spec = self.spec
        x, y = spec.numeric_data()
        families = {"x": x.ravel(), "y": y.ravel(), "rate": [float(spec.learning_rate)]}
        families["param"] = _joined(spec.numeric_parameters().values())
        return {kind: self.precision.given_places(values) for kind, values in families.items()}


def _joined(arrays):
    return np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in arrays])
