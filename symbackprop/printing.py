"""LaTeX for the documents: SymPy's printer with the document's notation and number format.

:class:`NotationPrinter` subclasses SymPy's LaTeX printer in the places where
our documents differ: symbols print under the names of the chosen notation,
partial derivatives always print as ∂-fractions, and :class:`Shown` numbers
print rounded to the document's decimals (with parentheses when negative, so
that a substituted formula such as ``0.5 \\cdot (-3)`` reads right).

>>> import sympy
>>> w, x = sympy.symbols("w x")
>>> show(w * x, {w: 0.15, x: -3.0}, places=2)
'0.15 \\\\cdot \\\\left(-3.00\\\\right)'
"""

import sympy as sp
from sympy.core.function import Application
from sympy.core.relational import Relational
from sympy.printing.latex import LatexPrinter, accepted_latex_functions, greek_letters_set
from sympy.printing.precedence import PRECEDENCE
from sympy.simplify import fraction

from .expressions import Written, exact
from .precision import text as number_text

# A number worked out from numbers a formula's author wrote shows at least this many significant digits.
DERIVED_DIGITS = 4


class Shown(sp.AtomicExpr):
    """A number as a document shows it: its value, printed rounded."""

    is_commutative = True
    is_number = False

    def __new__(cls, value, places):
        obj = super().__new__(cls)
        obj.value = float(value)
        obj.places = places
        return obj

    def _hashable_content(self):
        return (self.value, self.places)

    @property
    def text(self):
        return number_text(self.value, self.places)

    def _latex(self, printer):
        text = self.text
        return rf"\left({text}\right)" if text.startswith("-") else text


class Entry(Shown):
    """A number inside a matrix: printed rounded, with its sign but no parentheses."""

    def _latex(self, printer):
        return self.text


def _subtracted(term):
    """``term`` as -1 times a positive figure (or a product led by one) when it is a negative figure, else itself."""
    if type(term) is Shown and term.value < 0 and term.text.startswith("-"):
        return sp.Mul(-1, Shown(-term.value, term.places), evaluate=False)
    if isinstance(term, sp.Mul) and term.args and type(term.args[0]) is Shown:
        first = term.args[0]
        if first.value < 0 and first.text.startswith("-"):
            positive = sp.Mul(Shown(-first.value, first.places), *term.args[1:], evaluate=False)
            return sp.Mul(-1, positive, evaluate=False)
    return term


class NotationPrinter(LatexPrinter):
    """SymPy's LaTeX printer, with symbol names from a notation and ∂-fractions for derivatives."""

    def __init__(self, names, **settings):
        super().__init__(settings)
        self.names = names
        self._holders = []  # the expressions being printed, outermost first

    def _print(self, expr, **kwargs):
        # A substituted negative number prints bracketed, 0.5 · (−3), except where what holds it brackets
        # it already: tanh(−0.76), max(0, −0.2), |−3|, e^{−3}, −3/10, −0.54 > 0.
        if type(expr) is Shown and self._holders and _encloses(self._holders[-1], expr):
            return self._print(Entry(expr.value, expr.places))
        self._holders.append(expr)
        try:
            return super()._print(expr, **kwargs)
        finally:
            self._holders.pop()

    def _print_Symbol(self, expr, style="plain"):
        name = self.names.get(expr)
        return name if name is not None else super()._print_Symbol(expr, style)

    def _hprint_Function(self, func):
        # SymPy reads parts of a function's name as LaTeX: "Xscr" would print \mathscr{X} and "Anorm" a
        # norm. A custom activation's name is the user's, so only SymPy's own functions and Greek letters
        # keep their commands; other names print upright as they are written.
        if func in accepted_latex_functions or func in greek_letters_set or len(func) == 1:
            return super()._hprint_Function(func)
        return r"\operatorname{" + func.replace("_", r"\_") + "}"

    def _print_Abs(self, expr, exp=None):
        # \lvert and \rvert rather than |, which would end a cell of a Markdown table.
        text = rf"\left\lvert {self._print(expr.args[0])} \right\rvert"
        return f"{text}^{{{exp}}}" if exp else text

    def _print_Add(self, expr, order=None):
        # A negative figure in a sum prints as a subtraction, 0.0016 - 0.0005, not 0.0016 + (-0.0005); so does
        # a product that starts with one, 0.2 - 0.5 * 0.0722.
        terms = [_subtracted(term) for term in expr.args]
        if any(t is not a for t, a in zip(terms, expr.args)):
            expr = sp.Add(*terms, evaluate=False)
        return super()._print_Add(expr, order)

    def _print_Mul(self, expr):
        args = expr.args
        if isinstance(expr, sp.Mul) and args[0] == -1 and type(args[1]) is Shown and args[1].value < 0:
            # e^{-z} with z = -1.7461 reads e^{1.7461}: the step before shows -z (1 - (-0.2) keeps its
            # brackets, since a sum prints its minus signs itself).
            return self._print(sp.Mul(Shown(-args[1].value, args[1].places), *args[2:], evaluate=False))
        product = _written_product(expr)
        if product is None:
            if self._settings["mul_symbol_latex"] == " " and self._word_factors(expr):
                # Named factors written as words run together (w_{5} \mathrm{out}_{h1} reads "w5out_h1"): a dot.
                self._settings["mul_symbol_latex"] = r" \cdot "
                try:
                    return super()._print_Mul(expr)
                finally:
                    self._settings["mul_symbol_latex"] = " "
            return super()._print_Mul(expr)
        negative, factors = product
        text = self._print(sp.Mul(*factors, evaluate=False))
        return "- " + text if negative else text

    def _word_factors(self, expr):
        r"""Whether the product has two named factors and one of them is written as a word (\mathrm{out})."""
        names = [self.names.get(f, "") for f in expr.args if isinstance(f, sp.Symbol)]
        return len(names) >= 2 and any(name.startswith(r"\mathrm") for name in names)

    def _print_Piecewise(self, expr):
        chosen = applicable(expr)
        if chosen is None:
            return super()._print_Piecewise(expr)
        return self._print(chosen[0])

    def _print_Derivative(self, expr):
        ((variable, _count),) = expr.variable_count
        return rf"\frac{{\partial {self._print(expr.expr)}}}{{\partial {self._print(variable)}}}"


