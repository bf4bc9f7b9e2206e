"""The PDF sweep: generated specs rendered to PDF, and what can go wrong with the layout, measured.

Each :class:`Case` is a spec built by tests/networks.py from plain choices, with
seeded numbers. :func:`build` renders it to LaTeX, compiles it with
``symbackprop.tex.build_pdf`` and reads back every word of every page with its
box (``pdftotext -bbox``). The measures:

- TeX's own reports: overfull boxes over 1 pt and missing characters;
- :func:`missing_values`: the updated parameters the oracle computes, rounded as
  the document rounds them, that cannot be found in the PDF's text (a table that
  runs off the bottom of its page loses its last rows: poppler drops text
  outside the page);
- :func:`overlaps`: pairs of words on a page whose boxes cover each other by more
  than ``OVERLAP_TOLERANCE`` (two labels drawn on top of each other);
- :func:`shrunk_text`: text drawn smaller than ``SHRINK_TOLERANCE`` times its
  font's design size, which is what scaling a too-wide table down to the text
  width does (it hides the overflow from TeX's log).

Run as a script to look at the PDFs: ``PYTHONPATH=$PWD python3 tests/pdf_sweep.py FOLDER``
writes each case's spec, LaTeX, PDF and pages as PNG (``pdftoppm -r 60``) into
FOLDER and prints one line of measures per case.
"""

import html
import os
import re
import subprocess
import sys
import tempfile
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from figures import figures, shown
from networks import draw_numbers, make_case

# Word boxes are the font's full height, so the boxes of neighbouring lines and of a script and its
# base touch or overlap a little in any typeset mathematics. The largest cover in the five bundled
# examples is 0.39 of the smaller box (a subscript reaching into the line below); two labels drawn
# on the same spot cover each other by far more. See test_pdf_sweep.py for the calibration.
OVERLAP_TOLERANCE = 0.5
# Latin Modern fonts come in design sizes (LMRoman10, LMRoman8, LMMathItalic6, ...) and LaTeX draws
# each at its design size or a little above; the smallest legitimate ratio is 11/12 (LMRoman12 at
# 11 pt). The five bundled examples never go below 1. A table scaled to fit draws them smaller.
SHRINK_TOLERANCE = 0.85


@dataclass(frozen=True)
class Case:
    """One spec of the sweep: plain choices, the numbers drawn from a generator seeded by the name."""

    name: str
    layers: str  # "6-8-4": the inputs, then the units of each layer
    activations: tuple  # one per layer after the inputs, the output layer's last
    loss: str
    bias: str = "per-neuron"
    update_biases: bool = True
    mode: str = "sample"
    samples: int = 1
    sample: int = 1
    reduction: str = "sum"
    steps: int = 1
    verify: bool = False
    profile: str = "layered"
    decimals: int | None = None
    digits: int | None = None

    @property
    def widths(self):
        return [int(units) for units in self.layers.split("-")]

    @property
    def description(self):
        frozen = ", frozen" if not self.update_biases and self.bias != "none" else ""
        mode = (
            f"sample {self.sample} of {self.samples}"
            if self.mode == "sample"
            else f"batch of {self.samples} ({self.reduction})"
        )
        steps = f"{self.steps} step{'s' if self.steps > 1 else ''}" + (", verify" if self.verify else "")
        return (
            f"{self.layers} {'/'.join(self.activations)} {self.loss}, {self.bias} bias{frozen}, {mode}, "
            f"{steps}, {self.profile}, {self.precision}"
        )

    @property
    def precision(self):
        """The [notation] line of the precision: decimals, digits, or neither (the default, 4 digits)."""
        if self.decimals is not None:
            return f"decimals = {self.decimals}"
        return f"digits = {self.digits}" if self.digits is not None else ""

    def spec(self):
        """The spec's TOML text, the oracle's network and the plain values (see networks.make_case)."""
        widths = self.widths
        choices = {
            "inputs": widths[0],
            "widths": widths[1:-1],
            "hidden": list(self.activations[:-1]),
            "outputs": widths[-1],
            "output": self.activations[-1],
            "loss": self.loss,
            "bias": self.bias,
            "factor": 0.5,
            "learning_rate": 0.5,
            "update_biases": self.update_biases,
            "mode": self.mode,
            "sample": self.sample,
            "steps": self.steps,
            "reduction": self.reduction,
        }
        rng = np.random.default_rng(zlib.crc32(self.name.encode()))
        text, net, plain = make_case(draw_numbers(choices, rng, self.samples, self.loss, widths[-1]))
        text = text.replace('title = "generated network"', f'title = "Sweep: {self.name}"')
        text += f"verify = {'true' if self.verify else 'false'}\n\n"
        text += f'[notation]\nprofile = "{self.profile}"\n{self.precision}\n'
        return text, net, plain


