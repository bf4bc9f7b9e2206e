"""Activation functions: everything about one activation in one object.

Each :class:`Activation` holds its formula, its derivative written with the unit's
output, its stable numeric forms, how documents print it and what the teaching
notes say about it, so the network, the derivation, the numeric evaluation and
the documents all read the same entry. Softmax, whose units depend on the whole
layer, is the one :class:`Softmax`: it overrides the layer-wide definition and
the Jacobian.

>>> import sympy
>>> z, a = sympy.symbols("z a")
>>> SIGMOID.derivative(z, a)
a*(1 - a)
>>> SIGMOID.call(z)
sigma(z)
"""

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field, replace
from functools import cached_property
from typing import ClassVar

import numpy as np
import sympy as sp
from sympy.printing.latex import accepted_latex_functions

from . import budget
from .checks import number, only_keys, show, suggest
from .errors import SpecError
from .expressions import CONSTANTS, FUNCTIONS, Written, check_identifier, degree, exact, parse_expression


@dataclass(frozen=True, eq=False)
class Activation:
    """One activation function, applied to each unit of a layer on its own.

    ``formula(z)`` is the symbolic f(z). ``of_output(a)``, where it exists, is
    f'(z) written with the unit's own output a = f(z), as worked examples write
    it (sigmoid: a(1 - a)). ``numeric(z, out=None)`` is a NumPy form that stays
    finite where the textbook formula overflows; without one the formula is
    lambdified. ``numeric_prime(z, a, out=None)``, where given, is a hand-written
    NumPy form of f' (the tests check it against the lambdified derivative).
    Both follow NumPy's ``out`` convention, so the evaluator's fast path can write
    into arrays it reuses; ``out`` may be ``z`` itself. ``parameters`` holds what
    else defines the function (a leaky ReLU's slope, a custom formula); two
    activations are equal when their names and parameters are. ``cost`` is the
    size of one evaluation of the function and its derivative, in operations
    (1 for the built-ins), which the budget weighs. ``same_as`` names the built-in
    activation a custom formula turned out to be: it takes everything of that
    built-in but its name and formula, so ``1/(1 + exp(-t))`` computes like the
    sigmoid and gets the sigmoid's notes.

    For the documents: ``function_name`` is the function :meth:`call` prints
    (``sigma`` prints as σ, a longer name upright as one word: ReLU, LeakyReLU);
    ``description`` is what prose calls it, after
    "the" ("sigmoid", "leaky ReLU"). ``output_only`` says it may only be the
    output layer's.
    For the notes on a unit's weighted sum z: beyond ``saturates_beyond`` (|z|)
    the function is nearly flat, so gradients through it nearly vanish; at
    ``kink`` its derivative is one-sided (the left-hand value is taken); below
    ``inactive_below`` it passes no gradient at all. None where it has no such
    point. ``vector`` is False: each unit depends on its own z only (see
    :class:`Softmax`).
    """

    vector: ClassVar[bool] = False

    name: str
    formula: Callable[[sp.Expr], sp.Expr]
    of_output: Callable[[sp.Expr], sp.Expr] | None = None
    numeric: Callable[..., np.ndarray] | None = None
    parameters: tuple = field(default=())
    numeric_prime: Callable[..., np.ndarray] | None = None
    same_as: str | None = None
    cost: int = 1
    _: KW_ONLY
    function_name: str
    description: str
    output_only: bool = False
    saturates_beyond: float | None = None
    kink: float | None = None
    inactive_below: float | None = None

    # Equal by what defines the function, not by the identity of the lambdas that compute it, so two
    # reads of one spec give equal architectures and share one cached derivation.
    def __eq__(self, other):
        return isinstance(other, Activation) and (self.name, self.parameters) == (other.name, other.parameters)

    def __hash__(self):
        return hash((self.name, self.parameters))

    @property
    def numeric_name(self):
        """The built-in this activation is, by name: its own, or the one a custom formula turned out to be.

        Losses key their overflow-safe forms and their requirements on the output layer by it.
        """
        return self.same_as or self.name

    def call(self, z):
        """f applied to ``z``, unevaluated, as documents print it: ``sigma(z)`` for the sigmoid."""
        return sp.Function(self.function_name)(z)

    def definition(self, zs, j):
        """a_j as an expression of the layer's pre-activation symbols ``zs``."""
        return self.formula(zs[j])

    def derivative(self, z, a):
        """f'(z) for a unit with pre-activation ``z`` and output ``a``, in terms of ``a`` where possible."""
        if self.of_output is not None:
            return self.of_output(a)
        return self._prime.xreplace({_T: z})

    @cached_property
    def _prime(self):
        """f'(t) of the formula, for a real t, in the shortest of a few exact forms (see :func:`readable`).

        Worked out once for the real variable and renamed for each caller's symbol: differentiated in
        a symbol without assumptions, |z| would bring in the real and imaginary parts of z.
        """
        return readable(sp.diff(self.formula(_T), _T))

    def jacobian(self, zs, as_, j, k):
        """da_k/dz_j for a layer with pre-activations ``zs`` and outputs ``as_``: f' on the diagonal, else 0."""
        return self.derivative(zs[j], as_[j]) if k == j else sp.Integer(0)

    def numeric_forward(self):
        """A NumPy function ``(z, out=None) -> f(z)`` elementwise (a whole layer along the last axis)."""
        if self.numeric is not None:
            return self.numeric
        t = sp.Dummy("t", real=True)
        return _into_out(sp.lambdify([t], numeric_form(self.formula(t)), "numpy"), 1)

    def numeric_derivative(self):
        """A NumPy function ``(z, a, out=None) -> da_j/dz_j`` elementwise: f', the Jacobian's diagonal."""
        if self.numeric_prime is not None:
            return self.numeric_prime
        z, a = sp.Dummy("z", real=True), sp.Dummy("a", real=True)
        return _into_out(sp.lambdify([z, a], numeric_form(self.derivative(z, a)), "numpy"), 2)