def _written_product(expr):
    """``expr``'s sign and factors with its fraction and written numbers made one number, put first; None if it has no written number.

    The derivative of 1.7159 tanh(2t/3) holds 2/3 times 1.7159: it prints as 1.1439, written like the
    numbers it comes from, with as many significant digits as the most precise of them (at least
    DERIVED_DIGITS), rounded only where it has more. A lone written number keeps its digits. SymPy
    keeps an atom of its own after the symbols of a product (t 0.01), so the number is put first.

    >>> t = sp.Symbol("t")
    >>> latex(sp.Rational(2, 3) * Written.of("1.7159") * t), latex(-2 * Written.of("0.01") * t, order="none")
    ('1.1439 t', '- 0.02 t')
    """
    if not isinstance(expr, sp.Mul):
        return None
    fraction, written, rest = sp.Integer(1), [], []
    for factor in expr.args:
        if factor.is_Rational:
            fraction *= factor
        elif isinstance(factor, Written) or _written_power(factor):
            written.append(factor)
        else:
            rest.append(factor)
    if not written:
        return None
    if len(written) == 1 and isinstance(written[0], Written) and abs(fraction) == 1:
        number = written
    else:
        value = abs(fraction) * exact(sp.Mul(*written))
        digits = max(DERIVED_DIGITS, *(w.digits for w in sp.Mul(*written).atoms(Written)))
        number = [] if value == 1 else [value if value.is_Integer else Written(value, digits)]
    factors = [*number, *rest] or [sp.Integer(1)]
    if fraction > 0 and factors == list(expr.args):
        return None  # already as it prints
    return fraction < 0, factors


def applicable(piecewise):
    """The branch of ``piecewise`` its numbers select and the condition that selects it, or None while it holds symbols.

    With numbers in place of its symbols a piecewise definition is worked by its branch, as a teacher
    writes LeakyReLU(−0.54) = 0.01 · (−0.54), since −0.54 < 0. An "otherwise" branch is selected by
    every earlier condition failing, made strict where the numbers are not equal.

    >>> z = sp.Symbol("z")
    >>> leaky = sp.Piecewise((z, z > 0), (z / 100, True))
    >>> [latex(part) for part in applicable(leaky.xreplace({z: Shown(-0.54, 2)}))]
    ['\\\\frac{-0.54}{100}', '-0.54 < 0']
    """
    numbers = piecewise.atoms(Shown)
    if not numbers or piecewise.free_symbols:
        return None
    values = {number: sp.Float(number.value) for number in numbers}
    failed = []
    for branch, condition in piecewise.args:
        if condition.xreplace(values) is sp.true:
            if condition is sp.true:
                condition = sp.And(*[_strict(~earlier, values) for earlier in failed])
            return branch, condition
        failed.append(condition)
    return None


