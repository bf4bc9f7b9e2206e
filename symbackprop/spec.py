"""Reading and checking spec files.

A spec is a small TOML file describing one network, its starting parameters,
the data and the training step (see docs/spec.md). :func:`load` reads it,
checks every key and returns a :class:`Spec`; anything wrong raises a
:class:`SpecError` whose one-line message names the key and what was expected.
Numbers are read as exact decimals (0.1 stays 1/10) and converted to floats only
for numeric evaluation.
"""

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

import numpy as np

from . import activations, budget, exercise, losses, notation
from .checks import number, only_keys, show, show_key, show_path, suggest, text_field
from .errors import SpecError
from .network import Architecture, Layer

BIAS_LAYOUTS = ("per-neuron", "per-layer", "none")
MODES = ("sample", "batch")
REDUCTIONS = ("sum", "mean")
# A dotted key (a.b."c") with more than MAX_KEY_PARTS parts. Possessive quantifiers and an atomic group
# keep the search from backtracking into a part, and a match starts only where a key can start (a line's
# start, a table header's bracket, an inline table's brace or comma), so the search stays linear in the
# length of the text and a title such as "1.2.3.4..." is not taken for a key.
_KEY_PART = r"""(?>[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
_LONG_DOTTED_KEY = re.compile(
    rf"(?:^[ \t]*\[*[ \t]*|[{{,][ \t]*)(?:{_KEY_PART}[ \t]*\.[ \t]*){{{budget.MAX_KEY_PARTS}}}{_KEY_PART}", re.MULTILINE
)

TOP_KEYS = {
    "title",
    "description",
    "network",
    "loss",
    "parameters",
    "data",
    "training",
    "notation",
    "document",
    "variants",
}
NETWORK_KEYS = {"inputs", "bias", "layers"}
LAYER_KEYS = {"units", "activation"}
LOSS_KEYS = {"kind", "reduction", *losses.SETTINGS}
DATA_KEYS = {"x", "y"}
TRAINING_KEYS = {"learning_rate", "update_biases", "mode", "sample", "steps", "verify"}
DOCUMENT_KEYS = {"detail", "extras"}
# How much of a layer documents work unit by unit: "full" every unit, "compact" the first unit only (the
# others in a table), "auto" full for layers of at most 4 units.
DETAILS = ("auto", "full", "compact")
# Steps some worked examples show and others leave out (see docs/spec.md, [document] extras).
EXTRAS = ("arithmetic", "checklist", "numbered", "per-output", "script", "terms")


@dataclass(frozen=True)
class Spec:
    """A checked spec: the architecture, the starting parameters, the data and the training step.

    ``parameters`` maps names such as ``"W1"`` and ``"b1"`` to exact values
    (nested lists of Decimal, or one Decimal for a per-layer bias);
    :meth:`numeric_parameters` gives them as float arrays.
    """

    title: str
    description: str
    architecture: Architecture
    reduction: str
    parameters: dict
    x: tuple
    y: tuple
    learning_rate: Decimal
    update_biases: bool
    mode: str
    sample: int
    steps: int
    verify: bool
    notation: object
    detail: str = "auto"
    extras: frozenset = frozenset()
    variants: object = None  # the exercise's plan for `symbackprop variants` (exercise.Plan), if it has one

    def numeric_parameters(self):
        return {name: np.array(value, dtype=float) for name, value in self.parameters.items()}

    def numeric_data(self):
        return np.array(self.x, dtype=float), np.array(self.y, dtype=float)

    @property
    def rows(self):
        """The 0-based sample rows the training step uses."""
        return [self.sample - 1] if self.mode == "sample" else range(len(self.x))


def bundled_examples():
    """Names of the example specs shipped in the package, sorted."""
    folder = resources.files("symbackprop") / "examples"
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".toml"))


def bundled_text(name):
    """The TOML text of the bundled example ``name`` (one of :func:`bundled_examples`)."""
    return (resources.files("symbackprop") / "examples" / f"{name}.toml").read_text(encoding="utf-8")


DEFAULT_EXAMPLE = "bce_sigmoid_2_2_1"


def read_text(source):
    """The text of ``source``: a path to a file, or the name of a bundled example."""
    path = Path(source)
    if path.is_file():
        try:
            with path.open("rb") as stream:
                data = stream.read(budget.MAX_SPEC_BYTES + 1)
            if len(data) > budget.MAX_SPEC_BYTES:
                raise SpecError(
                    f"{show_path(source)}: the spec file is over the budget of {budget.MAX_SPEC_BYTES:,} bytes"
                )
            return data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SpecError(f"{show_path(source)}: cannot read the spec file ({error.__class__.__name__})") from None
    if source in bundled_examples():
        return bundled_text(source)
    hint = suggest(source, bundled_examples())
    raise SpecError(
        f"{show_path(source)}: no such spec file or bundled example{hint}; `symbackprop examples` lists them"
    )


def load(source=DEFAULT_EXAMPLE):
    """Read and check the spec at ``source`` (a path or a bundled example's name)."""
    return parse(read_text(source), source=str(source))


def parse(text, source="<spec>"):
    """Check the TOML ``text`` of a spec and build a :class:`Spec`.

    The spec is costed as it is read (see :mod:`symbackprop.budget`): its size and its keys before
    the TOML reader sees it, the architecture before any parameter is read, and the run before
    anything is computed.
    """
    source = show_path(source)
    document = _toml(text, source)
    only_keys(document, TOP_KEYS, "")
    for needed in ("network", "loss", "parameters", "data"):
        _table(document, needed, needed)

    architecture, reduction = _architecture(document)
    budget.check_architecture(architecture)
    parameters = _parameters(document["parameters"], architecture)
    x, y = _data(document["data"], architecture)
    training = _table(document, "training", "training", required=False)
    only_keys(training, TRAINING_KEYS, "training")

    learning_rate = number(training.get("learning_rate", Decimal("0.1")), "training.learning_rate")
    if learning_rate <= 0:
        raise SpecError(f"training.learning_rate: expected a positive number, got {learning_rate}")
    update_biases = training.get("update_biases", True)
    if not isinstance(update_biases, bool):
        raise SpecError(f"training.update_biases: expected true or false, got {show(update_biases)}")
    mode = _choice(training.get("mode", "sample"), MODES, "training.mode")
    sample = _integer(training.get("sample", 1), "training.sample", 1, len(x))
    steps = _integer(training.get("steps", 1), "training.steps", 1, budget.MAX_STEPS)
    budget.check_run(architecture, len(x), 1 if mode == "sample" else len(x), steps)
    verify = training.get("verify", False)
    if not isinstance(verify, bool):
        raise SpecError(f"training.verify: expected true or false, got {show(verify)}")
    names = _table(document, "notation", "notation", required=False)
    layout = _table(document, "document", "document", required=False)
    only_keys(layout, DOCUMENT_KEYS, "document")
    detail = _choice(layout.get("detail", "auto"), DETAILS, "document.detail")
    extras = layout.get("extras", [])
    if not isinstance(extras, list):
        raise SpecError(f'document.extras: expected a list such as ["checklist"], got {show(extras)}')
    extras = frozenset(_choice(extra, EXTRAS, "document.extras") for extra in extras)
    losses.check_targets(architecture.loss, y)
    variants = exercise.plan(document["variants"]) if "variants" in document else None
    return Spec(
        title=text_field(document.get("title", "Backpropagation, step by step"), "title", budget.MAX_TITLE),
        description=text_field(document.get("description", ""), "description", budget.MAX_DESCRIPTION, lines=True),
        architecture=architecture,
        reduction=reduction,
        parameters=parameters,
        x=x,
        y=y,
        learning_rate=learning_rate,
        update_biases=update_biases,
        mode=mode,
        sample=sample,
        steps=steps,
        verify=verify,
        notation=notation.from_spec(names, architecture),
        detail=detail,
        extras=extras,
        variants=variants,
    )


def _toml(text, source):
    """The TOML document in ``text``, read only once its size and its dotted keys are within the budget."""
    if len(text) > budget.MAX_SPEC_BYTES:
        raise SpecError(f"{source}: the spec is over the budget of {budget.MAX_SPEC_BYTES:,} bytes")
    long_key = _LONG_DOTTED_KEY.search(text)
    if long_key:
        line = text.count("\n", 0, long_key.start()) + 1
        raise SpecError(f"{source}: line {line}: a dotted key has more than {budget.MAX_KEY_PARTS} parts")
    try:
        return tomllib.loads(text, parse_float=_decimal)
    except SpecError:
        raise
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{source}: not valid TOML: {error}") from None
    except RecursionError:
        raise SpecError(f"{source}: not valid TOML for a spec: arrays or tables nested too deeply") from None
    except ValueError as error:  # an integer of more digits than Python converts (4,300)
        raise SpecError(f"{source}: not valid TOML for a spec: {str(error).split(';')[0]}") from None


def _decimal(text):
    """A TOML float as an exact Decimal; one whose exponent Decimal cannot even hold is refused."""
    try:
        return Decimal(text)
    except InvalidOperation:
        raise SpecError(f"the number {show(text)} is out of range") from None


def _architecture(document):
    network = document["network"]
    only_keys(network, NETWORK_KEYS, "network")
    inputs = _integer(_required(network, "inputs", "network"), "network.inputs", 1, budget.MAX_UNITS)
    bias = _choice(network.get("bias", "per-neuron"), BIAS_LAYOUTS, "network.bias")
    raw_layers = _required(network, "layers", "network")
    if not isinstance(raw_layers, list) or not raw_layers:
        raise SpecError("network.layers: expected a non-empty list of { units = ..., activation = ... } tables")
    if len(raw_layers) > budget.MAX_LAYERS:
        raise SpecError(f"network.layers: at most {budget.MAX_LAYERS} layers, got {len(raw_layers)}")
    widths = [inputs]
    for number_, raw in enumerate(raw_layers, start=1):
        key = f"network.layers[{number_}]"
        if not isinstance(raw, dict):
            raise SpecError(f'{key}: expected a table like {{ units = 2, activation = "sigmoid" }}, got {show(raw)}')
        only_keys(raw, LAYER_KEYS, key)
        widths.append(_integer(_required(raw, "units", key), f"{key}.units", 1, budget.MAX_UNITS))
        _required(raw, "activation", key)
    # Costed before any activation is read: a custom formula is parsed and differentiated symbolically.
    budget.check_widths(widths, bias)
    layers, known = [], {}
    for number_, (raw, units) in enumerate(zip(raw_layers, widths[1:]), start=1):
        key = f"network.layers[{number_}].activation"
        written = repr(raw["activation"])  # one formula repeated over the layers is read once
        activation = known.get(written) or activations.from_spec(raw["activation"], key=key)
        known[written] = activation
        if activation.output_only and number_ != len(raw_layers):
            raise SpecError(f"{key}: {activation.name} is only allowed on the output layer (layer {len(raw_layers)})")
        layers.append(Layer(units, activation))

    loss_table = document["loss"]
    only_keys(loss_table, LOSS_KEYS, "loss")
    loss = losses.from_spec(loss_table, layers[-1].activation)
    reduction = _choice(loss_table.get("reduction", "sum"), REDUCTIONS, "loss.reduction")
    return Architecture(inputs, tuple(layers), bias, loss), reduction


def _parameters(table, architecture):
    expected = {}
    below = architecture.inputs
    for index, layer in enumerate(architecture.layers, start=1):
        expected[f"W{index}"] = (layer.units, below)
        if architecture.bias == "per-neuron":
            expected[f"b{index}"] = (layer.units,)
        elif architecture.bias == "per-layer":
            expected[f"b{index}"] = ()
        below = layer.units
    for name in table:
        if name not in expected:
            if name.startswith("b") and architecture.bias == "none":
                raise SpecError(f'parameters.{show_key(name)}: network.bias is "none", so no bias may be given')
            raise SpecError(
                f"parameters.{show_key(name)}: unknown parameter{suggest(name, expected)}; expected {', '.join(expected)}"
            )
    values = {}
    for name, shape in expected.items():
        if name not in table:
            raise SpecError(f"parameters.{name}: missing; expected {_describe(shape)}")
        values[name] = _array(table[name], shape, f"parameters.{name}")
    return values


def _data(table, architecture):
    only_keys(table, DATA_KEYS, "data")
    x = _rows(_required(table, "x", "data"), architecture.inputs, "data.x")
    y = _rows(_required(table, "y", "data"), architecture.outputs, "data.y")
    if len(x) != len(y):
        raise SpecError(f"data.y: expected one row per row of data.x ({len(x)}), got {len(y)}")
    return x, y


def _rows(value, width, key):
    if not isinstance(value, list) or not value:
        raise SpecError(f"{key}: expected a non-empty list of rows, one per sample")
    if width == 1 and all(not isinstance(v, list) for v in value):
        value = [[v] for v in value]
    return tuple(tuple(_array(row, (width,), f"{key}[{i}]")) for i, row in enumerate(value, start=1))


def _array(value, shape, key):
    if not shape:
        if isinstance(value, list):
            raise SpecError(f"{key}: expected a single number (one bias shared by the layer), got a list")
        return number(value, key)
    if not isinstance(value, list):
        raise SpecError(f"{key}: expected {_describe(shape)}, got {show(value)}")
    if len(value) != shape[0]:
        raise SpecError(
            f"{key}: expected {_describe(shape)}, got {len(value)} {'rows' if len(shape) > 1 else 'numbers'}"
        )
    return [_array(item, shape[1:], f"{key}[{i}]") for i, item in enumerate(value, start=1)]


def _describe(shape):
    if not shape:
        return "a single number"
    if len(shape) == 1:
        return f"a list of {shape[0]} number{'s' if shape[0] != 1 else ''}"
    return f"{shape[0]} row{'s' if shape[0] != 1 else ''} of {shape[1]} number{'s' if shape[1] != 1 else ''}"


def _table(document, name, key, required=True):
    value = document.get(name, None if required else {})
    if value is None:
        raise SpecError(f"{key}: missing table [{name}]")
    if not isinstance(value, dict):
        raise SpecError(f"{key}: expected a table [{name}], got {show(value)}")
    return value


def _required(table, name, key):
    if name not in table:
        raise SpecError(f"{key}.{name}: missing")
    return table[name]


def _choice(value, choices, key):
    if value not in choices:
        raise SpecError(
            f"{key}: unknown value {show(value)}{suggest(value, choices)}; expected one of {', '.join(choices)}"
        )
    return value


def _integer(value, key, low, high):
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{key}: expected a whole number from {low} to {high}, got {show(value)}")
    if not low <= value <= high:
        raise SpecError(f"{key}: expected a whole number from {low} to {high}, got {show(value)}")
    return value
