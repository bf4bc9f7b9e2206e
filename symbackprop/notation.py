"""How quantities are named in documents: notation profiles and per-symbol overrides.

Worked examples each have their own conventions (z/a with layer superscripts,
net/out, sum/output, u/z, w and v). A :class:`Notation` maps every symbol of a
network to the LaTeX name a document prints for it, plus the names of the loss
and the learning rate. Profiles build the whole map from the architecture; a
spec's ``[notation.names]`` table then overrides single names.

>>> from symbackprop import load
>>> notation = build(load("regression_2_2_1_linear_output").architecture, "w-v")
>>> notation.W[2][0][1], notation.a[1][0], notation.rate
('v_{2}', 'a_{1}', '\\\\alpha')
"""

import re
from dataclasses import dataclass

from .checks import only_keys, suggest
from .errors import SpecError

PROFILES = ("layered", "net-out", "sum-output", "u-z", "w-v")
MAX_DECIMALS = 12

_COMMANDS = "hat|bar|tilde|mathrm|alpha|beta|gamma|delta|epsilon|eta|theta|lambda|mu|sigma|tau|phi|omega|prime"
SAFE_NAME = re.compile(rf"(?:[A-Za-z0-9_^{{}}(),*'+\-]|\\(?:{_COMMANDS})(?![A-Za-z]))+\Z")


@dataclass
class Notation:
    """LaTeX names, indexed like the network.

    ``z[l][j]``, ``a[l][j]``, ``delta[l][j]``, ``W[l][j][k]``, ``b[l][j]`` (``b[l]`` for a
    per-layer bias), ``x[k]``, ``y[j]``; ``unit[l][j]`` is how prose refers to a unit.
    """

    profile: str
    x: list
    y: list
    z: list
    a: list
    delta: list
    W: list
    b: list
    loss: str
    rate: str
    unit: list
    decimals: int = 4

    def parameter(self, name, index):
        """The display name of the parameter ``name`` (e.g. "W2") at ``index``."""
        table = self.W if name[0] == "W" else self.b
        value = table[int(name[1:])]
        for i in index:
            value = value[i]
        return value


def _sub(base, *indices):
    inner = "".join(str(i) for i in indices) if all(len(str(i)) == 1 for i in indices) else ",".join(map(str, indices))
    return f"{base}_{{{inner}}}"


def _layer_names(widths, make):
    return [None] + [[make(l, j) for j in range(widths[l])] for l in range(1, len(widths))]


