"""Nice numbers: drawn sets meet every constraint, as an independent check finds (tests/niceness.py, with the
oracle network and exact decimals), problems() finds exactly what that check finds on sets that break them,
and drawing is deterministic, distinct, vectorised and refuses what it cannot do in one line."""

import re
import time
from decimal import Decimal

import numpy as np
import pytest
from networks import SMALL_SPEC, random_case
from niceness import Borderline, broken, oracle_net, spec_numbers

from symbackprop import load, parse, train
from symbackprop.errors import SpecError
from symbackprop.nice import VARYING, Numbers, Settings, draw, problems
from symbackprop.spec_text import spec_text

EVERYTHING = frozenset(VARYING)
# The documented default ranges of regression targets, by output activation (docs/nice-numbers.md).
TARGET_RANGES = {"sigmoid": (0, 1), "softmax": (0, 1), "relu": (0, 1), "softplus": (0, 1)}


def drawn_families(spec, settings):
    """What the independent check needs to know of the drawn families: their grid and range."""
    output = spec.architecture.layers[-1].activation.name
    ranges = {
        "weights": settings.weights,
        "biases": settings.biases,
        "inputs": settings.inputs,
        "targets": settings.targets or TARGET_RANGES.get(output, (-1, 1)),
    }
    return {family: (settings.decimals, ranges[family]) for family in settings.vary}


def every_number(spec):
    return (
        tuple(str(v) for value in spec.parameters.values() for v in np.ravel(np.array(value, dtype=object))),
        tuple(str(v) for row in spec.x + spec.y for v in row),
    )


@pytest.mark.parametrize("seed", range(40))
def test_drawn_sets_are_nice_by_an_independent_check(seed):
    text, net, _ = random_case(seed)
    spec = parse(text)
    settings = Settings(vary=EVERYTHING, decimals=1 + seed % 2)
    output = spec.architecture.layers[-1]
    if output.activation.name == "softmax" and output.units == 1:
        # A softmax of one unit always outputs 1: no step can lower the loss.
        one_line_error(
            lambda: draw(spec, np.random.default_rng(seed), 12, settings), "the first step does not lower the loss"
        )
        return
    numbers = draw(spec, np.random.default_rng(seed), 12, settings)
    assert numbers.count == 12
    for name, value in spec.numeric_parameters().items():
        assert numbers.parameters[name].shape == (12, *value.shape)
    assert numbers.x.shape == (12, *np.shape(spec.x)) and numbers.y.shape == (12, *np.shape(spec.y))
    borderline, seen = 0, set()
    for i in range(12):
        drawn = numbers.spec(spec, i)
        params, x, y = spec_numbers(drawn)
        # The floats of the set are exactly the decimals written into its spec.
        for name in params:
            assert np.array_equal(params[name], numbers.parameters[name][i])
        assert np.array_equal(x, numbers.x[i]) and np.array_equal(y, numbers.y[i])
        try:
            assert broken(drawn, net, params, x, y, drawn_families(spec, settings)) == set(), i
        except Borderline:
            borderline += 1
        seen.add(every_number(drawn))
    assert len(seen) == 12
    assert borderline <= 1


@pytest.mark.parametrize("loss", ["bce", "cross_entropy", "squared_error"])
def test_drawn_numbers_are_written_on_the_grid_and_targets_as_the_loss_needs(loss):
    output = {"bce": "sigmoid", "cross_entropy": "softmax", "squared_error": "linear"}[loss]
    spec = parse(
        SMALL_SPEC.replace('kind = "bce"', f'kind = "{loss}"')
        .replace('{ units = 1, activation = "sigmoid" }', f'{{ units = 3, activation = "{output}" }}')
        .replace("W2 = [[0.4, 0.45]]", "W2 = [[0.4, 0.45], [0.1, 0.2], [0.3, 0.3]]")
        .replace("b2 = [0.6]", "b2 = [0.6, 0.1, 0.2]")
        .replace("y = [[0], [1]]", "y = [[0, 1, 0], [1, 0, 0]]")
    )
    for decimals in (1, 2):
        numbers = draw(spec, np.random.default_rng(decimals), 30, Settings(vary=EVERYTHING, decimals=decimals))
        for i in range(30):
            drawn = numbers.spec(spec, i)
            grid = [v for value in drawn.parameters.values() for v in np.ravel(np.array(value, dtype=object))]
            grid += [v for row in drawn.x for v in row]
            targets = [v for row in drawn.y for v in row]
            if loss == "squared_error":
                grid += targets
                assert all(-1 <= v <= 1 for v in targets)
            else:
                assert {str(v) for v in targets} <= {"0", "1"}
                if loss == "cross_entropy":
                    assert all(sum(row) == 1 for row in drawn.y)
            assert all(isinstance(v, Decimal) and v.as_tuple().exponent == -decimals for v in grid)
            assert all(v != 0 for name, value in drawn.parameters.items() if name[0] == "W" for v in np.ravel(value))


