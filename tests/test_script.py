"""The stand-alone NumPy script (`render --format python`) and the plain names it prints.

The oracle is the engine's own `grad --json` object (itself checked against an independent
backpropagation and finite differences elsewhere): the script must print it, to 1e-12, with nothing but
NumPy importable.
"""

import ast
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import figures
import numpy as np
import pytest
from close import assert_close
from networks import SMALL_SPEC, draw_numbers, make_case, random_case

from symbackprop import SpecError, activations, bundled_examples, load, losses, parse, script, train
from symbackprop.cli import as_json, main, render_spec
from symbackprop.network import Architecture, Layer
from symbackprop.notation import plain_name
from symbackprop.render import render

ROOT = Path(__file__).resolve().parent.parent


def test_plain_names_of_every_profile():
    assert plain_name(r"\mathrm{net}_{h_{1}}") == "net_h1"
    assert plain_name(r"\mathrm{out}_{o_{2}}") == "out_o2"
    assert plain_name(r"\delta_{o_{1}}") == "delta_o1"
    assert plain_name("W^{(1)}_{11}") == "W1_11"
    assert plain_name("W^{(2)}_{2,11}") == "W2_2,11"
    assert plain_name("z^{(2)}") == "z2"
    assert plain_name(r"\delta^{(1)}_{2}") == "delta1_2"
    assert plain_name(r"\hat{y}") == "y_hat"
    assert plain_name(r"\hat{y}_{3}") == "y_hat_3"
    assert plain_name("w_{5}") == "w5"
    assert plain_name("x_{1}") == "x1"
    assert plain_name("w_{2,11}") == "w2,11"
    assert plain_name(r"\delta_{3}") == "delta_3"
    assert plain_name(r"E_{\mathrm{total}}") == "E_total"
    assert plain_name(r"\mathrm{target}_{o1}") == "target_o1"
    assert plain_name("b_{h}") == "b_h"
    assert plain_name("y^{*}_{1}") == "y*_1"
    assert plain_name(r"z_{\mathrm{out},1}") == "z_out,1"
    assert plain_name(r"\eta") == "eta"


def test_plain_names_of_deeper_net_out_networks_keep_layer_and_unit_apart():
    assert plain_name(r"\mathrm{net}_{h^{(1)}_{1}}") == "net_h1_1"
    assert plain_name(r"b_{h^{(2)}}") == "b_h2"


def test_plain_names_of_hand_written_overrides():
    assert plain_name(r"w^{\prime}") == "w'"
    assert plain_name(r"\tilde{w}_{1}") == "w_tilde_1"
    assert plain_name(r"\bar{x}") == "x_bar"
    assert plain_name(r"x_\alpha") == "x_alpha"
    assert plain_name("v(1)") == "v(1)"


# --- The script computes what the engine computes, with NumPy alone ---------------------------------------------

# Runs check.py as someone without symbackprop would: isolated (-I: no PYTHONPATH, no user site-packages, not
# even the script's folder on the path), with symbackprop and SymPy made unimportable.
RUNNER = (
    "import runpy, sys; sys.modules['sympy'] = None; sys.modules['symbackprop'] = None; "
    "sys.argv = ['check.py', *sys.argv[1:]]; runpy.run_path('check.py', run_name='__main__')"
)