def build(architecture, profile="layered", decimals=4):
    """The names a profile gives every quantity of ``architecture``."""
    _check_profile(profile)
    widths = architecture.widths()
    depth = architecture.depth
    single_out = widths[-1] == 1
    per_layer = architecture.bias == "per-layer"
    no_bias = architecture.bias == "none"

    def numbered(l, j):
        """1-based number of unit j of layer l counting every non-input unit in order."""
        return sum(widths[1:l]) + j + 1

    def row_major(l, j, k):
        return sum(widths[m] * widths[m - 1] for m in range(1, l)) + j * widths[l - 1] + k + 1

    if profile == "layered":

        def unit(l, j):
            return rf"{j + 1}" if widths[l] > 1 else ""

        z = _layer_names(widths, lambda l, j: f"z^{{({l})}}" + (f"_{{{j + 1}}}" if widths[l] > 1 else ""))
        a = _layer_names(widths, lambda l, j: f"a^{{({l})}}" + (f"_{{{j + 1}}}" if widths[l] > 1 else ""))
        a[depth] = [r"\hat{y}" if single_out else rf"\hat{{y}}_{{{j + 1}}}" for j in range(widths[-1])]
        delta = _layer_names(widths, lambda l, j: rf"\delta^{{({l})}}" + (f"_{{{j + 1}}}" if widths[l] > 1 else ""))
        W = [None] + [
            [[f"W^{{({l})}}" + _sub("", j + 1, k + 1) for k in range(widths[l - 1])] for j in range(widths[l])]
            for l in range(1, depth + 1)
        ]
        b = _biases(
            widths,
            per_layer,
            no_bias,
            lambda l: f"b^{{({l})}}",
            lambda l, j: f"b^{{({l})}}" + (f"_{{{j + 1}}}" if widths[l] > 1 else ""),
        )
        x = [f"x_{{{k + 1}}}" for k in range(widths[0])]
        y = ["y"] if single_out else [f"y_{{{j + 1}}}" for j in range(widths[-1])]
        labels = _layer_names(widths, lambda l, j: f"unit {j + 1} of layer {l}")
        return Notation(profile, x, y, z, a, delta, W, b, "L", r"\eta", labels, decimals)

    if profile in ("net-out", "sum-output"):
        pre, post = ("net", "out") if profile == "net-out" else ("sum", "output")

        def role(l, j):
            if l == depth:
                return f"o_{{{j + 1}}}" if profile == "net-out" else f"o{j + 1}"
            prefix = "h" if depth == 2 else f"h^{{({l})}}"
            return f"{prefix}_{{{j + 1}}}" if profile == "net-out" else f"{prefix}{j + 1}"

        z = _layer_names(widths, lambda l, j: rf"\mathrm{{{pre}}}_{{{role(l, j)}}}")
        a = _layer_names(widths, lambda l, j: rf"\mathrm{{{post}}}_{{{role(l, j)}}}")
        delta = _layer_names(widths, lambda l, j: rf"\delta_{{{role(l, j)}}}")
        W = [None] + [
            [[f"w_{{{row_major(l, j, k)}}}" for k in range(widths[l - 1])] for j in range(widths[l])]
            for l in range(1, depth + 1)
        ]
        if profile == "net-out":
            layer_bias = lambda l: "b_{o}" if l == depth else ("b_{h}" if depth == 2 else f"b_{{h^{{({l})}}}}")  # noqa: E731
            x = [f"x_{{{k + 1}}}" for k in range(widths[0])]
            y = [f"t_{{{j + 1}}}" for j in range(widths[-1])]
            loss = "E"
        else:
            layer_bias = lambda l: f"b_{{{l}}}"  # noqa: E731
            x = [f"i_{{{k + 1}}}" for k in range(widths[0])]
            y = [rf"\mathrm{{target}}_{{{role(depth, j)}}}" for j in range(widths[-1])]
            loss = r"E_{\mathrm{total}}"
        b = _biases(widths, per_layer, no_bias, layer_bias, lambda l, j: f"b_{{{role(l, j)}}}")
        labels = _layer_names(widths, lambda l, j: f"${role(l, j)}$")
        return Notation(profile, x, y, z, a, delta, W, b, loss, r"\eta", labels, decimals)

    if profile == "u-z":
        z = _layer_names(widths, lambda l, j: f"u_{{{numbered(l, j)}}}")
        a = _layer_names(widths, lambda l, j: f"z_{{{numbered(l, j)}}}")
        a[depth] = ["y"] if single_out else [f"y_{{{j + 1}}}" for j in range(widths[-1])]
        delta = _layer_names(widths, lambda l, j: rf"\delta_{{{numbered(l, j)}}}")
        W = [None] + [
            [[_sub("w", numbered(l, j), k + 1) for k in range(widths[l - 1])] for j in range(widths[l])]
            for l in range(1, depth + 1)
        ]
        b = _biases(widths, per_layer, no_bias, lambda l: f"b_{{{l}}}", lambda l, j: f"b_{{{numbered(l, j)}}}")
        x = [f"x_{{{k + 1}}}" for k in range(widths[0])]
        y = ["y^{*}"] if single_out else [f"y^{{*}}_{{{j + 1}}}" for j in range(widths[-1])]
        labels = _layer_names(widths, lambda l, j: f"neuron $N_{{{numbered(l, j)}}}$")
        return Notation(profile, x, y, z, a, delta, W, b, "L", r"\lambda", labels, decimals)

    # The one profile left: "w-v".
    letters = "wvuqrs"

    def hidden(base, l, j):
        return f"{base}_{{{j + 1}}}" if depth == 2 else f"{base}^{{({l})}}_{{{j + 1}}}"

    z = _layer_names(widths, lambda l, j: hidden("z", l, j))
    a = _layer_names(widths, lambda l, j: hidden("a", l, j))
    z[depth] = [r"z_{\mathrm{out}}" if single_out else rf"z_{{\mathrm{{out}},{j + 1}}}" for j in range(widths[-1])]
    a[depth] = [r"\hat{y}" if single_out else rf"\hat{{y}}_{{{j + 1}}}" for j in range(widths[-1])]
    delta = _layer_names(widths, lambda l, j: rf"\delta_{{{numbered(l, j)}}}")
    W = [None] + [
        [
            [
                f"{letters[l - 1]}_{{{k + 1}}}" if (l == depth and single_out) else _sub(letters[l - 1], j + 1, k + 1)
                for k in range(widths[l - 1])
            ]
            for j in range(widths[l])
        ]
        for l in range(1, depth + 1)
    ]
    b = _biases(widths, per_layer, no_bias, lambda l: f"b_{{{l}}}", lambda l, j: f"b_{{{numbered(l, j)}}}")
    x = [f"x_{{{k + 1}}}" for k in range(widths[0])]
    y = ["y"] if single_out else [f"y_{{{j + 1}}}" for j in range(widths[-1])]
    labels = _layer_names(widths, lambda l, j: "the output" if l == depth else f"hidden unit {j + 1}")
    return Notation(profile, x, y, z, a, delta, W, b, "L", r"\alpha", labels, decimals)