def test_regression_targets_default_to_what_the_output_reaches():
    spec = parse(SMALL_SPEC.replace('kind = "bce"', 'kind = "squared_error"'))
    numbers = draw(spec, np.random.default_rng(3), 200, Settings(vary=EVERYTHING))
    assert numbers.y.min() >= 0 and numbers.y.max() <= 1 and numbers.y.max() > 0.5
    linear = parse(
        SMALL_SPEC.replace('kind = "bce"', 'kind = "squared_error"').replace(
            '{ units = 1, activation = "sigmoid" }', '{ units = 1, activation = "linear" }'
        )
    )
    numbers = draw(linear, np.random.default_rng(3), 200, Settings(vary=EVERYTHING, targets=(-2, 2)))
    assert numbers.y.min() < -1 and numbers.y.max() > 1 and np.abs(numbers.y).max() <= 2


def test_numbers_not_drawn_are_the_spec_own_and_everything_else_is_kept():
    spec = load("squared_error_2_2_1_shared_bias")
    numbers = draw(spec, np.random.default_rng(0), 5, Settings(vary=frozenset({"weights"}), decimals=2))
    for i in range(5):
        drawn = numbers.spec(spec, i)
        for field in ("architecture", "notation", "title", "description", "learning_rate", "mode", "steps", "x", "y"):
            assert getattr(drawn, field) is getattr(spec, field), field
        for name in spec.parameters:
            if name.startswith("b"):
                assert drawn.parameters[name] is spec.parameters[name]
        assert np.array_equal(numbers.x[i], spec.numeric_data()[0])


def test_a_drawn_spec_is_written_read_and_trained_to_the_oracle_numbers():
    spec = load("bce_sigmoid_2_2_1")
    numbers = draw(spec, np.random.default_rng(11), 4, Settings(vary=EVERYTHING))
    net = oracle_net(spec)
    for i in range(4):
        again = parse(spec_text(numbers.spec(spec, i)))
        params, x, y = spec_numbers(again)
        result = train(again)
        assert result.loss == pytest.approx(net.loss(params, x, y, again.rows, again.reduction), abs=1e-12)
        assert result.loss_after < result.loss


def test_drawing_is_deterministic_and_different_seeds_or_states_differ():
    spec = load("squared_error_2_2_2")

    def arrays(numbers):
        return [numbers.x, numbers.y, *numbers.parameters.values()]

    first = draw(spec, np.random.default_rng(42), 50, Settings(vary=EVERYTHING))
    again = draw(spec, np.random.default_rng(42), 50, Settings(vary=EVERYTHING))
    assert all(np.array_equal(a, b) for a, b in zip(arrays(first), arrays(again)))
    other = draw(spec, np.random.default_rng(43), 50, Settings(vary=EVERYTHING))
    assert not np.array_equal(first.parameters["W1"], other.parameters["W1"])
    rng = np.random.default_rng(42)
    draw(spec, rng, 50, Settings(vary=EVERYTHING))
    assert not np.array_equal(draw(spec, rng, 50, Settings(vary=EVERYTHING)).parameters["W1"], first.parameters["W1"])


# What each of problems()' messages says, by the constraint it names (as the independent check names them).
MESSAGES = {
    "grid": "off the grid or outside",
    "zero weight": "] is 0",
    "inputs": "holds 0 or two inputs of the same size",
    "saturated": "saturates the",
    "dead": ("is dead", "kink"),
    "targets": ("is not 0 or 1", "not one-hot"),
    "decrease": "the first step takes the loss",
    "finite": "not finite",
}


def constraints_named(messages):
    found = set()
    for message in messages:
        names = [
            name
            for name, marks in MESSAGES.items()
            if any(mark in message for mark in ((marks,) if isinstance(marks, str) else marks))
        ]
        assert len(names) == 1, message
        found.add(names[0])
    return found


