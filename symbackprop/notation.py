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
    """LaTeX names, indexed like the network, and the profile that made them.

    ``z[l][j]``, ``a[l][j]``, ``delta[l][j]``, ``W[l][j][k]``, ``b[l][j]`` (``b[l]`` for a
    per-layer bias), ``x[k]``, ``y[j]``: the names of single quantities, each of which a
    spec may override. The profile names what the lists cannot: a whole layer at once
    (:meth:`vector`, :meth:`matrix`) and any unit of a layer (:meth:`unit` with a letter).
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
    profile: "Profile"
    precision: Precision = Precision()

    def width(self, l):
        """Units of layer ``l``, with layer 0 the inputs."""
        return len(self.x) if l == 0 else len(self.z[l])

    def unit(self, family, l, j):
        """The name of unit ``j`` of layer ``l`` in ``family`` ("z", "a", "delta", "b"; "a" of layer 0 are the inputs).

        ``j`` is a 0-based index, giving the name the document uses for that unit (the spec's own where
        it overrides one), or a letter such as "j" standing for any unit of the layer.

        >>> from symbackprop import load
        >>> n = load("custom_activation_2_2_1").notation
        >>> n.unit("z", 1, 0), n.unit("z", 1, "j"), n.unit("a", 2, 0), n.unit("a", 0, "k")
        ('u_{1}', 'u_{j}', 'y', 'x_{k}')
        """
        if family == "b" and self.shared(l):
            return self.b[l]
        if isinstance(j, int):
            return (self.x if family == "a" and l == 0 else getattr(self, family)[l])[j]
        return getattr(self.profile, family)(l, j)

    def weight(self, l, j, k):
        """The name of the weight into unit ``j`` of layer ``l`` from unit ``k`` below (indices or letters)."""
        if isinstance(j, int) and isinstance(k, int):
            return self.W[l][j][k]
        return self.profile.weight(l, j, k)

    def shared(self, l):
        """Whether layer ``l`` has one bias shared by its units."""
        return isinstance(self.b[l], str)

    def vector(self, family, l):
        """The name of ``family`` for the whole of layer ``l``: bold, or the unit's own name for a layer of one unit.

        >>> from symbackprop import load
        >>> n = load("regression_2_2_1_linear_output").notation
        >>> n.vector("z", 1), n.vector("a", 0), n.vector("z", 2), n.vector("delta", 2)
        ('\\\\mathbf{z}', '\\\\mathbf{x}', 'z_{\\\\mathrm{out}}', '\\\\delta_{3}')
        """
        if family == "b" and self.shared(l):
            return self.b[l]
        if self.width(l) == 1 and not self.profile.bold_single:
            return self.unit(family, l, 0)
        return self.profile.vector(family, l)

    def matrix(self, l):
        """The name of layer ``l``'s weights as a matrix (the weight's own name when it is a single one).

        >>> from symbackprop import load
        >>> load("regression_2_2_1_linear_output").notation.matrix(2)
        '\\\\mathbf{v}'
        """
        if self.width(l) == 1 and self.width(l - 1) == 1 and not self.profile.bold_single:
            return self.W[l][0][0]
        return self.profile.matrix(l)


def _sub(base, *indices, commas=False):
    """``base`` with the subscript ``indices``, run together (w_{12}) or, when any index has two digits or
    ``commas`` says the name's family does, separated (w_{2,11})."""
    together = not commas and all(len(str(i)) == 1 for i in indices)
    inner = "".join(map(str, indices)) if together else ",".join(map(str, indices))
    return f"{base}_{{{inner}}}"


def _n(j):
    """How a name writes unit ``j``: its 1-based number, or the letter that stands for any unit."""
    return j + 1 if isinstance(j, int) else j


def _one(j, width):
    """Whether a name drops the unit's number: a unit alone in its layer (a letter always shows)."""
    return isinstance(j, int) and width == 1


_BOLD = {"z": r"\mathbf{z}", "a": r"\mathbf{a}", "delta": r"\boldsymbol{\delta}", "b": r"\mathbf{b}"}


