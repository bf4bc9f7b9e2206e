"""Safe parsing of user-written activation formulas.

A custom activation such as ``t/10`` or ``log(1 + exp(t))`` arrives as text from
a spec file that may come from anyone. It is never handed to ``eval``,
``sympify`` or ``parse_expr``: Python's ``ast`` module only parses it, and a
small tree walker builds the SymPy expression node by node from a whitelist
(numbers, the declared variable, ``+ - * / **``, unary signs and a fixed set of
functions). Everything else is refused with a :class:`SpecError`, and so is a
formula whose value is not a real number (``sqrt(-1)``, ``log(0)``), whose
numbers would grow huge when worked out exactly (``((64**64)**64)**64``) or
whose degree (see :func:`degree`) is over the budget, since differentiating and
simplifying a high-degree formula is what makes symbolic work slow.

A decimal number in a formula becomes a :class:`Written` number: exact like a
fraction, but kept apart from the formula's other numbers so that it prints as
its author wrote it.

>>> import sympy
>>> t = sympy.Symbol("t", real=True)
>>> parse_expression("t/10", t, key="activation.expression")
t/10
>>> parse_expression("1.7159*tanh(2*t/3)", t, key="activation.expression")
1.7159*tanh(2*t/3)
"""

import ast
import math
import re
import warnings
from decimal import ROUND_HALF_UP, Decimal, localcontext

import sympy as sp

from . import budget
from .checks import show
from .errors import SpecError

MAX_LENGTH = 500
MAX_DEPTH = 40
MAX_NODES = 200
MAX_EXPONENT = 64
MAX_LITERAL = 10**6
MAX_NUMBER_BITS = 4096  # an exact number worked out inside a formula, numerator or denominator
MAX_CONSTANT_ARGUMENT = 1e15  # a constant that sin or cos is applied to

FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "sin": sp.sin,
    "cos": sp.cos,
    "atan": sp.atan,
    "Abs": sp.Abs,
    "abs": sp.Abs,
}
CONSTANTS = {"pi": sp.pi, "E": sp.E}

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}\Z")
DECIMAL_LITERAL = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\Z")

_OPERATORS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


class Written(sp.AtomicExpr):
    """A positive decimal number as a formula's author wrote it: exact in every computation, printed in its digits.

    A Rational would do the arithmetic just as exactly, but SymPy merges it with the formula's other
    numbers (1.7159*tanh(2*t/3) would print as 17159/10000 times tanh), so the number is an atom of
    its own, like pi: ``value`` is its exact value, ``digits`` its significant digits, and
    :func:`exact` puts the values back where SymPy must work with them (deciding that a formula is
    a built-in, checking that a number stays small). A minus sign is an operator in front of it.

    >>> w = Written.of("1.7159")
    >>> w, w.value, w.digits, float(2 * w)
    (1.7159, 17159/10000, 5, 3.4318)
    >>> Written.of("2.0"), Written.of("1.50"), Written(sp.Rational(17159, 15000), 5)
    (2, 1.5, 1.1439)
    """

    is_number = True
    is_commutative = True
    is_real = True
    is_rational = True
    is_integer = False  # a whole number is an Integer (see of)
    is_positive = True

    def __new__(cls, value, digits):
        obj = super().__new__(cls)
        obj.value = sp.Rational(value)
        obj.digits = digits
        return obj

    @classmethod
    def of(cls, text, digits=None):
        """The number the decimal ``text`` spells (``digits`` significant digits, all of them by default).

        A whole number is an Integer: 2.0 prints as 2.
        """
        number = Decimal(text)
        if number == number.to_integral_value():
            return sp.Integer(int(number))
        return cls(sp.Rational(str(number)), digits or len(number.normalize().as_tuple().digits))

    def __getnewargs__(self):
        return (self.value, self.digits)

    def _hashable_content(self):
        return (self.value, self.digits)

    @classmethod
    def class_key(cls):
        return 1, 1, "Written"  # sorted as a number: after a product's fraction, before its symbols

    def sort_key(self, order=None):
        return self.class_key(), (0, ()), (), self.value

    def _eval_evalf(self, prec):
        return self.value._eval_evalf(prec)

    def _pythoncode(self, printer):
        """The exact value in code, for lambdify() with the modules it is used with."""
        return printer._print(self.value)

    _numpycode = _mpmathcode = _lambdacode = _pythoncode

    def _decimal(self):
        """The value as a Decimal rounded to ``digits`` significant digits, trailing zeros dropped."""
        with localcontext(prec=self.digits, rounding=ROUND_HALF_UP):
            return (Decimal(self.value.p) / Decimal(self.value.q)).normalize()

    def _sympystr(self, printer):
        return str(self._decimal())

    def _latex(self, printer):
        number = self._decimal()
        exponent = number.adjusted()
        if -5 <= exponent < 7:
            return format(number, "f")
        return rf"{format(number.scaleb(-exponent), 'f')} \times 10^{{{exponent}}}"