def _strict(relation, values):
    """``relation`` made strict (−0.54 < 0 rather than −0.54 ≤ 0) where its numbers make the strict one true."""
    strict = {sp.LessThan: sp.StrictLessThan, sp.GreaterThan: sp.StrictGreaterThan}.get(type(relation))
    if strict is not None and strict(*relation.args).xreplace(values) is sp.true:
        return strict(*relation.args)
    return relation


def _encloses(holder, number):
    """Whether ``holder`` prints ``number`` in brackets, braces or a fraction of its own."""
    if isinstance(holder, (Application, Relational)):
        return True  # tanh(−0.76), max(0, −0.2), |−3|, e^{−3}, −0.54 > 0
    if isinstance(holder, sp.Pow):
        return number == holder.exp or holder.exp == -1  # x^{−2}, 1/(−3)
    if isinstance(holder, sp.Mul):
        numerator, denominator = fraction(holder, exact=True)
        return denominator != 1 and number in (numerator, denominator)  # −3/10
    return False


def _written_power(factor):
    """Whether ``factor`` is a written number to a positive whole power (1.5^2)."""
    return factor.is_Pow and isinstance(factor.base, Written) and factor.exp.is_Integer and factor.exp.is_positive


def latex(expr, names=None, **settings):
    """``expr`` in LaTeX under the symbol ``names`` (a dict from symbols to LaTeX names)."""
    return NotationPrinter(names or {}, **settings).doprint(expr)


def show(expr, values, places, names=None):
    """``expr`` with each symbol in ``values`` replaced by its number, nothing evaluated."""
    with sp.evaluate(False):
        # Only the symbols the expression holds: ``values`` may name every quantity of a large network.
        present = expr.free_symbols
        substituted = expr.xreplace({s: Shown(v, places) for s, v in values.items() if s in present})
    return latex(substituted, names, order="none", mul_symbol="dot")


def partial(numerator, denominator, names):
    """∂numerator/∂denominator as LaTeX, both given as symbols."""
    return latex(sp.Derivative(numerator, denominator, evaluate=False), names)


class Becomes(sp.Basic):
    """An assignment ``left ← right``, as an update rule is written."""

    def _latex(self, printer):
        left, right = self.args
        return rf"{printer._print(left)} \leftarrow {printer._print(right)}"


class Transposed(sp.Expr):
    """A matrix transposed, ``M^⊤``, braced so a name that already has a superscript stays valid TeX."""

    is_commutative = False

    def _latex(self, printer):
        return rf"{{{printer._print(self.args[0])}}}^{{\top}}"


class Hadamard(sp.Expr):
    """The elementwise product ``A ⊙ B``."""

    is_commutative = False

    def _latex(self, printer):
        return r" \odot ".join(
            rf"\left({printer._print(arg)}\right)" if isinstance(arg, sp.Mul) else printer._print(arg)
            for arg in self.args
        )


class Prime(sp.Expr):
    """An activation's derivative at its argument, under the activation's own name: ``σ'(z)``, ``A'(u_1)``.

    Its one argument is the activation applied, as :meth:`~symbackprop.activations.Activation.call` writes it.

    >>> latex(Prime(sp.Function("sigma")(sp.Symbol("z")))), latex(Prime(sp.Function("tanh")(sp.Symbol("z"))))
    ("\\\\sigma'{\\\\left(z\\\\right)}", "\\\\tanh'{\\\\left(z\\\\right)}")
    """

    is_commutative = False

    def _latex(self, printer):
        (call,) = self.args
        head = printer._hprint_Function(call.func.__name__)
        # Braced, as SymPy braces a function's argument, so that \left( \right) do not space it off the name.
        return rf"{head}'{{\left({printer._print(call.args[0])}\right)}}"


class Total(sp.Expr):
    """A sum over an index without bounds, ``Σ_k body``, as worked examples write it."""

    is_commutative = True

    def _latex(self, printer):
        body, index = self.args
        return rf"\sum_{{{printer._print(index)}}} {printer.parenthesize(body, PRECEDENCE['Mul'], strict=True)}"


class Affine(sp.Expr):
    """``W a + b`` (or ``W a`` without ``b``) for figures, printed as written, never multiplied out.

    Matrices stand side by side; two numbers (a layer of one unit fed by one unit) take a dot.
    """

    is_commutative = False

    def _latex(self, printer):
        product = self.args[:2]
        between = " " if any(isinstance(arg, sp.MatrixBase) for arg in product) else r" \cdot "
        return between.join(printer._print(arg) for arg in product) + "".join(
            f" + {printer._print(arg)}" for arg in self.args[2:]
        )
