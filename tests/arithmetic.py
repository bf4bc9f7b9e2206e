"""Reading a document's worked lines back as arithmetic, to recompute them as a reader would.

A worked line is ``left = formula = figures = result``. Wherever a step made only of
figures (numbers, + - · /, fractions, powers, and the functions a document prints) is
followed by a plain number, :func:`checks` yields the pair: the step's value recomputed
from its printed figures, and the printed result. The LaTeX is turned into a Python
expression tree and evaluated by walking it (no ``eval``).
"""

import ast
import math
import operator
import re

FUNCTIONS = {
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sigma": lambda t: 1 / (1 + math.exp(-t)),
    "max": max,
    "min": min,
    "sqrt": math.sqrt,
    "abs": abs,
}
_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_OPERATORS[ast.Pow] = operator.pow
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def rows(markdown):
    """Every display row of ``markdown``, continuation rows joined to the row they continue."""
    result = []
    for block in re.findall(r"\\begin\{aligned\}\n(.*?)\n\\end\{aligned\}", markdown, re.S):
        for row in block.split(" \\\\\n"):
            row = row.strip()
            if row.startswith(r"&\quad"):
                result[-1] += " " + row[len(r"&\quad") :].strip()
            elif row.startswith("&=") and result:
                result[-1] += " " + row[1:].strip()
            else:
                result.append(row.replace("&=", "=", 1))
    return result


def steps(row):
    """The sides of a row split at its top-level ``=`` signs."""
    parts, depth, current = [], 0, ""
    for i, char in enumerate(row):
        depth += char == "{"
        depth -= char == "}"
        if char == "=" and depth == 0 and row[i - 1] == " ":
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


def approximations(markdown):
    """``(step, recomputed value, printed result)`` for every ``figures ≈ result`` of ``markdown``."""
    found = []
    for row in rows(markdown):
        for side in steps(row):
            step, approx, result = side.rpartition(r" \approx ")
            if approx and NUMBER.fullmatch(result.strip()):
                value = evaluate(step)
                if value is not None:
                    found.append((step, value, result.strip()))
    return found


def checks(markdown):
    """``(step, recomputed value, printed result)`` for every step of figures followed by a plain number."""
    found = []
    for row in rows(markdown):
        sides = steps(row)
        for step, result in zip(sides[1:], sides[2:]):
            if not NUMBER.fullmatch(result) or NUMBER.fullmatch(step):
                continue
            value = evaluate(step)
            if value is not None:
                found.append((step, value, result))
    return found


FIGURE = re.compile(r"(?<![\w.])\d+\.(\d+)")


def spread(latex):
    """How far the step's value can move when each decimal figure in it moves by half a unit of its last digit.

    First-order: the sum over figures of |d value / d figure| times half a unit, each derivative taken
    by a central difference. Whole numbers (1, 2, a target of 0) are exact and do not move.
    """
    total = 0.0
    for match in FIGURE.finditer(latex):
        half = 0.5 * 10.0 ** -len(match.group(1))
        figure = float(match.group(0))
        moved = [
            evaluate(latex[: match.start()] + repr(figure + sign * half) + latex[match.end() :]) for sign in (1, -1)
        ]
        if None in moved:
            return math.inf
        total += abs(moved[0] - moved[1]) / 2
    return total


def evaluate(latex):
    """The value of a LaTeX step of figures, or None if it holds anything but arithmetic."""
    try:
        tree = ast.parse(_python(latex), mode="eval")
        return float(_walk(tree.body))
    except (SyntaxError, ValueError, KeyError, TypeError, ZeroDivisionError, OverflowError, RecursionError):
        return None


def _group(text, start):
    """The end of the brace group opening at ``text[start]``."""
    depth = 0
    for i in range(start, len(text)):
        depth += text[i] == "{"
        depth -= text[i] == "}"
        if depth == 0:
            return i
    raise ValueError("unbalanced braces")


def _python(latex):
    text = latex.replace(r"\left", "").replace(r"\right", "").replace(r"\cdot", "*").replace(r"\times", "*")
    text = text.replace(r"\operatorname{", "{").replace(r"\,", " ")
    while r"\frac{" in text:
        start = text.index(r"\frac{")
        first = _group(text, start + 5)
        second = _group(text, first + 1)
        numerator, denominator = text[start + 6 : first], text[first + 2 : second]
        text = text[:start] + f"(({numerator})/({denominator}))" + text[second + 1 :]
    text = re.sub(r"\be\^", "exp", text)
    text = text.replace("^", "**")
    text = re.sub(r"\\(log|tanh|sigma|max|min|sqrt|exp)\b", r"\1", text)
    if "\\" in text:
        raise ValueError("not arithmetic")
    return text.replace("{", "(").replace("}", ")").replace("[", "(").replace("]", ")")


def _walk(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_walk(node.left), _walk(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _walk(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        return FUNCTIONS[node.func.id](*[_walk(a) for a in node.args])
    raise ValueError(f"not arithmetic: {ast.dump(node)[:60]}")