def exact(expr):
    """``expr`` with every :class:`Written` number replaced by its exact value.

    >>> exact(2 * Written.of("0.25") * sp.Symbol("t"))
    t/2
    """
    return expr.xreplace({w: w.value for w in expr.atoms(Written)})


def check_identifier(name, *, key):
    """Return ``name`` if it is a short plain identifier (letters then letters or digits)."""
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise SpecError(f"{key}: expected a short name of letters and digits starting with a letter, got {show(name)}")
    return name


def parse_expression(text, variable, *, key):
    """Build the SymPy expression written in ``text`` in terms of the symbol ``variable``."""
    if not isinstance(text, str):
        raise SpecError(f"{key}: expected a formula as a string, got {show(text)}")
    if len(text) > MAX_LENGTH:
        raise SpecError(f"{key}: formula is {len(text)} characters long, at most {MAX_LENGTH} allowed")
    try:
        with warnings.catch_warnings():  # "1if t else 2" warns on standard error before failing
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise SpecError(f"{key}: {show(text)} is not a valid formula") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise SpecError(f"{key}: formula has too many parts (at most {MAX_NODES})")
    expression = _Builder(variable, key, text.strip()).build(tree.body, 0)
    order = degree(expression)
    if order > budget.MAX_FORMULA_DEGREE:
        raise SpecError(
            f"{key}: the formula's degree is {order}, over the budget of {budget.MAX_FORMULA_DEGREE} (see docs/security.md)"
        )
    if sp.diff(exact(expression), variable).has(sp.I):
        raise SpecError(f"{key}: the formula's derivative is not real (e.g. a negative number to a variable power)")
    return expression


def degree(expr):
    """A bound on the degree of ``expr`` as a ratio of polynomials, the measure of its symbolic cost.

    Numerator and denominator degrees are counted as :func:`sympy.cancel` would meet them: sums of
    fractions multiply their denominators, integer powers multiply degrees, and a function or a
    non-integer power is one new unknown whose argument's own degree is kept (its derivative
    brings that argument out).

    >>> t = sp.Symbol("t")
    >>> degree((t + 1) ** 3), degree(1 / (t + 1) + 1 / (t + 2)), degree(sp.exp(t**2))
    (3, 3, 2)
    """
    numerator, denominator = _degrees(expr)
    return numerator + denominator


def _degrees(expr):
    if expr.is_Symbol:
        return 1, 0
    if not expr.free_symbols:
        return 0, 0
    if expr.is_Add:
        parts = [_degrees(arg) for arg in expr.args]
        denominator = sum(d for _, d in parts)
        return max(n - d for n, d in parts) + denominator, denominator
    if expr.is_Mul:
        parts = [_degrees(arg) for arg in expr.args]
        return sum(n for n, _ in parts), sum(d for _, d in parts)
    if expr.is_Pow and expr.exp.is_Integer:
        numerator, denominator = _degrees(expr.base)
        power = int(expr.exp)
        return (numerator * power, denominator * power) if power >= 0 else (denominator * -power, numerator * -power)
    if expr.is_Pow and expr.exp.is_Rational:
        # (t+1)**(127/2) is sqrt(t+1) to the 127th power for cancel(): count the numerator of the power.
        return abs(int(expr.exp.p)) * max(1, sum(_degrees(expr.base))), 0
    return max(1, sum(sum(_degrees(arg)) for arg in expr.args)), 0