# Together: depth 1 to 4, widths 1 to 8 and layers of 12 to 16 units, every hidden activation, every
# loss with its outputs, every bias layout, frozen biases, both modes with 1 to 8 samples and both
# reductions, 1 to 3 steps, verify on and off, every notation profile and decimals 2 to 6. The first
# three are the networks of issue 10.
CASES = [
    Case("bce_6_8_4", "6-8-4", ("sigmoid", "sigmoid"), "bce"),
    Case("ce_4_5_3_tanh", "4-5-3", ("tanh", "softmax"), "cross_entropy"),
    Case("ce_3_3_2_softmax", "3-3-2", ("sigmoid", "softmax"), "cross_entropy"),
    Case("se_3_1_linear", "3-1", ("linear",), "squared_error", decimals=2),
    Case("ce_2_3_softmax", "2-3", ("softmax",), "cross_entropy", bias="none", profile="net-out"),
    Case("bce_4_1", "4-1", ("sigmoid",), "bce", bias="per-layer", profile="u-z", mode="batch", samples=3),
    Case("se_1_1_1", "1-1-1", ("sigmoid", "sigmoid"), "squared_error", profile="w-v", decimals=6),
    Case(
        "se_2_2_1_relu_batch",
        "2-2-1",
        ("relu", "linear"),
        "squared_error",
        mode="batch",
        samples=4,
        reduction="mean",
        profile="w-v",
    ),
    Case("se_2_3_2_leaky", "2-3-2", ("leaky_relu", "tanh"), "squared_error", profile="sum-output", decimals=3),
    Case(
        "se_3_4_2_softplus_frozen",
        "3-4-2",
        ("softplus", "softplus"),
        "squared_error",
        bias="per-layer",
        update_biases=False,
        profile="net-out",
    ),
    Case("se_2_2_1_custom", "2-2-1", ("custom", "custom"), "squared_error", profile="u-z", verify=True),
    Case(
        "bce_3_5_3_batch",
        "3-5-3",
        ("linear", "sigmoid"),
        "bce",
        mode="batch",
        samples=8,
        reduction="mean",
        steps=3,
        decimals=5,
    ),
    Case("se_4_6_2_relu_out", "4-6-2", ("sigmoid", "relu"), "squared_error", steps=2, verify=True),
    Case("se_2_7_1_leaky_out", "2-7-1", ("tanh", "leaky_relu"), "squared_error", decimals=5, profile="sum-output"),
    Case("se_5_8_8", "5-8-8", ("relu", "linear"), "squared_error", bias="per-layer", decimals=3),
    Case("bce_4_16_2", "4-16-2", ("sigmoid", "sigmoid"), "bce"),
    Case("ce_8_12_3", "8-12-3", ("tanh", "softmax"), "cross_entropy", profile="net-out", decimals=2),
    Case("bce_16_8_1", "16-8-1", ("sigmoid", "sigmoid"), "bce", profile="w-v", verify=True),
    Case("se_2_14_14_1", "2-14-14-1", ("relu", "tanh", "linear"), "squared_error", decimals=3),
    Case("bce_2_3_3_1", "2-3-3-1", ("sigmoid", "tanh", "sigmoid"), "bce", verify=True),
    Case("se_3_4_4_2", "3-4-4-2", ("relu", "softplus", "linear"), "squared_error", profile="net-out", steps=2),
    Case("ce_2_2_2_2", "2-2-2-2", ("leaky_relu", "custom", "softmax"), "cross_entropy", profile="sum-output"),
    Case(
        "se_1_3_2_1_batch",
        "1-3-2-1",
        ("tanh", "tanh", "tanh"),
        "squared_error",
        profile="u-z",
        mode="batch",
        samples=5,
        reduction="mean",
        steps=2,
        decimals=6,
    ),
    Case(
        "ce_3_5_4_3_frozen",
        "3-5-4-3",
        ("sigmoid", "relu", "softmax"),
        "cross_entropy",
        bias="per-layer",
        update_biases=False,
        profile="w-v",
    ),
    Case("bce_2_3_3_3_1", "2-3-3-3-1", ("sigmoid", "sigmoid", "sigmoid", "sigmoid"), "bce", steps=3, verify=True),
    Case(
        "se_2_4_4_4_2_batch",
        "2-4-4-4-2",
        ("tanh", "relu", "leaky_relu", "linear"),
        "squared_error",
        profile="net-out",
        mode="batch",
        samples=3,
    ),
    Case("se_1_2_2_2_1", "1-2-2-2-1", ("softplus", "custom", "linear", "sigmoid"), "squared_error", profile="u-z"),
    Case(
        "ce_3_2_3_2_2_nobias",
        "3-2-3-2-2",
        ("custom", "sigmoid", "tanh", "softmax"),
        "cross_entropy",
        bias="none",
        profile="w-v",
        decimals=2,
    ),
    Case("se_2_2_2_2_2", "2-2-2-2-2", ("sigmoid", "tanh", "relu", "tanh"), "squared_error", profile="sum-output"),
    Case("se_3_3_3_softmax_out", "3-3-3", ("sigmoid", "softmax"), "squared_error", decimals=5),
    Case("se_2_4_2_tanh_out", "2-4-2", ("softplus", "tanh"), "squared_error", bias="none", decimals=3),
    Case("se_3_2_2_softplus_out", "3-2-2", ("linear", "softplus"), "squared_error", mode="batch", samples=2),
    Case("se_2_3_2_custom_out", "2-3-2", ("relu", "custom"), "squared_error", profile="net-out", verify=True),
    Case(
        "bce_6_8_4_batch8",
        "6-8-4",
        ("sigmoid", "sigmoid"),
        "bce",
        mode="batch",
        samples=8,
        reduction="mean",
        steps=2,
        decimals=6,
    ),
    Case("se_2_3_1_sample3", "2-3-1", ("leaky_relu", "linear"), "squared_error", samples=5, sample=3, steps=3),
    Case("se_4_5_6_7_frozen", "4-5-6-7", ("tanh", "sigmoid", "linear"), "squared_error", update_biases=False),
    Case(
        "ce_5_6_4_batch7",
        "5-6-4",
        ("softplus", "softmax"),
        "cross_entropy",
        mode="batch",
        samples=7,
        profile="u-z",
    ),
]


