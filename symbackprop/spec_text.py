"""Writing a spec back as TOML text: a complete, commented file that reads back as the same spec.

:func:`spec_text` writes every table a spec may hold (network, loss, parameters,
data, training, notation, document), each with a comment saying what it holds,
and every key with its value, defaults included, so the file says everything
about the run without the reader knowing the defaults. Numbers are written as
the spec holds them, exact decimals with their trailing zeros (0.20 stays 0.20),
texts as TOML strings with their quotes, backslashes and control characters
escaped, and a custom activation's formula as SymPy writes the parsed formula.
``symbackprop new`` writes its specs with it, and exercise variants are each
written as a full spec with it.

>>> from symbackprop import load, parse
>>> spec = load("bce_sigmoid_2_2_1")
>>> text = spec_text(spec, header_comment="A copy of the default example.")
>>> print(text.splitlines()[0])
# A copy of the default example.
>>> "W1 = [[0.15, 0.25], [0.20, 0.30]]" in text
True
>>> parse(text) == spec
True
"""

import textwrap
from decimal import Decimal, localcontext

from . import notation as notations
from .checks import escape_unsafe

# A list that fits on one line this long is written on one line; a longer one gets a line per row.
LINE = 100

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}

# What each table holds, written above it.
COMMENTS = {
    "network": "The layers, hidden first and the output layer last. bias: per-neuron, per-layer or none.",
    "loss": "The loss of one sample, summed over the outputs; reduction sums or averages it over the samples.",
    "parameters": "Wl[j][k] is the weight into unit j of layer l from unit k of the layer below (layer 0: the "
    "inputs); bl holds layer l's biases.",
    "data": "One row per sample: x the inputs, y the targets.",
    "training": "Gradient descent: each step takes the trained sample (mode sample) or all of them (mode batch).",
    "notation": "How the documents name and round things (see docs/spec.md).",
    "document": "How much of each layer the worked solution works unit by unit, and the optional steps it shows.",
}


def spec_text(spec, header_comment=None):
    """The TOML text of ``spec`` (a :class:`~symbackprop.Spec`), with ``header_comment`` as comment lines on top."""
    parts = []
    if header_comment:
        parts.append(_comment(header_comment) + "\n")
    parts.append(f"title = {_string(spec.title)}\ndescription = {_string(spec.description)}\n")
    for name, lines in _tables(spec):
        parts.append(_comment(COMMENTS[name]) + f"\n[{name}]\n" + "".join(f"{line}\n" for line in lines))
    return "\n".join(parts)


def _tables(spec):
    architecture = spec.architecture
    loss = architecture.loss
    yield (
        "network",
        [
            f"inputs = {architecture.inputs}",
            f"bias = {_string(architecture.bias)}",
            "layers = [",
            *(
                f"  {{ units = {layer.units}, activation = {_activation(layer.activation)} }},"
                for layer in architecture.layers
            ),
            "]",
        ],
    )
    loss_lines = [f"kind = {_string(loss.kind)}", f"reduction = {_string(spec.reduction)}"]
    if loss.kind == "squared_error":
        loss_lines.append(f"factor = {_rational(loss.factor)}")
    yield "loss", loss_lines
    yield "parameters", [_assignment(name, value) for name, value in spec.parameters.items()]
    yield "data", [_assignment("x", spec.x), _assignment("y", spec.y)]
    yield (
        "training",
        [
            f"learning_rate = {spec.learning_rate}",
            f"update_biases = {_boolean(spec.update_biases)}",
            f"mode = {_string(spec.mode)}",
            f"sample = {spec.sample}",
            f"steps = {spec.steps}",
            f"verify = {_boolean(spec.verify)}",
        ],
    )
    yield "notation", _notation(spec.notation, architecture)
    extras = ", ".join(_string(extra) for extra in sorted(spec.extras))
    yield "document", [f"detail = {_string(spec.detail)}", f"extras = [{extras}]"]


def _activation(activation):
    """An activation as a spec names it: a built-in's name, or the inline table of a leaky ReLU or a formula."""
    parameters = dict(activation.parameters)
    if "expression" in parameters:
        return (
            f"{{ name = {_string(activation.name)}, variable = {_string(parameters['variable'])}, "
            f"expression = {_string(str(parameters['expression']))} }}"
        )
    if "slope" in parameters:
        return f"{{ name = {_string(activation.name)}, slope = {parameters['slope']} }}"
    return _string(activation.name)


def _notation(notation, architecture):
    profile = next(name for name, kind in notations.PROFILES_BY_NAME.items() if type(notation.profile) is kind)
    precision = notation.precision
    lines = [f"profile = {_string(profile)}"]
    if precision.decimals is not None:
        lines.append(f"decimals = {precision.decimals}")
    else:
        lines.append(f"digits = {precision.digits}")
    lines.append(f"rounding = {_string(precision.rounding)}")
    names = _overridden_names(notation, notations.build(architecture, profile))
    if names:
        lines += ["", "[notation.names]", *(_assignment(key, value) for key, value in names.items())]
    return lines


def _overridden_names(notation, default):
    """The ``[notation.names]`` entries that turn the profile's names ``default`` into ``notation``'s."""
    names = {}
    for family in ("x", "y", "loss", "rate"):
        if getattr(notation, family) != getattr(default, family):
            names[family] = getattr(notation, family)
    for family in ("W", "b", "z", "a", "delta"):
        for l, (mine, theirs) in enumerate(zip(getattr(notation, family), getattr(default, family))):
            if l and mine != theirs:
                # A per-layer bias has one name, which [notation.names] takes as a list of one.
                names[f"{family}{l}"] = [mine] if isinstance(mine, str) else mine
    return names


def _assignment(key, value):
    """``key = value``, a list on one line when it fits, else one row per line."""
    line = f"{key} = {_value(value)}"
    if len(line) <= LINE or not isinstance(value, (list, tuple)):
        return line
    return f"{key} = [\n" + "".join(f"  {_value(row)},\n" for row in value) + "]"


def _value(value):
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, Decimal):
        return str(value)  # exact, with its trailing zeros, and always valid TOML (0.20, -0.0, 1E-7, 100)
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _string(text):
    """``text`` as a TOML basic string: quotes, backslashes and control characters escaped, the rest literal."""
    escaped = "".join(
        _ESCAPES.get(char) or (f"\\u{ord(char):04X}" if ord(char) < 0x20 or ord(char) == 0x7F else char)
        for char in text
    )
    return f'"{escaped}"'


def _boolean(value):
    return "true" if value else "false"


def _rational(value):
    """An exact rational with a terminating decimal expansion (a factor the spec wrote in decimals), in decimals.

    >>> import sympy
    >>> _rational(sympy.Rational(1, 2)), _rational(sympy.Integer(3)), _rational(sympy.Rational(3, 40))
    ('0.5', '3', '0.075')
    """
    with localcontext(prec=200):  # a spec's numbers have at most 30 digits and exponents from -30
        number = (Decimal(int(value.p)) / Decimal(int(value.q))).normalize()
    return format(number, "f")


def _comment(text):
    """``text`` as TOML comment lines, with any character a comment may not hold escaped.

    Each line is wrapped, except one that starts with a space, which is kept whole (a command to copy).
    """
    lines = []
    for paragraph in text.splitlines() or [""]:
        paragraph = escape_unsafe(paragraph)
        if paragraph.startswith(" "):
            lines.append(f"#{paragraph}")
            continue
        wrapped = textwrap.wrap(paragraph, LINE - 2, break_long_words=False, break_on_hyphens=False)
        lines += [f"# {line}" for line in wrapped] or ["#"]
    return "\n".join(lines)
