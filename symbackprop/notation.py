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

from .checks import only_keys, show, show_key, suggest
from .errors import SpecError
from .precision import DEFAULT_DIGITS, MAX_DECIMALS, ROUNDINGS, Precision

MAX_DIGITS = 15

_COMMANDS = "hat|bar|tilde|mathrm|alpha|beta|gamma|delta|epsilon|eta|theta|lambda|mu|sigma|tau|phi|omega|prime"
SAFE_NAME = re.compile(rf"(?:[A-Za-z0-9_^{{}}(),*'+\-]|\\(?:{_COMMANDS})(?![A-Za-z]))+\Z")


@dataclass
class Notation:
    """LaTeX names, indexed like the network.

    ``z[l][j]``, ``a[l][j]``, ``delta[l][j]``, ``W[l][j][k]``, ``b[l][j]`` (``b[l]`` for a
    per-layer bias), ``x[k]``, ``y[j]``.
    """

    x: list
    y: list
    z: list
    a: list
    delta: list
    W: list
    b: list
    loss: str
    rate: str
    precision: Precision = Precision()


def _sub(base, *indices, commas=False):
    """``base`` with the subscript ``indices``, run together (w_{12}) or, when any index has two digits or
    ``commas`` says the name's family does, separated (w_{2,11})."""
    together = not commas and all(len(str(i)) == 1 for i in indices)
    inner = "".join(map(str, indices)) if together else ",".join(map(str, indices))
    return f"{base}_{{{inner}}}"


def _layer_names(widths, make):
    return [None] + [[make(l, j) for j in range(widths[l])] for l in range(1, len(widths))]


@dataclass(frozen=True)
class _Shape:
    """What the profile builders need to know of an architecture."""

    widths: list
    bias: str

    @property
    def depth(self):
        return len(self.widths) - 1

    @property
    def single_out(self):
        return self.widths[-1] == 1

    def numbered(self, l, j):
        """1-based number of unit j of layer l counting every non-input unit in order."""
        return sum(self.widths[1:l]) + j + 1

    def row_major(self, l, j, k):
        """1-based number of weight W[l][j][k] counting every weight row by row, layer by layer."""
        widths = self.widths
        return sum(widths[m] * widths[m - 1] for m in range(1, l)) + j * widths[l - 1] + k + 1

    def two_digit(self, l, numbered=False):
        """Whether some weight into layer l has an index of two digits (then all of them take commas,
        so that W_{2,11} and W_{21} are never side by side)."""
        last = self.numbered(l, self.widths[l] - 1) if numbered else self.widths[l]
        return last > 9 or self.widths[l - 1] > 9

    def units(self, make):
        """``make(l, j)`` for every unit, indexed [l][j] with nothing at l = 0."""
        return _layer_names(self.widths, make)

    def weights(self, make):
        """``make(l, j, k)`` for every weight, indexed [l][j][k] with nothing at l = 0."""
        widths = self.widths
        return [None] + [
            [[make(l, j, k) for k in range(widths[l - 1])] for j in range(widths[l])] for l in range(1, len(widths))
        ]

    def biases(self, layer_name, unit_name):
        """Bias names as the layout needs: none, one per layer (``layer_name(l)``) or one per unit."""
        if self.bias == "none":
            return [None] * len(self.widths)
        if self.bias == "per-layer":
            return [None] + [layer_name(l) for l in range(1, len(self.widths))]
        return self.units(unit_name)

    def outputs(self, single, several):
        """One name for a single output, else ``several(j)`` for each output unit."""
        return [single] if self.single_out else [several(j) for j in range(self.widths[-1])]


def _layered(shape):
    def indexed(base, l, j):
        return base + (f"_{{{j + 1}}}" if shape.widths[l] > 1 else "")

    a = shape.units(lambda l, j: indexed(f"a^{{({l})}}", l, j))
    a[shape.depth] = shape.outputs(r"\hat{y}", lambda j: rf"\hat{{y}}_{{{j + 1}}}")
    return dict(
        x=[f"x_{{{k + 1}}}" for k in range(shape.widths[0])],
        y=shape.outputs("y", lambda j: f"y_{{{j + 1}}}"),
        z=shape.units(lambda l, j: indexed(f"z^{{({l})}}", l, j)),
        a=a,
        delta=shape.units(lambda l, j: indexed(rf"\delta^{{({l})}}", l, j)),
        W=shape.weights(lambda l, j, k: f"W^{{({l})}}" + _sub("", j + 1, k + 1, commas=shape.two_digit(l))),
        b=shape.biases(lambda l: f"b^{{({l})}}", lambda l, j: indexed(f"b^{{({l})}}", l, j)),
        loss="L",
        rate=r"\eta",
    )


