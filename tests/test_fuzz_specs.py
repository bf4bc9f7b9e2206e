"""Whole specs with random structure, and random edits of the bundled examples, through the command line.

The contract under test: for any spec file, ``grad SPEC``, ``grad SPEC --json`` and ``render SPEC
--format markdown|latex`` (to standard output) end with status 0 or 2. With status 2, standard error
is exactly one short, terminal-safe line starting with "symbackprop: error: "; with status 0 and
--json, standard output is exactly one JSON object without NaN or Infinity. Status 3 (an internal
error), any other status, or a kill by a signal is a bug, and the failure shows the spec.

Specs come from two strategies. The structural one starts from a valid spec as a Python dict (a
bundled example, a small fixed spec, a random network from tests/networks.py), applies one to three
mutations at random key paths (replace a value by a hostile TOML value, delete a key, add an unknown
key, set a known key, change sizes, move numbers to the edge of the budget) and writes it out with the small TOML writer below. The textual
one edits the bytes of a bundled example (insertions, deletions, duplicated spans and lines, "[["
and "{", deep nesting, long dotted keys, exotic numbers, invalid UTF-8). Every case runs in a forked
child under a time and memory limit (tests/limited.py), so a hang or a memory blow-up fails the test
instead of stalling the suite.
"""

import copy
import json
import math
import re
import signal
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from limited import run_limited
from networks import OUTPUTS, draw_numbers, make_case, random_case

import symbackprop
from symbackprop import budget, parse

FUZZ = settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
SECONDS, MEGABYTES = 20, 1500
MAX_ERROR_LINE = 320
COMMANDS = (
    ("grad",),
    ("grad", "--json"),
    ("render", "--format", "markdown"),
    ("render", "--format", "latex"),
)
EXAMPLES = sorted((Path(symbackprop.__file__).parent / "examples").glob("*.toml"))

# ---------------------------------------------------------------------------------------------
# A small TOML writer (tomli_w is not a dependency). Keys that are not bare are quoted, strings are
# escaped (control characters as \uXXXX), and Raw values go out as written, for numbers Python
# cannot hold or TOML text that is meant to be odd.


@dataclass(frozen=True)
class Raw:
    """TOML text written as it is: 1e-400, 10**4000, nan, deep nesting."""

    text: str


BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(text):
    escaped = []
    for char in text:
        if char in SHORT_ESCAPES:
            escaped.append(SHORT_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def toml_key(key):
    return key if BARE_KEY.match(key) else toml_string(key)


def toml_value(value):
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (date, time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML for {type(value).__name__}")


def toml_document(document):
    """The TOML text of ``document``: its plain keys first, then one [header] per sub-table."""
    lines = []

    def table(node, path):
        if path:
            lines.append("[" + ".".join(toml_key(k) for k in path) + "]")
        lines.extend(f"{toml_key(k)} = {toml_value(v)}" for k, v in node.items() if not isinstance(v, dict))
        for k, v in node.items():
            if isinstance(v, dict):
                table(v, (*path, k))

    table(document, ())
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Values and keys.

HOSTILE_STRINGS = [
    "",
    " ",
    "sigmoid",
    "softmax",
    "leaky_relu",
    "relu",
    "linear",
    "softplus",
    "per-layer",
    "none",
    "batch",
    "mean",
    "bce",
    "cross_entropy",
    "squared_error",
    "net-out",
    "u-z",
    "\x00",
    "\x1b[2J\x1b[31mred",
    "\x1b]0;title\x07",
    "\x1b",
    "line one\nline two",
    "\r\n",
    "\t",
    "\x7f",
    "\x9b31m",
    "\u202eevil\u202c",
    "\u2028",
    "\ufeff",
    "x" * 5000,
    "é" * 400,
    "\\input{/etc/passwd}",
    "^^5c input{/etc/passwd}",
    "^^",
    "\\write18{id}",
    "\\catcode`\\^=7",
    "$x$",
    "%",
    "}",
    "{",
    "\\",
    "w_{1}",
    "\\hat{y}",
    "\\mathrm{\\input{x}}",
    "{{ config }}",
    "{% raw %}",
    "<script>alert(1)</script>",
    "| a | b |",
    "# heading",
]
EXOTIC_NUMBERS = [
    Raw("1" + "0" * 4000),  # 10**4000: the TOML reader converts it
    Raw("9" * 4400),  # over Python's 4,300-digit conversion limit
    Raw("-" + "1" + "0" * 4000),
    Raw("1e-400"),
    Raw("1e400"),
    Raw("-0.0"),
    Raw("+0.0"),
    Raw("-0"),
    Raw("inf"),
    Raw("-inf"),
    Raw("nan"),
    Raw("-nan"),
    Raw("1e-30"),
    Raw("1e-31"),
    Raw("9.99e29"),
    Raw("1e30"),
    Raw("0." + "1" * 30),
    Raw("0." + "1" * 31),
    Raw("5e-324"),
    Raw("1.7976931348623157e308"),
    Raw("6e-99999999999999999999"),
    Raw("1e99999999999999999999"),
    Raw("0x7fffffffffffffff"),
    Raw("0o17"),
    Raw("0b101"),
    Raw("1_000"),
    Raw("1979-05-27T07:32:00-08:00"),
    Raw("07:32:00"),
]
DEEP = [Raw("[" * n + "1" + "]" * n) for n in (10, 200, 2000)] + [Raw("{a = " * n + "1" + "}" * n) for n in (10, 200)]
BOUNDARY_INTS = [0, -1, 1, 2, 15, 16, 17, 32, 33, 64, 65, 500, 501, 511, 512, 513, 10000, 10001, 100000, 2**63 - 1]

strings = st.text(max_size=30) | st.sampled_from(HOSTILE_STRINGS)
integers = st.integers(-(2**70), 2**70) | st.sampled_from(BOUNDARY_INTS + [-(2**63), 10**30])
floats = st.floats() | st.sampled_from([0.0, -0.0, 1e-300, 1e300, 0.5, 1e-31, 1e30])
dates = st.dates() | st.datetimes() | st.datetimes(timezones=st.just(UTC)) | st.times()
keys = st.text(max_size=12) | st.sampled_from(
    ["", " ", "a b", "\x00", "\x1b[2J", "\n", "\u202e", "units ", "Units", "unit", "activaton", "input", "layer"]
    + ["W0", "W3", "b0", "W10", "b", "w1", "x" * 200, "é", "__class__", "network.inputs", "a.b", "layers"]
)
scalars = strings | integers | floats | st.booleans() | dates | st.sampled_from(EXOTIC_NUMBERS + DEEP)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=3), max_leaves=10
)

