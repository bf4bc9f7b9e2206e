"""Several training steps: a run keeps every step's loss and the full record of its first steps and its last,
and ``grad``'s update table reads old - rate * gradient = new on every row.

Records and losses are checked against the oracle of tests/oracle.py, which trains one sample at a
time in plain Python; a carried run's updates against its own rounded figures. ``grad``'s tables are
read back as printed: a new value is within one unit of its last digit of old - rate * gradient
computed from the printed figures, plus half a unit of each printed input (times the rate, for the
gradient).
"""

import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from networks import draw_numbers, make_case

from symbackprop import parse, train
from symbackprop.carried import carried_run
from symbackprop.cli import main
from symbackprop.document.figures import Figures
from symbackprop.evaluation import KEPT_STEPS, listed_steps

RATE = "0.5"


def _case(steps, mode, reduction, update_biases, seed=7):
    """A 2-3-2 network (tanh, sigmoid, squared error) on three samples: spec text, oracle and plain values."""
    c = {
        "inputs": 2,
        "widths": [3],
        "outputs": 2,
        "loss": "squared_error",
        "output": "sigmoid",
        "hidden": ["tanh"],
        "bias": "per-neuron",
        "factor": 0.5,
        "learning_rate": float(RATE),
        "update_biases": update_biases,
        "mode": mode,
        "sample": 2,
        "steps": steps,
        "reduction": reduction,
    }
    return make_case(draw_numbers(c, np.random.default_rng(seed), 3, "squared_error", 2))


SETTINGS = {
    "sample": ("sample", "sum", True),
    "batch-mean-frozen": ("batch", "mean", False),
    "batch-sum": ("batch", "sum", True),
}


def _spec_text(steps, setting, rounding):
    text, net, plain = _case(steps, *SETTINGS[setting])
    return text + f'\n[notation]\nrounding = "{rounding}"\n', net, plain


def _oracle_run(net, plain, steps):
    """The oracle's parameters at the start of each step and after the last, and the loss of each."""
    arguments = (plain["x"], plain["y"], plain["rows"], plain["reduction"])
    params = [{k: np.asarray(v, dtype=float) for k, v in plain["params"].items()}]
    for _ in range(steps):
        params.append(net.train(params[-1], *arguments, plain["learning_rate"], 1, plain["update_biases"]))
    return params, [net.loss(p, *arguments) for p in params]


# -- reading figures back -----------------------------------------------------------------------------


def _places(figure):
    return len(figure.partition(".")[2])


def _unit(figure):
    return 10.0 ** -_places(figure)


def _row_off(old, gradient, new, rounding, rate=RATE):
    """Why ``old - rate * gradient`` does not give ``new`` as printed, or None when it does."""
    value = Decimal(old) - Decimal(rate) * Decimal(gradient)
    if rounding == "carried":
        recomputed = value.quantize(Decimal(1).scaleb(-_places(new)), rounding=ROUND_HALF_UP)
        return None if recomputed == Decimal(new) else f"{old} - {rate} * {gradient} = {recomputed}, printed {new}"
    allowed = _unit(new) * (1 + 1e-6) + _unit(old) / 2 + float(rate) * _unit(gradient) / 2
    return (
        None if abs(float(value) - float(new)) <= allowed else f"{old} - {rate} * {gradient} = {value}, printed {new}"
    )


def _difference_off(before, after, change, rounding):
    value = Decimal(after) - Decimal(before)
    if rounding == "carried":
        return None if value == Decimal(change) else f"{after} - {before} = {value}, printed {change}"
    allowed = _unit(change) * (1 + 1e-6) + _unit(before) / 2 + _unit(after) / 2
    return None if abs(float(value) - float(change)) <= allowed else f"{after} - {before} = {value}, printed {change}"