def candidates(spec, rng, count, settings):
    """Sets drawn wider than ``settings`` allow, some off the grid, with zero weights and unsuitable targets."""
    places = settings.decimals

    def grid(shape, wide):
        values = rng.integers(-wide * 10**places, wide * 10**places + 1, shape) / 10**places
        off = rng.random(shape) < 0.02
        return np.where(off, values + 0.4 / 10**places, values)

    parameters = {}
    for name, value in spec.numeric_parameters().items():
        parameters[name] = grid((count, *value.shape), 2.5 if name[0] == "W" else 1.5)
    x, y = spec.numeric_data()
    xs = grid((count, *x.shape), 2.0)
    kind = spec.architecture.loss.kind
    if kind == "squared_error":
        ys = grid((count, *y.shape), 1.5)
    elif kind == "bce":
        ys = np.where(rng.random((count, *y.shape)) < 0.05, 0.5, rng.integers(0, 2, (count, *y.shape)))
    else:
        ys = np.eye(y.shape[-1])[rng.integers(0, y.shape[-1], (count, y.shape[0]))]
        ys[rng.random(count) < 0.05, 0, :] = 0
    return Numbers(parameters, xs, ys, settings)


def test_problems_finds_what_the_independent_check_finds():
    seen, borderline, compared = set(), 0, 0
    for seed in range(30):
        text, net, _ = random_case(seed)
        spec = parse(text)
        rng = np.random.default_rng(seed)
        settings = Settings(
            vary=EVERYTHING, decimals=1 + seed % 2, weights=(-2, 2), biases=(-1, 1), inputs=(-1.5, 1.5), targets=(-1, 1)
        )
        numbers = candidates(spec, rng, 40, settings)
        found = problems(spec, numbers)
        assert len(found) == 40
        for i, messages in enumerate(found):
            params = {name: value[i] for name, value in numbers.parameters.items()}
            try:
                expected = broken(spec, net, params, numbers.x[i], numbers.y[i], drawn_families(spec, settings))
            except Borderline:
                borderline += 1
                continue
            assert constraints_named(messages) == expected, (seed, i, messages)
            assert all("\n" not in message for message in messages)
            seen |= expected
            compared += 1
    assert borderline < compared / 50
    assert seen == set(MESSAGES) - {"finite"}


def test_problems_names_an_overflow():
    spec = parse(
        SMALL_SPEC.replace('kind = "bce"', 'kind = "squared_error"').replace(
            '{ units = 1, activation = "sigmoid" }',
            '{ units = 1, activation = { name = "E", variable = "t", expression = "exp(t)" } }',
        )
    )
    numbers = Numbers(
        {
            "W1": np.full((1, 2, 2), 1.0),
            "b1": np.zeros((1, 2)),
            "W2": np.full((1, 1, 2), 900.0),
            "b2": np.zeros((1, 1)),
        },
        np.ones((1, 2, 2)),
        np.zeros((1, 2, 1)),
        Settings(weights=(-1000, 1000)),
    )
    assert "the loss, a gradient or a forward value is not finite" in problems(spec, numbers)[0]


def one_line_error(call, fragment):
    with pytest.raises(SpecError) as error:
        call()
    message = str(error.value)
    assert fragment in message, message
    assert "\n" not in message and len(message) <= 300
    return message


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        (dict(decimals=3), "decimals: expected 1 or 2 (the grid 0.1 or 0.01), got 3"),
        (dict(decimals=True), "decimals: expected 1 or 2"),
        (dict(decimals=1.0), "decimals: expected 1 or 2"),
        (dict(weights=(1, -1)), "weights: the range (1, -1) holds no grid point of the grid 0.1"),
        (dict(weights=(0, 0.04)), "weights: the range (0, 0.04) holds no grid point other than 0"),
        (dict(inputs=(0.01, 0.04)), "inputs: the range (0.01, 0.04) holds no grid point"),
        (dict(biases=(-1,)), "biases: expected a range (low, high) of numbers from -1000 to 1000"),
        (dict(targets=("a", 1)), "targets: expected a range (low, high)"),
        (dict(weights=(-1e9, 1)), "weights: expected a range (low, high) of numbers from -1000 to 1000"),
        (dict(weights=(float("nan"), 1)), "weights: expected a range"),
        (dict(vary=frozenset({"weigths"})), "vary: unknown value 'weigths' (did you mean 'weights'?)"),
        (dict(vary="weights"), "vary: expected a set of names from weights, biases, inputs, targets"),
        (dict(vary=None), "vary: expected a set"),
    ],
)
def test_bad_settings_give_one_line_naming_the_setting(settings, fragment):
    one_line_error(lambda: Settings(**settings), fragment)


