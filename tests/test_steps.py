"""Several training steps: every step's table reads old - rate * gradient = new, and its losses are the oracle's.

Documents and ``grad``'s tables are read back as printed. With ``rounding = "carried"`` each new
value is old - rate * gradient of the printed figures, rounded to the new value's decimals, exactly.
With exact figures it is within one unit of its last digit plus half a unit of each printed input
(times the rate, for the gradient). Losses, records and parameters are checked against the oracle
of tests/oracle.py, which trains one sample at a time in plain Python.
"""

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import numpy as np
import pytest
from figures import shown
from networks import draw_numbers, make_case

from symbackprop import load, parse, train
from symbackprop.carried import carried_run
from symbackprop.cli import main
from symbackprop.document import build
from symbackprop.document.figures import Figures
from symbackprop.evaluation import KEPT_STEPS, listed_steps
from symbackprop.render import render

STEPS = [1, 2, 3, 50]
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


# -- reading a document back ------------------------------------------------------------------------


def _tables(markdown):
    """Every table of ``markdown`` as (the paragraph before it, its lines joined; header cells; rows of cells)."""
    found = []
    for match in re.finditer(r"((?:^[^|\n].*\n)*)\n?((?:^\|.*\|\n)+)", markdown, re.M):
        lines = match.group(2).splitlines()
        cells = [[c.strip().strip("$") for c in line.strip("|").split("|")] for line in lines]
        found.append((match.group(1).replace("\n", " "), cells[0], cells[2:]))
    return found


def _section(markdown, title):
    return markdown.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


UPDATE = ["parameter", "old value", "gradient", "new value"]


def _step_tables(markdown, steps):
    """Each step's update rows (the first step's from the Update section) by step number, and the step's loss."""
    tables = {1: [row for _, header, rows in _tables(_section(markdown, "Update")) if header == UPDATE for row in rows]}
    losses = {}
    if steps > 1:
        title = "Step 2" if steps == 2 else f"Steps 2 to {steps}"
        for lead, header, rows in _tables(_section(markdown, title)):
            if header != UPDATE:
                continue
            number, loss = re.search(r"(?i)step (\d+),? starts.*?\$L = (-?[\d.]+)\$", lead).groups()
            tables[int(number)], losses[int(number)] = rows, loss
    return tables, losses


@cache
def _markdown(text):
    """The Markdown document of spec ``text``, rendered once for the tests that read it."""
    return render(build(train(parse(text))), "markdown")


# -- the documents ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rounding", ["exact", "carried"])
@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("steps", STEPS)
def test_every_step_table_row_is_old_minus_rate_times_gradient(steps, setting, rounding):
    text, net, plain = _spec_text(steps, setting, rounding)
    tables, _ = _step_tables(_markdown(text), steps)
    expected = list(range(1, steps + 1)) if steps <= KEPT_STEPS else [1, steps]
    assert sorted(tables) == expected
    off, checked = [], 0
    for number, rows in tables.items():
        # Every parameter of the 2-3-2 network; a frozen bias (5 of them) has no row.
        assert len(rows) == (17 if plain["update_biases"] else 12)
        for name, old, gradient, new in rows:
            checked += 1
            if problem := _row_off(old, gradient, new, rounding):
                off.append(f"step {number}, {name}: {problem}")
    assert checked >= 12 * len(tables)
    assert not off, "\n".join(off[:5])


@pytest.mark.parametrize("rounding", ["exact", "carried"])
@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("steps", STEPS)
def test_each_step_starts_where_the_one_before_left(steps, setting, rounding):
    text, _, _ = _spec_text(steps, setting, rounding)
    tables, _ = _step_tables(_markdown(text), steps)
    for number in tables:
        if number - 1 in tables:
            before = {name: new for name, _, _, new in tables[number - 1]}
            for name, old, _, _ in tables[number]:
                assert before[name] in (old, "frozen"), (number, name)


@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("steps", STEPS)
def test_each_step_shows_the_oracle_loss_and_parameters(steps, setting):
    text, net, plain = _spec_text(steps, setting, "exact")
    markdown = _markdown(text)
    tables, losses = _step_tables(markdown, steps)
    params, oracle_losses = _oracle_run(net, plain, steps)
    for number, loss in losses.items():
        assert shown(loss, oracle_losses[number - 1]), (number, loss, oracle_losses[number - 1])
    names = {name: (key, index) for key, value in plain["params"].items() for name, index in _names(key, value)}
    for number, rows in tables.items():
        for name, old, _, new in rows:
            key, index = names[name]
            assert shown(old, params[number - 1][key][index]), (number, name, old)
            assert new == "frozen" or shown(new, params[number][key][index]), (number, name, new)