def _check_profile(profile):
    if profile not in PROFILES:
        raise SpecError(
            f"notation.profile: unknown profile {profile!r}{suggest(profile, PROFILES)}; "
            f"expected one of {', '.join(PROFILES)}"
        )


def _biases(widths, per_layer, no_bias, layer_name, unit_name):
    if no_bias:
        return [None] * len(widths)
    if per_layer:
        return [None] + [layer_name(l) for l in range(1, len(widths))]
    return _layer_names(widths, unit_name)


def from_spec(table, architecture):
    """The notation a spec's ``[notation]`` table asks for (profile, decimals, single-name overrides)."""
    only_keys(table, {"profile", "decimals", "names"}, "notation")
    profile = table.get("profile", "layered")
    _check_profile(profile)
    decimals = table.get("decimals", 4)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= MAX_DECIMALS:
        raise SpecError(f"notation.decimals: expected a whole number from 0 to {MAX_DECIMALS}, got {decimals!r}")
    notation = build(architecture, profile, decimals)
    names = table.get("names", {})
    if not isinstance(names, dict):
        raise SpecError('notation.names: expected a table of names, e.g. W1 = [["w_1", "w_3"], ["w_2", "w_4"]]')
    for key, value in names.items():
        _override(notation, key, value)
    return notation


def _override(notation, key, value):
    families = {"x": notation.x, "y": notation.y, "loss": notation.loss, "rate": notation.rate}
    match = re.fullmatch(r"(W|b|z|a|delta)(\d+)", key)
    if match and 1 <= int(match.group(2)) < len(notation.z):
        family, l = match.group(1), int(match.group(2))
        target = getattr(notation, family)[l]
        if target is None:
            raise SpecError(f"notation.names.{key}: this network has no {key}")
        if isinstance(target, str):
            target = [target]
        new = _names_like(target, value, f"notation.names.{key}")
        getattr(notation, family)[l] = new[0] if isinstance(getattr(notation, family)[l], str) else new
    elif key in ("x", "y"):
        setattr(notation, key, _names_like(families[key], value, f"notation.names.{key}"))
    elif key in ("loss", "rate"):
        setattr(notation, key, _safe(value, f"notation.names.{key}"))
    else:
        valid = ["x", "y", "loss", "rate"] + [
            f"{f}{l}" for f in ("W", "b", "z", "a", "delta") for l in range(1, len(notation.z))
        ]
        raise SpecError(f"notation.names.{key}: unknown name{suggest(key, valid)}; expected one of {', '.join(valid)}")


def _names_like(template, value, key):
    if isinstance(template, list):
        if not isinstance(value, list) or len(value) != len(template):
            raise SpecError(f"{key}: expected a list of {len(template)} names, shaped like the quantity")
        return [_names_like(t, v, f"{key}[{i}]") for i, (t, v) in enumerate(zip(template, value), start=1)]
    return _safe(value, key)


def _safe(value, key):
    """``value`` if it is a short math name built only from safe LaTeX (letters, digits, _ ^ braces, a few commands)."""
    if not isinstance(value, str) or not 0 < len(value) <= 40 or not SAFE_NAME.match(value) or not _balanced(value):
        raise SpecError(
            f"{key}: expected a short math name such as w_{{11}} or \\hat{{y}} (letters, digits, _ ^ {{ }} and "
            f"\\hat, \\mathrm or a Greek letter), got {value!r}"
        )
    return value


def _balanced(text):
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
