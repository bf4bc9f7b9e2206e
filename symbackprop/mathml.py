"""LaTeX as MathML Core, for the HTML page: latex2mathml's conversion, checked and touched up for browsers.

The page's mathematics is MathML, which Chromium, Firefox and Safari draw themselves: no script, no font
download. latex2mathml converts what our printer emits; some things in its output are changed, each
because a browser would otherwise draw it wrong or not at all:

- Bold letters (``\\mathbf{W}``, ``\\boldsymbol{\\delta}``, a bold ``\\mathbf{1}``) come out as Unicode
  mathematical alphanumerics or as ``mathvariant="bold"``. MathML Core ignores every ``mathvariant`` but
  ``normal``, and many systems lack fonts with the alphanumerics, so each becomes its plain letter with
  ``class="bold"`` (the page's stylesheet sets its weight); an upright one keeps ``mathvariant="normal"``.
- An upright name (``\\mathrm{out}``) comes out one ``<mi>`` a letter; the letters are joined into one
  ``<mi>``, as a browser spaces and kerns a word.
- A hat (``\\hat{y}``) comes out as the ASCII circumflex; it becomes U+02C6, the accent's own character,
  which math fonts draw as a small accent over the letter.
- ``\\left( \\right)`` come out as stretchy fences, which Chromium draws from the math font's stretchy
  glyphs, with a gap on each side even around a single letter: ``σ ( t )``. Fences around nothing taller
  than a line (no fraction, matrix or big operator) are made not stretchy and print as ``σ(t)``.
- A minus or plus right after another operator (``= -y``, ``(-0.5``) is a sign, not a subtraction:
  it gets ``form="prefix"``, so it is not spaced as a binary operator.
- ``\\operatorname{ReLU}`` and ``\\max`` come out as ``<mo>``, spaced as operators (``max (0, z)``); they
  become ``<mi>``, names, as ``\\log`` is.
- A prime (``\\sigma'``) comes out as a superscript ``′``, which Chromium draws at script size and raised
  again, a speck far above the letter. The prime glyph of a math font is already drawn high,
  so it follows its letter unscripted, as TeX's unicode-math sets it: ``σ′(z)``.
- A function name (``\\log``, ``\\tanh``) right after a letter or a number gets TeX's thin space before
  it: ``y log(ŷ)``, not ``ylog(ŷ)``.

The output is parsed as XML and written out again, so it is well formed whatever the input held, and
its ``xmlns`` is dropped: in an HTML page the parser puts ``<math>`` in the MathML namespace itself.

>>> mathml(r"\\mathbf{W}^{\\top}")
'<math><mrow><msup><mi mathvariant="normal" class="bold">W</mi><mrow><mo>⊤</mo></mrow></msup></mrow></math>'
>>> mathml(r"\\mathrm{out}_{h1}", display=True)
'<math display="block"><mrow><msub><mrow><mi>out</mi></mrow><mrow><mi>h</mi><mn>1</mn></mrow></msub></mrow></math>'
"""

import functools
import unicodedata
import xml.etree.ElementTree as ET

from latex2mathml.converter import convert

from .errors import SpecError

_NAMESPACE = "{http://www.w3.org/1998/Math/MathML}"
_TOKENS = ("mi", "mn", "mo", "mtext")


@functools.lru_cache(maxsize=8192)
def mathml(latex, display=False):
    """The MathML of ``latex`` (a ``<math>`` element, ``display="block"`` for a display) as HTML text."""
    try:
        root = ET.fromstring(convert(latex, display="block" if display else "inline"))
    except Exception as error:  # latex2mathml raises its own exceptions, and ElementTree its ParseError
        raise SpecError(f"mathematics: cannot convert {latex!r} to MathML ({error.__class__.__name__})") from None
    for element in root.iter():
        element.tag = element.tag.removeprefix(_NAMESPACE)
        _refuse_foreign(element, latex)
    if not display:
        del root.attrib["display"]
    _bold(root)
    _joined(root)
    _fences(root)
    for element in root.iter("mo"):
        if element.text and element.text.isalpha() and len(element.text) > 1:
            element.tag = "mi"
    _signs(root)
    _functions(root)
    _primes(root)
    for element in root.iter("mover"):
        accent = element[-1] if len(element) else None
        if accent is not None and accent.tag == "mo" and accent.text == "^":
            accent.text = "\u02c6"
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


# MathML elements and attributes the page may hold. latex2mathml passes some input through as markup
# (``\text{<b>}`` as an element, ``\href`` and ``\style`` as attributes); our printer never writes them, so
# anything else means the LaTeX did not come from it, and it is refused rather than put on the page.
_ELEMENTS = frozenset(
    "math mrow mi mn mo mtext mspace ms mfrac msqrt mroot msub msup msubsup munder mover munderover mtable mtr "
    "mtd mphantom mpadded mstyle merror mmultiscripts mprescripts none semantics annotation menclose".split()
)
_ATTRIBUTES = frozenset(
    "accent accentunder class columnalign columnlines columnspacing columnspan depth dir display displaystyle "
    "fence form height largeop linethickness lspace mathvariant maxsize minsize movablelimits notation rowalign "
    "rowlines rowspacing rowspan rspace scriptlevel separator stretchy symmetric voffset width".split()
)


