"""New specs: a complete spec for a network described in a few words, with nice numbers drawn at random.

``symbackprop new 3-4-2 --hidden tanh --output softmax --seed 7`` asks :func:`new_spec`
for a spec of a network with 3 inputs, a hidden layer of 4 tanh units and 2 softmax
outputs. Its starting weights and biases, its inputs and its targets are drawn with
:func:`symbackprop.nice.draw` from a generator seeded with the seed, so the same
choices always give the same text, and another seed other numbers. The text is
written by :func:`symbackprop.spec_text.spec_text`, with a header that gives the
command that reproduces it, and read back before it is returned.

A choice that cannot make a spec is refused with one line naming the command's
option: ``ARCH``, ``--hidden``, ``--output``, ``--loss`` and so on.

>>> text = new_spec("2-2-1", hidden="tanh", seed=3)
>>> print(text.splitlines()[1])
#   symbackprop new 2-2-1 --hidden tanh --output sigmoid --loss bce --bias per-neuron --samples 1 --mode sample --rate 0.5 --profile layered --decimals 1 --seed 3
>>> from symbackprop import parse, train
>>> train(parse(text)).loss_after < train(parse(text)).loss
True
"""

import re
from decimal import Decimal, InvalidOperation

import numpy as np

from . import activations, budget, losses, nice, notation
from .checks import number, show, suggest
from .errors import SpecError
from .network import Architecture, Layer
from .spec import BIAS_LAYOUTS, MODES, Spec, parse
from .spec_text import spec_text

ARCH = re.compile(r"\d{1,6}(?:-\d{1,6})+\Z")
# The loss each output activation suggests when none is chosen.
LOSS_FOR_OUTPUT = {"sigmoid": "bce", "softmax": "cross_entropy"}
DEFAULT_LOSS = "squared_error"
MAX_SEED = 2**63 - 1
# What to change when no nice numbers were found, by the constraint most candidates broke. A wide layer
# saturates or dies more often: each of its units must stay nice.
ADVICE = {
    "saturated": "narrower layers, fewer inputs or another --seed",
    "dead": "narrower layers, or more --samples with --mode batch (a unit is dead only if z <= 0 on every sample)",
    "decrease": "a smaller --rate, fewer --samples or --mode sample",
    "finite": "a smaller --rate",
}
# The budget names what it refuses by the spec's keys; the command names its options.
OPTION_OF_KEY = {"network.layers": "ARCH", "data.x": "--samples"}


