"""An independent check of the nice-number constraints (docs/nice-numbers.md), for the tests.

It reads the numbers of a spec as exact decimals and runs them through the oracle network
(tests/oracle.py, plain Python one sample at a time): nothing of symbackprop.nice or of the
engine is used. :func:`broken` names the constraints a set breaks, as nice.problems groups them.
"""

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
from networks import BUNDLED_CUSTOM, CUSTOM_SCALAR
from oracle import Net

# The documented limits: |z| past which a unit is saturated, the kink's width, the least relative decrease.
SATURATION = {"sigmoid": 3.0, "tanh": 2.0}
KINK = 1e-9
MIN_DECREASE = 1e-4
# How close to a limit a figure must come for the float arithmetic of two implementations to disagree on it.
BORDER = 1e-9


class Borderline(Exception):
    """A set sits on a limit, where the oracle's and the engine's rounding may fall on either side."""


def decimals_of(value):
    """A nested list or tuple of Decimals as floats in a NumPy array."""
    return np.array(value, dtype=float)


def on_grid(value, places):
    """Whether the float ``value`` is the float nearest a multiple of 10^-places."""
    code = round(value * 10**places)
    return float(Decimal(code).scaleb(-places)) == value


def in_range(value, places, bounds):
    """Whether the grid value ``value`` lies within the closed range ``bounds``, compared exactly."""
    exact = Fraction(round(value * 10**places), 10**places)
    return Fraction(str(bounds[0])) <= exact <= Fraction(str(bounds[1]))


def broken(spec, net, params, x, y, drawn=None):
    """The constraints (names as in nice.CONSTRAINTS) the numbers ``params``, ``x``, ``y`` break for ``spec``.

    ``net`` is the oracle network of ``spec``'s architecture. ``drawn`` maps each drawn family ("weights",
    "biases", "inputs", "targets") to (places, (low, high)), whose grid and range are then checked.
    Raises :class:`Borderline` when a figure sits within BORDER of a limit.
    """
    found = set()
    kind = spec.architecture.loss.kind
    for family, (places, bounds) in (drawn or {}).items():
        values = {
            "weights": [v for name, p in params.items() if name[0] == "W" for v in np.ravel(p)],
            "biases": [v for name, p in params.items() if name[0] == "b" for v in np.ravel(p)],
            "inputs": list(np.ravel(x)),
            "targets": list(np.ravel(y)) if kind == "squared_error" else [],
        }[family]
        if not all(on_grid(float(v), places) and in_range(float(v), places, bounds) for v in values):
            found.add("grid")
    if any(float(v) == 0 for name, p in params.items() if name[0] == "W" for v in np.ravel(p)):
        found.add("zero weight")
    if "inputs" in (drawn or {}) and np.shape(x)[-1] <= 4 and len(spec.rows) <= 4:  # the documented DISTINCT_INPUTS
        for s in spec.rows:
            sizes = [abs(Decimal(str(float(v)))) for v in np.ravel(x[s])]
            if 0 in sizes or len(set(sizes)) < len(sizes):
                found.add("inputs")
    if kind == "bce" and any(v not in (0, 1) for v in np.ravel(y)):
        found.add("targets")
    if kind == "cross_entropy" and any(sorted(row) != [0] * (len(row) - 1) + [1] for row in np.asarray(y).tolist()):
        found.add("targets")

    rows = list(spec.rows)
    depth = len(net.acts)
    zs = [net.forward(params, x[s])[0] for s in rows]
    for l, (name, _) in enumerate(net.acts, start=1):
        values = [v for z in zs for v in z[l]]
        if name in SATURATION:
            limit = SATURATION[name]
            if any(abs(abs(v) - limit) < BORDER for v in values):
                raise Borderline(f"z{l} at the saturation limit")
            if any(abs(v) > limit for v in values):
                found.add("saturated")
        if name in ("relu", "leaky_relu"):
            if any(abs(v) < KINK for v in values):
                found.add("dead")
            units = len(zs[0][l])
            if l < depth and any(all(z[l][j] <= 0 for z in zs) for j in range(units)):
                found.add("dead")

    reduction, rate = spec.reduction, float(spec.learning_rate)
    try:
        before = net.loss(params, x, y, rows, reduction)
        gradients = net.gradients(params, x, y, rows, reduction)
        after = net.loss(net.train(params, x, y, rows, reduction, rate, 1, spec.update_biases), x, y, rows, reduction)
    except (ValueError, OverflowError, ZeroDivisionError) as error:
        raise Borderline(f"the oracle overflows: {error}") from None
    numbers = [before, after, *(v for g in gradients.values() for v in np.ravel(g))]
    if not all(math.isfinite(v) for v in numbers):
        found.add("finite")
    elif abs((before - after) - MIN_DECREASE * abs(before)) < BORDER * abs(before):
        raise Borderline("the decrease at its limit")
    elif not before - after > MIN_DECREASE * abs(before):
        found.add("decrease")
    return found


def spec_numbers(spec):
    """A spec's own numbers as the oracle takes them: parameters, inputs, targets."""
    params = {name: decimals_of(value) for name, value in spec.parameters.items()}
    return params, decimals_of(spec.x), decimals_of(spec.y)


# The oracle's forms of the custom activations the test networks use, by the formula as SymPy writes it.
CUSTOM_FORMULAS = {"t/10": BUNDLED_CUSTOM["A"], "t/4 + tanh(t)/2": CUSTOM_SCALAR}


def oracle_net(spec):
    """The oracle network of a spec's architecture (built-in activations, and the test networks' custom ones)."""
    acts = []
    for layer in spec.architecture.layers:
        parameters = dict(layer.activation.parameters)
        if "expression" in parameters:
            acts.append(("custom", {"custom": CUSTOM_FORMULAS[str(parameters["expression"])]}))
        elif "slope" in parameters:
            acts.append(("leaky_relu", {"slope": float(parameters["slope"])}))
        else:
            acts.append((layer.activation.name, {}))
    loss = spec.architecture.loss
    return Net(acts, loss.kind, spec.architecture.bias, float(loss.factor))
