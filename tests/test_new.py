"""`symbackprop new` and `symbackprop examples --show`: new specs are complete, reproducible and nice (checked
with the oracle network, tests/niceness.py), grad and render take them, and bad options give one line."""

import json
import os
import shlex
import stat
import tomllib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from niceness import Borderline, broken, oracle_net, spec_numbers

import symbackprop
from symbackprop import bundled_examples, parse
from symbackprop.cli import main

# The documented defaults of `new`: the ranges numbers are drawn from, and the targets of squared error.
RANGES = {"weights": (-1, 1), "biases": (-0.5, 0.5), "inputs": (-1, 1)}
TARGET_RANGES = {"sigmoid": (0, 1), "softmax": (0, 1), "relu": (0, 1), "softplus": (0, 1)}


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def new(capsys, *argv):
    status, out, err = run(capsys, "new", *argv)
    assert status == 0 and err == "", err
    return out


def test_the_same_choices_give_the_same_bytes_and_another_seed_other_numbers(capsys, tmp_path):
    argv = ["3-4-2", "--hidden", "tanh", "--output", "softmax", "--loss", "cross_entropy", "--seed", "7"]
    first = new(capsys, *argv)
    assert new(capsys, *argv) == first
    assert main(["new", *argv, "-o", str(tmp_path / "my.toml"), "-q"]) == 0
    assert (tmp_path / "my.toml").read_bytes() == first.encode("utf-8")
    other = new(capsys, *argv[:-1], "8")
    numbers = [text.split("[parameters]")[1] for text in (first, other)]
    assert numbers[0] != numbers[1]
    assert "seed 7" in first and "seed 8" in other


def test_the_command_in_the_header_writes_the_same_file(capsys):
    text = new(capsys, "2-3-3-1", "--hidden", "relu,tanh", "--output", "linear", "--decimals", "2", "--seed", "5")
    command = text.splitlines()[1].removeprefix("#").strip()
    assert command.startswith("symbackprop new 2-3-3-1 ")
    assert new(capsys, *shlex.split(command)[2:]) == text


def test_defaults_make_a_sigmoid_network_with_bce_and_one_sample(capsys):
    spec = parse(new(capsys, "2-2-1"))
    assert [layer.activation.name for layer in spec.architecture.layers] == ["sigmoid", "sigmoid"]
    assert spec.architecture.loss.kind == "bce" and spec.architecture.bias == "per-neuron"
    assert len(spec.x) == 1 and spec.mode == "sample" and spec.learning_rate == Decimal("0.5")
    assert "seed 0" in spec.description


CHOICES = [
    ("2-2-1", []),
    ("3-4-2", ["--hidden", "tanh", "--output", "softmax"]),
    ("2-3-1", ["--hidden", "relu", "--output", "linear", "--samples", "4", "--mode", "batch"]),
    (
        "2-3-3-2",
        ["--hidden", "leaky_relu,tanh", "--output", "sigmoid", "--loss", "squared_error", "--bias", "per-layer"],
    ),
    ("1-2-1", ["--hidden", "softplus", "--output", "tanh", "--bias", "none", "--decimals", "2"]),
    ("4-3-3", ["--hidden", "sigmoid", "--output", "softmax", "--samples", "3", "--mode", "batch", "--rate", "0.1"]),
    ("3-2", ["--output", "relu", "--loss", "squared_error", "--samples", "2", "--profile", "w-v"]),
    ("2-4-4-4-1", ["--hidden", "relu", "--samples", "2", "--mode", "batch", "--profile", "net-out", "--decimals", "2"]),
]