def run_script(text, folder, *arguments):
    """Standard output of the script ``text`` run as check.py in ``folder`` (which must succeed quietly)."""
    (folder / "check.py").write_text(text, encoding="utf-8")
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "SBP_"))}
    done = subprocess.run(
        [sys.executable, "-I", "-c", RUNNER, *arguments],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def test_the_runner_makes_sympy_and_symbackprop_unimportable(tmp_path):
    for module in ("sympy", "symbackprop"):
        (tmp_path / "check.py").write_text(f"import {module}\n", encoding="utf-8")
        done = subprocess.run([sys.executable, "-I", "-c", RUNNER], cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 1 and f"import of {module} halted" in done.stderr


def generated(seed, notation="", **choices):
    """A generated spec's text: a 2-input network with a sigmoid output, changed by ``choices``; three samples."""
    return generated_case(seed, **choices)[0] + notation


def generated_case(seed, **choices):
    """The spec text, oracle Net and plain values of :func:`generated`'s network."""
    c = {
        "inputs": 2,
        "widths": [],
        "hidden": [],
        "outputs": 1,
        "output": "sigmoid",
        "loss": "squared_error",
        "bias": "per-neuron",
        "factor": 0.5,
        "learning_rate": 0.5,
        "update_biases": True,
        "mode": "sample",
        "sample": 2,
        "steps": 1,
        "reduction": "sum",
        **choices,
    }
    draw_numbers(c, np.random.default_rng(seed), 3, c["loss"], c["outputs"])
    return make_case(c)


# A custom formula that is a built-in written out, on the output layer (computed as the sigmoid it is).
WRITTEN_OUT_SIGMOID = SMALL_SPEC.replace(
    '{ units = 1, activation = "sigmoid" }',
    '{ units = 1, activation = { name = "S", variable = "u", expression = "1/(1+exp(-u))" } }',
)

GENERATED = {
    "depth-1-bce": generated(1, inputs=3, outputs=2, loss="bce", sample=3),
    "softmax-cross-entropy-tanh-batch-mean": generated(
        2,
        widths=[3],
        hidden=["tanh"],
        outputs=3,
        output="softmax",
        loss="cross_entropy",
        mode="batch",
        reduction="mean",
    ),
    "relu-leaky-relu-depth-3-per-layer-frozen-3-steps": generated(
        3,
        widths=[3, 2],
        hidden=["relu", "leaky_relu"],
        output="linear",
        factor=1.0,
        bias="per-layer",
        update_biases=False,
        mode="batch",
        steps=3,
    ),
    "custom-formula-no-biases-mean-3-steps": generated(
        4, widths=[2], hidden=["custom"], output="tanh", bias="none", mode="batch", reduction="mean", steps=3
    ),
    "softmax-after-squared-error": generated(
        5, widths=[2], hidden=["softplus"], outputs=3, output="softmax", bias="per-layer", mode="batch"
    ),
    "custom-output-relu-hidden": generated(6, widths=[3], hidden=["relu"], outputs=2, output="custom"),
    "relu-output-leaky-hidden": generated(7, widths=[2], hidden=["leaky_relu"], output="relu", factor=0.25),
    "net-out-names-depth-3": generated(
        8, widths=[2, 2], hidden=["sigmoid", "tanh"], notation='\n[notation]\nprofile = "net-out"\ndecimals = 6\n'
    ),
    "u-z-names-batch": generated(
        9, widths=[2], hidden=["sigmoid"], outputs=2, mode="batch", notation='\n[notation]\nprofile = "u-z"\n'
    ),
    "written-out-sigmoid-before-bce": WRITTEN_OUT_SIGMOID,
    **{f"random-{seed}": random_case(seed)[0] for seed in range(12)},
}
CASES = [*bundled_examples(), *GENERATED]


@pytest.fixture(params=CASES)
def case(request, tmp_path):
    """A spec source (a bundled example's name or a file), its training run and its script."""
    source = request.param
    if source in GENERATED:
        path = tmp_path / f"{source}.toml"
        path.write_text(GENERATED[source], encoding="utf-8")
        source = str(path)
    return source, train(load(source)), render_spec(source, "python")


def test_the_script_prints_the_json_of_grad(case, tmp_path):
    source, result, text = case
    engine = json.loads(json.dumps(as_json(result), allow_nan=False))
    assert_close(json.loads(run_script(text, tmp_path, "--json")), engine)


def _block(out, heading):
    """The lines under ``heading`` up to the next blank line, split at " = " or ": "."""
    block = out.split(f"\n{heading}\n", 1)[1].split("\n\n", 1)[0]
    return [re.split(r" = |: ", line, maxsplit=1) for line in block.splitlines()]


def _gradient_entries(result):
    """Each gradient entry of a run: its symbol in the spec's notation, its value, its parameter and its index."""
    notation = result.spec.notation
    for name, value in result.gradients.items():
        names = notation.W[int(name[1:])] if name[0] == "W" else notation.b[int(name[1:])]
        for index in np.ndindex(np.shape(value)):
            entry = names
            for i in index:
                entry = entry[i]
            yield entry, np.asarray(value)[index], name, index


def _assert_shown(shown, value, decimals, what):
    """``shown`` is ``value`` rounded at its last printed digit (``decimals`` of them when the spec fixes them)."""
    assert figures.shown(shown.replace("e", " \\times 10^"), value, fixed=decimals), (what, shown, value)


def test_the_plain_run_prints_every_forward_value_and_gradient_under_its_name(case, tmp_path):
    source, result, text = case
    spec, before = result.spec, result.before
    notation, decimals = spec.notation, spec.notation.precision.decimals
    x, y = spec.numeric_data()
    out = run_script(text, tmp_path)
    for row in spec.rows:
        expected = [(plain_name(n), v) for n, v in zip(notation.x, x[row])]
        for l in range(1, spec.architecture.depth + 1):
            for j in range(spec.architecture.layers[l - 1].units):
                expected.append((plain_name(notation.z[l][j]), before.z[l][row, j]))
                expected.append((plain_name(notation.a[l][j]), before.a[l][row, j]))
        expected += [(plain_name(n), v) for n, v in zip(notation.y, y[row])]
        expected.append((f"loss of sample {row + 1}", before.loss_sample[row]))
        lines = _block(out, f"Forward pass, sample {row + 1}")
        assert [name for name, _ in lines] == [name for name, _ in expected]
        for (name, shown), (_, value) in zip(lines, expected):
            _assert_shown(shown, value, decimals, name)
    gradients = _block(out, "Gradients" + (f" (the {spec.reduction} over the samples)" if len(spec.rows) > 1 else ""))
    updates = _block(
        out,
        f"Update: each parameter minus {plain_name(notation.rate)} = {float(spec.learning_rate)} times its gradient",
    )
    expected = [(plain_name(entry), value, name, index) for entry, value, name, index in _gradient_entries(result)]
    assert [name for name, _ in gradients] == [f"d{plain_name(notation.loss)}/d{entry}" for entry, *_ in expected]
    for (shown_name, shown), (_, value, *_) in zip(gradients, expected):
        _assert_shown(shown, value, decimals, shown_name)
    for (entry, change), (plain, _, name, index) in zip(
        updates, sorted(expected, key=lambda e: list(spec.parameters).index(e[2]))
    ):
        assert entry == plain
        old, new = spec.numeric_parameters()[name][index], result.first_update[name][index]
        if name[0] == "b" and not spec.update_biases:
            assert change.endswith(" (frozen)")
            _assert_shown(change.removesuffix(" (frozen)"), old, decimals, entry)
        else:
            shown_old, shown_new = change.split(" -> ")
            _assert_shown(shown_old, old, decimals, entry)
            _assert_shown(shown_new, new, decimals, entry)


def _significant(figure):
    """The significant figures of a printed number: 0.00721 has 3, -0.4534 has 4, 1.234e-06 has 4."""
    return len(figure.lstrip("-").split("e")[0].replace(".", "").lstrip("0"))


def test_with_fixed_decimals_a_small_gradient_keeps_three_significant_figures_as_in_the_document(tmp_path):
    """The default example asks for 4 decimals; its first layer's weights have gradients below 0.01, which the worked
    solution prints as 0.00721, not 0.0072."""
    result = train(load("bce_sigmoid_2_2_1"))
    notation, decimals = result.spec.notation, result.spec.notation.precision.decimals
    assert decimals == 4
    printed = dict(_block(run_script(render_spec("bce_sigmoid_2_2_1", "python"), tmp_path), "Gradients"))
    markdown = render_spec("bce_sigmoid_2_2_1", "markdown")
    small = 0
    for entry, number, _, _ in _gradient_entries(result):
        figure = printed[f"d{plain_name(notation.loss)}/d{plain_name(entry)}"]
        _assert_shown(figure, number, decimals, entry)
        assert _significant(figure) >= 3 and len(figure.split(".")[1]) >= decimals, (entry, figure)
        assert f"| ${figure}$ |" in markdown, (entry, figure)  # the update table's gradient column
        small += abs(number) < 0.01
    assert small == 2  # dL/dW1_11 and dL/dW1_21


def test_the_steps_table_holds_the_oracles_loss_before_and_after_each_listed_step(tmp_path):
    """120 steps: the worked solution's table lists steps 1, 5, 10, ..., 120; so does the script, each with the
    loss before and after it and the change, from the independent backpropagation of tests/oracle.py."""
    text, net, plain = generated_case(10, widths=[3], hidden=["tanh"], mode="batch", steps=120)
    out = run_script(render(script.build(train(parse(text))), "python"), tmp_path)
    blocks = out.split("\n\n")
    at = next(i for i, block in enumerate(blocks) if block.lstrip().startswith("step"))
    table = blocks[at].splitlines()
    assert table[0].split() == ["step", "L", "before", "L", "after", "change"]
    rows = [line.split() for line in table[1:]]
    assert [int(row[0]) for row in rows] == [1, *range(5, 121, 5)]
    arguments = (np.asarray(plain["x"]), np.asarray(plain["y"]), plain["rows"], plain["reduction"])
    params = {k: np.asarray(v, dtype=float) for k, v in plain["params"].items()}
    done = 0
    for step, before, after, change in rows:
        params = net.train(params, *arguments, plain["learning_rate"], int(step) - 1 - done, plain["update_biases"])
        loss_before = net.loss(params, *arguments)
        params = net.train(params, *arguments, plain["learning_rate"], 1, plain["update_biases"])
        loss_after, done = net.loss(params, *arguments), int(step)
        for figure, value in ((before, loss_before), (after, loss_after), (change, loss_after - loss_before)):
            _assert_shown(figure, value, None, step)
    assert blocks[at + 1].startswith("After 120 steps\n")


def test_render_writes_the_script_with_o_and_prints_it_without(tmp_path, capsys):
    target = tmp_path / "check.py"
    assert main(["render", "squared_error_2_2_2", "--format", "python", "-o", str(target)]) == 0
    assert main(["render", "squared_error_2_2_2", "--format", "python"]) == 0
    assert capsys.readouterr().out == target.read_text(encoding="utf-8") == render_spec("squared_error_2_2_2", "python")
    assert main(["render", "squared_error_2_2_2", "--format", "python", "-o", str(target), "--pdf"]) == 2
    assert "--pdf: compiles LaTeX, but --format python is another format" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not installed (pip install -e '.[test]')")
@pytest.mark.parametrize("name", bundled_examples())
def test_the_script_passes_the_projects_linter(name, tmp_path):
    (tmp_path / "check.py").write_text(render_spec(name, "python"), encoding="utf-8")
    done = subprocess.run(
        ["ruff", "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), "check.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --- Every activation and loss has its form, and computes as the engine's ---------------------------------------

PROBES = np.array([[-800.0, -40.0, -3.5, -0.7], [0.0, 0.3, 2.2, 40.0], [750.0, -1e-3, 1e-3, 12.0]])
# Every built-in, and a custom formula that is none of them (its outputs in (0, 1/2), so BCE takes it).
ALL_ACTIVATIONS = [
    *activations.BUILT_IN.values(),
    activations.leaky_relu(0.2),
    activations.custom("H", "t", "1/(2 + exp(-t))", key="test"),
]


def _compiled(function):
    """The script's function, compiled on its own (as the template lays it out) in a namespace holding np."""
    source = f"def {function.name}({function.arguments}):\n" + "".join(f"    {line}\n" for line in function.body)
    namespace = {"np": np}
    exec(source, namespace)
    return namespace[function.name]


@pytest.mark.parametrize("activation", ALL_ACTIVATIONS, ids=lambda a: a.name)
def test_each_activation_computes_as_the_engines_form(activation):
    forward = _compiled(script._forward(activation, script.Code("f")))
    derivative = _compiled(script._derivative(activation, script.Code("f")))
    with np.errstate(all="ignore"):
        a = activation.numeric_forward()(PROBES.copy())
        np.testing.assert_array_equal(forward(PROBES.copy()), a)
        np.testing.assert_array_equal(derivative(PROBES.copy(), a), activation.numeric_derivative()(PROBES.copy(), a))


@pytest.mark.parametrize("kind", losses.KINDS)
def test_each_loss_computes_as_the_engines_forms_after_each_output_it_takes(kind):
    loss = losses.KINDS[kind].read({}, "loss")
    outputs = [a for a in ALL_ACTIVATIONS if losses.KINDS[kind].refuse_output(a) is None]
    y = np.array([[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    for output in outputs:
        model = script._loss(Architecture(4, (Layer(4, output),), "none", loss))
        own, gradient = (_compiled(function) for function in model)
        engine_loss, engine_gradient = loss.numeric_forms(output)
        z = PROBES / 100  # outputs that stay within what the losses take
        with np.errstate(all="ignore"):
            a = output.numeric_forward()(z.copy())
            np.testing.assert_array_equal(own(z, a, y), engine_loss(z, a, y), err_msg=output.name)
            if engine_gradient is not None:
                np.testing.assert_array_equal(gradient(z, a, y), engine_gradient(z, a, y), err_msg=output.name)


def test_an_activation_or_loss_without_a_form_is_refused():
    unknown = dataclasses.replace(activations.TANH, name="cube", same_as=None)
    with pytest.raises(SpecError, match="no NumPy form for the activation 'cube'"):
        script._forward(unknown, script.Code("f"))


# --- Nothing a spec says becomes code -------------------------------------------------------------------------

HOSTILE_TITLE = "-*- coding: latin-1 -*- \"\"\" ''' \\ \"; import os; os.system('touch pwned') # é 中 {{ x }} {% if %}"
HOSTILE_SPEC = (
    SMALL_SPEC.replace('title = "A small network"', "title = " + json.dumps(HOSTILE_TITLE)).replace(
        '{ units = 1, activation = "sigmoid" }',
        '{ units = 1, activation = { name = "import", variable = "os", expression = "os /   10 + 0.5" } }',
    )
    + "[notation.names]\n"
    + 'x = ["x\'", "x_{(1)}"]\n'
    + 'loss = "E_{\\\\mathrm{os}}"\n'
)


CONSTANTS = ["TITLE", "NETWORK", "TRAINING", "DIGITS", "DECIMALS", "X", "Y", "PARAMETERS", "LEARNING_RATE", "STEPS"]
CONSTANTS += ["ROWS", "REDUCTION", "TRAINED", "NAMES", "LISTED"]


def _assert_inert(text, title, folder):
    """The script is the template's statements only, holds the title as a string, and running it writes nothing."""
    lines = text.splitlines()
    assert lines[0] == "#!/usr/bin/env python3" and lines[1].startswith('"""A training step worked in plain NumPy')
    tree = ast.parse(text)
    kinds = [type(node).__name__ for node in tree.body]
    assert kinds[:6] == ["Expr", "Import", "Import", "Import", "Import", "Assign"] and "Expr" not in kinds[1:]
    assert set(kinds) == {"Expr", "Import", "Assign", "FunctionDef", "If"}
    assert [alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names] == [
        "json",
        "math",
        "sys",
        "numpy",
    ]
    assert [node.targets[0].id for node in tree.body if isinstance(node, ast.Assign)] == CONSTANTS
    assert tree.body[5].value.value == title
    out = run_script(text, folder)
    assert out.startswith(title + "\n")
    assert sorted(p.name for p in folder.iterdir()) == ["check.py"]
    return out


def test_a_hostile_spec_gives_an_inert_script(tmp_path):
    spec_path = tmp_path / "spec" / "hostile.toml"
    spec_path.parent.mkdir()
    spec_path.write_text(HOSTILE_SPEC, encoding="utf-8")
    spec = load(spec_path)
    assert spec.title == HOSTILE_TITLE
    text = render_spec(str(spec_path), "python")
    run = tmp_path / "run"
    run.mkdir()
    out = _assert_inert(text, HOSTILE_TITLE, run)
    assert "\nx' = 0.1000\n" in out and "\nE_os = " in out
    # The custom formula is SymPy's printing of the parsed expression: the user's text and variable are not code.
    assert 'def custom(z):\n    """The custom activation import(os) = os/10 + 0.5."""\n    return 0.1*z + 0.5\n' in text
    engine = json.loads(json.dumps(as_json(train(spec))))
    assert_close(json.loads(run_script(text, run, "--json")), engine)


def test_user_text_the_spec_reader_would_refuse_still_cannot_become_code(tmp_path):
    """The second wall: a title and names with line breaks and quotes, given to the renderer directly."""
    result = train(parse(SMALL_SPEC))
    title = "x\n\"\"\"\nimport os\nos.system('touch pwned')\n'''\t\u2028# -*- coding: latin-1 -*-"
    notation = dataclasses.replace(result.spec.notation, x=['a"\nimport os', "b'''\\"], loss="L\n#")
    hostile = dataclasses.replace(result, spec=dataclasses.replace(result.spec, title=title, notation=notation))
    text = render(script.build(hostile), "python")
    out = _assert_inert(text, title, tmp_path)
    assert '\na"import os = 0.1000\n' in out  # a plain name is one line: the line break is dropped
    assert_close(json.loads(run_script(text, tmp_path, "--json")), json.loads(json.dumps(as_json(result))))
