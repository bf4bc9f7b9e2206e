"""How large LaTeX mathematics prints, estimated without running TeX.

The diagram places its labels in Python and the documents decide where to
break a display row or split a table before TeX ever runs, so both need the
printed size of the LaTeX they make. :func:`math_size` reads the LaTeX the way
TeX's math typesetter does (The TeXbook, appendix G), with the metrics of the
Latin Modern fonts the documents load (:mod:`symbackprop.glyphs`).

How it works:

- The LaTeX becomes a list of atoms, each with a class: ordinary (letters,
  digits, a braced group, a fraction), large operator (``\\sum``, ``\\log``,
  ``\\operatorname{relu}``), binary operator (``+ - \\cdot \\times``), relation
  (``= < \\leq \\leftarrow``), opening and closing (``( ) [ ]``), punctuation
  (``,``) and inner (``\\left( ... \\right)``, ``\\ldots``).
- Between two neighbouring atoms TeX puts a thin, medium or thick space given
  by their classes; medium and thick ones only in display and text style, none
  in scripts. A binary operator with no left operand (first, or after a
  relation, an opening, another operator) is a sign, so ``= -0.3`` has no space
  after the minus.
- Each glyph is as wide as its font says at the size it prints in: scripts
  two sizes down (10.95 pt text has 8 pt scripts and 6 pt scripts of scripts),
  each in its own optical design. Neighbouring glyphs of one font are pushed
  apart by the font's positive kerns (``\\mathrm{bo}``); its negative kerns and
  ligatures, which only bring glyphs together, are left out.
- A superscript and a subscript on one base stack, so the wider one counts,
  plus TeX's ``\\scriptspace``; a letter's italic correction goes before the
  superscript, not the subscript.
- A fraction is as wide as its wider part plus the null delimiters on either
  side; its parts print in text style inside a display and in script style
  inside text (TeX's rule 15).
- ``\\left`` and ``\\right`` take the smallest variant of their delimiter that
  covers the material between them, as TeX's rule 19 chooses it;
  ``\\bigl(`` and its kind the one covering 1.2, 1.8, 2.4 or 3 font sizes.
- ``matrix``, ``cases`` and ``array`` are columns as wide as their widest cells
  with the environment's gaps between them, rows as tall as their struts.
- Operator names print upright with a thin space before their argument; the
  large operators take their display variant, with limits above and below, in
  display style. ``\\text`` is upright text with the font's spaces.
- Anything unknown counts as one em, so the estimate errs large. Heights below
  10 pt are the 10 pt ones times the largest growth of any glyph, so a
  ``\\left`` inside a script may take a variant one size up.

``tests/test_mathsize.py`` checks the rules on single constructs against
pdflatex, and the layout and diagram tests check whole display rows, table
cells and labels.

>>> width, height, depth = math_size(r"w_{1} = 0.15", 8)  # pdflatex: 36.71pt, 5.16pt, 1.11pt
>>> round(width, 1), round(height, 1), round(depth, 1)
(36.8, 5.3, 1.4)
>>> round(math_size(r"\\frac{1}{2}", 10.95, display=True)[0], 2)  # pdflatex: 7.88pt
7.88
"""

import functools
import math
import re
from typing import NamedTuple

from . import glyphs


class _Size(NamedTuple):
    """The point sizes of text, script and scriptscript mathematics, and the baseline skip, of one font size."""

    text: float
    script: float
    scriptscript: float
    baseline: float


# The sizes labels and documents print mathematics at: \scriptsize and \small in an 11 pt article, and its
# \normalsize (10.95 pt).
SIZES = {8: _Size(8, 6, 5, 9.5), 10: _Size(10, 7, 5, 12.0), 10.95: _Size(10.95, 8, 6, 13.6)}

# TeX's styles: display, text, script, scriptscript.
_D, _T, _S, _SS = range(4)
_STYLES = {r"\displaystyle": _D, r"\textstyle": _T, r"\scriptstyle": _S, r"\scriptscriptstyle": _SS}