@dataclass(frozen=True)
class _Shape:
    """What the profiles need to know of an architecture."""

    widths: tuple
    bias: str

    @property
    def depth(self):
        return len(self.widths) - 1

    def numbered(self, l, j):
        """The number of unit j of layer l counting every non-input unit in order (a letter stays a letter)."""
        return sum(self.widths[1:l]) + j + 1 if isinstance(j, int) else j

    def row_major(self, l, j, k):
        """1-based number of weight W[l][j][k] counting every weight row by row, layer by layer."""
        widths = self.widths
        return sum(widths[m] * widths[m - 1] for m in range(1, l)) + j * widths[l - 1] + k + 1

    def two_digit(self, l, numbered=False):
        """Whether some weight into layer l has an index of two digits (then all of them take commas,
        so that W_{2,11} and W_{21} are never side by side)."""
        if not numbered:
            return self.widths[l] > 9 or self.widths[l - 1] > 9
        below = self.widths[0] if l == 1 else self.numbered(l - 1, self.widths[l - 1] - 1)
        return self.numbered(l, self.widths[l] - 1) > 9 or below > 9


@dataclass(frozen=True)
class Profile:
    """How one worked example names things: each method names one quantity of unit ``j`` of layer ``l``.

    ``j`` (and ``k``, a unit of the layer below) is a 0-based index or a letter standing for any
    unit. :meth:`vector` and :meth:`matrix` name a whole layer; the loss and the learning rate
    have one name each. One subclass per profile, named for the example whose conventions it follows.
    """

    shape: _Shape
    loss = "L"
    rate = r"\eta"
    numbered_weights = False  # whether weights are numbered one by one (w_5), with no form for any weight
    bold_single = False  # whether a layer of one unit is still named in bold as a whole (004), not by its unit

    @property
    def depth(self):
        return self.shape.depth

    def width(self, l):
        return self.shape.widths[l]

    def names(self):
        """Every single quantity's name, as the fields of :class:`Notation` hold them."""
        widths, depth = self.shape.widths, self.depth

        def units(make):
            return [None] + [[make(l, j) for j in range(widths[l])] for l in range(1, depth + 1)]

        if self.shape.bias == "none":
            b = [None] * (depth + 1)
        elif self.shape.bias == "per-layer":
            b = [None] + [self.shared_bias(l) for l in range(1, depth + 1)]
        else:
            b = units(self.b)
        weights = [None] + [
            [[self.weight(l, j, k) for k in range(widths[l - 1])] for j in range(widths[l])]
            for l in range(1, depth + 1)
        ]
        return dict(
            x=[self.a(0, k) for k in range(widths[0])],
            y=[self.y(j) for j in range(widths[-1])],
            z=units(self.z),
            a=units(self.a),
            delta=units(self.delta),
            W=weights,
            b=b,
            loss=self.loss,
            rate=self.rate,
        )


class _Layered(Profile):
    """z, a and δ with the layer as a superscript, W^(l) for the weights, ŷ for the prediction (000)."""

    def _indexed(self, base, l, j):
        return base if _one(j, self.width(l)) else f"{base}_{{{_n(j)}}}"

    def z(self, l, j):
        return self._indexed(f"z^{{({l})}}", l, j)

    def a(self, l, j):
        if l == 0:
            return f"x_{{{_n(j)}}}"
        return self._indexed(r"\hat{y}" if l == self.depth else f"a^{{({l})}}", l, j)

    def delta(self, l, j):
        return self._indexed(rf"\delta^{{({l})}}", l, j)

    def b(self, l, j):
        return self._indexed(f"b^{{({l})}}", l, j)

    def shared_bias(self, l):
        return f"b^{{({l})}}"

    def weight(self, l, j, k):
        return f"W^{{({l})}}" + _sub("", _n(j), _n(k), commas=self.shape.two_digit(l))

    def y(self, j):
        return self._indexed("y", self.depth, j)

    def vector(self, family, l):
        if family == "a" and l in (0, self.depth):
            return r"\mathbf{x}" if l == 0 else r"\hat{\mathbf{y}}"
        return f"{_BOLD[family]}^{{({l})}}"

    def matrix(self, l):
        return rf"\mathbf{{W}}^{{({l})}}"


