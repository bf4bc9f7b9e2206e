"""Question and solution sheets: one LaTeX document each, compiled once, read back page by page.

Three variants of two bundled examples (two networks in two notations) make one document of each kind.
"""

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_HALF_UP, Decimal

import pytest
from exercises import variants
from networks import oracle_for, oracle_quantities, plain_of

from symbackprop.document import build
from symbackprop.document.context import Context
from symbackprop.render import render
from symbackprop.sheets import HEADER_CHARACTERS, header, questions_tex, solutions_tex
from symbackprop.statement import describe
from symbackprop.tex import build_pdf

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "latexmk"], capture_output=True).returncode != 0, reason="latexmk not installed"
)

TITLE = r"Week 4 \input{/etc/passwd} ^^5c % & # $x$ {b} _ ~ <i> ]]> -- a title long enough to be cut in the header"
BCE = ("a1_2", "loss", "delta2_1", "delta1_1", "dL/dW1[1,2]", "dL/db2[1]", "new W2[1,1]", "new b1[2]", "loss_after")
SHARED = ("z1_1", "a2_1", "loss", "delta1_2", "dL/dW2[1,2]", "dL/db1", "new W1[2,1]", "after a2_1")
SHARED_DECIMALS = (3, 4, 4, 5, 5, 5, 3, 4)  # mixed: the sheet gets a column of decimals


@pytest.fixture(scope="module")
def drawn():
    return variants("bce_sigmoid_2_2_1", BCE, 2, seed=3) + variants(
        "squared_error_2_2_1_shared_bias",
        SHARED,
        1,
        seed=4,
        first=3,
        title="Shared {bias} & 50% $",
        decimals=SHARED_DECIMALS,
    )


@pytest.fixture(scope="module")
def built(drawn, tmp_path_factory):
    """Both documents rendered and compiled (in parallel), with the text of every page."""
    texts = {"questions": questions_tex(drawn, TITLE), "solutions": solutions_tex(drawn, TITLE)}
    with ThreadPoolExecutor(2) as pool:
        builds = dict(zip(texts, pool.map(build_pdf, texts.values())))
    folder = tmp_path_factory.mktemp("sheets")
    found = {}
    for kind, compiled in builds.items():
        pdf = folder / f"{kind}.pdf"
        pdf.write_bytes(compiled.pdf)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        pages = [page.replace("\u2212", "-") for page in text.split("\f")[:-1]]
        found[kind] = (texts[kind], compiled, pages)
    return found


def _pages_of(pages, ident):
    return [page for page in pages if f"Variant {ident}, page" in page]


def _rounded(value, decimals):
    """``value`` as a figure of ``decimals`` decimals, rounded half away from zero; no "-0.0000"."""
    figure = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{abs(figure) if figure == 0 else figure}"


@pytest.mark.parametrize("kind", ["questions", "solutions"])
def test_both_documents_compile_without_layout_problems(built, kind):
    _, compiled, pages = built[kind]
    assert compiled.pdf.startswith(b"%PDF")
    assert compiled.problems == ()
    assert pages


@pytest.mark.parametrize("kind", ["questions", "solutions"])
def test_every_page_carries_its_variant_and_each_variant_starts_a_new_page(built, drawn, kind):
    _, _, pages = built[kind]
    idents = [re.findall(r"Variant (\d{3}), page (\d+)", page) for page in pages]
    assert all(len(found) == 1 for found in idents), idents
    order = [found[0] for found in idents]
    # Pages run variant by variant, each numbered from 1, and every variant has its own.
    assert [ident for ident, _ in order] == sorted(ident for ident, _ in order)
    assert {ident for ident, _ in order} == {v.ident for v in drawn}
    for variant in drawn:
        numbers = [int(number) for ident, number in order if ident == variant.ident]
        assert numbers == list(range(1, len(numbers) + 1))
        first = _pages_of(pages, variant.ident)[0]
        assert f"Variant {variant.ident}" in first.split(f"Variant {variant.ident}, page")[0]
        # The header names the variant too: the line above its title.
        assert re.search(rf"Variant {variant.ident}\n", first)


def test_no_answer_appears_on_a_question_sheet(built, drawn):
    tex, _, pages = built["questions"]
    text = "\n".join(pages)
    figures = set(re.findall(r"-?\d+\.\d+", text))
    for variant in drawn:
        for asked in variant.asked:
            assert _rounded(asked.value, asked.decimals) not in figures, (variant.ident, asked.name)
            assert _rounded(asked.value, 3) not in figures, (variant.ident, asked.name)
    # The answer cells are empty boxes: one per asked quantity, nothing else in them.
    assert tex.count(r"\framebox[4cm]{\rule[-0.5em]{0pt}{1.6em}}") == sum(len(v.asked) for v in drawn)


def test_each_question_sheet_gives_its_numbers_and_asks_each_quantity(built, drawn):
    tex, _, pages = built["questions"]
    # A variant asking for different decimals gets a column saying how many, and the header no count.
    mixed = sum(len({asked.decimals for asked in variant.asked}) > 1 for variant in drawn)
    assert tex.count("what it is & decimals & your answer \\\\") == mixed == 1
    for variant in drawn:
        text = "\n".join(_pages_of(pages, variant.ident))
        words = " ".join(text.split())
        for value in variant.spec.numeric_parameters().values():
            for v in value.flat:
                assert (f"{v:.2f}" if v else "0") in text, variant.ident
        assert "learning rate η = 0.5" in words
        uniform = len({asked.decimals for asked in variant.asked}) == 1
        assert ("your answer (4 decimals)" in words) == uniform
        # Every asked quantity has its row, with what it is in words.
        ctx = Context(variant.result)
        for asked in variant.asked:
            assert " ".join(describe(asked.name, ctx).split()) in words, asked.name
        assert "Name:" in text


def test_each_solution_is_the_worked_solution_of_its_variant(built, drawn):
    """The body of each variant's document as `render` makes it stands in the solution sheets whole."""
    tex, _, _ = built["solutions"]
    for variant in drawn:
        single = render(build(variant.result), "latex")
        body = single.split("\\end{center}\n", 1)[1].rsplit("\\end{document}", 1)[0]
        assert len(body) > 5000 and body in tex


def test_each_solution_ends_with_the_oracle_answers(built, drawn):
    _, _, pages = built["solutions"]
    for variant in drawn:
        mine = _pages_of(pages, variant.ident)
        answers = "\n".join(mine).rsplit("Answers", 1)[1]
        assert f"The answers of variant {variant.ident}" in answers
        expected = oracle_quantities(oracle_for(variant.spec), plain_of(variant.spec))
        for asked in variant.asked:
            assert _rounded(expected[asked.name], asked.decimals) in answers, asked.name
        for asked in variant.asked:
            assert f"{asked.tolerance:.{asked.decimals + 1}f}" in answers


def test_user_text_is_shown_literally(built):
    for kind in ("questions", "solutions"):
        _, _, pages = built[kind]
        text = "\n".join(pages)
        assert "input{/etc/passwd}" in text and "^^5c % & # $x$ {b} _ ~ <i> ]]>" in text
    # The third variant's own title heads its worked solution.
    assert "Shared {bias} & 50% $" in "\n".join(_pages_of(built["solutions"][2], "003"))


def test_a_long_title_is_cut_at_a_word_in_the_header():
    assert header(TITLE).endswith("\u2026") and len(header(TITLE)) <= HEADER_CHARACTERS
    assert TITLE.startswith(header(TITLE)[:-1])
    assert header("  short \n title ") == "short title"
