"""Specs written back as text: what spec_text writes reads back as the same spec, and trains to the same numbers.

The checks compare the spec read back with the spec written (field by field, and every number's
exact decimal as written) and the two runs' numbers bit for bit, and read the text with tomllib
itself to see that titles are written literally.
"""

import dataclasses
import tomllib
from decimal import Decimal

import numpy as np
import pytest
from networks import random_case

from symbackprop import bundled_examples, load, parse, train
from symbackprop.errors import SpecError
from symbackprop.notation import PROFILES
from symbackprop.spec_text import spec_text


def written(value):
    """Every number of a nested value as it is written (Decimal("0.20") and Decimal("0.2") differ)."""
    if isinstance(value, (list, tuple)):
        return [written(item) for item in value]
    assert isinstance(value, Decimal)
    return str(value)


def assert_same_spec(again, spec):
    assert again == spec
    assert again.title == spec.title and again.description == spec.description
    for name in spec.parameters:
        assert written(again.parameters[name]) == written(spec.parameters[name]), name
    assert written(again.x) == written(spec.x) and written(again.y) == written(spec.y)
    assert str(again.learning_rate) == str(spec.learning_rate)
    assert again.notation.precision == spec.notation.precision
    assert type(again.notation.profile) is type(spec.notation.profile)


def assert_same_run(again, spec):
    first, second = train(spec), train(again)
    assert first.loss == second.loss and first.loss_after == second.loss_after
    assert np.array_equal(first.losses, second.losses)
    for name in spec.parameters:
        assert np.array_equal(first.gradients[name], second.gradients[name]), name
        assert np.array_equal(first.updated[name], second.updated[name]), name
    assert np.array_equal(first.before.a[-1], second.before.a[-1])


@pytest.mark.parametrize("name", bundled_examples())
def test_every_bundled_example_reads_back_as_itself_and_trains_to_the_same_numbers(name):
    spec = load(name)
    again = parse(spec_text(spec))
    assert_same_spec(again, spec)
    assert_same_run(again, spec)


def _notation_and_document(rng, inputs):
    """Random [notation] and [document] tables for a generated spec of ``inputs`` inputs."""
    profile = str(rng.choice(PROFILES))
    precision = (
        f"digits = {int(rng.integers(1, 16))}" if rng.integers(0, 2) else f"decimals = {int(rng.integers(0, 13))}"
    )
    rounding = str(rng.choice(["exact", "carried"]))
    extras = ", ".join(f'"{e}"' for e in rng.choice(["terms", "numbered", "checklist"], int(rng.integers(0, 3)), False))
    detail = str(rng.choice(["auto", "full", "compact"]))
    names = ", ".join(f'"i_{{{k}}}"' for k in range(1, inputs + 1))
    return (
        f'\n[notation]\nprofile = "{profile}"\n{precision}\nrounding = "{rounding}"\n'
        + (f'\n[notation.names]\nloss = "E"\nx = [{names}]\n' if rng.integers(0, 2) else "")
        + f'\n[document]\ndetail = "{detail}"\nextras = [{extras}]\n'
    )


@pytest.mark.parametrize("seed", range(60))
def test_random_specs_read_back_as_themselves_and_train_to_the_same_numbers(seed):
    text, _, _ = random_case(seed)
    text += _notation_and_document(np.random.default_rng(1000 + seed), parse(text).architecture.inputs)
    spec = parse(text)
    again = parse(spec_text(spec, header_comment=f"random case {seed}"))
    assert_same_spec(again, spec)
    assert_same_run(again, spec)
    assert parse(spec_text(again)) == again


SHARED_BIAS_NAMES = """
[network]
inputs = 1
bias = "per-layer"
layers = [{ units = 2, activation = { name = "leaky_relu", slope = 0.050 } }, { units = 1, activation = "linear" }]
[loss]
kind = "squared_error"
factor = 0.125
[parameters]
W1 = [[0.5], [-0.25]]
b1 = 0.10
W2 = [[1.0, -1.00]]
b2 = -0.0
[data]
x = [[1E-2], [100], [2.5e+1]]
y = [-1, 0.5, 1.5e-7]
[training]
learning_rate = 0.001
mode = "batch"
[notation]
profile = "w-v"
[notation.names]
b1 = ["b_{o}"]
a1 = ["h_{1}", "h_{2}"]
rate = "\\\\eta"
"""