class _NetOut(Profile):
    """net and out named by the unit's role, h1 or o1 written as one subscript, weights w1, w2, ... (002).

    A role with a layer superscript (deeper networks) keeps its unit number as a subscript of its
    own: h^(2)_1. A lone output's error signal is δ_o, as 002 writes it.
    """

    pre, post, inputs, loss = "net", "out", "x", "E"
    numbered_weights = True

    def role(self, l, j=None):
        """The role of layer ``l`` (h, o, h^(l)), or of its unit ``j`` (h1, o2, h^(2)_1)."""
        layer = "o" if l == self.depth else ("h" if self.depth == 2 else f"h^{{({l})}}")
        if j is None:
            return layer
        return f"{layer}_{{{_n(j)}}}" if "^" in layer else f"{layer}{_n(j)}"

    def z(self, l, j):
        return rf"\mathrm{{{self.pre}}}_{{{self.role(l, j)}}}"

    def a(self, l, j):
        if l == 0:
            return f"{self.inputs}_{{{_n(j)}}}"
        return rf"\mathrm{{{self.post}}}_{{{self.role(l, j)}}}"

    def delta(self, l, j):
        if l == self.depth and _one(j, self.width(l)):
            return rf"\delta_{{{self.role(l)}}}"
        return rf"\delta_{{{self.role(l, j)}}}"

    def b(self, l, j):
        return f"b_{{{self.role(l, j)}}}"

    def shared_bias(self, l):
        return f"b_{{{self.role(l)}}}"

    def weight(self, l, j, k):
        if isinstance(j, int) and isinstance(k, int):
            return f"w_{{{self.shape.row_major(l, j, k)}}}"
        # The numbered weights have no letter form: w_{o,jk} goes into output unit j from unit k below,
        # the layer's role telling the layers apart (002's summary writes w_o and w_h).
        return f"w_{{{self.role(l)},{_n(j)}{_n(k)}}}"

    def y(self, j):
        return f"t_{{{_n(j)}}}"

    def vector(self, family, l):
        if family == "a" and l == 0:
            return rf"\mathbf{{{self.inputs}}}"
        base = {"z": rf"\mathbf{{{self.pre}}}", "a": rf"\mathbf{{{self.post}}}"}.get(family) or _BOLD[family]
        return f"{base}_{{{self.role(l)}}}"

    def matrix(self, l):
        return rf"\mathbf{{W}}_{{{self.role(l)}}}"


class _SumOutput(_NetOut):
    """sum and output, inputs i1 and i2, targets target_1, biases b1 and b2 shared by a layer, E_total (001)."""

    pre, post, inputs, loss = "sum", "output", "i", r"E_{\mathrm{total}}"

    def shared_bias(self, l):
        return f"b_{{{l}}}"

    def y(self, j):
        return rf"\mathrm{{target}}_{{{j + 1}}}"


class _Numbered(Profile):
    """Error signals and biases numbered across the whole network, as the u-z and w-v examples number them."""

    def delta(self, l, j):
        return rf"\delta_{{{self.shape.numbered(l, j)}}}"

    def b(self, l, j):
        return f"b_{{{self.shape.numbered(l, j)}}}"

    def shared_bias(self, l):
        return f"b_{{{l}}}"


class _UZ(_Numbered):
    """Units numbered through the network: u the weighted sum, z the activation, y and y* (004).

    A weight w_jk goes into unit j from unit k, both by their numbers (from input k in the first layer).
    """

    rate = r"\lambda"
    bold_single = True  # 004's vector form writes u^(2) and δ^(2) for its one output unit

    def z(self, l, j):
        return f"u_{{{self.shape.numbered(l, j)}}}"

    def a(self, l, j):
        if l == 0:
            return f"x_{{{_n(j)}}}"
        if l == self.depth:
            return "y" if _one(j, self.width(l)) else f"y_{{{_n(j)}}}"
        return f"z_{{{self.shape.numbered(l, j)}}}"

    def weight(self, l, j, k):
        below = _n(k) if l == 1 else self.shape.numbered(l - 1, k)
        return _sub("w", self.shape.numbered(l, j), below, commas=self.shape.two_digit(l, numbered=True))

    def y(self, j):
        return "y^{*}" if _one(j, self.width(self.depth)) else f"y^{{*}}_{{{_n(j)}}}"

    def vector(self, family, l):
        if family == "a" and l in (0, self.depth):
            return r"\mathbf{x}" if l == 0 else r"\mathbf{y}"
        letter = {"z": r"\mathbf{u}", "a": r"\mathbf{z}"}.get(family) or _BOLD[family]
        return f"{letter}^{{({l})}}"

    def matrix(self, l):
        return rf"\mathbf{{W}}^{{({l})}}"