def _names(key, value):
    """The layered profile's LaTeX name of every entry of parameter ``key``."""
    l = key[1:]
    for index in np.ndindex(np.shape(value)):
        suffix = "".join(str(i + 1) for i in index)
        yield (f"{key[0]}^{{({l})}}_{{{suffix}}}" if suffix else f"{key[0]}^{{({l})}}"), index


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_carried_step_losses_belong_to_the_printed_parameters(setting):
    """Carried figures drift from the exact run; each printed loss is still the one its printed parameters give."""
    steps = 3
    text, net, plain = _spec_text(steps, setting, "carried")
    tables, losses = _step_tables(_markdown(text), steps)
    names = {name: (key, index) for key, value in plain["params"].items() for name, index in _names(key, value)}
    arguments = (plain["x"], plain["y"], plain["rows"], plain["reduction"])
    for number, loss in losses.items():
        params = {key: np.array(value, dtype=float) for key, value in plain["params"].items()}
        for name, old, _, _ in tables[number]:
            key, index = names[name]
            params[key][index] = float(old)
        exact = net.loss(params, *arguments)
        assert abs(float(loss) - exact) <= 2e-3 * abs(exact) + _unit(loss), (number, loss, exact)


@pytest.mark.parametrize("rounding", ["exact", "carried"])
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_many_steps_list_the_loss_of_each_step(setting, rounding):
    steps = 50
    text, net, plain = _spec_text(steps, setting, rounding)
    markdown = _markdown(text)
    (table,) = [rows for _, header, rows in _tables(_section(markdown, f"Steps 2 to {steps}")) if header[0] == "step"]
    assert [int(row[0]) for row in table] == list(range(1, steps + 1))
    _, oracle_losses = _oracle_run(net, plain, steps)
    for (number, before, after, change), following in zip(table, [*table[1:], None]):
        assert _difference_off(before, after, change, rounding) is None, (number, before, after, change)
        if following is not None:
            assert following[1] == after
        if rounding == "exact":
            k = int(number)
            assert shown(before, oracle_losses[k - 1]) and shown(after, oracle_losses[k]), (k, before, after)
    _, losses = _step_tables(markdown, steps)
    assert losses == {steps: table[-1][1]}


@pytest.mark.parametrize("rounding", ["exact", "carried"])
@pytest.mark.parametrize("steps", STEPS)
def test_the_check_table_shows_the_loss_before_after_and_its_change(steps, rounding):
    text, net, plain = _spec_text(steps, "batch-sum", rounding)
    text = text.replace("[training]\n", "[training]\nverify = true\n")
    check = _section(_markdown(text), "Check: the forward pass with the new parameters")
    ((lead, header, rows),) = [t for t in _tables(check) if t[1][0] == "loss"]
    after = "after" if steps == 1 else f"after step {steps}"
    assert header == ["loss", "before" if steps == 1 else "before step 1", after, "change", "change in %"]
    ((_, before, after, change, percent),) = rows
    assert _difference_off(before, after, change, rounding) is None
    recomputed = 100 * (Decimal(after) - Decimal(before)) / Decimal(before)
    if rounding == "carried":
        assert recomputed.quantize(Decimal(1).scaleb(-_places(percent)), rounding=ROUND_HALF_UP) == Decimal(percent)
    else:
        _, oracle_losses = _oracle_run(net, plain, steps)
        assert shown(before, oracle_losses[0]) and shown(after, oracle_losses[-1])
        exact = 100 * (oracle_losses[-1] - oracle_losses[0]) / oracle_losses[0]
        assert shown(percent, exact)


def test_the_u_z_example_checks_the_loss_as_its_reference_does():
    """Seed 004 prints the loss 1.82405 before and 1.3543 after, a drop of 0.4698 (of its rounded figures;
    exactly 0.46973), about 26 %."""
    check = _section(
        render(build(train(load("custom_activation_2_2_1"))), "markdown"),
        "Check: the forward pass with the new parameters",
    )
    ((_, _, rows),) = [t for t in _tables(check) if t[1][0] == "loss"]
    assert rows == [["L", "1.8241", "1.3543", "-0.4697", "-25.8"]]


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
