"""The math size estimate: its font tables against the TFM files, its rules against pdflatex.

The glyph tables are checked number by number against what ``tftopl`` reads from the Latin Modern
TFM files. The rules are checked on one construct at a time: each is set by pdflatex in a box
and its width, height and depth compared with the estimate, which may be wide by a little but
never short. Whole display rows, table cells and diagram labels are checked in test_layout.py
and test_diagram.py.
"""

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from symbackprop import glyphs
from symbackprop.mathsize import SIZES, math_size

HAS_TFM = all(shutil.which(tool) for tool in ("tftopl", "kpsewhich"))
HAS_TEX = shutil.which("pdflatex") is not None
needs_tfm = pytest.mark.skipif(not HAS_TFM, reason="tftopl/kpsewhich not installed (.ci/run installs TeX)")
needs_tex = pytest.mark.skipif(not HAS_TEX, reason="pdflatex not installed (.ci/run installs it)")

FONTS = {
    "ITALIC": glyphs.ITALIC,
    "ROMAN": glyphs.ROMAN,
    "TEXT": glyphs.TEXT,
    "SYMBOLS": glyphs.SYMBOLS,
    "BOLD": glyphs.BOLD,
    "BOLD_ITALIC": glyphs.BOLD_ITALIC,
}
# The design each size is printed in, where a family has fewer designs (omllmm.fd: lmmib5, lmmib7, lmmib10).
DESIGNS = {"lmmib": {10: 10, 8: 10, 7: 7, 6: 7, 5: 5}}


def _tfm(name):
    """(parameters, characters) of a TFM file: characters by code, with wd, ht, dp, ic, next and pieces."""
    path = subprocess.run(["kpsewhich", f"{name}.tfm"], capture_output=True, text=True, check=True).stdout.strip()
    pl = subprocess.run(["tftopl", path], capture_output=True, text=True, check=True).stdout
    header, *blocks = pl.split("(CHARACTER ")
    parameters = {
        key: float(value) for key, value in re.findall(r"\((\w+) R (-?[\d.]+)\)", header.split("(LIGTABLE")[0])
    }
    characters = {}
    for block in blocks:
        kind, code = block.split()[:2]
        code = ord(code) if kind == "C" else int(code, 8)

        def get(key, block=block):
            found = re.search(rf"\({key} R (-?[\d.]+)\)", block)
            return float(found[1]) if found else 0.0

        following = re.search(r"\(NEXTLARGER O (\d+)\)", block)
        characters[code] = {
            "wd": get("CHARWD"),
            "ht": get("CHARHT"),
            "dp": get("CHARDP"),
            "ic": get("CHARIC"),
            "next": int(following[1], 8) if following else None,
            "pieces": {part: int(o, 8) for part, o in re.findall(r"\((TOP|MID|BOT|REP) O (\d+)\)", block)},
        }
    return parameters, characters


def _kerns(name):
    """{(first, second): kern in ems} of a TFM file's lig/kern program, by character codes."""
    path = subprocess.run(["kpsewhich", f"{name}.tfm"], capture_output=True, text=True, check=True).stdout.strip()
    pl = subprocess.run(["tftopl", path], capture_output=True, text=True, check=True).stdout
    program = pl.split("(LIGTABLE", 1)[1].split("\n   )\n", 1)[0] if "(LIGTABLE" in pl else ""

    def code(kind, value):
        return ord(value) if kind == "C" else int(value, 8)

    starts, steps = {}, []  # steps: [next character, kern or None for a ligature, stop, skip]
    for line in (line.strip() for line in program.splitlines()):
        if label := re.match(r"\(LABEL (C|O) (\S+)\)", line):
            starts[code(*label.groups())] = len(steps)
        elif kern := re.match(r"\(KRN (C|O) (\S+) R (-?[\d.]+)\)", line):
            steps.append([code(kern[1], kern[2]), float(kern[3]), False, 0])
        elif ligature := re.match(r"\(/?LIG/?>*>? (C|O) (\S+) ", line):
            steps.append([code(ligature[1], ligature[2]), None, False, 0])
        elif line.startswith("(STOP"):
            steps[-1][2] = True
        elif skip := re.match(r"\(SKIP D (\d+)\)", line):
            steps[-1][3] = int(skip[1])
    found = {}
    for first, i in starts.items():
        while i < len(steps):
            second, kern, stop, skip = steps[i]
            if kern is not None:
                found.setdefault((first, second), kern)
            if stop:
                break
            i += skip + 1
    return found