def new_spec(
    arch,
    *,
    hidden=None,
    output=None,
    loss=None,
    bias="per-neuron",
    samples=1,
    mode="sample",
    rate="0.5",
    profile="layered",
    decimals=1,
    seed=0,
):
    """The TOML text of a new spec (see the module's docstring; the arguments are the options of ``symbackprop new``).

    ``hidden`` is one activation for every hidden layer or a comma-separated list, one per hidden layer
    (default sigmoid); ``output`` the output layer's (default sigmoid); ``loss`` the loss (default: bce after
    a sigmoid, cross_entropy after a softmax, squared_error otherwise). ``rate`` is the learning rate as written.
    """
    widths = _widths(arch)
    hidden_names = _hidden(hidden, len(widths) - 2, arch)
    output_name = _activation(output or "sigmoid", "--output")
    if output_name == "softmax" and widths[-1] == 1:
        raise SpecError(f"--output: a softmax of one unit always outputs 1, so it cannot learn; {arch} has one output")
    loss_name = loss or LOSS_FOR_OUTPUT.get(output_name, DEFAULT_LOSS)
    bias = _choice(bias, BIAS_LAYOUTS, "--bias")
    mode = _choice(mode, MODES, "--mode")
    profile = _choice(profile, notation.PROFILES, "--profile")
    if type(samples) is not int or not 1 <= samples <= budget.MAX_SAMPLES:
        raise SpecError(f"--samples: expected a whole number from 1 to {budget.MAX_SAMPLES:,}, got {show(samples)}")
    if type(decimals) is not int or decimals not in nice.DECIMALS:
        raise SpecError(f"--decimals: expected 1 or 2 (the grid 0.1 or 0.01), got {show(decimals)}")
    if type(seed) is not int or not 0 <= seed <= MAX_SEED:
        raise SpecError(f"--seed: expected a whole number from 0 to {MAX_SEED}, got {show(seed)}")
    learning_rate = _rate(rate)

    _costed(budget.check_widths, widths, bias)
    layers = [
        Layer(units, activations.from_spec(name, key="--hidden")) for units, name in zip(widths[1:], hidden_names)
    ]
    layers.append(Layer(widths[-1], activations.from_spec(output_name, key="--output")))
    architecture = Architecture(widths[0], tuple(layers), bias, _loss(loss_name, layers[-1].activation))
    _costed(budget.check_architecture, architecture)
    _costed(budget.check_run, architecture, samples, 1 if mode == "sample" else samples, 1)
    # Each number takes at most "-0.75, " in the text: refuse a spec the reader would refuse, before drawing.
    size = (architecture.parameter_count() + samples * (widths[0] + widths[-1])) * (5 + decimals)
    if size > budget.MAX_SPEC_BYTES:
        option = "--samples" if samples * (widths[0] + widths[-1]) > architecture.parameter_count() else "ARCH"
        raise SpecError(
            f"{option}: the spec would take up to {size:,} bytes, over the budget of {budget.MAX_SPEC_BYTES:,} bytes"
        )

    choices = {
        "hidden": ",".join(hidden_names) if len(set(hidden_names)) > 1 else (hidden_names or [None])[0],
        "output": output_name,
        "loss": loss_name,
        "bias": bias,
        "samples": samples,
        "mode": mode,
        "rate": learning_rate,
        "profile": profile,
        "decimals": decimals,
        "seed": seed,
    }
    base = _blank(architecture, arch, samples, mode, learning_rate, profile, choices)
    settings = nice.Settings(vary=frozenset(nice.VARYING), decimals=decimals)
    try:
        numbers = nice.draw(base, np.random.default_rng(seed), 1, settings)
    except nice.NotFound as failed:
        advice = f"try {ADVICE.get(failed.constraint, 'another --seed')}"
        raise nice.NotFound(failed.found, 1, failed.drawn, failed.constraint, failed.refused, advice) from None
    text = spec_text(numbers.spec(base, 0), header_comment=_header(arch, choices, settings, base))
    parse(text)  # what new writes is always a spec that reads back
    return text


def _widths(arch):
    if not isinstance(arch, str) or not ARCH.match(arch):
        raise SpecError(
            f"ARCH: expected layer sizes joined by dashes, inputs first and outputs last (such as 3-4-2), got {show(arch)}"
        )
    widths = [int(width) for width in arch.split("-")]
    if len(widths) - 1 > budget.MAX_LAYERS:
        raise SpecError(f"ARCH: at most {budget.MAX_LAYERS} layers after the inputs, got {len(widths) - 1}")
    for position, width in enumerate(widths):
        if not 1 <= width <= budget.MAX_UNITS:
            what = "the inputs" if position == 0 else f"layer {position}"
            raise SpecError(f"ARCH: {what} has {width} units; expected 1 to {budget.MAX_UNITS}")
    return widths


def _hidden(hidden, count, arch):
    """One activation name per hidden layer, from ``hidden`` (one name for all, or a comma-separated list)."""
    if hidden is None:
        return ["sigmoid"] * count
    names = [name.strip() for name in str(hidden).split(",")]
    if not count:
        raise SpecError(f"--hidden: the network {arch} has no hidden layer")
    if len(names) not in (1, count):
        expected = "one activation" if count == 1 else f"one activation for all hidden layers or {count}, one each"
        raise SpecError(
            f"--hidden: expected {expected} ({arch} has {count} hidden layer{'s' * (count > 1)}), got {len(names)}"
        )
    names = [_activation(name, "--hidden") for name in names]
    for name in names:
        if name == "softmax":
            raise SpecError("--hidden: softmax is only allowed on the output layer (--output)")
    return names * count if len(names) == 1 else names


def _activation(name, option):
    if name not in activations.NAMES:
        raise SpecError(
            f"{option}: unknown activation {show(name)}{suggest(name, activations.NAMES)}; "
            f"expected one of {', '.join(activations.NAMES)}"
        )
    return name


