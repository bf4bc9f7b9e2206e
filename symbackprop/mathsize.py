"""How large a short LaTeX math label prints, estimated without running TeX.

The diagram layout places labels in Python, so it needs each label's printed
size before TeX ever sees it. This module reads the small part of LaTeX that
labels use (letters, digits, ``_`` and ``^``, braces, ``\\mathrm``, accents,
Greek letters, ``=``, ``-``, ``\\times``) the way TeX's math typesetter would,
with the widths of the Latin Modern glyphs (``lmodern`` with T1, the documents'
fonts) measured once with pdflatex:

- each glyph's width is its width at 10 pt times the size it is set in, times a
  factor for that size (Latin Modern's small sizes are drawn wider, the optical
  sizes; the factor is the 90th percentile over the glyphs, so most glyphs are
  slightly overestimated);
- a subscript and a superscript on the same base are stacked, so the wider one
  counts, plus TeX's ``\\scriptspace``; scripts are set two sizes down;
- spaces around ``=`` (thick) and a binary ``+``/``-`` (medium) are TeX's, and a
  ``-`` after ``=`` or at the start is a sign, without spaces;
- anything unknown counts as one em, so the estimate errs large.

``tests/test_diagram.py`` compiles a corpus of labels and checks the estimate is
never more than half a point short of what pdflatex prints.

>>> width, height, depth = math_size(r"w_{1} = 0.15", 8)  # pdflatex: 36.71pt, 5.16pt, 1.11pt
>>> round(width, 1), round(height, 1), round(depth, 1)
(37.2, 5.6, 1.4)
"""

import re