@dataclass(frozen=True)
class Word:
    """A word of a PDF page and its box, in PDF points from the page's top left corner."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    def __str__(self):
        return f"{self.text!r} at ({self.x0:.1f}, {self.y0:.1f})-({self.x1:.1f}, {self.y1:.1f})"


@dataclass(frozen=True)
class Built:
    """A case compiled: its LaTeX, its PDF, TeX's reports, the words of each page and the shrunk text.

    ``error`` says why there is no PDF when rendering or compiling failed.
    """

    case: Case
    tex: str = ""
    pdf: bytes = b""
    problems: tuple = ()
    pages: tuple = ()  # one tuple of Word per page
    shrunk: tuple = ()  # (page, text, size in pt, font) drawn below SHRINK_TOLERANCE of the font's design size
    error: str | None = None


_WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>', re.S)


def page_words(pdf_path):
    """The words of every page of a PDF with their boxes (pdftotext -bbox; -bbox-layout gives the same boxes)."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    # Not an XML parser: poppler copies control characters of math fonts into the text, which XML forbids.
    return tuple(
        tuple(Word(html.unescape(m[5]), *map(float, m.groups()[:4])) for m in _WORD.finditer(page))
        for page in xml.split("<page ")[1:]
    )


# The family is the PostScript name after the subset tag: LMRoman10, LMRoman12-Bold, LMMathItalic8.
_FONTSPEC = re.compile(r'<fontspec id="(\d+)" size="(-?\d+)" family="(?:[A-Z]{6}\+)?([^"]*?(\d+)(?:-\w+)?)"')
_TEXT = re.compile(r'<text [^>]*font="(\d+)">(.*?)</text>', re.S)


def shrunk_text(pdf_path, tolerance=SHRINK_TOLERANCE):
    """(page, text, size, font) for the text of a PDF drawn below ``tolerance`` times its font's design size.

    pdftohtml -xml gives each run of text its font and the size it is drawn at (in points at
    -zoom 1, rounded); fonts whose name does not end in a design size are not judged.
    """
    xml = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-q", "-zoom", "1", "-stdout", str(pdf_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fonts = {}
    found = []
    for number, page in enumerate(xml.split("<page ")[1:], start=1):
        fonts.update({m[1]: (int(m[2]), m[3], int(m[4])) for m in _FONTSPEC.finditer(page)})
        for m in _TEXT.finditer(page):
            if m[1] in fonts:
                size, font, design = fonts[m[1]]
                if size < tolerance * design:
                    found.append((number, html.unescape(re.sub(r"<[^>]+>", "", m[2])), size, font))
    return tuple(found)


