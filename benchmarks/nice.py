"""Nice numbers: checking 10,000 candidate sets at once, and drawing 1, 100 and 10,000 nice sets.

For each network (a spec written by `symbackprop new`, seed 0), "check 10k" is the best time
of nice.problems() on 10,000 candidates drawn from wider ranges than the defaults (so that many
break a constraint), after one warm-up call that derives and compiles the network; "one by one"
is the time of the same check on one set at a time, times 10,000 (measured on 200 sets); then
the time of nice.draw() for 1, 100 and 10,000 sets with every kind of number drawn.

    python benchmarks/nice.py [ROUNDS]
"""

import sys

import numpy as np
from common import best_of, machine

from symbackprop import parse
from symbackprop.new import new_spec
from symbackprop.nice import VARYING, Numbers, Settings, draw, problems

NETWORKS = [
    ("2-2-1", {}),
    ("3-4-2", {"hidden": "tanh", "output": "softmax"}),
    ("2-3-1 relu, 4 samples, batch", {"hidden": "relu", "output": "linear", "samples": 4, "mode": "batch"}),
    ("4-8-8-2", {"hidden": "tanh", "output": "softmax"}),
    ("8-16-16-4, 8 samples, batch", {"output": "softmax", "samples": 8, "mode": "batch", "rate": "0.1"}),
]
EVERYTHING = Settings(vary=frozenset(VARYING))
# The candidates' own ranges, so that they break the constraints on the run, not only their ranges.
WIDE = Settings(vary=frozenset(VARYING), weights=(-2, 2), biases=(-2, 2), inputs=(-2, 2))


def candidates(spec, count, seed=0):
    """``count`` sets drawn on the grid from ranges twice as wide as the defaults."""
    rng = np.random.default_rng(seed)

    def grid(shape, wide):
        return rng.integers(-wide * 10, wide * 10 + 1, (count, *shape)) / 10

    parameters = {name: grid(value.shape, 2) for name, value in spec.numeric_parameters().items()}
    x, y = spec.numeric_data()
    return Numbers(parameters, grid(x.shape, 2), np.broadcast_to(y, (count, *y.shape)), WIDE)


def one_by_one(spec, numbers, sets=200):
    single = [
        Numbers(
            {n: v[i : i + 1] for n, v in numbers.parameters.items()}, numbers.x[i : i + 1], numbers.y[i : i + 1], WIDE
        )
        for i in range(sets)
    ]
    seconds, _ = best_of(lambda: [problems(spec, one) for one in single], 1)
    return seconds * numbers.count / sets


def main(rounds=5):
    print(machine())
    print(
        f"{'network':<32}{'check 10k s':>12}{'one by one s':>14}{'nice %':>8}{'draw 1 s':>10}{'100 s':>8}{'10k s':>8}"
    )
    for arch, options in NETWORKS:
        spec = parse(new_spec(arch.split()[0].rstrip(","), **options))
        numbers = candidates(spec, 10_000)
        problems(spec, numbers)
        seconds, found = best_of(lambda spec=spec, numbers=numbers: problems(spec, numbers), rounds)
        nice = 100 * sum(not messages for messages in found) / len(found)
        slow = one_by_one(spec, numbers)
        draws = [
            best_of(lambda spec=spec, count=count: draw(spec, np.random.default_rng(1), count, EVERYTHING), rounds)[0]
            for count in (1, 100, 10_000)
        ]
        print(
            f"{arch:<32}{seconds:>12.3f}{slow:>14.1f}{nice:>8.1f}"
            + "".join(f"{t:>{w}.3f}" for t, w in zip(draws, (10, 8, 8)))
        )


if __name__ == "__main__":
    main(*(int(argument) for argument in sys.argv[1:]))
