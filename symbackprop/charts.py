"""Charts: a small data model of a plotted chart, the ticks of its axes, and a drawing of it in SVG.

How it works. A section that wants a picture of some numbers builds a :class:`Chart`: the points
(or bars) it plots, in data coordinates, and two :class:`Axis` records, each with its range, its
scale (linear or logarithmic) and its ticks. Every number is decided here, in Python: the range
comes from the data (:func:`value_axis`), the tick positions are round numbers
(:func:`linear_ticks`, :func:`log_ticks`) and the tick labels are printed by the documents'
number printer (:func:`symbackprop.precision.text`), all the ticks of one axis with the same
decimals. A format then only lays the chart out: LaTeX with pgfplots
(``templates/blocks/chart.tex.j2``), HTML with :func:`svg`, and Markdown, which draws no
pictures, with the tables the chart carries for it (``tables``; none where the document already
holds them).

Text in a chart is prose parts, as in :mod:`symbackprop.document.blocks`: a ``str`` is plain text,
any other part is mathematics (it has ``.latex``). A tick label is always a number, so it is held
as its LaTeX. Nothing here imports the document model, so the document's sections can import it.
"""

import html
import math
import re
from dataclasses import dataclass

from .notation import plain_name
from .precision import NOISE, written_places
from .precision import text as number_text

# A line with more points than this is drawn through the least and the greatest of each stretch of points
# (see :func:`envelope`): a figure a few inches wide shows no more, and TeX stays quick.
MOST_DRAWN = 400
# A value axis spans this many times as much from its least to its greatest value before it is logarithmic.
LOG_RATIO = 100
# A bar's width in the units of the x axis (bars stand one unit apart).
BAR_WIDTH = 0.5


@dataclass(frozen=True)
class Tick:
    """A tick at ``at`` (data coordinates), labelled by the number ``label`` (LaTeX)."""

    at: float
    label: str


@dataclass(frozen=True)
class Axis:
    """One axis: its label (prose parts), its range, its ticks, and whether its scale is logarithmic.

    ``upright`` sets the label of a vertical axis level, as a single symbol reads best; a longer label runs
    up the axis.
    """

    label: tuple
    low: float
    high: float
    ticks: tuple
    log: bool = False
    upright: bool = False

    def position(self, value):
        """Where ``value`` falls along the axis, from 0 at ``low`` to 1 at ``high``.

        >>> Axis((), 0, 10, ()).position(2.5), Axis((), 1, 1000, (), log=True).position(10)
        (0.25, 0.3333333333333333)
        """
        scale = math.log10 if self.log else float
        return (scale(value) - scale(self.low)) / (scale(self.high) - scale(self.low))

    @property
    def limits(self):
        """``low`` and ``high`` as a plotting program reads them."""
        return coordinate(self.low), coordinate(self.high)

    @property
    def positions(self):
        """The ticks' positions as a plotting program reads them."""
        return tuple(coordinate(t.at) for t in self.ticks)


@dataclass(frozen=True)
class Chart:
    """A chart of ``points`` ((x, y) pairs in data coordinates, in order) over the axes ``x`` and ``y``.

    A line chart (``bars`` false) joins the points and marks those whose indices ``marked`` lists; a
    bar chart draws a bar from the foot of the y axis to each point. ``labels``, when given, holds one
    label (prose parts) per point, printed beside it. ``title`` is plain text saying what the chart
    shows, for readers who cannot see it. ``lead`` introduces the chart; ``tables`` are the
    :class:`~symbackprop.document.blocks.Table` blocks that a format without pictures shows in its place
    (none where the document already has them).
    """

    title: str
    x: Axis
    y: Axis
    points: tuple
    bars: bool = False
    marked: tuple = ()
    labels: tuple = ()
    lead: tuple = ()
    tables: tuple = ()
    kind: str = "chart"

    # Lines the chart takes on the page: a LaTeX chart starts on a page with this much room.
    keep = 18
    bar_width = BAR_WIDTH

    @property
    def drawn(self):
        """The points a drawing goes through: every bar, or the :func:`envelope` of a line."""
        return tuple(self.points) if self.bars else tuple(envelope(self.points))

    @property
    def coordinates(self):
        """The drawn points as a plotting program reads them: pairs of numbers as text."""
        return tuple((coordinate(x), coordinate(y)) for x, y in self.drawn)

    @property
    def marks(self):
        """The coordinates of the marked points."""
        return tuple((coordinate(x), coordinate(y)) for x, y in (self.points[i] for i in self.marked))

    @property
    def labelled(self):
        """Each labelled point's coordinates with its label."""
        return tuple(((coordinate(x), coordinate(y)), label) for (x, y), label in zip(self.points, self.labels))


