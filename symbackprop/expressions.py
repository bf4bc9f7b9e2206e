"""Safe parsing of user-written activation formulas.

A custom activation such as ``t/10`` or ``log(1 + exp(t))`` arrives as text from
a spec file that may come from anyone. It is never handed to ``eval``,
``sympify`` or ``parse_expr``: Python's ``ast`` module only parses it, and a
small tree walker builds the SymPy expression node by node from a whitelist
(numbers, the declared variable, ``+ - * / **``, unary signs and a fixed set of
functions). Everything else is refused with a :class:`SpecError`.

>>> import sympy
>>> t = sympy.Symbol("t", real=True)
>>> parse_expression("t/10", t, key="activation.expression")
t/10
"""

import ast
import re

import sympy as sp

from .errors import SpecError

MAX_LENGTH = 500
MAX_DEPTH = 40
MAX_NODES = 200
MAX_EXPONENT = 64
MAX_LITERAL = 10**6

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

_OPERATORS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def check_identifier(name, *, key):
    """Return ``name`` if it is a short plain identifier (letters then letters or digits)."""
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise SpecError(f"{key}: expected a short name of letters and digits starting with a letter, got {_show(name)}")
    return name


def parse_expression(text, variable, *, key):
    """Build the SymPy expression written in ``text`` in terms of the symbol ``variable``."""
    if not isinstance(text, str):
        raise SpecError(f"{key}: expected a formula as a string, got {_show(text)}")
    if len(text) > MAX_LENGTH:
        raise SpecError(f"{key}: formula is {len(text)} characters long, at most {MAX_LENGTH} allowed")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise SpecError(f"{key}: {_show(text)} is not a valid formula") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise SpecError(f"{key}: formula has too many parts (at most {MAX_NODES})")
    return _Builder(variable, key).build(tree.body, 0)


class _Builder:
    def __init__(self, variable, key):
        self.variable = variable
        self.key = key

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
        return method(node, depth + 1)

    def _build_Constant(self, node, depth):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.refuse(f"the constant {_show(value)}")
        if not abs(value) <= MAX_LITERAL:
            raise SpecError(f"{self.key}: number {_show(value)} is too large (at most {MAX_LITERAL})")
        return sp.Integer(value) if isinstance(value, int) else sp.Rational(repr(value))

    def _build_Name(self, node, depth):
        if node.id == self.variable.name:
            return self.variable
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise self.refuse(f"the name {_show(node.id)}")

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
            if right.is_Number and not abs(right) <= MAX_EXPONENT:
                raise SpecError(f"{self.key}: exponent {right} is too large (at most {MAX_EXPONENT})")
            return left**right
        operator = _OPERATORS.get(type(node.op))
        if operator is None:
            raise self.refuse(f"the operator '{type(node.op).__name__}'")
        if isinstance(node.op, ast.Div) and right == 0:
            raise SpecError(f"{self.key}: division by zero")
        return operator(left, right)

    def _build_Call(self, node, depth):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise self.refuse("calling " + (_show(name) if name else "anything but a plain function name"))
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise SpecError(f"{self.key}: {name}() takes exactly one plain argument")
        return FUNCTIONS[name](self.build(node.args[0], depth))


def _show(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