FORMULAS = [
    "t/10",
    "tanh(t)/2 + t/4",
    "t**64",
    "t**65",
    "exp(exp(exp(t)))",
    "t**(t**t)",
    "1/t",
    "1/(t - t)",
    "log(t)",
    "log(-Abs(t) - 1)",
    "sqrt(t)",
    "Abs(t)",
    "0*t",
    "1e30*t",
    "exp(t)**64",
    "(1 + t)**64 - (t + 1)**64",
    "1/(1 + exp(-t))",
    "sin(t)/t",
    "__import__('os').system('id')",
    "t" + "+t" * 300,
    "(" * 45 + "t" + ")" * 45,
]
NAMES = ["w_{1}", "\\hat{y}", "\\alpha", "h_1", "^^5c", "\\input{/etc/passwd}", "a^", "_b", "{", "x" * 41, "\x1b[1m"]
activations = (
    st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softplus", "softmax", "Sigmoid", "gelu"])
    | st.builds(
        lambda slope: {"name": "leaky_relu", "slope": slope},
        st.sampled_from([0, 0.01, 0.99, 1, -0.1, Raw("1e-400"), Raw("nan"), "0.1"]),
    )
    | st.builds(
        lambda name, variable, expression: {"name": name, "variable": variable, "expression": expression},
        st.sampled_from(["A", "sigmoid", "", "a b", "\x1b"]),
        st.sampled_from(["t", "x", "exp", "", "t t"]),
        st.sampled_from(FORMULAS) | strings,
    )
)
names = (
    st.sampled_from(NAMES)
    | st.lists(st.sampled_from(NAMES), min_size=1, max_size=3)
    | st.lists(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3), min_size=1, max_size=3)
)
# Keys the spec reader knows, with values meant for them; a mutation may set any of them.
KNOWN = {
    ("title",): strings,
    ("description",): strings,
    ("network", "inputs"): integers,
    ("network", "bias"): st.sampled_from(["per-neuron", "per-layer", "none", "per_neuron"]),
    ("network", "layers", 0, "activation"): activations,
    ("network", "layers", -1, "activation"): activations,
    ("network", "layers", 0, "units"): integers,
    ("loss", "kind"): st.sampled_from(["squared_error", "bce", "cross_entropy", "mse"]),
    ("loss", "factor"): floats | st.sampled_from(EXOTIC_NUMBERS),
    ("loss", "reduction"): st.sampled_from(["sum", "mean", "max"]),
    ("parameters", "W1", 0, 0): floats | st.sampled_from(EXOTIC_NUMBERS),
    ("parameters", "b1"): floats | st.sampled_from(EXOTIC_NUMBERS),
    ("data", "x", 0, 0): floats | st.sampled_from(EXOTIC_NUMBERS),
    ("data", "y", 0): floats | st.sampled_from(EXOTIC_NUMBERS),
    ("training", "learning_rate"): floats | st.sampled_from(EXOTIC_NUMBERS),
    ("training", "update_biases"): st.booleans(),
    ("training", "mode"): st.sampled_from(["sample", "batch"]),
    ("training", "sample"): integers,
    ("training", "steps"): st.sampled_from([1, 2, 100, 10000, 10001]),
    ("training", "verify"): st.booleans(),
    ("notation", "profile"): st.sampled_from(["layered", "net-out", "sum-output", "u-z", "w-v", "Layered"]),
    ("notation", "decimals"): integers,
    **{("notation", "names", name): names for name in ["W1", "b1", "W2", "b2", "x", "y", "z1", "a2", "delta1"]},
    ("notation", "names", "loss"): names,
    ("notation", "names", "rate"): names,
}

# ---------------------------------------------------------------------------------------------
# Structural mutations of a spec held as a dict.

MINIMAL = {
    "network": {
        "inputs": 2,
        "layers": [{"units": 2, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}],
    },
    "loss": {"kind": "bce"},
    "parameters": {"W1": [[0.15, 0.25], [0.2, 0.3]], "b1": [0.35, 0.35], "W2": [[0.4, 0.45]], "b2": [0.6]},
    "data": {"x": [[0.1, 0.2]], "y": [[0]]},
}
EXAMPLE_DOCUMENTS = [tomllib.loads(path.read_text(encoding="utf-8")) for path in EXAMPLES]
base_documents = st.sampled_from([MINIMAL, *EXAMPLE_DOCUMENTS]) | st.integers(0, 10**6).map(
    lambda seed: tomllib.loads(random_case(seed)[0])
)