def _up(value):
    return math.ceil(round(value * 1000, 3)) / 1000


def _codes(font):
    """Each token of a table with its position in the font, from the table's own source lines."""
    source = Path(glyphs.__file__).read_text(encoding="utf-8")
    table = re.search(rf'^{font} = _font\(\s*"[\w-]+",\s*r"""(.*?)"""', source, re.S | re.M)[1]
    return {line.split()[0]: int(line.split()[1], 8) for line in table.strip().splitlines()}


@needs_tfm
@pytest.mark.parametrize("font", FONTS)
def test_every_glyph_is_as_its_tfm_file_gives_it(font):
    table = FONTS[font]
    metrics = {size: _tfm(f"{table.family}{DESIGNS.get(table.family, {}).get(size, size)}") for size in glyphs.SIZES}
    codes = _codes(font)
    assert set(codes) == set(table)
    for token, code in codes.items():
        ten = metrics[10][1][code]
        glyph = table[token]
        assert (glyph.height, glyph.depth) == (_up(ten["ht"]), _up(ten["dp"])), token
        # The smallest italic correction over the sizes, rounded down: taking it off never leaves a glyph too narrow.
        smallest = min(characters[code]["ic"] for _, characters in metrics.values())
        assert glyph.italic == math.floor(round(smallest * 1000, 3)) / 1000, token
        for size, width in zip(glyphs.SIZES, glyph.widths):
            parameters, characters = metrics[size]
            c = characters[code]
            # Mathematics adds the italic correction to a glyph without a subscript; text does not.
            expected = parameters["SPACE"] if token == r"\space" else c["wd"] + (c["ic"] if font != "TEXT" else 0)
            assert width == _up(expected), f"{token} at {size} pt"
            if c["ht"] > 0.4 and (token.isalnum() or token.startswith("\\")):
                assert c["ht"] <= ten["ht"] * glyphs.TALLER[size] + 1e-6, f"{token} at {size} pt is taller"


@needs_tfm
@pytest.mark.parametrize("font", FONTS)
def test_the_kerns_that_push_glyphs_apart_are_the_fonts(font):
    table = FONTS[font]
    tokens = {code: token for token, code in _codes(font).items() if len(token) == 1}
    expected = {}
    for i, size in enumerate(glyphs.SIZES):
        for (first, second), kern in _kerns(f"{table.family}{DESIGNS.get(table.family, {}).get(size, size)}").items():
            if kern > 0 and first in tokens and second in tokens:
                expected.setdefault(tokens[first] + tokens[second], [0.0] * len(glyphs.SIZES))[i] = _up(kern)
    assert {pair: tuple(kerns) for pair, kerns in expected.items()} == glyphs.KERNS.get(table.family, {})


@needs_tfm
def test_delimiters_and_operators_are_the_extension_fonts():
    _, lmex = _tfm("lmex10")
    starts = {"(": 0o0, ")": 0o1, "[": 0o2, "]": 0o3, r"\{": 0o10, r"\}": 0o11, r"\langle": 0o12, r"\rangle": 0o13}
    starts |= {"|": 0o14, r"\|": 0o15}
    assert set(starts) == set(glyphs.DELIMITERS)
    for token, code in starts.items():
        variants, extensible = [], None
        while code is not None:
            c = lmex[code]
            if c["pieces"]:
                size = {part: lmex[o]["ht"] + lmex[o]["dp"] for part, o in c["pieces"].items()}
                least = size.get("TOP", 0) + size.get("MID", 0) + size.get("BOT", 0)
                extensible = (_up(c["wd"]), _up(least), _up(size["REP"] * (2 if "MID" in size else 1)))
            else:
                variants.append((_up(c["wd"]), math.floor(round((c["ht"] + c["dp"]) * 1000, 3)) / 1000))
            code = c["next"]
        assert glyphs.DELIMITERS[token] == glyphs.Delimiter(tuple(variants), extensible), token
    for token, code in {r"\sum": 0o120, r"\prod": 0o121, r"\int": 0o122}.items():
        text, display = lmex[code], lmex[lmex[code]["next"]]
        assert glyphs.OPERATORS[token] == glyphs.Operator(
            *((_up(c["wd"] + c["ic"]), _up(c["ht"]), _up(c["dp"])) for c in (text, display))
        )


