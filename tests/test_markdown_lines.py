"""Markdown documents keep their source lines short without changing what a renderer shows.

The oracle is markdown-it, a CommonMark renderer: the same document written with long lines and with
short ones must give the same HTML once runs of white space are made one space. A line break in the
wrong place would start a list, a heading or a table, or split a math span, and change the HTML.
"""

import functools
import re

import pytest
from katex import markdown_html, math_spans, needs_markdown_it
from pdf_sweep import CASES

from symbackprop import bundled_examples, load, parse, train, wrapping
from symbackprop.document import build
from symbackprop.render import render

SPECS = [(name, lambda name=name: load(name)) for name in bundled_examples()] + [
    (case.name, lambda case=case: parse(case.spec()[0])) for case in CASES
]
IDS = [name for name, _ in SPECS]
WIDTH = wrapping.WIDTH
_INLINE_MATH = re.compile(r"(?<![\\$])\$[^$\n]+?(?<!\\)\$")


@functools.cache
def _document(name):
    return build(train(dict(SPECS)[name]()))


def _markdown(name, monkeypatch, width):
    monkeypatch.setattr(wrapping, "WIDTH", width)
    return render(_document(name), "markdown")


def _tex(span):
    """A formula's source with its line breaks read as TeX reads them: a space, or nothing after a row's end."""
    return re.sub(r"\\\\ ", r"\\\\", re.sub(r"\s+", " ", span["tex"]))


def _prose_lines(markdown):
    """The lines a person reads as text or formula source: not inside code fences, not table rows."""
    inside_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            inside_code = not inside_code
        elif not inside_code and not line.startswith("|"):
            yield line


@pytest.mark.parametrize(("name", "make"), SPECS, ids=IDS)
def test_lines_are_short_unless_one_formula_is_longer(name, make, monkeypatch):
    long = []
    for line in _prose_lines(_markdown(name, monkeypatch, WIDTH)):
        if len(line) > WIDTH:
            formulas = _INLINE_MATH.findall(line)
            # A line may only run long around one unbreakable inline formula.
            if not formulas or len(line) - max(map(len, formulas)) > WIDTH // 2:
                long.append(line)
    assert not long, f"{len(long)} long lines, the first: {long[0][:160]}"


@needs_markdown_it
@pytest.mark.parametrize(("name", "make"), SPECS, ids=IDS)
def test_short_lines_render_as_the_long_ones_do(name, make, monkeypatch):
    long = _markdown(name, monkeypatch, 10**6)
    short = _markdown(name, monkeypatch, WIDTH)
    assert len(short.splitlines()) > len(long.splitlines()), "no line was broken: the comparison would prove nothing"
    assert [_tex(span) for span in math_spans(short)] == [_tex(span) for span in math_spans(long)]
    pages = markdown_html([long, short])
    # White space is one space, and a break after a matrix row's \\ (an escaped backslash) reads as none.
    same = [re.sub(r"\\ ", r"\\", re.sub(r"\s+", " ", page)) for page in pages]
    assert same[0] == same[1]


def test_a_break_never_starts_a_markdown_block():
    # Words that would open a list, a heading, a quote, a table or a fence stay on the line before.
    pieces = [("a " * 10 + "- b + c * d 1. e 2) f # g > h | i = j", True)]
    for line in wrapping.fill(pieces, width=4).splitlines()[1:]:
        assert not re.match(r"[-+*] |\d+[.)] |[#>|=]", line), line
    for line in wrapping.display(r"a + b - c = d \\ 1. e", width=2).splitlines()[1:]:
        assert not re.match(r"[-+*] |\d+[.)]( |$)|[#>|=]", line), line