# -- the run ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_a_run_keeps_every_loss_and_the_records_of_the_first_steps_and_the_last(setting):
    steps = 10
    text, net, plain = _spec_text(steps, setting, "exact")
    result = train(parse(text))
    params, oracle_losses = _oracle_run(net, plain, steps)
    assert len(result.losses) == steps + 1
    np.testing.assert_allclose(result.losses, oracle_losses, rtol=1e-12, atol=1e-14)
    assert [record.number for record in result.steps] == [*range(1, KEPT_STEPS + 1), steps]
    arguments = (plain["x"], plain["y"], plain["rows"], plain["reduction"])
    for record in result.steps:
        gradients = net.gradients(params[record.number - 1], *arguments)
        assert record.loss == pytest.approx(oracle_losses[record.number - 1], rel=1e-12)
        for key in params[0]:
            np.testing.assert_allclose(record.parameters[key], params[record.number - 1][key], rtol=1e-12)
            np.testing.assert_allclose(record.gradients[key], gradients[key], rtol=1e-10, atol=1e-14)
            np.testing.assert_allclose(record.updated[key], params[record.number][key], rtol=1e-12)
    assert result.updated is result.steps[-1].updated and result.first_update is result.steps[0].updated


def test_a_carried_run_rounds_each_step_s_update_of_its_own_figures():
    steps = 10
    text, _, _ = _spec_text(steps, "sample", "carried")
    spec = parse(text)
    figures = Figures(train(spec))
    result = carried_run(spec, figures.places)
    assert len(result.losses) == steps + 1 and result.losses[0] == result.loss
    assert [record.number for record in result.steps] == [*range(1, KEPT_STEPS + 1), steps]
    for record in result.steps:
        assert record.loss == result.losses[record.number - 1]
        for key, old in record.parameters.items():
            for index in np.ndindex(old.shape):
                new = record.updated[key][index]
                places = figures.places("new", int(key[1:]), new)
                exact = Decimal(repr(float(old[index]))) - Decimal(RATE) * Decimal(
                    repr(float(record.gradients[key][index]))
                )
                assert Decimal(repr(float(new))) == exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def test_listed_steps_are_all_of_a_few_and_a_regular_selection_of_many():
    assert listed_steps(50) == list(range(1, 51))
    assert listed_steps(51) == [1, *range(2, 51, 2), 51]
    assert listed_steps(10_000) == [1, *range(200, 10_001, 200)]


# -- grad's tables ------------------------------------------------------------------------------------


def _grad_tables(capsys, path):
    assert main(["grad", str(path)]) == 0
    out = capsys.readouterr().out
    blocks = out.split("\n\n")
    update = next(b for b in blocks if b.startswith("Gradients and update of step 1")).splitlines()
    header = re.split(r"\s{2,}", update[1].strip())
    rows = [line.split() for line in update[3:]]
    losses = next((b for b in blocks if b.startswith("Loss per step")), "").splitlines()[3:]
    return out, header, rows, [line.split() for line in losses]


@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("steps", [1, 2, 3, 60])
def test_grad_tables_hold_old_minus_rate_times_gradient_on_every_row(capsys, tmp_path, steps, setting):
    text, net, plain = _case(steps, *SETTINGS[setting])
    path = tmp_path / "spec.toml"
    path.write_text(text, encoding="utf-8")
    out, header, rows, losses = _grad_tables(capsys, path)
    assert header == ["parameter", "old", "gradient", "after step 1"] + ([f"after {steps} steps"] if steps > 1 else [])
    params, oracle_losses = _oracle_run(net, plain, steps)
    for name, old, gradient, first, *last in rows:
        if first == "frozen":
            assert name.startswith("b") and not plain["update_biases"] and last in ([], ["frozen"])
            continue
        assert _row_off(old, gradient, first, "exact") is None, name
        if last:
            key, index = name.split("[")[0], tuple(int(i) - 1 for i in name.split("[")[1].rstrip("]").split(","))
            assert abs(float(last[0]) - params[-1][key][index]) <= 0.5e-6 * (1 + 1e-6) + 1e-12, name
    assert len(rows) == 17
    if steps == 1:
        assert not losses
        return
    assert [int(row[0]) for row in losses] == listed_steps(steps)
    for number, before, after, change in losses:
        k = int(number)
        assert abs(float(before) - oracle_losses[k - 1]) <= 0.5e-6 * (1 + 1e-6) + 1e-12
        assert abs(float(after) - oracle_losses[k]) <= 0.5e-6 * (1 + 1e-6) + 1e-12
        assert _difference_off(before, after, change, "exact") is None
    assert f"after step {steps}: {oracle_losses[-1]:.6f}" in out