def build(case):
    """Render ``case`` to LaTeX, compile it and read its pages back (runs in a worker process).

    A case that cannot be rendered or compiled comes back with its ``error``, so that only its
    own tests fail.
    """
    from symbackprop.cli import render_spec
    from symbackprop.tex import build_pdf

    tex = ""
    try:
        with tempfile.TemporaryDirectory(prefix="sweep-") as folder:
            spec = Path(folder) / f"{case.name}.toml"
            spec.write_text(case.spec()[0], encoding="utf-8")
            tex = render_spec(str(spec), "latex")
            built = build_pdf(tex)
            pdf = Path(folder) / f"{case.name}.pdf"
            pdf.write_bytes(built.pdf)
            return Built(case, tex, built.pdf, built.problems, page_words(pdf), shrunk_text(pdf))
    except Exception as error:  # reported by the case's own tests
        return Built(case, tex, error=f"{error.__class__.__name__}: {error}")


def build_all(cases, workers=None):
    """Every case built, in parallel processes, as a dict by name, in the order of ``cases``."""
    # spawn: a fresh interpreter per worker, never a fork of a process that may hold threads.
    with ProcessPoolExecutor(workers or os.cpu_count(), mp_context=get_context("spawn")) as pool:
        return {built.case.name: built for built in pool.map(build, cases)}


# -- the values the document must show -------------------------------------------------------------


def expected_values(case):
    """(label, value) for every updated parameter, from the oracle: after the first step and, past one step, after all."""
    _, net, plain = case.spec()
    arguments = (plain["params"], plain["x"], plain["y"], plain["rows"], plain["reduction"], plain["learning_rate"])
    after = {1: net.train(*arguments, 1, plain["update_biases"])}
    if case.steps > 1:
        after[case.steps] = net.train(*arguments, case.steps, plain["update_biases"])
    if not all(np.all(np.isfinite(v)) for values in after.values() for v in values.values()):
        raise ValueError(f"{case.name}: the oracle's numbers overflow; choose other choices for this case")
    expected = []
    for steps, values in after.items():
        for name, value in values.items():
            if name[0] == "b" and not plain["update_biases"]:
                continue  # frozen: the table says so instead of a number
            for index in np.ndindex(value.shape):
                label = f"{name}[{','.join(str(i + 1) for i in index)}] after {steps} step{'s' if steps > 1 else ''}"
                expected.append((label, float(value[index])))
    return expected


def normalised_text(pages):
    """The words of the pages as one text, with TeX's typography undone: U+2212 is '-', 1.2 × 10−5 is 1.2×10-5."""
    text = "\n".join(" ".join(word.text for word in page) for page in pages)
    text = text.replace("\u2212", "-")
    # The space after "10" goes only before an exponent (a whole number), never before the next number.
    return re.sub(r"\s*×\s*10(?:\s*(?=-?\d+(?![\d.])))?", "×10", text)


def missing_values(built):
    """Labels of the updated parameters whose shown value is nowhere in the PDF's text."""
    found = figures(normalised_text(built.pages))
    fixed = built.case.decimals
    expected = expected_values(built.case)
    return [f"{label} = {value}" for label, value in expected if not shown("", value, found, fixed)]


# -- words drawn on top of each other ----------------------------------------------------------------


