"""The answer key: JSON and CSV of every variant's asked values, checked against the oracle."""

import csv
import dataclasses
import io
import json

import pytest
from exercises import DECIMALS, TOLERANCE, variants
from networks import oracle_for, oracle_quantities, plain_of

from symbackprop.answers import answers_csv, answers_json
from symbackprop.exercise import Asked

NAMES = ("a1_2", "loss", "delta2_1", "delta1_1", "dL/dW1[1,2]", "dL/db2[1]", "new W2[1,1]", "new b1[2]", "loss_after")


@pytest.fixture(scope="module")
def drawn():
    return variants("bce_sigmoid_2_2_1", NAMES, 4, seed=7)


def _oracle(variant):
    spec = variant.spec
    return oracle_quantities(oracle_for(spec), plain_of(spec))


def test_json_lists_every_asked_value_of_every_variant_as_the_oracle_computes_it(drawn):
    entries = json.loads(answers_json(drawn))
    assert [(e["variant"], e["name"]) for e in entries] == [(v.ident, n) for v in drawn for n in NAMES]
    assert all(set(e) == {"variant", "name", "value", "tolerance"} for e in entries)
    expected = {v.ident: _oracle(v) for v in drawn}
    for entry in entries:
        assert entry["value"] == pytest.approx(expected[entry["variant"]][entry["name"]], rel=1e-9, abs=1e-12)
        assert entry["tolerance"] == TOLERANCE
    # The variants differ: a key that repeated one variant's numbers would pass the rest of this test.
    assert len({e["value"] for e in entries if e["name"] == "loss"}) == len(drawn)


def test_csv_has_one_row_per_variant_and_one_column_per_quantity_in_asked_order(drawn):
    rows = list(csv.reader(io.StringIO(answers_csv(drawn))))
    assert rows[0] == ["variant", *NAMES]
    assert [row[0] for row in rows[1:]] == ["001", "002", "003", "004"]
    for variant, row in zip(drawn, rows[1:]):
        expected = _oracle(variant)
        for name, cell in zip(NAMES, row[1:]):
            assert cell == repr(float(cell))  # full precision: the float reads back unchanged
            assert float(cell) == pytest.approx(expected[name], rel=1e-9, abs=1e-12), (variant.ident, name)


def test_values_keep_full_precision(drawn):
    """The key holds the exact values, not the figures rounded to the asked decimals."""
    entries = json.loads(answers_json(drawn))
    asked = [a.value for v in drawn for a in v.asked]
    assert [e["value"] for e in entries] == asked
    assert any(round(value, DECIMALS) != value for value in asked)


def test_variants_asking_different_quantities_are_refused(drawn):
    other = dataclasses.replace(drawn[1], asked=drawn[1].asked[:-1])
    for make in (answers_json, answers_csv):
        with pytest.raises(ValueError, match="002 asks"):
            make([drawn[0], other])
        with pytest.raises(ValueError, match="same"):
            make([drawn[0], dataclasses.replace(drawn[1], asked=tuple(reversed(drawn[1].asked)))])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: [], "no variants"),
        (lambda d: [d[0], dataclasses.replace(d[1], ident="001")], "two variants"),
        (lambda d: [dataclasses.replace(d[0], asked=d[0].asked + d[0].asked[:1])], "asked twice"),
        (lambda d: [dataclasses.replace(d[0], asked=(Asked("loss", float("nan"), TOLERANCE, 4),))], "finite"),
    ],
)
def test_a_key_that_could_not_be_checked_against_is_refused(drawn, change, message):
    with pytest.raises(ValueError, match=message):
        answers_csv(change(drawn))