@dataclass(frozen=True, eq=False)
class Softmax(Activation):
    """Softmax: every output depends on the whole layer, a_j = e^(z_j) / sum_k e^(z_k).

    ``formula`` is the numerator e^z; :meth:`definition` normalises it over the layer.
    :meth:`derivative` (and ``numeric_prime``) give the Jacobian's diagonal a_j(1 - a_j),
    :meth:`jacobian` the whole of it.
    """

    vector: ClassVar[bool] = True

    def definition(self, zs, j):
        return sp.exp(zs[j]) / sp.Add(*[sp.exp(z) for z in zs])

    def jacobian(self, zs, as_, j, k):
        """da_k/dz_j = a_k (1[k = j] - a_j): every output feeds every delta."""
        return as_[k] * ((1 if k == j else 0) - as_[j])


# The real variable a formula is differentiated in (see Activation._prime).
_T = sp.Dummy("t", real=True)


def readable(prime):
    """An exact derivative in the form a person would write: the shortest of the form SymPy's
    differentiation gives, that form over one denominator with common factors taken out, and that
    form cancelled and factored; the first of them when they are as short.

    First u·sign(u) is |u| (the variable is real), so the derivative of t/(1 + |t|) is 1/(1 + |t|)^2,
    and a number common to a sum's terms leaves the sum to meet the product's other numbers.
    Formulas over the simplification budget keep the form SymPy gives.

    >>> t = sp.Symbol("t", real=True)
    >>> readable(sp.diff(t / (1 + sp.Abs(t)), t))
    (Abs(t) + 1)**(-2)
    >>> readable(sp.diff(Written.of("1.7159") * sp.tanh(2 * t / 3), t))
    2*1.7159*(1 - tanh(2*t/3)**2)/3
    """
    prime = prime.replace(lambda e: e.is_Mul and any(isinstance(f, sp.sign) for f in e.args), _sign_times_self)
    prime = prime.replace(lambda e: e.is_Mul and any(f.is_Add for f in e.args), _content_out)
    if degree(prime) > budget.MAX_SIMPLIFY_DEGREE or sp.count_ops(prime) > budget.MAX_SIMPLIFY_OPERATIONS:
        return prime
    candidates = (prime, sp.factor_terms(sp.together(prime)), sp.factor(sp.cancel(prime)))
    return min(candidates, key=sp.count_ops)


def _content_out(product):
    """``product`` with the number common to each sum in it taken out, to meet its other numbers.

    0.25 (2 - 2 tanh^2 t) tanh t is 0.5 (1 - tanh^2 t) tanh t.
    """
    factors = []
    for factor in product.args:
        factors += factor.primitive() if factor.is_Add else (factor,)
    return sp.Mul(*factors)


def _sign_times_self(product):
    """``product`` with each sign(u) that multiplies u made |u|."""
    factors = list(product.args)
    for sign in [f for f in factors if isinstance(f, sp.sign)]:
        if sign.args[0] in factors:
            factors.remove(sign)
            factors.remove(sign.args[0])
            factors.append(sp.Abs(sign.args[0]))
    return sp.Mul(*factors)