def coordinate(value):
    """A data coordinate as text, to six significant figures: ``0.25``, ``1e-05``, ``10000``.

    >>> coordinate(0.1 + 0.2), coordinate(1 / 3 * 1e-5), coordinate(10_000)
    ('0.3', '3.33333e-06', '10000')
    """
    return f"{float(value):.6g}"


# -- ticks --------------------------------------------------------------------------------------------


def _labelled(values):
    """Ticks at ``values``, each labelled with the decimals of the tick that needs most (0.20, 0.25, 0.30)."""
    places = max(written_places(v) for v in values)
    return tuple(Tick(v, number_text(v, places)) for v in values)


def linear_ticks(low, high, most=6, whole=False):
    """Ticks at round numbers (1, 2 or 5 times a power of ten apart) from ``low`` to ``high``, at most ``most``.

    ``whole`` keeps them to whole numbers (a count of steps). Every tick is within the range, and the
    first and the last are less than one tick spacing from its ends.

    >>> [t.label for t in linear_ticks(0.18, 0.31)]
    ['0.20', '0.25', '0.30']
    >>> [t.label for t in linear_ticks(0, 10_000, whole=True)]
    ['0', '2000', '4000', '6000', '8000', '10000']
    """
    span = high - low
    if not span > 0:
        raise ValueError(f"an axis from {low} to {high} has no length")
    factors = (1, 2, 5)
    exponent = math.floor(math.log10(span / most))
    for spacing in (f * 10.0**e for e in range(exponent, exponent + 3) for f in factors):
        if whole and spacing < 1:
            continue
        first, last = math.ceil(low / spacing - 1e-9), math.floor(high / spacing + 1e-9)
        if last - first + 1 <= most:
            break
    places = max(written_places(spacing), 0)
    return _labelled([round(k * spacing, places + 1) + 0.0 for k in range(first, last + 1)])


def counted_ticks(count):
    """A tick at each of 1, 2, ..., ``count``: one per bar of a chart whose bars are numbered.

    >>> [t.label for t in counted_ticks(3)]
    ['1', '2', '3']
    """
    return _labelled(range(1, count + 1))


def log_ticks(low, high, most=7):
    """Ticks at the powers of ten from ``low`` to ``high`` (themselves powers of ten), every one or every k-th.

    >>> [t.label for t in log_ticks(1e-4, 1)]
    ['10^{-4}', '10^{-3}', '10^{-2}', '10^{-1}', '10^{0}']
    """
    first, last = round(math.log10(low)), round(math.log10(high))
    stride = math.ceil((last - first + 1) / most)
    return tuple(Tick(10.0**e, f"10^{{{e}}}") for e in range(first, last + 1) if (e - first) % stride == 0)


def value_axis(label, values, from_zero=False, upright=False, headroom=False):
    """An axis for ``values``: logarithmic when they are all positive and span :data:`LOG_RATIO` or more,
    from the power of ten below the least to the one above the greatest; else linear, over the values
    with a twentieth of their spread to spare on each side (from 0 for ``from_zero``, as bars need).
    ``headroom`` keeps room above the greatest for a label: a fifth of the spread, or a decade. A value
    the documents print as 0 (float noise, below :data:`~symbackprop.precision.NOISE`) is 0 here too, so
    it keeps the axis linear.

    >>> value_axis(("L",), [0.3, 0.2]).ticks[0].label, value_axis(("L",), [1e-5, 0.4]).log
    ('0.20', True)
    """
    least, greatest = min(values), max(values)
    if least >= NOISE and greatest >= LOG_RATIO * least:
        low, high = 10.0 ** math.floor(math.log10(least)), 10.0 ** math.ceil(math.log10(greatest))
        if headroom and greatest > high / 3:
            high *= 10
        return Axis(label, low, high, log_ticks(low, high), log=True, upright=upright)
    if from_zero:
        least, greatest = min(least, 0.0), max(greatest, 0.0)
    spread = greatest - least or abs(greatest) or 1.0
    low = 0.0 if from_zero and least == 0 else least - spread / 20
    high = 0.0 if from_zero and greatest == 0 else greatest + spread / (5 if headroom else 20)
    return Axis(label, low, high, linear_ticks(low, high), upright=upright)