def _net_out(shape, pre="net", post="out", plain_roles=False):
    """net/out names (o_1, h_1); with ``plain_roles``, the sum/output variant (o1, h1, i_1, target)."""
    depth = shape.depth

    def role(l, j):
        prefix = "o" if l == depth else ("h" if depth == 2 else f"h^{{({l})}}")
        return f"{prefix}{j + 1}" if plain_roles else f"{prefix}_{{{j + 1}}}"

    if plain_roles:
        layer_bias = lambda l: f"b_{{{l}}}"  # noqa: E731
        x, loss = [f"i_{{{k + 1}}}" for k in range(shape.widths[0])], r"E_{\mathrm{total}}"
        y = [rf"\mathrm{{target}}_{{{role(depth, j)}}}" for j in range(shape.widths[-1])]
    else:
        layer_bias = lambda l: "b_{o}" if l == depth else ("b_{h}" if depth == 2 else f"b_{{h^{{({l})}}}}")  # noqa: E731
        x, loss = [f"x_{{{k + 1}}}" for k in range(shape.widths[0])], "E"
        y = [f"t_{{{j + 1}}}" for j in range(shape.widths[-1])]
    return dict(
        x=x,
        y=y,
        z=shape.units(lambda l, j: rf"\mathrm{{{pre}}}_{{{role(l, j)}}}"),
        a=shape.units(lambda l, j: rf"\mathrm{{{post}}}_{{{role(l, j)}}}"),
        delta=shape.units(lambda l, j: rf"\delta_{{{role(l, j)}}}"),
        W=shape.weights(lambda l, j, k: f"w_{{{shape.row_major(l, j, k)}}}"),
        b=shape.biases(layer_bias, lambda l, j: f"b_{{{role(l, j)}}}"),
        loss=loss,
        rate=r"\eta",
    )


def _sum_output(shape):
    return _net_out(shape, "sum", "output", plain_roles=True)


def _u_z(shape):
    a = shape.units(lambda l, j: f"z_{{{shape.numbered(l, j)}}}")
    a[shape.depth] = shape.outputs("y", lambda j: f"y_{{{j + 1}}}")
    return dict(
        x=[f"x_{{{k + 1}}}" for k in range(shape.widths[0])],
        y=shape.outputs("y^{*}", lambda j: f"y^{{*}}_{{{j + 1}}}"),
        z=shape.units(lambda l, j: f"u_{{{shape.numbered(l, j)}}}"),
        a=a,
        delta=shape.units(lambda l, j: rf"\delta_{{{shape.numbered(l, j)}}}"),
        W=shape.weights(lambda l, j, k: _sub("w", shape.numbered(l, j), k + 1, commas=shape.two_digit(l, True))),
        b=shape.biases(lambda l: f"b_{{{l}}}", lambda l, j: f"b_{{{shape.numbered(l, j)}}}"),
        loss="L",
        rate=r"\lambda",
    )


def _w_v(shape):
    depth, letters = shape.depth, "wvuqrs"

    def hidden(base, l, j):
        return f"{base}_{{{j + 1}}}" if depth == 2 else f"{base}^{{({l})}}_{{{j + 1}}}"

    def weight(l, j, k):
        return (
            f"{letters[l - 1]}_{{{k + 1}}}"
            if l == depth and shape.single_out
            else _sub(letters[l - 1], j + 1, k + 1, commas=shape.two_digit(l))
        )

    z = shape.units(lambda l, j: hidden("z", l, j))
    z[depth] = shape.outputs(r"z_{\mathrm{out}}", lambda j: rf"z_{{\mathrm{{out}},{j + 1}}}")
    a = shape.units(lambda l, j: hidden("a", l, j))
    a[depth] = shape.outputs(r"\hat{y}", lambda j: rf"\hat{{y}}_{{{j + 1}}}")
    return dict(
        x=[f"x_{{{k + 1}}}" for k in range(shape.widths[0])],
        y=shape.outputs("y", lambda j: f"y_{{{j + 1}}}"),
        z=z,
        a=a,
        delta=shape.units(lambda l, j: rf"\delta_{{{shape.numbered(l, j)}}}"),
        W=shape.weights(weight),
        b=shape.biases(lambda l: f"b_{{{l}}}", lambda l, j: f"b_{{{shape.numbered(l, j)}}}"),
        loss="L",
        rate=r"\alpha",
    )