# Where each token's glyph comes from when no font command is in force: the symbol font first (the minus sign
# is not the hyphen), then the math italic, then the roman.
_MATH = {**glyphs.ROMAN, **glyphs.ITALIC, **glyphs.SYMBOLS}
# Font commands, and the glyphs they change: \mathrm and \mathbf change letters and digits only. (\mathit is
# the text italic, not in these tables: it counts as unknown.)
_FONTS = {
    r"\mathrm": {t: g for t, g in glyphs.ROMAN.items() if t.isalnum()},
    r"\mathbf": {t: g for t, g in glyphs.BOLD.items() if t.isalnum()},
    r"\mathnormal": {},
    r"\boldsymbol": {**glyphs.BOLD, **glyphs.BOLD_ITALIC},
    r"\bm": {**glyphs.BOLD, **glyphs.BOLD_ITALIC},
}
_BOXED_FONTS = {r"\boldsymbol", r"\bm"}
# Other names for glyphs.
_ALIASES = {
    r"\to": r"\rightarrow", r"\gets": r"\leftarrow", r"\le": r"\leq", r"\ge": r"\geq", r"\ne": "=", r"\neq": "=",
    r"\vert": "|", r"\lvert": "|", r"\rvert": "|", r"\mid": "|", r"\Vert": r"\|", r"\lVert": r"\|", r"\rVert": r"\|",
    r"\lbrace": r"\{", r"\rbrace": r"\}", r"\lbrack": "[", r"\rbrack": "]", r"\ast": "*", r"\colon": ":",
    r"\ldotp": ".", r"\cdotp": r"\cdot", r"\lnot": r"\neg",
}  # fmt: skip
# TeX's classes of atoms; anything else is ordinary.
_CLASS = {
    **dict.fromkeys(["+", "-", "*", r"\ast", r"\cdot", r"\times", r"\div", r"\pm", r"\mp", r"\oplus", r"\otimes",
                     r"\odot", r"\circ", r"\bullet", r"\cup", r"\cap", r"\wedge", r"\vee", r"\setminus"], "bin"),
    **dict.fromkeys(["=", "<", ">", ":", r"\leq", r"\le", r"\geq", r"\ge", r"\equiv", r"\sim", r"\approx", r"\ll",
                     r"\gg", r"\leftarrow", r"\gets", r"\rightarrow", r"\to", r"\in", r"\mid", r"\neq", r"\ne", r"\not"],
                    "rel"),
    **dict.fromkeys(["(", "[", r"\{", r"\lbrace", r"\langle", r"\lvert", r"\lVert", r"\lbrack"], "open"),
    **dict.fromkeys([")", "]", r"\}", r"\rbrace", r"\rangle", r"\rvert", r"\rVert", r"\rbrack", "!", "?"], "close"),
    **dict.fromkeys([",", ";", r"\colon", r"\ldotp", r"\cdotp"], "punct"),
}  # fmt: skip
_CLASS_COMMANDS = {
    r"\mathord": "ord", r"\mathop": "op", r"\mathbin": "bin", r"\mathrel": "rel", r"\mathopen": "open",
    r"\mathclose": "close", r"\mathpunct": "punct", r"\mathinner": "inner",
}  # fmt: skip
# Spaces between neighbouring atoms in mu (1/18 of the symbol font's quad), by their classes, and whether TeX
# puts them in script styles too (The TeXbook, chapter 18).
_ALWAYS_THIN, _THIN, _MEDIUM, _THICK = (3, True), (3, False), (4, False), (5, False)
_SPACE = {
    ("ord", "op"): _ALWAYS_THIN, ("ord", "bin"): _MEDIUM, ("ord", "rel"): _THICK, ("ord", "inner"): _THIN,
    ("op", "ord"): _ALWAYS_THIN, ("op", "op"): _ALWAYS_THIN, ("op", "rel"): _THICK, ("op", "inner"): _THIN,
    ("bin", "ord"): _MEDIUM, ("bin", "op"): _MEDIUM, ("bin", "open"): _MEDIUM, ("bin", "inner"): _MEDIUM,
    ("rel", "ord"): _THICK, ("rel", "op"): _THICK, ("rel", "open"): _THICK, ("rel", "inner"): _THICK,
    ("close", "op"): _ALWAYS_THIN, ("close", "bin"): _MEDIUM, ("close", "rel"): _THICK, ("close", "inner"): _THIN,
    **{("punct", right): _THIN for right in ("ord", "op", "rel", "open", "close", "punct", "inner")},
    ("inner", "ord"): _THIN, ("inner", "op"): _ALWAYS_THIN, ("inner", "bin"): _MEDIUM, ("inner", "rel"): _THICK,
    ("inner", "open"): _THIN, ("inner", "punct"): _THIN, ("inner", "inner"): _THIN,
}  # fmt: skip
# Explicit spaces: in mu, and in ems of the text font (which keep their size in scripts).
_MU_GLUE = {r"\,": 3, r"\thinspace": 3, r"\:": 4, r"\>": 4, r"\medspace": 4, r"\;": 5, r"\thickspace": 5, r"\!": -3}
_EM_GLUE = {r"\quad": 1.0, r"\qquad": 2.0, r"\enspace": 0.5, r"\ ": 0.333, "~": 0.333}
# Operator names, and whether their scripts go above and below in display style.
_NAMES = {
    **dict.fromkeys(["log", "ln", "exp", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arg", "deg", "dim", "ker"], False),
    **dict.fromkeys(["max", "min", "sup", "inf", "lim", "det", "gcd", "Pr", "argmax", "argmin"], True),
}  # fmt: skip
_LIMITS = {r"\sum": True, r"\prod": True, r"\int": False}
_ACCENTS = {
    r"\hat": r"\hat", r"\widehat": r"\hat", r"\tilde": r"\tilde", r"\widetilde": r"\tilde", r"\bar": r"\bar",
    r"\overline": r"\bar", r"\vec": r"\hat", r"\dot": r"\dot", r"\ddot": r"\ddot", r"\check": r"\check",
    r"\breve": r"\breve", r"\acute": r"\acute", r"\grave": r"\grave",
}  # fmt: skip
# \big and its kind: the class they give and how many times 1.2 font sizes they reach over.
_BIG = {
    f"\\{name}{kind}": (cls, times)
    for name, times in (("big", 1.0), ("Big", 1.5), ("bigg", 2.0), ("Bigg", 2.5))
    for kind, cls in (("", "ord"), ("l", "open"), ("r", "close"), ("m", "rel"))
}
# Environments: the delimiters around them and how much taller than the baseline skip their rows are
# (\arraystretch). Any other environment is set as a matrix.
_ENVIRONMENTS = {
    "matrix": (None, 1.0), "pmatrix": (("(", ")"), 1.0), "bmatrix": (("[", "]"), 1.0),
    "Bmatrix": ((r"\{", r"\}"), 1.0), "vmatrix": (("|", "|"), 1.0), "Vmatrix": ((r"\|", r"\|"), 1.0),
    "cases": ((r"\{", "."), 1.2), "array": (None, 1.0),
}  # fmt: skip
_TEXT_COMMANDS = {r"\text", r"\textrm", r"\textnormal", r"\mbox", r"\textup", r"\textit", r"\textbf"}
_IGNORED = {r"\limits", r"\nolimits", r"\displaylimits", r"\nonumber", r"\notag", r"\relax", r"\allowbreak"}

_NULL_DELIMITER = 1.2  # \nulldelimiterspace
_SCRIPTSPACE = 0.5  # \scriptspace
_DELIMITER_FACTOR, _DELIMITER_SHORTFALL = 0.901, 5.0  # \delimiterfactor / 1000, \delimitershortfall
_ARRAY_COLUMN_SEP = 5.0  # \arraycolsep
_RULE_WIDTH = 0.4  # \arrayrulewidth
_UNKNOWN = 1.0  # em, for anything this module does not know
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.DOTALL)
_ENDS = frozenset({None, "}", "&", r"\\", r"\right", r"\end"})


class _Atom(NamedTuple):
    """One atom: its class and its box.

    ``italic`` is a single glyph's italic correction (None for anything else: TeX places scripts on a
    glyph and on a box differently) and ``glyph`` that glyph, for the kern to the next; ``limits``,
    whether a large operator takes its scripts above and below.
    """

    kind: str
    width: float
    height: float
    depth: float
    italic: float | None = None
    limits: bool = False
    glyph: glyphs.Glyph | None = None


_EMPTY = _Atom("ord", 0.0, 0.0, 0.0)


@functools.lru_cache(maxsize=16384)
def math_size(latex, points, display=False):
    """Width, height and depth in points of ``$latex$`` at ``points`` (8 \\scriptsize, 10 \\small, 10.95 \\normalsize).

    With ``display``, in display style (``$\\displaystyle ...$``, as a display prints it).

    >>> [round(v, 1) for v in math_size(r"\\hat{y}", 10)]  # pdflatex: 5.26pt, 6.89pt, 1.94pt
    [5.3, 6.9, 2.0]
    """
    if points not in SIZES:
        raise ValueError(f"points: expected one of {', '.join(map(str, SIZES))}, got {points!r}")
    atom = _Reader(_TOKEN.findall(str(latex)), SIZES[points]).whole(_D if display else _T)
    return atom.width, atom.height, atom.depth


class _Reader:
    """One pass over the tokens, giving each list's atoms and their sizes the way TeX sets them."""

    def __init__(self, tokens, size):
        self.tokens, self.size, self.at = [*tokens, None], size, 0
        # Mathematics passes over spaces (\\text does not): the first token at or after each that is not one.
        self.next = list(range(len(self.tokens)))
        for i in range(len(tokens) - 1, -1, -1):
            if tokens[i].isspace():
                self.next[i] = self.next[i + 1]
        # Per style: the point size, and the column of glyph widths and growth of heights of its design.
        self.sizes = (size.text, size.text, size.script, size.scriptscript)
        self.columns = tuple(glyphs.SIZES.index(_design(points)) for points in self.sizes)
        self.taller = tuple(glyphs.TALLER[_design(points)] * points for points in self.sizes)

    def peek(self):
        self.at = self.next[self.at]
        return self.tokens[self.at]

    def take(self):
        token = self.peek()
        if token is not None:  # the end stays the end
            self.at += 1
        return token

    def raw(self):
        """The next token, a space too; None at the end."""
        token = self.tokens[self.at]
        if token is not None:
            self.at += 1
        return token

    # -- sizes ----------------------------------------------------------------------------------------------
    def points(self, style):
        return self.sizes[style]

    def em(self, style, what):
        """One of the symbol font's parameters (glyphs.PARAMETERS) in points at ``style``'s size."""
        return glyphs.PARAMETERS[what] * self.points(style)

    def mu(self, style):
        points = self.points(style)
        return points * glyphs.QUAD[_design(points)] / 18

    def glyph(self, glyph, style, kind="ord"):
        points, taller = self.sizes[style], self.taller[style]
        width = glyph.widths[self.columns[style]] * points
        return _Atom(kind, width, glyph.height * taller, glyph.depth * taller, glyph.italic * points, glyph=glyph)

    def unknown(self, style, kind="ord"):
        points = self.points(style)
        return _Atom(kind, _UNKNOWN * points, 0.7 * points, 0.2 * points)

    # -- lists ----------------------------------------------------------------------------------------------
    def atoms(self, style, cramped, font):
        """The atoms up to the end of the current list (not taken), and the style in force at its end."""
        atoms = []
        while (token := self.peek()) not in _ENDS:
            if token in _STYLES:
                style = _STYLES[self.take()]
                continue
            atom = self.atom(style, cramped, font)
            if atom is not None:
                atoms.append(atom)
        return atoms, style

    def whole(self, style):
        """All the tokens as one list; a stray closing brace, ``&`` or ``\\\\`` ends nothing here and is passed over."""
        atoms = []
        while True:
            more, style = self.atoms(style, False, None)
            atoms += more
            if self.take() is None:
                return self.pack(atoms, style)

    def list(self, style, cramped, font=None):
        """The atoms up to the end of the current list (not taken), packed as one ordinary atom."""
        return self.pack(*self.atoms(style, cramped, font))

    def group(self, style, cramped, font=None):
        """A braced group, or a single token, as one atom; a group of one glyph stays that glyph (as in TeX)."""
        if self.peek() in _ENDS:
            return _EMPTY
        if self.peek() != "{":
            return self.nucleus(self.take(), style, cramped, font) or _EMPTY
        self.take()
        atoms, style = self.atoms(style, cramped, font)
        if self.peek() == "}":
            self.take()
        if len(atoms) == 1 and atoms[0].kind == "ord" and atoms[0].italic is not None:
            return atoms[0]
        return self.pack(atoms, style)

    def pack(self, atoms, style):
        """``atoms`` side by side with TeX's spaces between them, as one ordinary atom."""
        kinds = [a.kind for a in atoms]
        # Glue is no atom: classes meet across it.
        classes = [k for k in kinds if k != "glue"]
        for i, kind in enumerate(classes):
            before = classes[i - 1] if i else None
            after = classes[i + 1] if i + 1 < len(classes) else None
            if kind == "bin" and (
                before in (None, "bin", "op", "rel", "open", "punct") or after in (None, "rel", "close", "punct")
            ):
                classes[i] = "ord"
        width = sum(a.width for a in atoms) + self.kerns(atoms, style)
        mu = self.mu(style)
        for pair in zip(classes, classes[1:]):
            amount, everywhere = _SPACE.get(pair, (0, True))
            if everywhere or style <= _T:
                width += amount * mu
        return _Atom("ord", width, max([0.0, *(a.height for a in atoms)]), max([0.0, *(a.depth for a in atoms)]))

    def kerns(self, atoms, style):
        """The kerns that push apart neighbouring glyphs of one font (glyphs.KERNS)."""
        points, column = self.sizes[style], self.columns[style]
        total = 0.0
        for first, second in zip(atoms, atoms[1:]):
            if first.glyph is not None and second.glyph is not None and first.glyph.family == second.glyph.family:
                kern = glyphs.KERNS.get(first.glyph.family, {}).get(first.glyph.token + second.glyph.token)
                total += kern[column] * points if kern else 0.0
        return total

    # -- atoms ----------------------------------------------------------------------------------------------
    def atom(self, style, cramped, font):
        """The next atom with its scripts; None for a token that prints nothing."""
        if self.peek() in ("^", "_", "'"):  # scripts on nothing
            atom = _EMPTY
        else:
            atom = self.nucleus(self.take(), style, cramped, font)
        if atom is None or atom.kind == "glue":
            return atom
        return self.scripts(atom, style, cramped)

    def nucleus(self, token, style, cramped, font):
        """The atom that ``token`` (and its arguments) makes, without scripts; None if it prints nothing."""
        if token in _HANDLERS:
            return _HANDLERS[token](self, token, style, cramped, font)
        if token in _MU_GLUE:
            return _Atom("glue", _MU_GLUE[token] * self.mu(style), 0.0, 0.0)
        if token in _EM_GLUE:
            return _Atom("glue", _EM_GLUE[token] * self.size.text, 0.0, 0.0)
        if token in _IGNORED:
            return None
        return self.symbol(token, style, font)

    def symbol(self, token, style, font, kind=None):
        kind = kind or _CLASS.get(token, "ord")
        name = _ALIASES.get(token, token)
        glyph = (font or {}).get(name) or _MATH.get(name)
        if glyph is None:
            return self.unknown(style, kind)
        return self.glyph(glyph, style, kind)

    def brace(self, token, style, cramped, font):
        self.at -= 1
        return self.group(style, cramped, font)

    def font(self, token, style, cramped, font):
        atom = self.group(style, cramped, _FONTS[token])
        # \boldsymbol sets its argument in a box of its own: scripts treat it as a box, not a glyph.
        return atom._replace(italic=None, glyph=None) if token in _BOXED_FONTS else atom

    def classed(self, token, style, cramped, font):
        atom = self.group(style, cramped, font)
        return atom._replace(kind=_CLASS_COMMANDS[token], italic=None, glyph=None)

    def fraction(self, token, style, cramped, font):
        """Rule 15: numerator over denominator, one style smaller, centred on the axis with a rule between."""
        style = {r"\dfrac": _D, r"\tfrac": _T}.get(token, style)
        inner = {_D: _T, _T: _S}.get(style, _SS)
        top = self.group(inner, cramped, font)
        bottom = self.group(inner, True, font)
        axis, rule = self.em(style, "axis"), glyphs.RULE
        if style == _D:
            up, down, clearance = self.em(style, "num1"), self.em(style, "denom1"), 3 * rule
        else:
            up, down, clearance = self.em(style, "num2"), self.em(style, "denom2"), rule
        up += max(0.0, clearance - ((up - top.depth) - (axis + rule / 2)))
        down += max(0.0, clearance - ((axis - rule / 2) - (bottom.height - down)))
        width = max(top.width, bottom.width) + 2 * _NULL_DELIMITER
        return _Atom("ord", width, up + top.height, down + bottom.depth)

    def delimited(self, token, style, cramped, font):
        """Rule 19: \\left X ... \\right Y, each delimiter the smallest variant covering what is between."""
        opening = self.delimiter_token()
        inside = self.list(style, cramped, font)
        while self.peek() is not None and self.peek() != r"\right":  # & or \\ inside \left ... \right
            self.take()
            more = self.list(style, cramped, font)
            inside = inside._replace(width=inside.width + more.width)
        self.take()
        closing = self.delimiter_token()
        needed = _needed(inside.height, inside.depth, self.em(style, "axis"))
        left, right = self.delimiter(opening, needed, style), self.delimiter(closing, needed, style)
        return _Atom(
            "inner",
            left.width + inside.width + right.width,
            max(left.height, inside.height, right.height),
            max(left.depth, inside.depth, right.depth),
        )

    def delimiter_token(self):
        token = self.take()
        return _ALIASES.get(token, token)

    def delimiter(self, token, needed, style):
        """The smallest variant of the delimiter ``token`` at least ``needed`` points tall, centred on the axis."""
        if token in (".", None):
            return _Atom("ord", _NULL_DELIMITER, 0.0, 0.0)
        glyph = _MATH.get(token)
        if glyph is None:
            return self.unknown(style)
        small = self.glyph(glyph, style)
        width, total = small.width, small.height + small.depth
        larger = glyphs.DELIMITERS.get(token)
        if total < needed and larger is not None:
            # The extension font is loaded at 10 pt whatever the size, so its ems are 10 pt.
            fitting = [(w * 10, size * 10) for w, size in larger.variants if size * 10 >= needed]
            if fitting:
                width, total = fitting[0]
            elif larger.extensible is not None:
                w, least, step = (v * 10 for v in larger.extensible)
                width, total = w, least + max(0, math.ceil((needed - least) / step)) * step
            elif larger.variants:
                width, total = (v * 10 for v in larger.variants[-1])
        axis = self.em(style, "axis")
        return _Atom("ord", width, total / 2 + axis, total / 2 - axis)

    def big(self, token, style, cramped, font):
        """amsmath's \\bigl( and its kind: the delimiter \\left takes around 1.2, 1.8, 2.4 or 3 times the font size."""
        kind, times = _BIG[token]
        size = 1.2 * times * self.size.text
        axis = self.em(style, "axis")
        delimiter = self.delimiter(self.delimiter_token(), _needed(size / 2 + axis, size / 2 - axis, axis), style)
        return _Atom(
            kind, delimiter.width, max(delimiter.height, size / 2 + axis), max(delimiter.depth, size / 2 - axis)
        )

    def large(self, token, style, cramped, font):
        """Rule 13: a large operator, its display variant in display style, centred on the axis."""
        operator = glyphs.OPERATORS[token]
        width, height, depth = (v * 10 for v in (operator.display if style == _D else operator.text))
        axis = self.em(style, "axis")
        total = height + depth
        return _Atom("op", width, total / 2 + axis, total / 2 - axis, limits=_LIMITS[token] and style == _D)

    def name(self, token, style, cramped, font):
        """An operator name: upright letters, an operator for spacing; \\max and its kind take limits."""
        if token == r"\operatorname":
            limits = self.peek() == "*"
            if limits:
                self.take()
            atom = self.group(style, cramped, _FONTS[r"\mathrm"])
        else:
            word = token[1:]
            atom = self.pack([self.symbol(letter, style, _FONTS[r"\mathrm"]) for letter in word], style)
            limits = _NAMES[word]
        return _Atom("op", atom.width, atom.height, atom.depth, limits=limits and style == _D)

    def accent(self, token, style, cramped, font):
        """Rule 12: the accent over its nucleus; as wide as the nucleus, taller by the accent."""
        nucleus = self.group(style, True, font)
        accent = self.glyph(glyphs.ROMAN[_ACCENTS[token]], style)
        x_height = self.em(style, "x_height")
        height = nucleus.height - min(nucleus.height, x_height) + accent.height
        return nucleus._replace(height=max(nucleus.height, height), glyph=None)

    def dots(self, token, style, cramped, font):
        """\\ldots and \\cdots: three dots as an inner atom, thin spaces between (and after \\cdots at the end)."""
        dot = self.symbol("." if token in (r"\ldots", r"\dots") else r"\cdot", style, None)
        spaces = 3 if token == r"\cdots" and self.peek() in _ENDS else 2
        width = 3 * dot.width + (spaces * 3 * self.mu(style) if style <= _T else 0.0)
        return _Atom("inner", width, dot.height, dot.depth)

    def text(self, token, style, cramped, font):
        """\\text{...}: upright text at the size of the style; its spaces are the font's."""
        if self.peek() != "{":
            return self.symbol(self.take() or "", style, glyphs.TEXT)
        self.take()
        depth_of_braces, atoms = 1, []
        while (item := self.raw()) is not None:
            if item == "{":
                depth_of_braces += 1
            elif item == "}":
                depth_of_braces -= 1
                if depth_of_braces == 0:
                    break
            elif item.isspace() or item in (r"\ ", "~"):
                atoms.append(self.glyph(glyphs.TEXT[r"\space"], style))
            elif item == "$":
                math = []
                while (inside := self.raw()) not in ("$", None):
                    math.append(inside)
                atoms.append(_Reader(math, self.size).list(style, cramped))
            else:
                glyph = glyphs.TEXT.get(item[1:] if item == r"\_" else item) or glyphs.ROMAN.get(item)
                atom = self.glyph(glyph, style) if glyph is not None else self.unknown(style)
                atoms.append(atom._replace(width=atom.width - (atom.italic or 0.0)))  # text adds no italic correction
        width = sum(a.width for a in atoms) + self.kerns(atoms, style)
        return _Atom("ord", width, max([0.0, *(a.height for a in atoms)]), max([0.0, *(a.depth for a in atoms)]))

    def underscore(self, token, style, cramped, font):
        return self.glyph(glyphs.TEXT["_"], style)

    def environment(self, token, style, cramped, font):
        """\\begin{name} ... \\end{name}: a matrix, cases or an array, its cells in text style."""
        name = "".join(self.argument())
        spec = self.argument() if name == "array" else ()
        rows = self.cells()
        self.take()  # \end
        self.argument()
        delimiters, stretch = _ENVIRONMENTS.get(name, (None, 1.0))
        measured = [[_Reader(cell, self.size).list(_T, False) for cell in row] for row in rows]
        count = max((len(row) for row in measured), default=0)
        widths = [max(row[c].width for row in measured if c < len(row)) for c in range(count)]
        # Each row is at least as tall and deep as the strut of the baseline skip, times the stretch.
        above, below = 0.7 * self.size.baseline * stretch, 0.3 * self.size.baseline * stretch
        total = sum(max([above, *(c.height for c in row)]) + max([below, *(c.depth for c in row)]) for row in measured)
        axis = self.em(style, "axis")
        box = _Atom("ord", sum(widths) + sum(self.gaps(name, spec, count)), total / 2 + axis, total / 2 - axis)
        if delimiters is None:
            return box
        needed = _needed(box.height, box.depth, axis)
        left, right = (self.delimiter(d, needed, style) for d in delimiters)
        return _Atom(
            "inner", left.width + box.width + right.width, max(left.height, box.height), max(left.depth, box.depth)
        )

    def argument(self):
        """The tokens of a braced argument, such as an environment's name, without the braces."""
        if self.peek() != "{":
            return []
        self.take()
        tokens, depth = [], 1
        while (token := self.raw()) is not None:
            depth += (token == "{") - (token == "}")
            if depth == 0:
                break
            tokens.append(token)
        return tokens

    def cells(self):
        """The rows of an environment up to its \\end, each a list of cells, each a list of tokens."""
        rows, row, cell, depth, nested = [], [], [], 0, 0
        while (token := self.raw()) is not None:
            if token == r"\end" and depth == nested == 0:
                self.at -= 1
                break
            depth += (token == "{") - (token == "}")
            nested += (token == r"\begin") - (token == r"\end")
            if depth == nested == 0 and token == "&":
                row.append(cell)
                cell = []
            elif depth == nested == 0 and token == r"\\":
                rows.append([*row, cell])
                row, cell = [], []
            else:
                cell.append(token)
        if row or "".join(cell).strip():  # a final \\ starts no row
            rows.append([*row, cell])
        return rows

    def gaps(self, name, spec, count):
        """The spaces before each of ``count`` columns and after the last.

        Matrices put 2 \\arraycolsep between columns and nothing at the ends; cases a \\quad between its
        two; an array \\arraycolsep on either side of each column, unless an @{...} replaces it, and
        a rule for each |.
        """
        if name == "cases":
            return [0.0] + [self.size.text] * (count - 1) + [0.0]
        if name != "array":
            return [0.0] + [2 * _ARRAY_COLUMN_SEP] * (count - 1) + [0.0]
        gaps = [_ARRAY_COLUMN_SEP] + [2 * _ARRAY_COLUMN_SEP] * (count - 1) + [_ARRAY_COLUMN_SEP]
        chosen, rules = [None] * (count + 1), [0.0] * (count + 1)
        reader, column = _Reader(spec, self.size), 0
        while (token := reader.take()) is not None:
            if token in ("l", "c", "r"):
                column += 1
            elif token in ("p", "m", "b"):
                reader.argument()
                column += 1
            elif token == "|":
                rules[min(column, count)] += _RULE_WIDTH
            elif token == "@":
                chosen[min(column, count)] = reader.group(_T, False).width
        return [(gap if mine is None else mine) + rule for gap, mine, rule in zip(gaps, chosen, rules)]

    # -- scripts --------------------------------------------------------------------------------------------
    def scripts(self, nucleus, style, cramped):
        """The nucleus with the ^ and _ (and primes) that follow it, placed by TeX's rules 13 and 18."""
        sup = sub = None
        script = {_D: _S, _T: _S}.get(style, _SS)
        while self.peek() in ("^", "_", "'"):
            token = self.take()
            if token == "'":
                prime = self.glyph(glyphs.SYMBOLS[r"\prime"], script)
                sup = prime if sup is None else sup._replace(width=sup.width + prime.width)
            elif token == "^":
                sup = self.group(script, cramped)
            else:
                sub = self.group(script, True)
        if sup is None and sub is None:
            return nucleus
        if nucleus.limits:
            return self.limits(nucleus, sup, sub)
        points = self.points(script)
        glyph = nucleus.italic is not None
        x_height = self.em(style, "x_height")
        up = 0.0 if glyph else nucleus.height - glyphs.PARAMETERS["sup_drop"] * points
        down = 0.0 if glyph else nucleus.depth + glyphs.PARAMETERS["sub_drop"] * points
        italic = nucleus.italic or 0.0
        if sup is None:
            down = max(down, self.em(style, "sub1"), sub.height - 0.8 * x_height)
            width = nucleus.width - italic + sub.width
        else:
            raise_to = "sup3" if cramped else "sup1" if style == _D else "sup2"
            up = max(up, self.em(style, raise_to), sup.depth + 0.25 * x_height)
            width = nucleus.width + sup.width
            if sub is not None:
                down = max(down, self.em(style, "sub2"))
                gap = (up - sup.depth) - (sub.height - down)
                if gap < 4 * glyphs.RULE:
                    down = 4 * glyphs.RULE - up + sup.depth + sub.height
                    lift = 0.8 * x_height - (up - sup.depth)
                    if lift > 0:
                        up, down = up + lift, down - lift
                width = nucleus.width - italic + max(sup.width + italic, sub.width)
        height = max(nucleus.height, up + sup.height) if sup is not None else nucleus.height
        depth = max(nucleus.depth, down + sub.depth) if sub is not None else nucleus.depth
        return _Atom(nucleus.kind, width + _SCRIPTSPACE, height, depth)

    def limits(self, op, sup, sub):
        """Rule 13a: limits centred above and below a large operator in display style."""
        spacing = glyphs.BIG_OP_SPACING
        width = max(op.width, sup.width if sup else 0.0, sub.width if sub else 0.0)
        height, depth = op.height, op.depth
        if sup is not None:
            height += max(spacing[0], spacing[2] - sup.depth) + sup.height + sup.depth + spacing[4]
        if sub is not None:
            depth += max(spacing[1], spacing[3] - sub.height) + sub.height + sub.depth + spacing[4]
        return _Atom("op", width, height, depth)


def _needed(height, depth, axis):
    """How tall TeX makes a delimiter around material this high and deep (\\delimiterfactor, \\delimitershortfall)."""
    reach = max(height - axis, depth + axis)
    return max(2 * reach * _DELIMITER_FACTOR, 2 * reach - _DELIMITER_SHORTFALL)


def _design(points):
    """The design size of the fonts printed at ``points``: 10.95 pt is the 10 pt design scaled."""
    return min(int(points), 10)


_HANDLERS = {
    "{": _Reader.brace,
    r"\frac": _Reader.fraction,
    r"\dfrac": _Reader.fraction,
    r"\tfrac": _Reader.fraction,
    r"\left": _Reader.delimited,
    r"\begin": _Reader.environment,
    r"\operatorname": _Reader.name,
    r"\ldots": _Reader.dots,
    r"\dots": _Reader.dots,
    r"\cdots": _Reader.dots,
    r"\_": _Reader.underscore,
    **dict.fromkeys(_FONTS, _Reader.font),
    **dict.fromkeys(_CLASS_COMMANDS, _Reader.classed),
    **dict.fromkeys(_BIG, _Reader.big),
    **dict.fromkeys(_LIMITS, _Reader.large),
    **dict.fromkeys((f"\\{name}" for name in _NAMES), _Reader.name),
    **dict.fromkeys(_ACCENTS, _Reader.accent),
    **dict.fromkeys(_TEXT_COMMANDS, _Reader.text),
}