def walk(node, path=()):
    """Every path below ``node`` (dict keys and list indices), parents first."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        yield (*path, key)
        yield from walk(child, (*path, key))


def get(document, path):
    node = document
    for key in path:
        node = node[key]
    return node


def parent_of(document, path):
    return get(document, path[:-1])


def put(document, path, value):
    """Set ``path`` to ``value``, making missing tables on the way; do nothing where the path cannot lead."""
    node = document
    for key in path[:-1]:
        if isinstance(node, dict) and isinstance(key, str):
            if not isinstance(node.get(key), (dict, list)):
                node[key] = {}
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and -len(node) <= key < len(node):
            node = node[key]
        else:
            return
    last = path[-1]
    if isinstance(node, dict) and isinstance(last, str):
        node[last] = value
    elif isinstance(node, list) and isinstance(last, int) and -len(node) <= last < len(node):
        node[last] = value


def replace_value(draw, document):
    path = draw(st.sampled_from(list(walk(document))))
    put(document, path, draw(values))


def set_known_key(draw, document):
    path = draw(st.sampled_from(list(KNOWN)))
    put(document, path, draw(KNOWN[path] | values))


def delete_key(draw, document):
    path = draw(st.sampled_from(list(walk(document))))
    del parent_of(document, path)[path[-1]]


def add_unknown_key(draw, document):
    tables = [()] + [path for path in walk(document) if isinstance(get(document, path), dict)]
    get(document, draw(st.sampled_from(tables)))[draw(keys)] = draw(values)


def change_sizes(draw, document):
    network = document.get("network")
    layers = network.get("layers") if isinstance(network, dict) else None
    sizes = st.integers(0, 100_000) | st.sampled_from(BOUNDARY_INTS)
    what = draw(st.sampled_from(["units", "inputs", "many layers", "many samples", "steps"]))
    tables = [layer for layer in layers if isinstance(layer, dict)] if isinstance(layers, list) else []
    if what == "units" and tables:
        draw(st.sampled_from(tables))["units"] = draw(sizes)
    elif what == "inputs" and isinstance(network, dict):
        network["inputs"] = draw(sizes)
    elif what == "many layers" and isinstance(layers, list) and 0 < len(layers) <= 40:
        network["layers"] = copy.deepcopy(layers * draw(st.sampled_from([2, 8, 16, 17, 40])))
    elif what == "many samples" and isinstance(document.get("data"), dict):
        factor = draw(st.sampled_from([2, 33, 1000, 5000]))
        for key in ("x", "y"):
            rows = document["data"].get(key)
            if isinstance(rows, list) and len(rows) * factor <= 50_000:  # the spec stays near the 1 MB budget
                document["data"][key] = copy.deepcopy(rows * factor)
    elif what == "steps":
        put(document, ("training", "steps"), draw(st.sampled_from([10000, 10001, 100_000])))


# Numbers the reader accepts (magnitudes below 1e30, at most 30 digits) that overflow in training.
EXTREMES = [9.99e29, -9.99e29, 1e29, 8.9e24, -1e15, 1e-30, -0.0, Raw("9" * 30), Raw("0." + "9" * 30)]


def extreme_numbers(draw, document):
    """The numbers of one or more parts of the spec set to values at the edge of the budget."""
    picks = draw(st.lists(st.sampled_from(EXTREMES), min_size=1, max_size=3))
    parts = draw(st.sampled_from(["parameters", "data", "training", "loss"]) | st.just(None))
    for index, path in enumerate(list(walk(document))):
        value = get(document, path)
        numeric = isinstance(value, float) or (isinstance(value, int) and path[0] in ("parameters", "data"))
        if numeric and not isinstance(value, bool) and parts in (None, path[0]):
            put(document, path, picks[index % len(picks)])


MUTATIONS = [replace_value, set_known_key, delete_key, add_unknown_key, change_sizes, extreme_numbers]


@st.composite
def mutated_specs(draw):
    document = copy.deepcopy(draw(base_documents))
    for _ in range(draw(st.integers(1, 3))):
        if document:
            draw(st.sampled_from(MUTATIONS))(draw, document)
    return toml_document(document).encode("utf-8")


@st.composite
def resized_specs(draw):
    """A valid network of random, sometimes large, sizes: accepted, or refused by a budget."""
    loss = draw(st.sampled_from(sorted(OUTPUTS)))
    document_units, softmax_units = budget.MAX_DOCUMENT_UNITS, budget.MAX_SOFTMAX_UNITS
    edges = [document_units - 1, document_units, document_units + 1, softmax_units, softmax_units + 1]
    sizes = st.integers(1, 12) | st.sampled_from(edges)
    depth = draw(st.integers(1, budget.MAX_LAYERS + 1))
    outputs = draw(sizes.filter(lambda n: n >= 2)) if loss == "cross_entropy" else draw(sizes)
    c = {
        "inputs": draw(sizes),
        "widths": draw(st.lists(st.integers(1, 6), min_size=depth - 1, max_size=depth - 1)),
        "outputs": outputs,
        "loss": loss,
        "output": draw(st.sampled_from(OUTPUTS[loss])),
        "bias": draw(st.sampled_from(["per-neuron", "per-layer", "none"])),
        "factor": 0.5,
        "learning_rate": draw(st.sampled_from([0.1, 1.0, 1000.0])),
        "update_biases": draw(st.booleans()),
        "mode": draw(st.sampled_from(["sample", "batch"])),
        "steps": draw(st.sampled_from([1, 2, 50, 1000])),
        "reduction": draw(st.sampled_from(["sum", "mean"])),
        "hidden": draw(
            st.lists(st.sampled_from(["sigmoid", "tanh", "relu", "custom"]), min_size=depth - 1, max_size=depth - 1)
        ),
    }
    if draw(st.booleans()) and c["widths"]:
        c["widths"][draw(st.integers(0, len(c["widths"]) - 1))] = draw(st.sampled_from(edges + [100]))
    document_samples = budget.MAX_DOCUMENT_SAMPLES
    samples = draw(st.integers(1, 4) | st.sampled_from([document_samples, document_samples + 1, 500]))
    c["sample"] = draw(st.integers(1, samples))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return make_case(draw_numbers(c, rng, samples, loss, outputs))[0].encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Textual edits of the bundled examples' bytes.

TOKENS = [
    "[[",
    "]]",
    "[",
    "]",
    "{",
    "}",
    "=",
    ",",
    ".",
    '"',
    "'",
    '"""',
    "'''",
    "\n",
    "\r",
    "\\",
    "#",
    "\x00",
    "\x1b[2J",
    "\u202e",
    "\ufeff",
    "inf",
    "nan",
    "-0.0",
    "1e-400",
    "1" + "0" * 4000,
    "0x10",
    "1_0",
    "true",
    "1979-05-27T07:32:00Z",
    "\n[network]\n",
    "\n[[network.layers]]\nunits = 2\nactivation = 'tanh'\n",
    "\n[[parameters]]\n",
    "\n[notation.names]\nW1 = '\\input{/etc/passwd}'\n",
    "\ntitle = '\x1b[31m'\n",
    " = ",
]
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _position(draw, data):
    return draw(st.integers(0, len(data)))