def envelope(points, most=MOST_DRAWN):
    """``points`` (in order of x), or, when there are more than ``most``, the least and the greatest of each
    run of them, in their order: a line through these looks like the line through all of them at any
    size a page shows, and an oscillation between two values stays visible.

    >>> drawn = envelope([(x, (-1) ** x) for x in range(10_000)])
    >>> len(drawn) <= MOST_DRAWN + 2, {y for _, y in drawn}, drawn[0], drawn[-1]
    (True, {1, -1}, (0, 1), (9999, -1))
    """
    points = list(points)
    if len(points) <= most:
        return points
    size = math.ceil(len(points) / (most // 2))
    kept = []
    for start in range(0, len(points), size):
        run = points[start : start + size]
        ends = {min(range(len(run)), key=lambda i: run[i][1]), max(range(len(run)), key=lambda i: run[i][1])}
        kept += [run[i] for i in sorted(ends)]
    if kept[0] != points[0]:
        kept.insert(0, points[0])
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return kept


# -- SVG ----------------------------------------------------------------------------------------------

WIDTH, HEIGHT = 480, 300
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 34, 52  # margins around the plotting area, in the viewBox's units
_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_POWER = re.compile(r"(?:(-?\d+(?:\.\d+)?) \\times )?10\^\{(-?\d+)\}")
_FONT = re.compile(r"\\(?:math[a-z]+|operatorname|text|boldsymbol)\{([^{}]*)\}")
_GROUP = r"\{((?:[^{}]|\{[^{}]*\})*)\}"  # a brace group, which may hold groups of its own (E_{total})
_FRACTION = re.compile(r"\\frac" + _GROUP + _GROUP)
_SYMBOL_TEXT = {"left": "", "right": "", "lvert": "|", "rvert": "|", "partial": "∂", "cdot": "·", "times": "×"}
_SYMBOL_TEXT |= {"alpha": "α", "beta": "β", "delta": "δ", "epsilon": "ε", "eta": "η", "lambda": "λ", "ell": "ℓ"}
_SYMBOLS = re.compile(r"\\(" + "|".join(sorted(_SYMBOL_TEXT, key=len, reverse=True)) + r")(?![A-Za-z]) ?")


def plain_math(latex):
    """A short piece of mathematics as plain Unicode text, for a picture that cannot typeset it.

    >>> [plain_math(m) for m in ("-0.25", "10^{-3}", r"1.5 \\times 10^{-9}", r"E_{\\mathrm{total}}", r"\\mathcal{L}")]
    ['−0.25', '10⁻³', '1.5 × 10⁻⁹', 'E_total', 'L']
    >>> plain_math(r"\\frac{\\partial E_{\\mathrm{total}}}{\\partial w}")
    '∂E_total/∂w'
    """
    if _NUMBER.fullmatch(latex):
        return latex.replace("-", "−")
    power = _POWER.fullmatch(latex)
    if power:
        mantissa, exponent = power.groups()
        head = f"{mantissa.replace('-', '−')} × " if mantissa else ""
        return f"{head}10{exponent.translate(_SUPERSCRIPTS)}"
    latex = _FRACTION.sub(r"\1/\2", _FONT.sub(r"\1", latex))
    latex = _SYMBOLS.sub(lambda m: _SYMBOL_TEXT[m.group(1)], latex).replace(" ", "")
    return plain_name(latex)


def plain_text(parts):
    """Prose parts as plain text: text as it is, mathematics by :func:`plain_math`."""
    return "".join(part if isinstance(part, str) else plain_math(part.latex) for part in parts)


def svg(chart):
    """The chart as a self-contained SVG image (a string), scaled to its container by its viewBox.

    It holds no script, no style sheet and no reference to anything outside it; it names itself as
    an image (``role="img"``) and says what it shows in ``aria-label`` and in its ``<title>``. Every
    piece of text in it is escaped, so no label can open an element or an attribute.

    The HTML page's block template draws a chart with this function, registered as the filter ``chart_svg``
    in :func:`symbackprop.render.environment` (``templates/blocks/chart.html.j2``).

    >>> image = svg(Chart("a <b>", Axis(("x",), 0, 1, ()), Axis(("y",), 0, 1, ()), ((0, 0), (1, 1))))
    >>> image.startswith("<svg") and "a &lt;b&gt;" in image and "<b>" not in image
    True
    """
    width, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x):
        return LEFT + chart.x.position(x) * width

    def py(y):
        return TOP + (1 - chart.y.position(y)) * height

    title = html.escape(chart.title, quote=True)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title}" '
        'font-family="sans-serif" font-size="12">',
        f"<title>{title}</title>",
    ]
    bottom, right = TOP + height, LEFT + width
    for tick in chart.y.ticks:
        y = _n(py(tick.at))
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}" stroke="#dddddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">{_label(tick)}</text>')
    for tick in chart.x.ticks:
        x = _n(px(tick.at))
        out.append(f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 4}" stroke="black"/>')
        out.append(f'<text x="{x}" y="{bottom + 16}" text-anchor="middle">{_label(tick)}</text>')
    if chart.bars:
        half = BAR_WIDTH / 2 * width / (chart.x.high - chart.x.low)
        foot = bottom if chart.y.log or chart.y.low >= 0 else py(0)
        for x, y in chart.points:
            top = py(y)
            out.append(
                f'<rect class="bar" x="{_n(px(x) - half)}" y="{_n(min(top, foot))}" width="{_n(2 * half)}" '
                f'height="{_n(abs(foot - top))}" fill="#bbbbbb" stroke="black"/>'
            )
    else:
        line = " ".join(f"{_n(px(x))},{_n(py(y))}" for x, y in chart.drawn)
        out.append(f'<polyline class="line" points="{line}" fill="none" stroke="black" stroke-width="1.5"/>')
        for i in chart.marked:
            x, y = chart.points[i]
            out.append(f'<circle class="mark" cx="{_n(px(x))}" cy="{_n(py(y))}" r="2.5" fill="black"/>')
    for (x, y), label in zip(chart.points, chart.labels):
        out.append(f'<text x="{_n(px(x))}" y="{_n(py(y) - 5)}" text-anchor="middle">{_escaped(label)}</text>')
    out.append(f'<path d="M{LEFT},{TOP} V{bottom} H{right}" fill="none" stroke="black"/>')
    out.append(
        f'<text x="{LEFT + width / 2:g}" y="{HEIGHT - 10}" text-anchor="middle">{_escaped(chart.x.label)}</text>'
    )
    if chart.y.upright:  # above the axis, where it has room whatever its length
        out.append(f'<text x="{LEFT}" y="{TOP - 20}" text-anchor="middle">{_escaped(chart.y.label)}</text>')
    else:
        out.append(
            f'<text x="0" y="0" text-anchor="middle" transform="translate(18 {_n(TOP + height / 2)}) rotate(-90)">'
            f"{_escaped(chart.y.label)}</text>"
        )
    out.append("</svg>")
    return "\n".join(out)