# Latin Modern glyph widths at 10 pt, in thousandths of an em, as pdflatex sets them in math mode
# (italic letters include their italic correction).
_ITALIC = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (529, 429, 433, 520, 466, 597, 513, 576, 345, 469, 552, 318, 878, 600, 485, 503, 482, 479, 469, 361, 572,
         521, 743, 572, 526, 509, 750, 809, 786, 856, 796, 782, 786, 912, 518, 651, 921, 681, 1079, 912, 791, 781,
         791, 767, 671, 723, 792, 806, 1083, 907, 803, 754),
    )
)  # fmt: skip
_ROMAN = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (511, 556, 444, 556, 444, 385, 513, 563, 278, 306, 539, 283, 841, 563, 500, 556, 555, 392, 394, 389, 563,
         536, 731, 544, 536, 444, 750, 708, 722, 764, 681, 653, 785, 750, 361, 514, 778, 625, 917, 750, 778, 681,
         778, 760, 556, 722, 750, 758, 1037, 754, 766, 611),
    )
)  # fmt: skip
_SYMBOLS = {
    **dict.fromkeys("0123456789*/", 500),
    **dict.fromkeys("()", 389),
    **dict.fromkeys("[]", 283),
    **dict.fromkeys(",.;:!|", 278),
    **dict.fromkeys("+-=<>", 778),
    "?": 472,
    r"\alpha": 643, r"\beta": 618, r"\gamma": 573, r"\delta": 482, r"\epsilon": 406, r"\eta": 532,
    r"\theta": 497, r"\lambda": 583, r"\mu": 603, r"\sigma": 607, r"\tau": 550, r"\phi": 596, r"\omega": 658,
    r"\times": 778, r"\cdot": 278, r"\infty": 1000, r"\prime": 275,
}  # fmt: skip
_UNKNOWN = 1000
# TeX's classes of math atoms, which decide the spaces between them.
_CLASS = {
    **dict.fromkeys(["+", "-", "*", r"\times", r"\cdot"], "bin"),
    **dict.fromkeys(["=", "<", ">", ":"], "rel"),
    **dict.fromkeys(["(", "["], "open"),
    **dict.fromkeys([")", "]", "!", "?"], "close"),
    **dict.fromkeys([",", ";"], "punct"),
}
# Spaces in mu (1/18 em) between atom classes, in text style; none in script styles.
_SPACE = {
    ("ord", "bin"): 4, ("bin", "ord"): 4, ("bin", "open"): 4, ("close", "bin"): 4,
    ("ord", "rel"): 5, ("rel", "ord"): 5, ("rel", "open"): 5, ("close", "rel"): 5, ("rel", "bin"): 5,
    ("punct", "ord"): 3, ("punct", "open"): 3, ("punct", "rel"): 3, ("punct", "close"): 3,
}  # fmt: skip
_TALL = set("bdfhijklt!?/" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") | {r"\beta", r"\delta", r"\theta", r"\lambda"}
_TALL |= {r"\prime"}
_DEEP = set("fgjpqyQ,;/") | {r"\beta", r"\gamma", r"\eta", r"\mu", r"\phi"}
_SIGNS = set("+-<>") | {r"\times"}
_DELIMITERS = set("()[]")
_KNOWN = set(_SYMBOLS) | set(_ITALIC)
# Each size's glyphs are drawn this much wider than the 10 pt ones scaled (90th percentile over the glyphs).
_OPTICAL = {10: 1.0, 8: 1.065, 7: 1.17, 6: 1.29, 5: 1.50}
# The sizes of text, script and scriptscript math for \scriptsize and \small in an 11 pt article.
_SCRIPT_SIZES = {8: (8, 6, 5), 10: (10, 7, 5)}
_FONTS = {"mathrm": _ROMAN, "operatorname": _ROMAN, "mathbf": _ROMAN, "text": _ROMAN}
_ACCENTS = {"hat", "bar", "tilde", "widehat", "widetilde", "vec", "dot"}
_SCRIPTSPACE = 0.5
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\S")


def math_size(latex, points):
    """Width, height and depth in points of ``$latex$`` set at ``points`` (8 is \\scriptsize, 10 \\small).

    >>> [round(v, 1) for v in math_size(r"\\hat{y}", 10)]  # pdflatex: 5.26pt, 6.89pt, 1.94pt
    [5.3, 7.0, 2.0]
    """
    if points not in _SCRIPT_SIZES:
        raise ValueError(f"points: expected one of {', '.join(map(str, _SCRIPT_SIZES))}, got {points!r}")
    return _Reader(_TOKEN.findall(str(latex)), _SCRIPT_SIZES[points]).list(0)


class _Reader:
    """One pass over the tokens of a label, giving (width, height, depth) of each list, TeX-style."""

    def __init__(self, tokens, sizes):
        self.tokens, self.sizes, self.at = tokens, sizes, 0

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.at += 1
        return token

    def list(self, level, font=None, cramped=False):
        """The atoms up to the closing brace or the end, spaced as TeX spaces them."""
        atoms = []
        while self.peek() not in (None, "}"):
            atom = self.atom(level, font, cramped)
            if atom is not None:
                atoms.append(atom)
        if self.peek() == "}":
            self.take()
        return self.spaced(atoms, level)

    def spaced(self, atoms, level):
        points = self.sizes[min(level, 2)]
        classes = [kind for kind, *_ in atoms]
        # A binary operator with no left operand (first, or after a relation, an opening or another
        # operator) is a sign, and one with no right operand is ordinary too.
        for i, kind in enumerate(classes):
            before = classes[i - 1] if i else None
            after = classes[i + 1] if i + 1 < len(classes) else None
            if kind == "bin" and (before in (None, "bin", "rel", "open", "punct") or after in (None, "rel", "close")):
                classes[i] = "ord"
        width = sum(w for _, w, _, _ in atoms)
        if level == 0:
            mu = points * _OPTICAL[points] / 18
            width += sum(_SPACE.get(pair, 0) for pair in zip(classes, classes[1:])) * mu
        height = max((h for _, _, h, _ in atoms), default=0.0)
        depth = max((d for _, _, _, d in atoms), default=0.0)
        return width, height, depth

    def atom(self, level, font, cramped):
        """One atom with its scripts: (class, width, height, depth); None for a token that prints nothing."""
        token = self.take()
        single = False
        if token == "{":
            kind, box = "ord", self.list(level, font, cramped)
        elif token in ("^", "_", "'"):
            self.at -= 1
            kind, box = "ord", (0.0, 0.0, 0.0)
        elif token.startswith("\\") and token[1:] in _FONTS:
            kind, box = "ord", self.argument(level, _FONTS[token[1:]], cramped)
        elif token.startswith("\\") and token[1:] in _ACCENTS:
            width, height, depth = self.argument(level, font, cramped)
            kind, box = "ord", (width, height + 0.25 * self.sizes[min(level, 2)], depth)
        elif token in (r"\left", r"\right", r"\,", r"\;", r"\!", r"\ "):
            return None
        else:
            kind, box, single = _CLASS.get(token, "ord"), self.glyph(token, level, font), True
        return kind, *self.scripts(box, level, cramped, single)

    def argument(self, level, font, cramped):
        if self.peek() == "{":
            self.take()
            return self.list(level, font, cramped)
        token = self.take()
        return (0.0, 0.0, 0.0) if token is None else self.glyph(token, level, font)

    def glyph(self, token, level, font):
        points = self.sizes[min(level, 2)]
        table = font if font is not None and token in font else _ITALIC if token in _ITALIC else _SYMBOLS
        width = table.get(token, _UNKNOWN) / 1000 * points * _OPTICAL[points]
        height = 0.75 if token in _DELIMITERS else 0.70 if token in _TALL or token not in _KNOWN else 0.45
        depth = 0.25 if token in _DELIMITERS else 0.20 if token in _DEEP else 0.1 if token in _SIGNS else 0.0
        return width, height * points, depth * points

    def scripts(self, nucleus, level, cramped, single):
        """The nucleus with the ^ and _ (and primes) that follow it, placed by TeX's rules 18a-f.

        Parameters are those of Latin Modern's symbol and extension fonts, in ems of the current size.
        """
        sup = sub = None
        while self.peek() in ("^", "_", "'"):
            token = self.take()
            if token == "'":
                prime = self.glyph(r"\prime", level + 1, None)
                sup = prime if sup is None else (sup[0] + prime[0], max(sup[1], prime[1]), sup[2])
            elif token == "^":
                sup = self.argument(level + 1, None, cramped)
            else:
                sub = self.argument(level + 1, None, True)
        width, height, depth = nucleus
        if sup is None and sub is None:
            return width, height, depth
        em, script = self.sizes[min(level, 2)], self.sizes[min(level + 1, 2)]
        up = 0.0 if single else height - 0.386 * script
        down = 0.0 if single else depth + 0.05 * script
        if sup is None:
            down = max(down, 0.15 * em, sub[1] - 0.8 * 0.431 * em)
        else:
            up = max(up, (0.289 if cramped else 0.363) * em, sup[2] + 0.25 * 0.431 * em)
            if sub is not None:
                down = max(down, 0.247 * em)
                gap = (up - sup[2]) - (sub[1] - down)
                if gap < 4 * 0.04 * em:
                    down = 4 * 0.04 * em - up + sup[2] + sub[1]
                    lift = 0.8 * 0.431 * em - (up - sup[2])
                    if lift > 0:
                        up, down = up + lift, down - lift
        if sup is not None:
            height = max(height, up + sup[1])
        if sub is not None:
            depth = max(depth, down + sub[2])
        return width + max(sup[0] if sup else 0.0, sub[0] if sub else 0.0) + _SCRIPTSPACE, height, depth