def test_leaky_slopes_factors_shared_bias_names_and_exotic_number_forms_read_back():
    spec = parse(SHARED_BIAS_NAMES)
    text = spec_text(spec)
    assert "slope = 0.05" in text and "factor = 0.125" in text
    # Every number exactly as the spec holds it, in a form TOML reads back as the same decimal.
    assert "x = [[0.01], [100], [25]]" in text and "y = [[-1], [0.5], [1.5E-7]]" in text and "b2 = -0.0" in text
    again = parse(text)
    assert_same_spec(again, spec)
    assert_same_run(again, spec)
    assert again.notation.b[1] == "b_{o}" and again.notation.rate == r"\eta"


FORMULAS = [
    "t/10",
    "tanh(t)/2 + t/4",
    "1.7159*tanh(2*t/3)",
    "1/(1 + exp(-t))",
    "log(1 + exp(t))",
    "t/(1 + abs(t))",
    "sqrt(t**2 + 1) - 1",
    "t**3/30 + 0.50*t",
    "exp(-t**2) + t",
    "2*atan(t)/pi",
    "E**t - 1",
    "sin(t) + cos(t)",
    "(t**2 + 1)**(3/2)",
    "0.001*t + 1e-3",
    "-t",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_custom_formulas_read_back_as_the_same_activation(formula):
    text = SHARED_BIAS_NAMES.replace(
        '{ name = "leaky_relu", slope = 0.050 }',
        f'{{ name = "G", variable = "t", expression = "{formula}" }}',
    )
    spec = parse(text)
    again = parse(spec_text(spec))
    assert again.architecture == spec.architecture
    assert_same_run(again, spec)


TITLES = [
    'a "quoted" title',
    "back\\slash \\n not a newline, \\u0041",
    "unicode: é ü 中文 ∂L/∂w 🙂",
    "'''triple''' and \"\"\"triple\"\"\" # not a comment",
    '[network]\ntitle = "injected"',
    "tab\tand\rcarriage return",
    "x" * 300,
]


@pytest.mark.parametrize("title", TITLES)
def test_titles_and_descriptions_are_written_literally(title):
    spec = dataclasses.replace(load("bce_sigmoid_2_2_1"), title=title, description=title)
    text = spec_text(spec, header_comment=title)
    document = tomllib.loads(text)
    assert document["title"] == title and document["description"] == title
    assert document["network"]["inputs"] == 2  # the header comment and the texts broke nothing out
    if "\n" in title or "\t" in title or "\r" in title:
        # The text is written faithfully; the spec reader then refuses a control character in a title.
        with pytest.raises(SpecError, match="^title: control character"):
            parse(text)
    else:
        again = parse(text)
        assert again.title == title and again.description == title


def test_a_description_read_with_newlines_is_written_as_the_spec_holds_it():
    spec = parse('description = """two\nlines"""\n' + SHARED_BIAS_NAMES)
    assert spec.description == "two lines"
    assert parse(spec_text(spec)).description == "two lines"


def test_header_comment_lines_are_comments_and_long_ones_are_wrapped_unless_indented():
    command = "  symbackprop new " + "--option value " * 10
    header = "first line\n" + "word " * 60 + "\n\x1b[2J escape\n" + command
    text = spec_text(load("bce_sigmoid_2_2_1"), header_comment=header)
    head = text.split("title =")[0].splitlines()
    assert head[0] == "# first line" and head[-2] == "#" + command
    assert all(line.startswith("#") and len(line) <= 100 for line in head[:-2] if line)
    assert "\x1b" not in text and "# \\x1b[2J escape" in head
    assert tomllib.loads(text)["title"] == load("bce_sigmoid_2_2_1").title
