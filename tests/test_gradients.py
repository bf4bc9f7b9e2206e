"""Engine against the independent oracle (tests/oracle.py) and finite differences, on many random networks."""

import numpy as np
import pytest
from networks import SMALL_SPEC, make_case, near_kink, oracle_for, parameters, random_case, targets
from oracle import finite_differences

from symbackprop import derive, evaluator, load, parse, train
from symbackprop.evaluation import Evaluator, Workspace
from symbackprop.spec import bundled_examples

CASES = range(80)
TOLERANCE = 1e-10


def _close(actual, expected, tolerance=TOLERANCE):
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape
    assert np.max(np.abs(actual - expected), initial=0.0) <= tolerance * max(1.0, np.max(np.abs(expected), initial=0))


@pytest.mark.parametrize("seed", CASES)
def test_gradients_and_update_match_oracle(seed):
    text, net, plain = random_case(seed)
    result = train(parse(text))
    params, X, Y, rows = plain["params"], plain["x"], plain["y"], plain["rows"]
    expected = net.gradients(params, X, Y, rows, plain["reduction"])
    assert set(result.gradients) == set(expected)
    for name in expected:
        _close(result.gradients[name], expected[name])
    _close(result.loss, net.loss(params, X, Y, rows, plain["reduction"]))
    updated = net.train(
        params, X, Y, rows, plain["reduction"], plain["learning_rate"], plain["steps"], plain["update_biases"]
    )
    for name in updated:
        _close(result.updated[name], updated[name])
    _close(result.loss_after, net.loss(updated, X, Y, rows, plain["reduction"]))
    for s in range(len(X)):
        grads, deltas, zs, outs = net.sample_gradients(params, X[s], Y[s])
        for l in range(1, len(net.acts) + 1):
            _close(result.before.z[l][s], zs[l])
            _close(result.before.a[l][s], outs[l])
            _close(result.before.delta[l][s], deltas[l])
        per_sample = result.before.per_sample_gradients()
        for name in grads:
            _close(per_sample[name][s], grads[name])


@pytest.mark.parametrize("seed", CASES)
def test_gradients_match_finite_differences(seed):
    text, net, plain = random_case(seed)
    if near_kink(net, plain["params"], plain["x"]):
        pytest.skip("a ReLU unit sits within 0.01 of its kink, where finite differences do not apply")
    result = train(parse(text))
    X, Y, rows = plain["x"], plain["y"], plain["rows"]
    numeric = finite_differences(lambda p: net.loss(p, X, Y, rows, plain["reduction"]), plain["params"])
    for name in numeric:
        _close(result.gradients[name], numeric[name])


@pytest.mark.parametrize("name", bundled_examples())
def test_bundled_examples_match_oracle(name):
    spec = load(name)
    result = train(spec)
    net = oracle_for(spec)
    X, Y = spec.numeric_data()
    params = spec.numeric_parameters()
    expected = net.gradients(params, X, Y, spec.rows, spec.reduction)
    for key in expected:
        _close(result.gradients[key], expected[key], 1e-12)
    updated = net.train(
        params, X, Y, spec.rows, spec.reduction, float(spec.learning_rate), spec.steps, spec.update_biases
    )
    for key in updated:
        _close(result.updated[key], updated[key], 1e-12)


@pytest.mark.parametrize("name", ["bce_sigmoid_2_2_1", "squared_error_2_2_2", "custom_activation_2_2_1"])
def test_many_parameter_sets_in_one_call_match_the_oracle(name):
    spec = load(name)
    net = oracle_for(spec)
    rng = np.random.default_rng(7)
    base = spec.numeric_parameters()
    sets = {k: v + rng.normal(0, 0.3, (50, *v.shape)) for k, v in base.items()}
    X, Y = spec.numeric_data()
    rows = list(range(len(X)))
    compiled = evaluator(spec.architecture)
    trace = compiled.trace(sets, X, Y)
    for losses, gradients in [
        (trace.losses(rows, "sum"), trace.gradients(rows, "sum")),
        compiled.loss_and_gradients(sets, X, Y, "sum"),
    ]:
        assert losses.shape == (50,)
        for i in (0, 17, 49):
            params = {k: v[i] for k, v in sets.items()}
            expected = net.gradients(params, X, Y, rows, "sum")
            for key in expected:
                _close(gradients[key][i], expected[key])
            _close(losses[i], net.loss(params, X, Y, rows, "sum"))