class _WV(_Numbered):
    """A letter of its own for each layer's weights (w, then v), z and a, ŷ, numbered δ and b, rate α (003).

    Past the letters, a layer's weights are w with the layer as a superscript.
    """

    letters = "wvuqrs"
    rate = r"\alpha"

    def letter(self, l):
        return self.letters[l - 1] if l <= len(self.letters) else f"w^{{({l})}}"

    def _tag(self, l):
        """How a whole-layer name tells its layer: nothing for the one hidden layer, ^(l) among several, out."""
        if l == self.depth:
            return r"_{\mathrm{out}}"
        return "" if self.depth == 2 else f"^{{({l})}}"

    def _hidden(self, base, l, j):
        return f"{base}_{{{_n(j)}}}" if self.depth == 2 else f"{base}^{{({l})}}_{{{_n(j)}}}"

    def z(self, l, j):
        if l == self.depth:
            return r"z_{\mathrm{out}}" if _one(j, self.width(l)) else rf"z_{{\mathrm{{out}},{_n(j)}}}"
        return self._hidden("z", l, j)

    def a(self, l, j):
        if l == 0:
            return f"x_{{{_n(j)}}}"
        if l == self.depth:
            return r"\hat{y}" if _one(j, self.width(l)) else rf"\hat{{y}}_{{{_n(j)}}}"
        return self._hidden("a", l, j)

    def weight(self, l, j, k):
        if l == self.depth and self.width(l) == 1:
            return f"{self.letter(l)}_{{{_n(k)}}}"
        return _sub(self.letter(l), _n(j), _n(k), commas=self.shape.two_digit(l))

    def y(self, j):
        return "y" if _one(j, self.width(self.depth)) else f"y_{{{_n(j)}}}"

    def vector(self, family, l):
        if family == "a" and l in (0, self.depth):
            return r"\mathbf{x}" if l == 0 else r"\hat{\mathbf{y}}"
        return _BOLD[family] + self._tag(l)

    def matrix(self, l):
        """A layer's weights: a capital bold letter, or a small one for the weights into a lone unit (003's v)."""
        letter = self.letter(l)
        if l > len(self.letters):
            return rf"\mathbf{{W}}^{{({l})}}"
        return rf"\mathbf{{{letter if self.width(l) == 1 else letter.upper()}}}"


# One profile per worked example's conventions.
PROFILES_BY_NAME = {"layered": _Layered, "net-out": _NetOut, "sum-output": _SumOutput, "u-z": _UZ, "w-v": _WV}
PROFILES = tuple(PROFILES_BY_NAME)


def build(architecture, profile="layered", precision=None):
    """The names a profile gives every quantity of ``architecture``."""
    _check_profile(profile)
    namer = PROFILES_BY_NAME[profile](_Shape(tuple(architecture.widths()), architecture.bias))
    return Notation(precision=precision or Precision(), profile=namer, **namer.names())


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


def _precision(table, prefix="notation."):
    """The precision policy of ``[notation]``: ``digits`` (significant figures) or ``decimals``, and ``rounding``.

    Errors name each key after ``prefix`` (``--`` for the command line's options of the same names)."""
    if "digits" in table and "decimals" in table:
        raise SpecError(f"{prefix}decimals: give either digits (significant figures) or decimals, not both")
    decimals = table.get("decimals")
    if decimals is not None and not _whole(decimals, 0, MAX_DECIMALS):
        raise SpecError(f"{prefix}decimals: expected a whole number from 0 to {MAX_DECIMALS}, got {show(decimals)}")
    digits = table.get("digits", DEFAULT_DIGITS if decimals is None else None)
    if digits is not None and not _whole(digits, 1, MAX_DIGITS):
        raise SpecError(f"{prefix}digits: expected a whole number from 1 to {MAX_DIGITS}, got {show(digits)}")
    rounding = table.get("rounding", "exact")
    if rounding not in ROUNDINGS:
        raise SpecError(
            f"{prefix}rounding: unknown rounding {show(rounding)}{suggest(rounding, ROUNDINGS)}; "
            f"expected one of {', '.join(ROUNDINGS)}"
        )
    return Precision(digits, decimals, rounding)


def overridden(precision, options):
    """``precision`` with the command line's ``options`` (``digits``, ``decimals``, ``rounding``; None where not
    given) in its place, checked as the spec's keys are: ``--digits`` or ``--decimals`` replaces either of the spec's.

    >>> overridden(Precision(digits=4, rounding="carried"), {"decimals": 3})
    Precision(digits=None, decimals=3, rounding='carried')
    """
    table = {key: value for key, value in options.items() if value is not None}
    if "digits" not in table and "decimals" not in table:
        table |= {"digits": precision.digits} if precision.decimals is None else {"decimals": precision.decimals}
    table.setdefault("rounding", precision.rounding)
    return _precision(table, "--")


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