# One builder per profile, each named for the worked example whose conventions it follows.
BUILDERS = {"layered": _layered, "net-out": _net_out, "sum-output": _sum_output, "u-z": _u_z, "w-v": _w_v}
PROFILES = tuple(BUILDERS)


def build(architecture, profile="layered", precision=None):
    """The names a profile gives every quantity of ``architecture``."""
    _check_profile(profile)
    names = BUILDERS[profile](_Shape(architecture.widths(), architecture.bias))
    return Notation(precision=precision or Precision(), **names)


def _check_profile(profile):
    if profile not in PROFILES:
        raise SpecError(
            f"notation.profile: unknown profile {show(profile)}{suggest(profile, PROFILES)}; "
            f"expected one of {', '.join(PROFILES)}"
        )


def from_spec(table, architecture):
    """The notation a spec's ``[notation]`` table asks for (profile, precision, single-name overrides)."""
    only_keys(table, {"profile", "digits", "decimals", "rounding", "names"}, "notation")
    profile = table.get("profile", "layered")
    _check_profile(profile)
    notation = build(architecture, profile, _precision(table))
    names = table.get("names", {})
    if not isinstance(names, dict):
        raise SpecError('notation.names: expected a table of names, e.g. W1 = [["w_1", "w_3"], ["w_2", "w_4"]]')
    for key, value in names.items():
        _override(notation, key, value)
    return notation


def _precision(table):
    """The precision policy of ``[notation]``: ``digits`` (significant figures) or ``decimals``, and ``rounding``."""
    if "digits" in table and "decimals" in table:
        raise SpecError("notation.decimals: give either digits (significant figures) or decimals, not both")
    decimals = table.get("decimals")
    if decimals is not None and not _whole(decimals, 0, MAX_DECIMALS):
        raise SpecError(f"notation.decimals: expected a whole number from 0 to {MAX_DECIMALS}, got {show(decimals)}")
    digits = table.get("digits", DEFAULT_DIGITS if decimals is None else None)
    if digits is not None and not _whole(digits, 1, MAX_DIGITS):
        raise SpecError(f"notation.digits: expected a whole number from 1 to {MAX_DIGITS}, got {show(digits)}")
    rounding = table.get("rounding", "exact")
    if rounding not in ROUNDINGS:
        raise SpecError(
            f"notation.rounding: unknown rounding {show(rounding)}{suggest(rounding, ROUNDINGS)}; "
            f"expected one of {', '.join(ROUNDINGS)}"
        )
    return Precision(digits, decimals, rounding)


def _whole(value, low, high):
    return not isinstance(value, bool) and isinstance(value, int) and low <= value <= high


def _override(notation, key, value):
    families = {"x": notation.x, "y": notation.y, "loss": notation.loss, "rate": notation.rate}
    match = re.fullmatch(r"(W|b|z|a|delta)([1-9]\d*)", key)
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
        raise SpecError(
            f"notation.names.{show_key(key)}: unknown name{suggest(key, valid)}; expected one of {', '.join(valid)}"
        )


def _names_like(template, value, key):
    if isinstance(template, list):
        if not isinstance(value, list) or len(value) != len(template):
            raise SpecError(f"{key}: expected a list of {len(template)} names, shaped like the quantity")
        return [_names_like(t, v, f"{key}[{i}]") for i, (t, v) in enumerate(zip(template, value), start=1)]
    return _safe(value, key)