@pytest.mark.parametrize("seed", CASES)
def test_fast_path_matches_oracle_and_returns_arrays_of_its_own(seed):
    text, net, plain = random_case(seed)
    compiled = evaluator(parse(text).architecture)
    params, X, Y, rows, reduction = plain["params"], plain["x"], plain["y"], plain["rows"], plain["reduction"]
    shifted = {k: v + 0.05 for k, v in params.items()}
    workspace = Workspace()
    # Three calls through one workspace, the middle one with other shapes: earlier results must survive.
    calls = [(params, list(range(len(X)))), (shifted, rows), (params, rows)]
    results = [compiled.loss_and_gradients(p, X[r], Y[r], reduction, workspace) for p, r in calls]
    # The same with one sample per block, so that blocks are summed.
    one_per_block = Evaluator(compiled.derivation)
    one_per_block._block_rows = 1
    results += [one_per_block.loss_and_gradients(p, X[r], Y[r], reduction, workspace) for p, r in calls]
    for (p, r), (loss, gradients) in zip(calls * 2, results):
        expected = net.gradients(p, X, Y, r, reduction)
        assert set(gradients) == set(expected)
        for name in expected:
            _close(gradients[name], expected[name])
        _close(loss, net.loss(p, X, Y, r, reduction))


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_fast_path_over_several_blocks_matches_oracle(reduction):
    # 3-32-2 with 2,500 samples: 32 units wide, so the default blocks hold 1,024 samples and the last is partial.
    rng = np.random.default_rng(11)
    c = {
        "inputs": 3,
        "widths": [32],
        "outputs": 2,
        "hidden": ["tanh"],
        "output": "softmax",
        "loss": "cross_entropy",
        "bias": "per-neuron",
        "factor": 0.5,
        "learning_rate": 0.1,
        "update_biases": True,
        "mode": "batch",
        "sample": 1,
        "steps": 1,
        "reduction": reduction,
    }
    c["params"] = parameters([3, 32, 2], "per-neuron", lambda scale, shape: rng.normal(0, scale, shape))
    c["x"] = rng.normal(0, 1, (2500, 3))
    c["y"] = targets("cross_entropy", 2, 2500, lambda n: int(rng.integers(0, n)))
    text, net, plain = make_case(c)
    compiled = evaluator(parse(text).architecture)
    assert compiled._block_rows < 2500
    loss, gradients = compiled.loss_and_gradients(c["params"], c["x"], c["y"], reduction)
    rows = list(range(2500))
    expected = net.gradients(c["params"], c["x"], c["y"], rows, reduction)
    for name in expected:
        _close(gradients[name], expected[name])
    _close(loss, net.loss(c["params"], c["x"], c["y"], rows, reduction))


LEAKY = SMALL_SPEC.replace('"sigmoid" }, {', '{ name = "leaky_relu", slope = 0.2 } }, {')
CUSTOM = SMALL_SPEC.replace('"sigmoid" }, {', '{ name = "A", variable = "t", expression = "t/10" } }, {')


@pytest.mark.parametrize(
    "read",
    [*(lambda name=name: load(name) for name in bundled_examples()), lambda: parse(LEAKY), lambda: parse(CUSTOM)],
)
def test_two_reads_of_one_spec_share_one_derivation(read):
    first, second = read(), read()
    assert first.architecture == second.architecture
    assert derive(first.architecture) is derive(second.architecture)
