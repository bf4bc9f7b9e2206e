"""Exercises for the tests of the answer key, the Moodle export and the sheets: variants of a bundled example.

Each variant keeps the example's network, data and notation and gets fresh starting parameters, drawn
from a seeded generator and written with two decimals, as ``symbackprop variants`` will draw them. The
asked values come from the engine (as the variant drawing takes them); the tests check them against the
oracle (tests/oracle.py).
"""

import dataclasses
from decimal import Decimal

import numpy as np

from symbackprop import canonical_quantities, load, train
from symbackprop.exercise import Asked, Variant

TOLERANCE = 0.5e-4
DECIMALS = 4


def _two_decimals(array):
    """A float array as the nested lists of Decimal a spec holds (a single Decimal for a shared bias)."""
    array = np.asarray(array)
    if array.ndim == 0:
        return Decimal(f"{float(array):.2f}")
    return [_two_decimals(item) for item in array]


def variants(example, names, count, seed, first=1, title=None, decimals=None):
    """``count`` variants of the bundled ``example`` asking ``names``, IDs from ``first`` on; ``decimals`` gives
    each name's decimals (all :data:`DECIMALS` without it)."""
    base = load(example)
    if title is not None:
        base = dataclasses.replace(base, title=title)
    rng = np.random.default_rng(seed)
    made = []
    for number in range(first, first + count):
        parameters = {
            name: _two_decimals(rng.uniform(-0.9, 0.9, np.shape(value)))
            for name, value in base.numeric_parameters().items()
        }
        spec = dataclasses.replace(base, parameters=parameters)
        result = train(spec)
        values = canonical_quantities(result)
        places = decimals or [DECIMALS] * len(names)
        asked = tuple(Asked(name, values[name], 0.5 * 10.0**-d, d) for name, d in zip(names, places, strict=True))
        made.append(Variant(f"{number:03d}", spec, result, asked))
    return made
