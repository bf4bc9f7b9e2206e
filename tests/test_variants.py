"""`symbackprop variants`: the [variants] table, the drawing, the answer key against the oracle, the command."""

import json
import re
from decimal import Decimal

import numpy as np
import pytest
from networks import oracle_for

from symbackprop import bundled_examples, load, parse, train
from symbackprop.cli import main
from symbackprop.exercise import Plan
from symbackprop.spec import read_text
from symbackprop.variants import answers, asked_names, draw_variants

BASE = read_text("bce_sigmoid_2_2_1")


def _with_table(table, base=BASE):
    return parse(base + "\n[variants]\n" + table + "\n")


# -- the [variants] table ---------------------------------------------------------------------------------


def test_a_spec_without_the_table_has_no_plan_and_the_defaults_apply():
    assert load("bce_sigmoid_2_2_1").variants is None
    plan = _with_table("")
    assert plan.variants == Plan()


def test_the_table_is_read_whole():
    plan = _with_table(
        'vary = ["weights", "targets"]\ndecimals = 2\nweights = [-0.8, 0.6]\nask = ["loss", "dL/dW1[1,2]"]\n'
        "answer_decimals = 3\ntolerance = 0.002"
    ).variants
    assert plan.vary == {"weights", "targets"} and plan.decimals == 2 and plan.range_of("weights") == (-0.8, 0.6)
    assert plan.ask == ("loss", "dL/dW1[1,2]") and plan.answer_decimals == 3 and plan.tolerance == 0.002


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('vary = ["weight"]', "variants.vary"),
        ("vary = []", "variants.vary"),
        ("decimals = 3", "variants.decimals"),
        ("weights = [1, -1]", "variants.weights"),
        ("inputs = [0]", "variants.inputs"),
        ('ask = ["gradient"]', "variants.ask"),
        ("answer_decimals = 9", "variants.answer_decimals"),
        ("tolerance = -1", "variants.tolerance"),
        ("colour = 1", "variants"),
    ],
)
def test_a_bad_table_names_its_key(table, key, capsys, tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text(BASE + "\n[variants]\n" + table + "\n")
    assert main(["variants", str(path), "--count", "2", "--seed", "1", "-o", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith(f"symbackprop: error: {key}")
    assert not (tmp_path / "out").exists()


def test_what_is_asked_follows_the_kinds_and_leaves_frozen_biases_out():
    spec = load("squared_error_2_2_2")  # biases frozen
    names = asked_names(spec, Plan(ask=("gradients", "updated")))
    assert names and all(name.startswith(("dL/dW", "new W")) for name in names)
    assert len(names) == 2 * 8
    names = asked_names(load("bce_sigmoid_2_2_1"), Plan(ask=("forward", "loss", "dL/db2[1]")))
    assert names == ["z1_1", "z1_2", "a1_1", "a1_2", "z2_1", "a2_1", "loss", "dL/db2[1]"]


# -- the variants -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def drawn():
    spec = _with_table('vary = ["weights", "biases", "inputs"]\nanswer_decimals = 4')
    return spec, draw_variants(spec, 6, seed=11)


def test_variants_keep_the_network_and_change_the_numbers(drawn):
    spec, variants = drawn
    assert [v.ident for v in variants] == ["001", "002", "003", "004", "005", "006"]
    seen = set()
    for variant in variants:
        assert variant.spec.architecture == spec.architecture and variant.spec.notation == spec.notation
        assert variant.spec.y == spec.y  # targets do not vary here
        numbers = (repr(variant.spec.parameters), variant.spec.x)
        assert numbers not in seen
        seen.add(numbers)
        for value in [*np.ravel(variant.spec.numeric_parameters()["W1"]), *np.ravel(variant.spec.numeric_data()[0])]:
            assert round(value, 1) == value and -1 <= value <= 1


def test_every_answer_is_the_oracles_and_nonzero_at_its_decimals(drawn):
    _, variants = drawn
    for variant in variants:
        spec = variant.spec
        net = oracle_for(spec)
        X, Y = spec.numeric_data()
        params = spec.numeric_parameters()
        gradients = net.gradients(params, X, Y, spec.rows, spec.reduction)
        new = net.train(params, X, Y, spec.rows, spec.reduction, float(spec.learning_rate), 1, spec.update_biases)
        zs, outs = net.forward(params, X[spec.rows[0]])
        for asked in variant.asked:
            assert abs(asked.value) >= 0.5 * 10.0**-asked.decimals
            assert asked.tolerance >= 10.0**-asked.decimals
            expected = _oracle_value(asked.name, zs, outs, gradients, new, net, params, X, Y, spec)
            if expected is not None:
                assert asked.value == pytest.approx(expected, rel=1e-9, abs=1e-12), asked.name


def _oracle_value(name, zs, outs, gradients, new, net, params, X, Y, spec):
    if match := re.fullmatch(r"([za])(\d+)_(\d+)", name):
        family, l, j = match.group(1), int(match.group(2)), int(match.group(3)) - 1
        return (zs if family == "z" else outs)[l][j]
    if name == "loss":
        return net.loss(params, X, Y, spec.rows, spec.reduction)
    if match := re.fullmatch(r"(dL/d|new )([Wb]\d+)(?:\[([\d,]+)\])?", name):
        arrays = gradients if match.group(1) == "dL/d" else new
        index = tuple(int(i) - 1 for i in match.group(3).split(",")) if match.group(3) else ()
        return np.asarray(arrays[match.group(2)])[index]
    return None  # error signals: checked through the gradients they make


def test_a_tolerance_covers_working_the_variant_with_rounded_figures(drawn):
    """One unit of the asked decimals plus the drift of carried rounding, rounded up: never less."""
    from symbackprop.carried import carried_run
    from symbackprop.quantities import canonical_quantities

    _, variants = drawn
    for variant in variants[:2]:
        decimals = variant.asked[0].decimals
        carried = canonical_quantities(carried_run(variant.spec, lambda kind, l, value, d=decimals: d))
        for asked in variant.asked:
            assert asked.tolerance >= 10.0**-decimals + abs(carried[asked.name] - asked.value) - 1e-15


def test_the_same_seed_draws_the_same_variants_and_another_seed_others():
    spec = load("regression_2_2_1_linear_output")
    first, again = draw_variants(spec, 3, seed=5), draw_variants(spec, 3, seed=5)
    other = draw_variants(spec, 3, seed=6)
    assert [v.spec for v in first] == [v.spec for v in again]
    assert [v.spec.parameters for v in first] != [v.spec.parameters for v in other]


def test_numbers_alone_for_many_variants_agree_with_the_written_ones():
    spec = load("regression_2_2_1_linear_output")
    names, values = answers(spec, 4, seed=9)
    written = draw_variants(spec, 4, seed=9)
    for row, variant in zip(values, written):
        assert [a.name for a in variant.asked] == names
        assert np.allclose(row, [a.value for a in variant.asked], rtol=1e-12, atol=1e-14)


# -- the command ------------------------------------------------------------------------------------------


def test_the_command_writes_every_file_and_the_same_seed_writes_the_same_bytes(tmp_path, capsys):
    for folder in ("a", "b"):
        assert main(["variants", "bce_sigmoid_2_2_1", "--count", "3", "--seed", "4", "-o", str(tmp_path / folder)]) == 0
    a, b = tmp_path / "a", tmp_path / "b"
    names = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert names == [
        "answers.csv",
        "answers.json",
        "moodle.xml",
        "questions.tex",
        "solutions.tex",
        "variants/001.toml",
        "variants/002.toml",
        "variants/003.toml",
    ]
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    key = json.loads((a / "answers.json").read_text())
    # Each variant file is a full spec: trained alone, it gives the answer key's values.
    for ident in ("001", "002", "003"):
        spec = load(str(a / "variants" / f"{ident}.toml"))
        from symbackprop.quantities import canonical_quantities

        values = canonical_quantities(train(spec))
        for entry in (e for e in key if e["variant"] == ident):
            assert values[entry["name"]] == pytest.approx(entry["value"], rel=1e-12, abs=1e-15)
    # Off a terminal no progress bar: one line on standard error per run.
    assert capsys.readouterr().err.splitlines() == [f"symbackprop: wrote 3 variants to {tmp_path / f}" for f in "ab"]


def test_a_terminal_sees_a_progress_bar(tmp_path):
    """On a terminal (a pseudo-terminal 100 columns wide) the run draws a bar on standard error, then clears it."""
    import fcntl
    import os
    import pty
    import struct
    import sys
    import termios

    argv = [sys.executable, "-m", "symbackprop", "variants", "bce_sigmoid_2_2_1", "--count", "3", "--seed", "1"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: its standard streams are the terminal
        os.execvp(argv[0], [*argv, "-o", str(tmp_path / "out")])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    shown = b""
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        shown += data
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    text = shown.decode()
    assert re.search(r"symbackprop: +\d+%\|", text) and "/6 [" in text
    assert text.rstrip().endswith(f"wrote 3 variants to {tmp_path / 'out'}")


@pytest.mark.parametrize(
    ("argv", "start"),
    [
        (["--count", "0", "--seed", "1"], "--count"),
        (["--count", "100000", "--seed", "1"], "--count"),
        (["--count", "2"], "command line: the following arguments are required: --seed"),
        (["--count", "2", "--seed", "-1"], "--seed"),
    ],
)
def test_bad_options_give_one_line(argv, start, tmp_path, capsys):
    assert main(["variants", "bce_sigmoid_2_2_1", *argv, "-o", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith(f"symbackprop: error: {start}")
    assert not (tmp_path / "out").exists()


def test_a_decimal_number_is_written_as_drawn(drawn):
    _, variants = drawn
    for variant in variants:
        for row in variant.spec.parameters["W1"]:
            for value in row:
                assert isinstance(value, Decimal) and value == value.quantize(Decimal("0.1"))


@pytest.mark.parametrize("name", bundled_examples())
def test_variants_of_every_bundled_example_are_nice_and_answered_as_the_oracle_answers(name):
    """Each example's own conventions (bias layout, frozen biases, loss, notation), its answers checked
    against the oracle and its numbers against the rules of nice numbers, independently of the engine."""
    spec = load(name)
    for variant in draw_variants(spec, 3, seed=len(name)):
        vspec = variant.spec
        assert vspec.architecture == spec.architecture and vspec.update_biases == spec.update_biases
        net = oracle_for(vspec)
        X, Y = vspec.numeric_data()
        params = vspec.numeric_parameters()
        rows, reduction = vspec.rows, vspec.reduction
        gradients = net.gradients(params, X, Y, rows, reduction)
        new = net.train(params, X, Y, rows, reduction, float(vspec.learning_rate), vspec.steps, vspec.update_biases)
        zs, outs = net.forward(params, X[rows[0]])
        assert net.loss(new, X, Y, rows, reduction) < net.loss(params, X, Y, rows, reduction)
        checked = 0
        for asked in variant.asked:
            assert abs(asked.value) >= 0.5 * 10.0**-asked.decimals
            expected = _oracle_value(asked.name, zs, outs, gradients, new, net, params, X, Y, vspec)
            if expected is not None:
                checked += 1
                assert asked.value == pytest.approx(expected, rel=1e-9, abs=1e-12), (name, asked.name)
        assert checked >= len(variant.asked) // 2


def test_a_spec_over_the_document_budget_is_refused_before_any_drawing(tmp_path, capsys):
    """Every variant gets a worked solution: a network too large for one is refused in one line."""
    spec = tmp_path / "big.toml"
    assert main(["new", "16-16-8", "--hidden", "tanh", "--seed", "1", "-o", str(spec)]) == 0
    capsys.readouterr()
    assert main(["variants", str(spec), "--count", "2", "--seed", "1", "-o", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "for a document, the number of parameters is 408" in error
    assert not (tmp_path / "out").exists()