def numeric_form(expr):
    """``expr`` ready for NumPy: exact constants such as log(10**30) or 10**384 become floats (or inf)."""
    return expr.evalf()


def _into_out(function, arity):
    """Wrap a lambdified function in NumPy's ``out`` convention; a constant result still gets the input's shape."""

    def wrapped(*arrays, out=None):
        with np.errstate(over="ignore"):
            result = np.asarray(function(*arrays[:arity]))
        if np.iscomplexobj(result):
            raise SpecError("activation: a custom formula gives complex values; it must be real for real inputs")
        result = result.astype(float, copy=False)
        if out is not None:
            out[...] = result
            return out
        shape = np.shape(arrays[0])
        return result if result.shape == shape else np.broadcast_to(result, shape)

    return wrapped


# The forms below make at most one new array (none when given ``out``): on large
# batches every temporary costs a pass over memory and often fresh pages from the
# system, which is a large part of an elementwise operation's time.


def _sigmoid(z, out=None):
    # For z far below 0, e^-z overflows to inf and the quotient is exactly 0, the correct limit;
    # only NumPy's warning needs silencing. Cheaper than the tanh or log-add-exp forms.
    out = np.negative(z, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)


def _a_one_minus_a(z, a, out=None):
    """a(1 - a): the sigmoid's derivative, and softmax's Jacobian diagonal."""
    out = np.subtract(1.0, a, out=out)
    out *= a
    return out


def _tanh_prime(z, a, out=None):
    """1 - a^2."""
    out = np.square(a, out=out)
    return np.subtract(1.0, out, out=out)


def _identity(z, out=None):
    if out is None or out is z:
        return z
    np.copyto(out, z)
    return out