@pytest.mark.parametrize(("arch", "options"), CHOICES, ids=[arch for arch, _ in CHOICES])
def test_new_specs_are_what_was_asked_for_and_nice_by_an_independent_check(arch, options, capsys):
    widths = [int(w) for w in arch.split("-")]
    asked = dict(zip(options[::2], options[1::2]))
    decimals = int(asked.get("--decimals", 1))
    borderline = 0
    for seed in range(12):
        text = new(capsys, arch, *options, "--seed", str(seed))
        spec = parse(text)
        architecture = spec.architecture
        assert architecture.widths() == widths
        hidden = asked.get("--hidden", "sigmoid").split(",")
        names = [layer.activation.name for layer in architecture.layers]
        assert names[:-1] == (hidden * len(widths))[: len(widths) - 2]
        assert names[-1] == asked.get("--output", "sigmoid")
        assert architecture.bias == asked.get("--bias", "per-neuron")
        assert len(spec.x) == int(asked.get("--samples", 1)) and spec.mode == asked.get("--mode", "sample")
        assert str(spec.learning_rate) == asked.get("--rate", "0.5")
        assert tomllib.loads(text)["notation"]["profile"] == asked.get("--profile", "layered")
        output = names[-1]
        drawn = {family: (decimals, bounds) for family, bounds in RANGES.items()}
        drawn["targets"] = (decimals, TARGET_RANGES.get(output, (-1, 1)))
        params, x, y = spec_numbers(spec)
        try:
            assert broken(spec, oracle_net(spec), params, x, y, drawn) == set(), seed
        except Borderline:
            borderline += 1
        # Written on the grid: every weight, bias and input with exactly `decimals` decimals.
        written = [v for value in spec.parameters.values() for v in np.ravel(np.array(value, dtype=object))]
        assert all(v.as_tuple().exponent == -decimals for v in written + [v for row in spec.x for v in row])
    assert borderline <= 1