def _safe(value, key):
    """``value`` if it is a short math name built only from safe LaTeX (letters, digits, _ ^ braces, a few commands).

    TeX reads ``^^5c`` as a backslash, so two carets in a row could spell any command: they are
    refused, and so is a name that starts or ends with ^ or _, which could make a pair with the
    text around it.
    """
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= 40
        or not SAFE_NAME.match(value)
        or not _balanced(value)
        or not _well_formed(value)
        or "^^" in value
        or value[0] in "^_"
        or value[-1] in "^_"
    ):
        raise SpecError(
            f"{key}: expected a short math name such as w_{{11}} or \\hat{{y}} (letters, digits, _ ^ {{ }} and "
            f"\\hat, \\mathrm or a Greek letter; valid TeX, no ^^), got {show(value)}"
        )
    return value


_ACCENTS = {r"\hat", r"\bar", r"\tilde", r"\mathrm"}
_TOKEN = re.compile(r"\\[A-Za-z]+|.")


def _well_formed(text):
    """Whether ``text`` is valid TeX math as well as safe: no double superscript or subscript
    (``a^b^c``), every ^ and _ followed by its argument, every accent followed by one (``\\hat{y}``).

    ``text`` is balanced (checked before), so a group can be matched by counting braces.
    """
    tokens = _TOKEN.findall(text)
    position = 0

    def argument():
        """Skip one argument (a group, a command or a character) and say whether there was one."""
        nonlocal position
        if position >= len(tokens) or tokens[position] in ("}", "^", "_"):
            return False
        if tokens[position] == "{":
            depth = 0
            while True:
                depth += {"{": 1, "}": -1}.get(tokens[position], 0)
                position += 1
                if depth == 0:
                    return True
        if tokens[position] in _ACCENTS:
            return False  # x^\hat y: an accent as a bare script argument is an error in TeX
        position += 1
        return True

    scripts = [set()]  # the scripts the current nucleus has, one set per group level
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if token in ("^", "_"):
            if token in scripts[-1] or not argument():
                return False
            scripts[-1].add(token)
        elif token == "{":
            scripts.append(set())
        elif token == "}":
            scripts.pop()
            scripts[-1] = set()
        elif token in _ACCENTS:
            scripts[-1] = set()
            if position >= len(tokens) or tokens[position] not in ("{",) and not tokens[position].isalnum():
                return False
        elif token != "'":
            scripts[-1] = set()
    return True


def _balanced(text):
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


# Accents that plain names write after their letter, as people type them: \hat{y} -> y_hat.
_PLAIN_ACCENTS = {r"\hat": "_hat", r"\bar": "_bar", r"\tilde": "_tilde"}
_LAYER_SUPERSCRIPT = re.compile(r"\((\d+)\)")


def plain_name(latex):
    """A LaTeX name as plain text, for scripts and terminals: no braces, no backslashes, accents spelt out.

    A layer superscript becomes its number; a subscript keeps its underscore, except that one
    letter and a number run together as they are read aloud (w_{5} is w5, h_{1} is h1).

    >>> [plain_name(n) for n in (r"\\mathrm{net}_{h_{1}}", "W^{(1)}_{11}", r"\\hat{y}", r"\\delta_{o_{1}}", "w_{5}")]
    ['net_h1', 'W1_11', 'y_hat', 'delta_o1', 'w5']
    """
    tokens = _TOKEN.findall(latex)
    tokens.reverse()  # read from the end, so that each token is popped
    return _plain_group(tokens)


def _plain_group(tokens):
    """The plain text of the tokens up to the end of the current group (its closing brace is consumed)."""
    text = ""
    while tokens:
        token = tokens.pop()
        if token == "}":
            break
        if token == "^":
            superscript = _plain_atom(tokens)
            layer = _LAYER_SUPERSCRIPT.fullmatch(superscript)
            text += layer.group(1) if layer else superscript
        elif token == "_":
            subscript = _plain_atom(tokens)
            joined = len(text) == 1 and text.isalpha() and subscript[:1].isdigit()
            text += subscript if joined else "_" + subscript
        else:
            tokens.append(token)
            text += _plain_atom(tokens)
    return text


def _plain_atom(tokens):
    """The plain text of the next token, with the argument it takes: a group, an accent, a command, a character."""
    token = tokens.pop() if tokens else ""
    if token == "{":
        return _plain_group(tokens)
    if token in _PLAIN_ACCENTS:
        return _plain_atom(tokens) + _PLAIN_ACCENTS[token]
    if token == r"\mathrm":
        return _plain_atom(tokens)
    if token == r"\prime":
        return "'"
    return token.removeprefix("\\")
