"""The command line: output contracts, bundled examples, and one-line errors for bad input."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from networks import oracle_for
from oracle import Net
from pdf_sweep import CASES

from symbackprop import bundled_examples, load
from symbackprop.cli import main

MALFORMED = sorted((Path(__file__).parent / "malformed").glob("*.toml"))


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_there_are_many_malformed_specs():
    assert len(MALFORMED) >= 40


@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: p.stem)
def test_malformed_spec_gives_one_line_naming_the_problem(path, capsys, tmp_path):
    expected = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("# error: ")
    status, out, err = run(capsys, "grad", str(path), "--json")
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("symbackprop: error: ")
    assert expected in err
    assert "Traceback" not in err


def test_bad_input_as_a_fresh_process_has_no_traceback_and_status_2(tmp_path):
    spec = tmp_path / "broken.toml"
    spec.write_text("[network]\ninputs = 2\nlayers = 3\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "symbackprop", "grad", str(spec)], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().count("\n") == 0
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.toml"]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["grad", "no/such/file.toml"], "no/such/file.toml: no such spec file or bundled example"),
        (["grad", "bce_sigmoid_221"], "(did you mean 'bce_sigmoid_2_2_1'?)"),
        (["grad", "--decimals", "40"], "--decimals: expected a whole number from 0 to 15, got 40"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "command line:"),
    ],
)
def test_bad_command_lines(argv, fragment, capsys):
    status, out, err = run(capsys, *argv)
    assert status == 2 and fragment in err and err.count("\n") == 1


def test_unreadable_spec_file(tmp_path, capsys):
    spec = tmp_path / "binary.toml"
    spec.write_bytes(b"\xff\xfe\x00bad")
    status, _, err = run(capsys, "grad", str(spec))
    assert status == 2 and "binary.toml" in err


def test_examples_lists_every_bundled_spec_with_its_description(capsys):
    status, out, _ = run(capsys, "examples")
    lines = out.splitlines()
    assert status == 0
    assert [line.split()[0] for line in lines] == bundled_examples()
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines)


def test_default_example_is_used_without_a_spec(capsys):
    _, default, _ = run(capsys, "grad", "--json")
    _, named, _ = run(capsys, "grad", "bce_sigmoid_2_2_1", "--json")
    assert default == named


@pytest.mark.parametrize("name", bundled_examples())
def test_json_output_matches_the_oracle(name, capsys):
    status, out, _ = run(capsys, "grad", name, "--json")
    assert status == 0
    data = json.loads(out)
    assert set(data) == {"loss", "outputs", "gradients", "updated", "loss_after"}
    spec = load(name)
    net = oracle_for(spec)
    X, Y = spec.numeric_data()
    params = spec.numeric_parameters()
    assert set(data["gradients"]) == set(params) == set(data["updated"])
    gradients = net.gradients(params, X, Y, spec.rows, spec.reduction)
    updated = net.train(
        params, X, Y, spec.rows, spec.reduction, float(spec.learning_rate), spec.steps, spec.update_biases
    )
    for key in params:
        assert np.shape(data["gradients"][key]) == params[key].shape
        assert np.allclose(data["gradients"][key], gradients[key], rtol=0, atol=1e-12)
        assert np.allclose(data["updated"][key], updated[key], rtol=0, atol=1e-12)
    assert data["loss"] == pytest.approx(net.loss(params, X, Y, spec.rows, spec.reduction), abs=1e-12)
    assert data["loss_after"] == pytest.approx(net.loss(updated, X, Y, spec.rows, spec.reduction), abs=1e-12)
    outputs = [net.forward(params, x)[1][-1] for x in X]
    assert np.allclose(data["outputs"], outputs, rtol=0, atol=1e-12)


def test_per_layer_bias_is_a_number_in_json(capsys):
    _, out, _ = run(capsys, "grad", "squared_error_2_2_2", "--json")
    data = json.loads(out)
    assert isinstance(data["gradients"]["b1"], float)
    assert data["updated"]["b1"] == 0.25  # frozen: the spec says update_biases = false


def test_tables_show_every_parameter_with_the_computed_numbers(capsys):
    status, out, _ = run(capsys, "grad", "regression_2_2_1_linear_output", "--decimals", "4")
    assert status == 0
    spec = load("regression_2_2_1_linear_output")
    X, Y = spec.numeric_data()
    net = Net([("sigmoid", {}), ("linear", {})], "squared_error", "per-neuron", 0.5)
    gradients = net.gradients(spec.numeric_parameters(), X, Y, spec.rows, spec.reduction)
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line[:2] in ("W1", "W2", "b1", "b2")}
    assert rows["W2[1,2]"][1] == f"{gradients['W2'][0, 1]:.4f}"
    assert rows["b1[2]"][1] == f"{gradients['b1'][1]:.4f}"
    assert len(rows) == 9


def test_module_entry_point_runs_the_default_example():
    done = subprocess.run([sys.executable, "-m", "symbackprop", "grad"], capture_output=True, text=True)
    assert done.returncode == 0
    assert "Forward pass" in done.stdout and "W2[1,1]" in done.stdout


def test_grad_says_why_a_softmax_delta_is_not_dl_da_times_f_prime(capsys, tmp_path):
    """For elementwise outputs delta = dL/da * f'(z) on each printed row; softmax rows carry a note instead."""
    softmax = next(case for case in CASES if case.name == "ce_3_3_2_softmax")
    path = tmp_path / "softmax.toml"
    path.write_text(softmax.spec()[0])
    assert main(["grad", str(path)]) == 0
    assert "softmax outputs: f'(z) is a_j(1 - a_j)" in capsys.readouterr().out
    assert main(["grad", "bce_sigmoid_2_2_1"]) == 0
    out = capsys.readouterr().out
    assert "softmax outputs" not in out
    rows = out.split("Backward pass", 1)[1].split("\n\n", 1)[0].splitlines()[3:]
    for row in rows:
        cells = row.split()
        grad_a, fprime, delta = (float(c) for c in cells[1:4])
        assert abs(grad_a * fprime - delta) <= 1e-5 * max(1, abs(grad_a)), row