@needs_tfm
def test_font_parameters_are_the_fonts():
    names = {"num1": "NUM1", "num2": "NUM2", "denom1": "DENOM1", "denom2": "DENOM2", "sup1": "SUP1", "sup2": "SUP2"}
    names |= {"sup3": "SUP3", "sub1": "SUB1", "sub2": "SUB2", "sup_drop": "SUPDROP", "sub_drop": "SUBDROP"}
    names |= {"axis": "AXISHEIGHT", "x_height": "XHEIGHT"}
    symbols, _ = _tfm("lmsy10")
    assert glyphs.PARAMETERS == {ours: round(symbols[theirs], 3) for ours, theirs in names.items()}
    assert glyphs.QUAD == {size: round(_tfm(f"lmsy{size}")[0]["QUAD"], 3) for size in glyphs.SIZES}
    extension, _ = _tfm("lmex10")
    assert glyphs.RULE == round(extension["DEFAULTRULETHICKNESS"] * 10, 3)
    assert glyphs.BIG_OP_SPACING == tuple(round(extension[f"BIGOPSPACING{i}"] * 10, 3) for i in range(1, 6))


# Constructs in the two styles the documents use, each exercising one rule; widths must come out
# between what pdflatex prints and a little more.
CONSTRUCTS = [
    # glyphs, spacing by class, signs
    "a", "W", "1", r"\alpha\beta\delta\eta\sigma", r"\Delta\Sigma", r"\partial L", "a+b", "a - b", "= -0.3",
    r"0.15 \cdot 0.1", r"1.5 \times 10^{-5}", "a = b", r"x \leq y \to z", r"w \leftarrow w", r"a \not= b", "f(x, y)",
    "y^{*}", "a > 0", "[1]", r"a \odot b",
    # scripts
    "x_{1}", "x^{2}", "W_{11}", "W^{(1)}_{11}", "z^{(1)}_{1}", "f'", r"f'\left(z_j\right)", r"e^{- z^{(1)}_{1}}",
    r"\hat{y}_{1}", r"\mathrm{sum}_{h^{(1)}1}", r"{\mathbf{a}^{(l-1)}}^{\top}", r"\mathrm{out}_{h^{(2)}_{16}}",
    # fonts and names
    r"\mathrm{output}", r"\mathrm{boop}", r"\text{bobs probe}", "dY", r"\mathbf{W}^{(l)}", r"\boldsymbol{\delta}^{(l)}", r"\text{for}\: a_{1}", r"\text{otherwise}",
    r"\log x", r"\log{\left(\hat{y} \right)}", r"\tanh{\left(z \right)}", r"\max\left(0, z\right)",
    r"\operatorname{relu}{\left(z_{1} \right)}", r"\operatorname{leaky\_relu}{\left(t \right)}", r"\exp(x)",
    # fractions and delimiters
    r"\frac{1}{2}", r"\frac{\partial L}{\partial w}", r"\frac{1}{1 + e^{- z}}", r"\frac{\frac{1}{2}}{3}",
    r"\left(\frac{1}{2}\right)", r"\left(-0.3\right)", r"\left[\frac{\partial E_{\mathrm{total}}}{\partial w}\right]",
    r"\frac{\left(\hat{y} - y\right)^{2}}{2}", r"\left.\frac{1}{2}\right|", r"\bigl(a + b\bigr)", r"\Bigl(a\Bigr)",
    r"\left\{ x \right\}", r"\left\langle x \right\rangle",
    # large operators, dots, spaces
    r"\sum_{k} w_{jk} a_k", r"\sum_{k=1}^{n} x_k", r"\prod_{j} x_j", r"\int_0^1 x", r"a \ldots b", r"a \cdots b",
    r"a \quad b", r"a\,b\;c\!d", r"\quad + W_{1} x_{1}",
    # environments
    r"\left[\begin{matrix}1 & 2\\3 & 4\end{matrix}\right]", r"\left[\begin{matrix}-0.191\end{matrix}\right]",
    r"\left[\begin{matrix}1\\2\\3\\4\\5\end{matrix}\right]", r"\begin{pmatrix}0.5 & -0.25\end{pmatrix}",
    r"\begin{cases} 1 & \text{for}\: a_{1} > 0 \\0 & \text{otherwise} \end{cases}",
    r"\begin{cases} t & \text{for}\: t > 0 \\\frac{t}{10} & \text{otherwise} \end{cases}",
    r"\begin{array}{lr} a & b \\ c & d \end{array}", r"\left(\begin{array}{@{}c|c@{}} 1 & 2 \end{array}\right)",
]  # fmt: skip