def cover(a, b):
    """How much of the smaller of two word boxes the other covers, from 0 (apart) to 1."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    if width <= 0 or height <= 0:
        return 0.0
    smaller = min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0))
    return width * height / smaller if smaller > 0 else 0.0


def delimiter_piece(word):
    """Whether a word is only pieces of a big delimiter, which fonts map to the Private Use Area."""
    return all("\ue000" <= ch <= "\uf8ff" for ch in word.text)


def overlaps(pages, tolerance=OVERLAP_TOLERANCE):
    """(page, word, word, cover) for every pair of words on a page covering each other by more than ``tolerance``.

    The pieces a tall brace is built from overlap one another by design; a piece over anything
    else is still an overlap.
    """
    found = []
    for number, words in enumerate(pages, start=1):
        by_left = sorted(words, key=lambda w: w.x0)
        for i, a in enumerate(by_left):
            for b in by_left[i + 1 :]:
                if b.x0 >= a.x1:
                    break
                amount = cover(a, b)
                if amount > tolerance and not (delimiter_piece(a) and delimiter_piece(b)):
                    found.append((number, a, b, amount))
    return found


# -- looking at the PDFs ------------------------------------------------------------------------------


def summary(built):
    """One line of measures for a built case (the columns of ``HEADER``)."""
    name = built.case.name
    if built.error:
        return f"{name:<26} failed to build: {built.error}"
    overfull = [p for p in built.problems if p.kind == "overfull"]
    missing_characters = sum(p.kind == "missing-character" for p in built.problems)
    largest = f"{max(p.amount for p in overfull):.1f}" if overfull else "-"
    values = f"{len(missing_values(built))}/{len(expected_values(built.case))}"
    smallest = f"{min(scale(size, font) for _, _, size, font in built.shrunk):.2f}" if built.shrunk else "-"
    return (
        f"{name:<26} {len(built.pages):>5} {len(overfull):>8} {largest:>8} {missing_characters:>7} "
        f"{values:>9} {len(overlaps(built.pages)):>8} {len(built.shrunk):>6} {smallest:>5}  {built.case.description}"
    )


def scale(size, font):
    """The size text is drawn at over its font's design size (LMRoman8 at 4 pt: 0.5)."""
    return size / int(re.search(r"(\d+)(?:-\w+)?$", font)[1])


HEADER = (
    f"{'case':<26} {'pages':>5} {'overfull':>8} {'largest':>8} {'lost ch':>7} {'missing':>9} {'overlaps':>8} "
    f"{'shrunk':>6} {'scale':>5}  description"
)


def write(folder, built):
    """Write a built case's spec, LaTeX, PDF and pages as PNG at 60 dpi into ``folder``."""
    name = built.case.name
    (folder / f"{name}.toml").write_text(built.case.spec()[0], encoding="utf-8")
    (folder / f"{name}.tex").write_text(built.tex, encoding="utf-8")
    if built.error:
        return
    (folder / f"{name}.pdf").write_bytes(built.pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(folder / f"{name}.pdf"), str(folder / name)], check=True)


def main(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    print(HEADER)
    for built in build_all(CASES).values():
        write(folder, built)
        print(summary(built), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: PYTHONPATH=$PWD python3 tests/pdf_sweep.py FOLDER")
    main(sys.argv[1])


# -- page layout ----------------------------------------------------------------------------------

_HEADING = re.compile(r"\\(?:sub)?section\*\{([^{}]*)\}")
PAGE_HEIGHT, TOP_MARGIN, BOTTOM_MARGIN = 841.9, 62.4, 62.4  # A4 with the documents' 2.2 cm margins
LEAST_FILL = 0.5  # a page other than the last is at least half full


def lines_of(words, gap=2.0):
    """The words of a page grouped into lines (words whose vertical middles lie within ``gap`` points), top down."""
    lines = []
    for word in sorted(words, key=lambda w: ((w.y0 + w.y1) / 2, w.x0)):
        middle = (word.y0 + word.y1) / 2
        if lines and abs(lines[-1][0] - middle) <= gap:
            lines[-1][1].append(word)
        else:
            lines.append((middle, [word]))
    return [" ".join(w.text for w in sorted(line, key=lambda w: w.x0)) for _, line in lines]


def stranded(built):
    """(page, line) for every page that ends with a heading or with a sentence that leads into what follows."""
    headings = {title.strip() for title in _HEADING.findall(built.tex)}
    found = []
    for number, words in enumerate(built.pages[:-1], start=1):
        body = [w for w in words if w.y1 < PAGE_HEIGHT - BOTTOM_MARGIN + 5]  # not the page number in the foot
        lines = lines_of(body)
        if lines and (lines[-1] in headings or lines[-1].endswith((":", "?"))):
            found.append((number, lines[-1]))
    return found


def underfull_pages(built):
    """(page, fill) for every page but the last whose text covers less than LEAST_FILL of the text height."""
    found = []
    for number, words in enumerate(built.pages[:-1], start=1):
        body = [w for w in words if w.y1 < PAGE_HEIGHT - BOTTOM_MARGIN + 5]
        if body:
            fill = (max(w.y1 for w in body) - TOP_MARGIN) / (PAGE_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN)
            if fill < LEAST_FILL:
                found.append((number, round(fill, 2)))
    return found