def test_settings_accept_lists_and_decimals():
    settings = Settings(vary={"weights", "targets"}, weights=[Decimal("-0.5"), 1], decimals=2)
    assert settings.vary == frozenset({"weights", "targets"}) and settings.weights == (Decimal("-0.5"), 1)


@pytest.mark.parametrize(
    ("count", "fragment"),
    [
        (0, "count: expected a whole number of sets from 1 to 100,000, got 0"),
        (2.5, "count: expected a whole number of sets"),
        (100_001, "count: the number of sets is 100,001, over the budget of 100,000"),
    ],
)
def test_counts_out_of_the_budget_are_refused(count, fragment):
    one_line_error(lambda: draw(load("bce_sigmoid_2_2_1"), np.random.default_rng(0), count), fragment)


def test_many_sets_of_a_large_network_are_refused_before_any_drawing():
    spec = parse(
        '[network]\ninputs = 100\nlayers = [{ units = 50, activation = "relu" }, { units = 1, activation = "linear" }]\n'
        '[loss]\nkind = "squared_error"\n[parameters]\n'
        + f"W1 = {[[0.1] * 100] * 50}\nb1 = {[0.0] * 50}\nW2 = {[[0.1] * 50]}\nb2 = [0.0]\n"
        + f"[data]\nx = {[[0.5] * 100]}\ny = [[1.0]]\n"
    )
    one_line_error(
        lambda: draw(spec, np.random.default_rng(0), 5000), "count: sets times the numbers of a set is 26,010,000"
    )


def test_a_constraint_no_set_can_meet_is_named():
    spec = parse(
        SMALL_SPEC.replace('"sigmoid" }, { units = 1', '"tanh" }, { units = 1').replace(
            "x = [[0.1, 0.2], [0.3, 0.4]]", "x = [[900, 0], [900, 0]]"
        )
    )
    message = one_line_error(
        lambda: draw(spec, np.random.default_rng(0), 3, Settings(vary=frozenset({"weights", "biases"}))),
        "were refused because a sigmoid or tanh unit saturates on a trained sample",
    )
    assert message.startswith("nice numbers: found 0 of the 3 sets asked for among ")
    drawn, refused = (
        int(n.replace(",", "")) for n in re.findall(r"among ([\d,]+) drawn; ([\d,]+) were refused", message)[0]
    )
    assert refused == drawn  # every candidate saturates; each counted once


def test_a_grid_too_small_for_distinct_sets_says_so():
    spec = parse(
        '[network]\ninputs = 1\nbias = "none"\nlayers = [{ units = 1, activation = "linear" }]\n'
        '[loss]\nkind = "squared_error"\n[parameters]\nW1 = [[0.5]]\n[data]\nx = [[1.0]]\ny = [[1.0]]\n'
    )
    two = draw(spec, np.random.default_rng(0), 2, Settings(vary=frozenset({"weights"}), weights=(0.1, 0.2)))
    assert sorted(two.parameters["W1"].ravel()) == [0.1, 0.2]
    one_line_error(
        lambda: draw(spec, np.random.default_rng(0), 3, Settings(vary=frozenset({"weights"}), weights=(0.1, 0.2))),
        "found 2 of the 3 sets asked for",
    )
    one_line_error(
        lambda: draw(spec, np.random.default_rng(0), 3, Settings(vary=frozenset({"weights"}), weights=(0.1, 0.2))),
        "because the set repeats one drawn before",
    )


def test_ten_thousand_candidates_are_checked_in_one_vectorised_pass():
    spec = load("squared_error_2_2_2")
    wide = Settings(vary=EVERYTHING, weights=(-3, 3), biases=(-2, 2), inputs=(-2, 2), targets=(-2, 2))
    numbers = candidates(spec, np.random.default_rng(0), 10_000, wide)
    problems(spec, numbers)  # the evaluator is derived and compiled once
    start = time.perf_counter()
    found = problems(spec, numbers)
    # About 0.02 s here; a loop over the sets in Python would take tens of seconds.
    assert time.perf_counter() - start < 5
    assert 0 < sum(not messages for messages in found) < 10_000