class _Builder:
    def __init__(self, variable, key, text):
        self.variable = variable
        self.key = key
        self.text = text

    def refuse(self, what):
        return SpecError(
            f"{self.key}: {what} is not allowed; use numbers, the variable "
            f"'{self.variable}', + - * / **, and the functions {', '.join(sorted(FUNCTIONS))}"
        )

    def build(self, node, depth):
        if depth > MAX_DEPTH:
            raise SpecError(f"{self.key}: formula is nested too deeply (at most {MAX_DEPTH} levels)")
        method = getattr(self, f"_build_{type(node).__name__}", None)
        if method is None:
            raise self.refuse(f"'{type(node).__name__}' syntax")
        result = method(node, depth + 1)
        value = exact(result)  # log(0.5 - 0.25 - 0.25) is undefined, which only the exact values show
        if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
            raise SpecError(f"{self.key}: part of the formula is undefined or infinite: {show(str(value))}")
        if value.is_number and value.is_extended_real is False:
            raise SpecError(f"{self.key}: part of the formula is not a real number: {show(str(value))}")
        return result

    def _build_Constant(self, node, depth):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.refuse(f"the constant {show(value)}")
        # Python reads 1e-999 as 0.0 and 1e999 as inf, so the range is judged on the literal as written.
        literal = (ast.get_source_segment(self.text, node) or repr(value)).replace("_", "")
        if not DECIMAL_LITERAL.match(literal):
            raise self.refuse(f"the number {show(literal)} (write numbers in decimal)")
        written = Decimal(literal)
        if not abs(written) <= MAX_LITERAL:
            raise SpecError(f"{self.key}: number {show(written)} is too large (at most {MAX_LITERAL})")
        if written and written.adjusted() < -budget.MAX_EXPONENT:
            raise SpecError(f"{self.key}: number {show(written)} is too small (at least 1e-{budget.MAX_EXPONENT})")
        return sp.Integer(value) if isinstance(value, int) else Written.of(written)

    def _build_Name(self, node, depth):
        if node.id == self.variable.name:
            return self.variable
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise self.refuse(f"the name {show(node.id)}")

    def _build_UnaryOp(self, node, depth):
        operand = self.build(node.operand, depth)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise self.refuse(f"the operator '{type(node.op).__name__}'")

    def _build_BinOp(self, node, depth):
        left = self.build(node.left, depth)
        right = self.build(node.right, depth)
        if isinstance(node.op, ast.Pow):
            if not right.free_symbols:
                # SymPy must see a constant power's value: t**0.5 is a square root, differentiated as one.
                right = exact(right)
            base = exact(left)
            if right.is_Number and not abs(right) <= MAX_EXPONENT:
                raise SpecError(f"{self.key}: exponent {show(str(right))} is too large (at most {MAX_EXPONENT})")
            if base.is_Rational and right.is_Number and _bits(base) * abs(right) > MAX_NUMBER_BITS:
                raise SpecError(f"{self.key}: a number in the formula grows too large when worked out exactly")
            return left**right
        operator = _OPERATORS.get(type(node.op))
        if operator is None:
            raise self.refuse(f"the operator '{type(node.op).__name__}'")
        if isinstance(node.op, ast.Div) and exact(right) == 0:
            raise SpecError(f"{self.key}: division by zero")
        result = operator(left, right)
        value = exact(result)
        if value.is_Rational and _bits(value) > MAX_NUMBER_BITS:
            raise SpecError(f"{self.key}: a number in the formula grows too large when worked out exactly")
        return result

    def _build_Call(self, node, depth):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise self.refuse("calling " + (show(name) if name else "anything but a plain function name"))
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise SpecError(f"{self.key}: {name}() takes exactly one plain argument")
        argument = self.build(node.args[0], depth)
        if not argument.free_symbols:
            # A constant argument must have a float value (exp(exp(exp(20))) has none), and sin or cos of a
            # huge exact one (sin(exp(exp(20)))) would take SymPy millions of digits of pi to work out.
            value = _approximate(argument, self.key)
            if name in ("sin", "cos") and not abs(value) <= MAX_CONSTANT_ARGUMENT:
                raise SpecError(
                    f"{self.key}: the constant inside {name}() is too large (at most {MAX_CONSTANT_ARGUMENT:g})"
                )
        return FUNCTIONS[name](argument)


_FLOAT_FUNCTIONS = {
    sp.exp: math.exp,
    sp.log: math.log,
    sp.tanh: math.tanh,
    sp.sinh: math.sinh,
    sp.cosh: math.cosh,
    sp.sin: math.sin,
    sp.cos: math.cos,
    sp.atan: math.atan,
    sp.Abs: abs,
}


def _approximate(constant, key):
    """A float near the value of a constant built by the parser, worked out without SymPy's exact arithmetic."""
    try:
        if constant.is_Rational or constant in (sp.pi, sp.E):
            return float(constant)
        if isinstance(constant, Written):
            return float(constant.value)
        if constant.is_Add:
            return math.fsum(_approximate(arg, key) for arg in constant.args)
        if constant.is_Mul:
            return math.prod(_approximate(arg, key) for arg in constant.args)
        if constant.is_Pow:
            return math.pow(_approximate(constant.base, key), _approximate(constant.exp, key))
        return _FLOAT_FUNCTIONS[constant.func](_approximate(constant.args[0], key))
    except (OverflowError, ValueError, ZeroDivisionError, KeyError):
        raise SpecError(f"{key}: a constant in the formula is too large or undefined") from None


def _bits(number):
    """The size of an exact rational in bits: that of its numerator or denominator, whichever is larger."""
    return max(int(number.p).bit_length(), int(number.q).bit_length())
