"""``symbackprop check``: its table, JSON and grading CSV, and its exit status, with a stand-in judge.

The real judge (symbackprop/judge.py) is tested on its own; here a small stand-in takes its place in
``sys.modules``, so that these tests follow the command's own lazy import: a claim within one unit of its
last written digit is ok, anything else an arithmetic slip.
"""

import csv
import json
import re
import sys
import types
from decimal import Decimal

import pytest

from symbackprop import canonical_quantities, train
from symbackprop.cli import main
from symbackprop.verdict import STATUSES, Verdict


def stand_in_judge(spec, claims):
    result = train(spec)
    values = canonical_quantities(result)
    verdicts = []
    for claim in claims:
        derivative = re.fullmatch(r"da/dz(\d+)_(\d+)", claim.canonical)
        if derivative:
            l, j = int(derivative[1]), int(derivative[2]) - 1
            correct = float(result.before.fprime[l][spec.rows[0], j])
        else:
            correct = values[claim.canonical]
        ok = abs(Decimal(repr(correct)) - claim.value) <= Decimal(1).scaleb(-claim.decimals)
        verdicts.append(
            Verdict(
                claim,
                correct,
                "ok" if ok else "slip",
                None if ok else "arithmetic",
                f"{claim.canonical} is {correct:.6g}",
            )
        )
    return verdicts


@pytest.fixture(autouse=True)
def judge(monkeypatch):
    module = types.ModuleType("symbackprop.judge")
    module.judge = stand_in_judge
    monkeypatch.setitem(sys.modules, "symbackprop.judge", module)


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


GOOD = """spec = "squared_error_2_2_1_shared_bias"

[claims]
net_h1 = 0.3775
out_h1 = "0.59327"
"dE/dw5" = 0.08217
"new w5" = 0.35891
"""
SLIP = GOOD.replace("0.59327", "0.59315")


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_no_slip_exits_0_with_a_table_and_a_summary(capsys, tmp_path):
    path = write(tmp_path, "alice.toml", GOOD)
    status, out, err = run(capsys, "check", path)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"{path} (spec squared_error_2_2_1_shared_bias)"
    assert lines[1].split() == ["name", "claimed", "correct", "status", "diagnosis", "explanation"]
    assert lines[2].split()[:5] == ["net_h1", "0.3775", "0.377500", "ok", "-"]
    assert lines[4].split()[:4] == ["dE/dw5", "0.08217", "0.0821670", "ok"]
    assert lines[-1] == "4 claims: 4 ok, 0 rounding, 0 carried, 0 slip"


def test_a_slip_exits_1(capsys, tmp_path):
    status, out, _ = run(capsys, "check", write(tmp_path, "bob.toml", SLIP))
    assert status == 1
    assert out.splitlines()[3].split()[:5] == ["out_h1", "0.59315", "0.5932700", "slip", "arithmetic"]
    assert out.splitlines()[-1] == "4 claims: 3 ok, 0 rounding, 0 carried, 1 slip"


def test_json_is_one_object_per_claims_file_per_line(capsys, tmp_path):
    good, slip = write(tmp_path, "alice.toml", GOOD), write(tmp_path, "bob.toml", SLIP)
    status, out, _ = run(capsys, "check", good, slip, "--json")
    assert status == 1
    objects = [json.loads(line) for line in out.splitlines()]
    assert len(objects) == 2
    first = objects[0]
    assert set(first) == {"spec", "claims", "counts"}
    assert first["spec"] == "squared_error_2_2_1_shared_bias"
    assert first["counts"] == {status: 0 for status in STATUSES} | {"ok": 4}
    assert first["claims"][2] == {
        "name": "dE/dw5",
        "canonical": "dL/dW2[1,1]",
        "claimed": "0.08217",
        "correct": pytest.approx(0.082167, abs=1e-6),
        "status": "ok",
        "diagnosis": None,
        "explanation": "dL/dW2[1,1] is 0.082167",
    }
    assert objects[1]["claims"][1]["claimed"] == "0.59315"
    assert objects[1]["counts"]["slip"] == 1


def test_grading_writes_one_row_per_file(capsys, tmp_path):
    (tmp_path / "class").mkdir()
    good = write(tmp_path / "class", "alice.toml", GOOD)
    slip = write(tmp_path / "class", "bob.csv", "spec,squared_error_2_2_1_shared_bias\nnet_h1,0.3775\ndelta_o,0.9\n")
    grades = tmp_path / "grades.csv"
    status, out, _ = run(capsys, "check", good, slip, "--csv", grades)
    assert status == 1
    rows = list(csv.DictReader(grades.read_text(encoding="utf-8").splitlines()))
    assert list(rows[0]) == [
        "file",
        "spec",
        "claims",
        "ok",
        "rounding",
        "carried",
        "slips",
        "score",
        "first_slip",
        "first_slip_diagnosis",
    ]
    assert [list(row.values()) for row in rows] == [
        [str(good), "squared_error_2_2_1_shared_bias", "4", "4", "0", "0", "0", "1.0000", "", ""],
        [str(slip), "squared_error_2_2_1_shared_bias", "2", "1", "0", "0", "1", "0.5000", "delta_o", "arithmetic"],
    ]
    assert "2 claims: 1 ok" in out


def test_bad_input_is_one_line_and_status_2_before_anything_is_judged(capsys, tmp_path):
    good = write(tmp_path, "alice.toml", GOOD)
    bad = write(tmp_path, "bob.toml", GOOD.replace("net_h1", "net_h9"))
    grades = tmp_path / "grades.csv"
    status, out, err = run(capsys, "check", good, bad, "--csv", grades)
    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith("symbackprop: error: ") and "bob.toml: claims.net_h9: unknown quantity (did you mean" in err
    assert not grades.exists()


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["check"], "give at least one claims file"),
        (["check", "no/such.toml"], "no/such.toml: cannot read the claims file"),
        (["check", "--names", "bce_sigmoid_2_2_1", "x.toml"], "--names: give it alone"),
        (["check", "--names", "bce_sigmoid_221"], "did you mean 'bce_sigmoid_2_2_1'"),
    ],
)
def test_bad_command_lines(argv, fragment, capsys):
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert fragment in err and err.count("\n") == 1


def test_the_grading_file_is_checked_before_any_work(capsys, tmp_path):
    status, _, err = run(capsys, "check", write(tmp_path, "a.toml", GOOD), "--csv", tmp_path / "no" / "g.csv")
    assert status == 2 and "--csv: folder" in err


def test_names_lists_every_accepted_name_beside_its_canonical_one(capsys):
    status, out, _ = run(capsys, "check", "--names", "squared_error_2_2_1_shared_bias")
    assert status == 0
    pairs = [line.split("  ", 1) for line in out.splitlines()[1:]]
    pairs = {name.strip(): canonical.strip() for name, canonical in pairs}
    assert pairs["dE/dw5"] == "dL/dW2[1,1]"
    assert pairs["dout_h1/dnet_h1"] == "da/dz1_1"
    assert pairs["z1_1"] == "z1_1"