def _softmax(z, out=None):
    out = np.subtract(z, z.max(axis=-1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=-1, keepdims=True)
    return out


SIGMOID = Activation(
    "sigmoid",
    lambda z: 1 / (1 + sp.exp(-z)),
    of_output=lambda a: a * (1 - a),
    numeric=_sigmoid,
    numeric_prime=_a_one_minus_a,
    function_name="sigma",
    description="sigmoid",
    saturates_beyond=4.0,
)
TANH = Activation(
    "tanh",
    sp.tanh,
    of_output=lambda a: 1 - a**2,
    numeric=np.tanh,
    numeric_prime=_tanh_prime,
    function_name="tanh",
    description="tanh",
    saturates_beyond=4.0,
)
# ReLU has no derivative at 0; like the major frameworks we take it as 0 there.
RELU = Activation(
    "relu",
    lambda z: sp.Max(0, z),
    of_output=lambda a: sp.Piecewise((1, a > 0), (0, True)),
    numeric=lambda z, out=None: np.maximum(z, 0.0, out=out),
    function_name="ReLU",
    description="ReLU",
    kink=0.0,
    inactive_below=0.0,
)
LINEAR = Activation(
    "linear",
    lambda z: z,
    of_output=lambda a: sp.Integer(1),
    numeric=_identity,
    function_name="id",
    description="identity",
)
SOFTPLUS = Activation(
    "softplus",
    lambda z: sp.log(1 + sp.exp(z)),
    of_output=lambda a: 1 - sp.exp(-a),
    numeric=lambda z, out=None: np.logaddexp(0.0, z, out=out),
    function_name="softplus",
    description="softplus",
)
SOFTMAX = Softmax(
    "softmax",
    sp.exp,
    of_output=lambda a: a * (1 - a),
    numeric=_softmax,
    numeric_prime=_a_one_minus_a,
    function_name="softmax",
    description="softmax",
    output_only=True,
)

BUILT_IN = {act.name: act for act in (SIGMOID, TANH, RELU, LINEAR, SOFTPLUS, SOFTMAX)}
NAMES = sorted([*BUILT_IN, "leaky_relu"])


def leaky_relu(slope):
    """Leaky ReLU with the given slope for negative inputs; at 0 the derivative is taken as ``slope``.

    With slope 0 it is the ReLU, and like it passes no gradient below 0.
    """
    s = Written.of(str(slope))  # 0.01 prints as 0.01, not as 1/100
    return Activation(
        "leaky_relu",
        lambda z: sp.Piecewise((z, z > 0), (s * z, True)),
        of_output=lambda a: sp.Piecewise((1, a > 0), (s, True)),
        numeric=lambda z, out=None: np.multiply(z, np.where(z > 0, 1.0, float(s)), out=out),
        parameters=(("slope", s),),
        function_name="LeakyReLU",
        description="leaky ReLU",
        kink=0.0,
        inactive_below=0.0 if s == 0 else None,
    )


# Names LaTeX or our formulas give a meaning of their own (SymPy prints a function called "root" or
# "frac" as that LaTeX command), so a custom activation may not take them.
RESERVED_NAMES = frozenset(accepted_latex_functions) | frozenset(FUNCTIONS)

# Points where a custom formula is compared with the built-ins before asking SymPy to prove them equal,
# and the size above which no comparison is tried ((exp(t) - exp(-t))/(exp(t) + exp(-t)) has 7).
MAX_RECOGNISED_OPERATIONS = 12
MAX_RECOGNISED_DEGREE = 4
_PROBES = np.array([-2.7, -0.9, -0.13, 0.4, 1.3, 3.1])


def custom(name, variable, expression, *, key):
    """An activation the spec defines by a formula, parsed safely (see :mod:`symbackprop.expressions`).

    A formula that is a built-in activation written out (``1/(1 + exp(-t))``, ``log(1 + exp(t))``)
    takes everything of that built-in but its name and formula: its derivative and stable numeric
    forms, so it computes like it where the formula as written would overflow, and its notes.
    """
    check_identifier(name, key=f"{key}.name")
    if name in RESERVED_NAMES:
        raise SpecError(f"{key}.name: {show(name)} is reserved (it names a function); choose another")
    check_identifier(variable, key=f"{key}.variable")
    if variable in RESERVED_NAMES or variable in CONSTANTS:
        raise SpecError(f"{key}.variable: {show(variable)} is reserved (it names a function or a constant)")
    t = sp.Symbol(variable, real=True)
    body = parse_expression(expression, t, key=f"{key}.expression")
    same = _built_in_equal_to(exact(body), t)
    own = dict(
        name=name,
        formula=lambda z: body.xreplace({t: z}),
        parameters=(("variable", variable), ("expression", body)),
        function_name=name,
    )
    if same:
        return replace(same, same_as=same.name, **own)
    return Activation(
        **own, cost=1 + sp.count_ops(body) + sp.count_ops(sp.diff(body, t)), description=f"custom activation {name}"
    )


def _built_in_equal_to(body, t):
    """The scalar built-in activation whose formula ``body`` is, or None.

    Only small formulas are tried (the written-out built-ins are a handful of operations), so the
    symbolic proof stays cheap: cheap numbers first (the formula at a few points), then, only when
    they agree, SymPy's simplify() on the difference.
    """
    if sp.count_ops(body) > MAX_RECOGNISED_OPERATIONS or degree(body) > MAX_RECOGNISED_DEGREE:
        return None
    with np.errstate(all="ignore"):
        values = np.asarray(sp.lambdify([t], numeric_form(body), "numpy")(_PROBES))
    if np.iscomplexobj(values) or not np.all(np.isfinite(values)):
        return None
    for candidate in (SIGMOID, TANH, SOFTPLUS, LINEAR):
        expected = candidate.numeric(_PROBES.copy())
        if np.allclose(np.broadcast_to(values, expected.shape), expected, rtol=1e-12, atol=1e-12):
            difference = (body - candidate.formula(t)).rewrite(sp.exp)
            if sp.simplify(difference) == 0:
                return candidate
    return None


def from_spec(value, *, key):
    """The activation a spec names: a built-in name, or an inline table for leaky_relu or a custom one."""
    if isinstance(value, str):
        if value in BUILT_IN:
            return BUILT_IN[value]
        if value == "leaky_relu":
            return leaky_relu(0.01)
        raise SpecError(
            f"{key}: unknown activation {show(value)}{suggest(value, NAMES)}; "
            f"expected one of {', '.join(NAMES)} or a custom table"
        )
    if not isinstance(value, dict):
        raise SpecError(f"{key}: expected an activation name or an inline table, got {show(value)}")
    name = value.get("name")
    if name is not None and not isinstance(name, str):
        raise SpecError(f"{key}.name: expected the activation's name as a text, got {show(name)}")
    if name == "leaky_relu":
        only_keys(value, {"name", "slope"}, key)
        slope = number(value.get("slope", 0.01), f"{key}.slope")
        if not 0 <= slope < 1:
            raise SpecError(f"{key}.slope: expected a number in [0, 1), got {slope}")
        return leaky_relu(slope)
    if name in BUILT_IN:
        only_keys(value, {"name"}, key)
        return BUILT_IN[name]
    only_keys(value, {"name", "variable", "expression"}, key)
    for needed in ("name", "variable", "expression"):
        if needed not in value:
            raise SpecError(f"{key}: a custom activation needs '{needed}' (name, variable, expression)")
    return custom(name, value["variable"], value["expression"], key=key)