def _loss(name, output):
    if name not in losses.KINDS:
        raise SpecError(
            f"--loss: unknown loss {show(name)}{suggest(name, losses.KINDS)}; expected one of {', '.join(losses.KINDS)}"
        )
    kind = losses.KINDS[name]
    refusal = kind.refuse_output(output)
    if refusal:
        raise SpecError(f"--loss: {refusal}; choose another --loss or --output")
    return kind.read({}, "--loss")


def _choice(value, choices, option):
    if value not in choices:
        raise SpecError(
            f"{option}: unknown value {show(value)}{suggest(value, choices)}; expected one of {', '.join(choices)}"
        )
    return value


def _rate(rate):
    try:
        value = Decimal(str(rate))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0:
        raise SpecError(f"--rate: expected a positive number such as 0.5, got {show(rate)}")
    return number(value, "--rate")


def _costed(check, *arguments):
    """Run a budget check, naming in its refusal the option that made the figure instead of the spec key."""
    try:
        check(*arguments)
    except SpecError as error:
        key, _, rest = str(error).partition(": ")
        raise SpecError(f"{OPTION_OF_KEY.get(key, key)}: {rest}") from None


def _blank(architecture, arch, samples, mode, learning_rate, profile, choices):
    """The spec of the chosen network with placeholder numbers, which :func:`nice.draw` replaces."""
    zero = Decimal(0)
    parameters = {
        name: zero
        if not shape
        else [[zero] * shape[1] for _ in range(shape[0])]
        if len(shape) == 2
        else [zero] * shape[0]
        for name, shape in architecture.parameter_shapes().items()
    }
    outputs = architecture.outputs
    target = (Decimal(1), *[zero] * (outputs - 1)) if architecture.loss.kind == "cross_entropy" else (zero,) * outputs
    return Spec(
        title=f"Backpropagation on a {arch} network",
        description=_description(architecture, arch, choices),
        architecture=architecture,
        reduction="sum",
        parameters=parameters,
        x=((zero,) * architecture.inputs,) * samples,
        y=(target,) * samples,
        learning_rate=learning_rate,
        update_biases=True,
        mode=mode,
        sample=1,
        steps=1,
        verify=True,
        notation=notation.build(architecture, profile),
    )


def _description(architecture, arch, choices):
    hidden = [layer.activation.description for layer in architecture.layers[:-1]]
    if not hidden:
        layers = "no hidden layer"
    elif len(set(hidden)) == 1:
        layers = f"{hidden[0]} hidden layer{'s' if len(hidden) > 1 else ''}"
    else:
        layers = f"hidden layers {', '.join(hidden)}"
    step = "on sample 1" if choices["mode"] == "sample" else f"on all {choices['samples']} samples"
    return (
        f"{arch}: {layers}, {architecture.layers[-1].activation.description} output, {architecture.loss.label}; "
        f"one step {step} at learning rate {choices['rate']}; numbers drawn with seed {choices['seed']}"
    )


def _header(arch, choices, settings, spec):
    command = " ".join(
        ["symbackprop new", arch] + [f"--{option} {value}" for option, value in choices.items() if value is not None]
    )
    ranges = {family: _interval(settings.range(family, spec)) for family in ("weights", "biases", "inputs")}
    targets = {
        "bce": "0 or 1",
        "cross_entropy": "one-hot",
    }.get(spec.architecture.loss.kind, f"in {_interval(settings.range('targets', spec))}")
    return (
        f"Written by:\n   {command}\n"
        f"The weights, biases, inputs and targets were drawn at random with seed {choices['seed']} on the grid "
        f"{Decimal(1).scaleb(-settings.decimals)}: weights in {ranges['weights']} (never 0), biases in "
        f"{ranges['biases']}, inputs in {ranges['inputs']}, targets {targets}. They were kept because they are "
        "nice: no sigmoid or tanh unit saturates and no ReLU unit is dead on the trained samples, and the first "
        "step lowers the loss (docs/nice-numbers.md). The same command writes the same file; another seed draws "
        "other numbers."
    )


def _interval(bounds):
    return f"[{bounds[0]:g}, {bounds[1]:g}]"