def _n(value):
    """A coordinate of the drawing, to a hundredth of a unit."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _label(tick):
    return html.escape(plain_math(tick.label), quote=True)


def _escaped(parts):
    """Prose parts as the content of an SVG ``<text>``: text escaped, mathematics by :func:`svg_math`."""
    return "".join(html.escape(part, quote=True) if isinstance(part, str) else svg_math(part.latex) for part in parts)


_PIECES = re.compile(r"[A-Za-zα-ωΑ-Ω]+|[0-9]+")
_RUNS = re.compile(r"_([A-Za-z0-9α-ωΑ-Ω]+)|([A-Za-zα-ωΑ-Ω]+)|([^A-Za-zα-ωΑ-Ω_]+|_)")


def svg_math(latex):
    """A short piece of mathematics as the content of an SVG ``<text>``, set as TeX sets it in plain letters: a
    one-letter name in italics, a word (``total``, ``log``) upright, a subscript smaller and lowered.

    >>> svg_math(r"E_{\\mathrm{total}}")
    '<tspan font-style="italic">E</tspan><tspan baseline-shift="sub" font-size="75%">total</tspan>'
    >>> svg_math(r"\\left|\\frac{\\partial L}{\\partial w}\\right|")
    '|∂<tspan font-style="italic">L</tspan>/∂<tspan font-style="italic">w</tspan>|'
    """
    out = []
    for subscript, word, other in _RUNS.findall(plain_math(latex)):
        if subscript:
            out.append(f'<tspan baseline-shift="sub" font-size="75%">{_letters(subscript)}</tspan>')
        else:
            out.append(_letters(word) if word else html.escape(other, quote=True))
    return "".join(out)


def _letters(run):
    """A run of letters and digits: each one-letter name in it in italics, a word and a number upright."""
    return "".join(
        f'<tspan font-style="italic">{piece}</tspan>' if len(piece) == 1 and piece.isalpha() else piece
        for piece in _PIECES.findall(run)
    )
