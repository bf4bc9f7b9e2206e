"""The font tables of the math size estimate, checked number by number against what ``tftopl`` reads
from the Latin Modern TFM files."""

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from symbackprop import glyphs

HAS_TFM = all(shutil.which(tool) for tool in ("tftopl", "kpsewhich"))
needs_tfm = pytest.mark.skipif(not HAS_TFM, reason="tftopl/kpsewhich not installed (.ci/run installs TeX)")

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