def test_grad_and_render_take_what_new_writes(capsys, tmp_path):
    for number, (arch, options) in enumerate(CHOICES):
        path = tmp_path / f"new{number}.toml"
        assert main(["new", arch, *options, "--seed", "3", "-o", str(path)]) == 0
        status, out, err = run(capsys, "grad", str(path), "--json")
        assert status == 0, err
        spec = parse(path.read_text(encoding="utf-8"))
        params, x, y = spec_numbers(spec)
        net = oracle_net(spec)
        data = json.loads(out)
        assert data["loss"] == pytest.approx(net.loss(params, x, y, spec.rows, spec.reduction), abs=1e-12)
        assert data["loss_after"] < data["loss"]
        status, out, err = run(capsys, "render", str(path), "--format", "markdown" if number % 2 else "latex")
        assert status == 0 and err == "" and "Backpropagation on a" in out, err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["3-4-2", "--output", "softmax", "--loss", "bce"], "--loss: bce needs outputs in (0, 1)"),
        (["3-4-2", "--output", "sigmoid", "--loss", "cross_entropy"], "--loss: cross_entropy needs a softmax output"),
        (["3-4-2", "--loss", "hinge"], "--loss: unknown loss 'hinge'"),
        (["3-4-2", "--hidden", "softmax"], "--hidden: softmax is only allowed on the output layer"),
        (["3-4-2", "--hidden", "tanhh"], "--hidden: unknown activation 'tanhh' (did you mean 'tanh'?)"),
        (["3-4-2", "--hidden", "tanh,relu"], "--hidden: expected one activation (3-4-2 has 1 hidden layer), got 2"),
        (["3-4-4-4-2", "--hidden", "tanh,relu"], "--hidden: expected one activation for all hidden layers or 3"),
        (["2-1", "--hidden", "tanh"], "--hidden: the network 2-1 has no hidden layer"),
        (["3-4-1", "--output", "softmax"], "--output: a softmax of one unit always outputs 1"),
        (["3-4-2", "--output", "gelu"], "--output: unknown activation 'gelu'"),
        (["3-x-2"], "ARCH: expected layer sizes joined by dashes"),
        (["3"], "ARCH: expected layer sizes joined by dashes"),
        (["3-0-2"], "ARCH: layer 1 has 0 units; expected 1 to 512"),
        (["0-2"], "ARCH: the inputs has 0 units"),
        (["-".join(["2"] * 18)], "ARCH: at most 16 layers after the inputs, got 17"),
        (["512-512-512"], "ARCH: the number of parameters is 525,312, over the budget of 10,000"),
        (["3-4-2", "--bias", "shared"], "--bias: unknown value 'shared'; expected one of per-neuron, per-layer, none"),
        (["3-4-2", "--mode", "online"], "--mode: unknown value 'online'"),
        (["3-4-2", "--profile", "layerd"], "--profile: unknown value 'layerd' (did you mean 'layered'?)"),
        (["3-4-2", "--rate", "-1"], "--rate: expected a positive number such as 0.5, got '-1'"),
        (["3-4-2", "--rate", "fast"], "--rate: expected a positive number such as 0.5, got 'fast'"),
        (["3-4-2", "--rate", "nan"], "--rate: expected a positive number"),
        (["3-4-2", "--rate", "1e-40"], "--rate: 1E-40 is out of range"),
        (["3-4-2", "--decimals", "3"], "--decimals: expected 1 or 2 (the grid 0.1 or 0.01), got 3"),
        (["3-4-2", "--seed", "-1"], "--seed: expected a whole number from 0 to 9223372036854775807, got -1"),
        (["3-4-2", "--seed", "x"], "argument --seed: invalid int value: 'x'"),
        (["3-4-2", "--samples", "0"], "--samples: expected a whole number from 1 to 100,000, got 0"),
        (["3-4-2", "--samples", "100000"], "--samples: the spec would take up to 3,000,156 bytes"),
        (["3-4-2", "--samples", "3000", "--mode", "batch"], "the first step does not lower the loss"),
        (["3-4-2", "--samples", "3000", "--mode", "batch"], "; try a smaller --rate, fewer --samples or --mode sample"),
        (
            ["16-16-2", "--hidden", "relu", "--output", "softmax"],
            "a ReLU unit is dead (z <= 0 on every trained sample)",
        ),
        (
            ["16-16-2", "--hidden", "relu", "--output", "softmax"],
            "; try narrower layers, or more --samples with --mode",
        ),
        (["3-4-2", "-o", "/no/such/folder/x.toml"], "-o: folder /no/such/folder does not exist"),
    ],
)
def test_bad_options_give_one_line_and_status_2_and_write_nothing(argv, fragment, capsys, tmp_path):
    target = tmp_path / "out.toml"
    status, out, err = run(capsys, "new", *argv, *([] if "-o" in argv else ["-o", str(target)]))
    assert status == 2
    assert out == "" and err.startswith("symbackprop: error: ") and err.count("\n") == 1
    assert fragment in err, err
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_an_output_name_ending_in_a_slash_is_a_folder_not_a_new_file(capsys, tmp_path):
    status, out, err = run(capsys, "new", "2-2-1", "-o", f"{tmp_path}/specs/")
    assert (status, out) == (
        2,
        "",
    ) and err == f"symbackprop: error: -o: {tmp_path}/specs/ names a folder; give a file name\n"
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_output_is_refused_before_any_work(capsys, tmp_path):
    target = tmp_path / "kept.toml"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, stat.S_IRUSR)
    status, _, err = run(capsys, "new", "2-2-1", "-o", str(target))
    assert status == 2 and "is read-only" in err
    assert target.read_text(encoding="utf-8") == "old"


@pytest.mark.parametrize("name", bundled_examples())
def test_examples_show_prints_the_bundled_spec_file(name, capsys):
    status, out, err = run(capsys, "examples", "--show", name)
    assert status == 0 and err == ""
    assert out == (Path(symbackprop.__file__).parent / "examples" / f"{name}.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("bce_sigmoid_221", "no bundled example 'bce_sigmoid_221' (did you mean 'bce_sigmoid_2_2_1'?)"),
        ("../../etc/passwd", "no bundled example '../../etc/passwd'; expected one of bce_sigmoid_2_2_1, "),
        ("\x1b[2J", "no bundled example '\\x1b[2J'"),
    ],
)
def test_examples_show_of_an_unknown_name_gives_one_line(name, fragment, capsys):
    status, out, err = run(capsys, "examples", "--show", name)
    assert status == 2 and out == "" and err.count("\n") == 1
    assert fragment in err and "\x1b" not in err
