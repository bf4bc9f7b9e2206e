"""Every figure the five hand-made reference examples print, against the engine.

The figures live in tests/seed_figures/*.toml, one file per bundled example,
copied as printed. A figure passes when it is within one unit of its last
printed digit (the examples round or truncate). A figure the example got
wrong is listed as a slip with the correct value: the test then asserts that
the printed figure really is off and that the engine gives the correct one.
The oracle test in test_gradients.py confirms the engine independently.
"""

import re
import tomllib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from symbackprop import load, train

FIGURES = Path(__file__).parent / "seed_figures"
DOCS = Path(__file__).parent.parent / "docs" / "seed-slips.md"
FILES = sorted(FIGURES.glob("*.toml"))


def _forward_quantity(trace, name, index, spec):
    """Quantities of one forward/backward pass, by the vocabulary of tests/seed_figures."""
    match = re.fullmatch(r"([a-z_]+?)(\d*)", name)
    stem, layer = match.group(1), int(match.group(2) or 0)
    L = len(trace.z) - 1
    a_out, y = trace.a[L], trace.y
    table = {
        "z": lambda: trace.z[layer],
        "a": lambda: trace.a[layer],
        "grad_a": lambda: trace.grad_a[layer],
        "fprime": lambda: trace.fprime[layer],
        "delta": lambda: trace.delta[layer],
        "contrib": lambda: trace.contributions(layer),
        "wa": lambda: trace.parameters[f"W{layer}"][None, :, :] * trace.a[layer - 1][:, None, :],
        "exp_neg_z": lambda: np.exp(-trace.z[layer]),
        "one_plus_exp_neg_z": lambda: 1 + np.exp(-trace.z[layer]),
        "one_minus_a": lambda: 1 - trace.a[layer],
        "loss_sample": lambda: trace.loss_sample,
        "loss_unit": lambda: float(spec.architecture.loss.factor) * (a_out - y) ** 2,  # squared error only
        "residual": lambda: a_out - y,
        "target_minus_output": lambda: y - a_out,
        "abs_residual": lambda: np.abs(a_out - y),
        "squared_residual": lambda: (a_out - y) ** 2,
    }
    return table[stem]()[tuple(index)]


def quantity(result, name, index):
    """The engine's value of one figure of the vocabulary (see the helper comments in seed_figures)."""
    spec = result.spec
    if name.startswith("after."):
        return _forward_quantity(result.after, name[6:], index, spec)
    prefix, _, parameter = name.partition(".")
    if prefix == "grad":
        return result.gradients[parameter][tuple(index)]
    if prefix == "new":
        return result.updated[parameter][tuple(index)]
    if prefix == "step":
        return float(spec.learning_rate) * result.gradients[parameter][tuple(index)]
    if prefix == "grad_via":
        # The part of dL/dW{l}[j, k] that flows back through unit m of layer l + 1.
        l = int(parameter[1:])
        m, j, k = index
        trace, rows = result.before, spec.rows
        parts = trace.contributions(l)[rows, m, j] * trace.fprime[l][rows, j] * trace.a[l - 1][rows, k]
        return parts.sum()
    scalars = {
        "loss": lambda: result.loss,
        "loss_total": lambda: result.loss_total,
        "loss_after": lambda: result.loss_after,
        "loss_drop": lambda: result.loss - result.loss_after,
        "loss_change_percent": lambda: result.loss_change_percent,
        "loss_sample_after": lambda: result.after.loss_sample[tuple(index)],
    }
    if name in scalars:
        return scalars[name]()
    return _forward_quantity(result.before, name, index, spec)


def _unit(printed):
    """One unit of the last printed digit."""
    exponent = Decimal(printed).as_tuple().exponent
    return 10.0**exponent


def _load(path):
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _figures():
    for path in FILES:
        data = _load(path)
        slips = {(s["quantity"], tuple(s["index"]), s["printed"]): s for s in data.get("slip", [])}
        for figure in data["figure"]:
            key = (figure["quantity"], tuple(figure["index"]), figure["printed"])
            yield pytest.param(
                data["example"],
                figure,
                slips.get(key),
                id=f"{data['example']}:{figure['quantity']}{list(figure['index'])}={figure['printed']}",
            )


_results = {}


def _result(example):
    if example not in _results:
        _results[example] = train(load(example))
    return _results[example]


@pytest.mark.parametrize(("example", "figure", "slip"), list(_figures()))
def test_printed_figure(example, figure, slip):
    value = float(quantity(_result(example), figure["quantity"], figure["index"]))
    printed = float(figure["printed"])
    tolerance = _unit(figure["printed"]) * (1 + 1e-9)
    if slip is None:
        assert abs(value - printed) <= tolerance, f"{figure['where']}: printed {figure['printed']}, engine {value!r}"
    else:
        assert abs(value - printed) > tolerance, f"listed as a slip, but {figure['printed']} is right: {value!r}"
        correct = slip["correct"]
        assert abs(value - float(correct)) <= _unit(correct) * (1 + 1e-9), (
            f"slip's correct value {correct}, engine {value!r}"
        )


def test_every_example_has_figures_and_a_spec():
    names = {_load(path)["example"] for path in FILES}
    assert names == {path.stem for path in FILES}
    from symbackprop import bundled_examples

    assert names <= set(bundled_examples())
    assert len(names) == 5


def test_every_slip_is_listed_in_the_docs():
    """Each slip found by hand (tests/seed_figures) is in docs/seed-slips.md, which check's verdicts make: as a
    row under its canonical name, or, for a figure with no canonical name or one check calls rounding, in
    the page's comparison with the hand-kept list."""
    from make_seed_claims import canonical

    doc = DOCS.read_text(encoding="utf-8")
    rows = {
        tuple(cell.strip() for cell in line.strip("|").split("|")) for line in doc.splitlines() if line.startswith("|")
    }
    compared = doc.partition("## Compared with the list kept by hand")[2]
    for path in FILES:
        data = _load(path)
        spec = load(data["example"])
        for slip in data.get("slip", []):
            name = canonical(slip["quantity"], tuple(slip["index"]), spec)
            listed = any(row[2] == f"`{name}`" and float(row[3]) == float(slip["printed"]) for row in rows)
            if name is None:
                assert "Not claimable" in compared
            elif not listed:
                assert slip["printed"].rstrip("0") in compared, f"docs/seed-slips.md lacks {name} = {slip['printed']}"