def insert_token(draw, data):
    at = _position(draw, data)
    token = draw(st.sampled_from(TOKENS) | st.text(max_size=16)).encode("utf-8")
    data[at:at] = token


def insert_bytes(draw, data):
    at = _position(draw, data)
    data[at:at] = draw(st.binary(min_size=1, max_size=8))


def delete_span(draw, data):
    at = _position(draw, data)
    del data[at : at + draw(st.integers(1, 60))]


def duplicate_span(draw, data):
    start = _position(draw, data)
    span = bytes(data[start : start + draw(st.integers(1, 200))])
    at = _position(draw, data)
    data[at:at] = span * draw(st.integers(1, 3) | st.just(200))


def duplicate_line(draw, data):
    lines = bytes(data).split(b"\n")
    line = lines[draw(st.integers(0, len(lines) - 1))]
    lines.insert(draw(st.integers(0, len(lines))), line)
    data[:] = b"\n".join(lines)


def deep_nesting(draw, data):
    n = draw(st.sampled_from([5, 50, 500, 5000, 50_000]))
    shape = draw(
        st.sampled_from(
            [
                "[" * n,
                "[" * n + "]" * n,
                "{a = " * n + "1" + "}" * n,
                "\nz = " + "[" * n + "]" * n + "\n",
                "\nz = " + "{a = " * n + "1" + "}" * n + "\n",
                "\nz = " + "[{a = " * n + "1" + "}]" * n + "\n",
                "\n" + "[" * n + "a" + "]" * n + "\n",
            ]
        )
    )
    at = _position(draw, data)
    data[at:at] = shape.encode("ascii")


def long_dotted_key(draw, data):
    n = draw(st.sampled_from([15, 16, 17, 64, 5000, 100_000]))
    part = draw(st.sampled_from(["a", '"q q"', "'lit'", "x-1", "a ", '"a', "'a"]))
    gap = draw(st.sampled_from([".", " . ", "\t.", "..", ".\n"]))
    dotted = gap.join([part] * n)
    shape = draw(
        st.sampled_from([f"\n{dotted} = 1\n", f"\n[{dotted}]\n", f"\n[[{dotted}]]\n", f"\nz = {{ {dotted} = 1 }}\n"])
    )
    shape = shape if draw(st.booleans()) else shape.replace(" = 1", "")  # also a key that never ends
    at = _position(draw, data)
    data[at:at] = shape.encode("utf-8")