@needs_tex
def test_every_rule_gives_pdflatex_size_or_a_little_more(tmp_path):
    cases = [(latex, points, display) for latex in CONSTRUCTS for points, display in ((10.95, True), (10.95, False))]
    # Labels at the diagram's sizes have no delimiters: below 10 pt the heights, which choose a delimiter's
    # variant, are the 10 pt ones times the largest growth of any glyph, so \left may pick one a size up.
    labels = [latex for latex in CONSTRUCTS if r"\left" not in latex and "frac" not in latex][:40]
    cases += [(latex, points, False) for latex in labels for points in (8, 10)]
    sizes = {10.95: r"\normalsize", 10: r"\small", 8: r"\scriptsize"}
    lines = [r"\documentclass[11pt]{article}\usepackage[T1]{fontenc}\usepackage{lmodern}\usepackage{amsmath,amssymb}"]
    lines.append(r"\newsavebox\measured\begin{document}")
    for i, (latex, points, display) in enumerate(cases):
        style = r"\displaystyle" if display else ""
        lines.append(rf"\sbox\measured{{{sizes[points]}${style} {latex}$}}")
        lines.append(rf"\typeout{{M{i}=\the\wd\measured,\the\ht\measured,\the\dp\measured}}")
    (tmp_path / "m.tex").write_text("\n".join(lines) + r"\end{document}")
    subprocess.run(["pdflatex", "-interaction=batchmode", "m.tex"], cwd=tmp_path, capture_output=True, timeout=120)
    log = (tmp_path / "m.log").read_text(errors="replace")
    printed = {
        int(i): tuple(map(float, v)) for i, *v in re.findall(r"^M(\d+)=([\d.]+)pt,([\d.]+)pt,([\d.]+)pt", log, re.M)
    }
    assert len(printed) == len(cases)
    wrong = []
    for i, (latex, points, display) in enumerate(cases):
        (width, height, depth), (real_width, real_height, real_depth) = math_size(latex, points, display), printed[i]
        if not real_width - 0.005 <= width <= real_width * 1.02 + 0.3:
            wrong.append(
                f"{latex} at {points} pt{' display' if display else ''}: width {width:.2f}, pdflatex {real_width}"
            )
        if height < real_height - 0.2 or depth < real_depth - 0.2:
            wrong.append(
                f"{latex} at {points} pt: height/depth {height:.2f}/{depth:.2f}, pdflatex {real_height}/{real_depth}"
            )
    assert not wrong, "\n".join(wrong)


def test_a_sign_has_no_space_and_a_binary_operator_has_medium_spaces():
    mu = 10.95 / 18
    (a,), (minus,) = ([math_size(t, 10.95)[0]] for t in ("a", "-"))
    assert math_size("a - a", 10.95)[0] == pytest.approx(2 * a + minus + 8 * mu)
    assert math_size("-a", 10.95)[0] == pytest.approx(a + minus)
    assert math_size("= -a", 10.95)[0] == pytest.approx(math_size("=", 10.95)[0] + minus + a + 5 * mu)


def test_a_fraction_is_smaller_in_text_than_in_display():
    assert math_size(r"\frac{a}{b}", 10.95)[0] < math_size(r"\frac{a}{b}", 10.95, display=True)[0]
    assert math_size(r"\dfrac{a}{b}", 10.95)[0] == math_size(r"\frac{a}{b}", 10.95, display=True)[0]


def test_unknown_commands_count_one_em_so_the_estimate_errs_wide():
    assert math_size(r"\unknowncommand", 10.95)[0] == pytest.approx(10.95)


def test_sizes_other_than_the_documents_and_labels_are_refused():
    assert set(SIZES) == {8, 10, 10.95}
    with pytest.raises(ValueError, match=r"points: expected one of 8, 10, 10.95, got 12"):
        math_size("x", 12)