def _refuse_foreign(element, latex):
    """Refuse an element or attribute that is not MathML presentation markup (see :data:`_ELEMENTS`)."""
    foreign = [f"<{element.tag}>"] if element.tag not in _ELEMENTS else []
    foreign += [f"{name}=" for name in element.attrib if name not in _ATTRIBUTES]
    if foreign:
        raise SpecError(f"mathematics: {latex!r} makes markup that is not MathML ({foreign[0]})")


def _bold(root):
    for element in root.iter():
        if element.tag not in _TOKENS or not element.text:
            continue
        variant = element.attrib.pop("mathvariant", None)
        plain, upright = _plain_letters(element.text)
        if plain != element.text or variant in ("bold", "bold-italic"):
            element.text = plain
            if upright or variant == "bold":
                element.set("mathvariant", "normal")
            element.set("class", "bold")
        elif variant is not None:
            element.set("mathvariant", variant)


def _plain_letters(text):
    """``text`` with mathematical bold letters and digits made plain, and whether any was upright bold."""
    plain, upright = [], False
    for character in text:
        name = unicodedata.name(character, "")
        if name.startswith("MATHEMATICAL BOLD "):
            upright = upright or not name.startswith("MATHEMATICAL BOLD ITALIC ")
            character = unicodedata.normalize("NFKC", character)
        plain.append(character)
    return "".join(plain), upright


def _joined(root):
    """Runs of one-letter upright ``<mi>`` (how latex2mathml writes ``\\mathrm{out}``) joined into one ``<mi>``."""
    for parent in root.iter():
        children = list(parent)
        i = 0
        while i < len(children):
            run = i
            while run < len(children) and _upright_letter(children[run]):
                run += 1
            if run - i > 1:
                first = children[i]
                first.text = "".join(child.text for child in children[i:run])
                del first.attrib["mathvariant"]  # a name of several letters is upright by default
                for child in children[i + 1 : run]:
                    parent.remove(child)
            i = max(run, i + 1)


def _upright_letter(element):
    return (
        element.tag == "mi"
        and element.attrib == {"mathvariant": "normal"}
        and element.text is not None
        and len(element.text) == 1
        and len(element) == 0
    )


_TALL = {"mfrac", "mtable", "msqrt", "mroot"}
_LIMITS = {"munderover", "munder", "msubsup", "msub"}  # tall when they hang limits on a big operator (a sum)
_FUNCTIONS = {"log", "ln", "exp", "tanh", "sinh", "cosh", "sin", "cos", "max", "min"}
_SIGNS = {"\u2212", "+", "-"}
_PRIMES = {"\u2032", "\u2033", "\u2034", "\u2057"}
_CLOSING = {")", "]", "}", "|", "\u2016", "\u232a", "\u27e9"}


def _fences(root):
    for parent in root.iter("mrow"):
        fences = [child for child in parent if child.tag == "mo" and child.get("fence") == "true"]
        if not fences or any(_tall(child) for inner in parent for child in inner.iter()):
            continue
        for fence in fences:
            if fence.get("stretchy") == "true" and "minsize" not in fence.attrib:
                fence.set("stretchy", "false")


def _tall(element):
    """Whether ``element`` is taller than a line: a fraction, a matrix, a root, or a big operator with limits."""
    if element.tag in _TALL:
        return True
    return element.tag in _LIMITS and len(element) > 0 and element[0].tag == "mo" and element[0].text in {"∑", "∏"}


def _signs(root):
    for parent in root.iter():
        children = list(parent)
        for before, element in zip(children, children[1:]):
            if (
                element.tag == "mo"
                and element.text in _SIGNS
                and before.tag == "mo"
                and (before.text or "") not in _CLOSING
                and "form" not in element.attrib
            ):
                element.set("form", "prefix")


def _functions(root):
    for parent in root.iter():
        children = list(parent)
        for i in range(len(children) - 1, 0, -1):
            element, before = children[i], children[i - 1]
            if element.tag == "mi" and element.text in _FUNCTIONS and before.tag != "mo" and before.tag != "mspace":
                parent.insert(i, ET.Element("mspace", width="0.1667em"))


def _primes(root):
    for element in root.iter("msup"):
        if len(element) != 2:
            continue
        script = element[1]
        if script.tag == "mrow" and len(script) == 1:
            script = script[0]
        if script.tag in ("mi", "mo") and script.text in _PRIMES and len(script) == 0:
            prime = ET.Element("mo", lspace="0", rspace="0")
            prime.text = script.text
            element.tag = "mrow"
            element.remove(element[1])
            element.append(prime)