def exotic_number(draw, data):
    numbers = list(NUMBER.finditer(data))
    if numbers:
        found = draw(st.sampled_from(numbers))
        data[found.start() : found.end()] = draw(st.sampled_from(EXOTIC_NUMBERS)).text.encode("ascii")


def flip_byte(draw, data):
    if data:
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))


EDITS = [
    insert_token,
    insert_bytes,
    delete_span,
    duplicate_span,
    duplicate_line,
    deep_nesting,
    long_dotted_key,
    exotic_number,
    flip_byte,
]
EXAMPLE_BYTES = [path.read_bytes() for path in EXAMPLES]


@st.composite
def edited_examples(draw):
    data = bytearray(draw(st.sampled_from(EXAMPLE_BYTES)))
    for _ in range(draw(st.integers(1, 4))):
        draw(st.sampled_from(EDITS))(draw, data)
    return bytes(data)


# ---------------------------------------------------------------------------------------------
# The check.

UNSAFE = re.compile(r"[\x00-\x1f\x7f]")  # ESC is \x1b


def _shown(spec):
    """The spec for a failure message: control characters escaped, long specs cut in the middle."""
    text = spec.decode("utf-8", "backslashreplace")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", lambda m: ascii(m.group())[1:-1], text)
    if len(text) > 4000:
        text = f"{text[:2000]}\n[... {len(text) - 4000:,} characters cut ...]\n{text[-2000:]}"
    return text


def _no_constants(name):
    raise ValueError(f"{name} in the JSON output")


def check_command_line(spec, command, folder):
    path = folder / "spec.toml"
    path.write_bytes(spec)
    argv = [command[0], str(path), *command[1:]]
    run = run_limited(argv, seconds=SECONDS, megabytes=MEGABYTES)
    where = f"symbackprop {' '.join(command)} on the spec below\nstderr: {run.err!r}\n--- spec ---\n{_shown(spec)}"
    assert run.signal is None, f"killed by {signal.Signals(run.signal).name} after {run.seconds:.1f} s: {where}"
    assert run.status in (0, 2), f"exit status {run.status} (3 is an internal error): {where}"
    if run.status == 2:
        err = run.err
        assert run.out == "", f"output on a refused spec: {run.out[:200]!r}: {where}"
        assert err.startswith("symbackprop: error: "), where
        assert err.endswith("\n") and err.count("\n") == 1, f"not exactly one line: {where}"
        assert "Traceback" not in err, where
        assert not UNSAFE.search(err[:-1]), f"raw control character: {where}"
        assert len(err) <= MAX_ERROR_LINE, f"{len(err)} characters: {where}"
    elif "--json" in command:
        try:
            document = json.loads(run.out, parse_constant=_no_constants)
        except ValueError as error:
            pytest.fail(f"not one JSON object without NaN or Infinity ({error}): {where}")
        assert isinstance(document, dict), where
    else:
        assert run.out.strip(), f"nothing written: {where}"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz_specs")


# ---------------------------------------------------------------------------------------------
# The tests.


PLAIN = st.recursive(
    strings | integers | st.floats(allow_nan=False) | st.booleans() | dates,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=10,
)


@settings(FUZZ, max_examples=100)
@given(st.dictionaries(keys, PLAIN | st.dictionaries(keys, PLAIN | st.dictionaries(keys, PLAIN)), max_size=5))
def test_toml_writer_round_trips(document):
    assert tomllib.loads(toml_document(document)) == document


@pytest.mark.parametrize("document", [MINIMAL, *EXAMPLE_DOCUMENTS], ids=["minimal", *(p.stem for p in EXAMPLES)])
def test_unmutated_base_specs_are_valid(document):
    parse(toml_document(document))


@FUZZ
@given(mutated_specs(), st.sampled_from(COMMANDS))
def test_structurally_mutated_specs_end_in_0_or_2(folder, spec, command):
    check_command_line(spec, command, folder)


@settings(FUZZ, max_examples=20)
@given(resized_specs(), st.sampled_from(COMMANDS))
def test_resized_networks_end_in_0_or_2(folder, spec, command):
    check_command_line(spec, command, folder)


@FUZZ
@given(edited_examples(), st.sampled_from(COMMANDS))
def test_edited_examples_end_in_0_or_2(folder, spec, command):
    check_command_line(spec, command, folder)
