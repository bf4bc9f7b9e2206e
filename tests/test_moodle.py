"""The Moodle export: a Moodle XML file with one Cloze question per variant, read back as Moodle reads it.

The embedded answers are found with Moodle's own regular expressions (question/type/multianswer/
questiontype.php, ANSWER_REGEX and NUMERICAL_ALTERNATIVE_REGEX, ported to Python below), and must
give back the answer key: the same names in the same order, the same values and tolerances.
"""

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from exercises import variants
from katex import katex_errors, needs_katex

from symbackprop.answers import answers_json
from symbackprop.exercise import Asked
from symbackprop.moodle import cdata, html_text, moodle_xml

NAMES = ("z1_1", "a1_2", "loss", "delta2_1", "delta1_2", "dL/dW1[2,1]", "dL/db1[1]", "new W2[1,2]", "loss_after")
SHARED = ("a2_1", "loss", "dL/dW2[1,1]", "dL/db1", "new W1[1,2]", "after a2_1")
HOSTILE = 'Net <script>alert(1)</script> & "q" \'s ]]> {1:NUMERICAL:=5} {#1} \\(x\\) $$y$$ \\begin{x}'
CATEGORY = "Exercise 4 / <week> & ]]>"

# Moodle's regular expressions for embedded answers, as in question/type/multianswer/questiontype.php
# (PHP's lookbehind of alternatives of different lengths becomes three lookbehinds).
_FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
_ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
_FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
_ALTERNATIVE = f"({_FRACTION})?({_ANSWER})(#({_FEEDBACK}))?"
_NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
_NUMERICAL = f"^({_NUMBER})(:{_NUMBER})?$"
_TYPES = (
    "(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
    "(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)|"
    "(MULTICHOICE_S|MCS)|(MULTICHOICE_VS|MCVS)|(MULTICHOICE_HS|MCHS)|"
    "(MULTIRESPONSE|MR)|(MULTIRESPONSE_H|MRH)|(MULTIRESPONSE_S|MRS)|(MULTIRESPONSE_HS|MRHS)"
)
ANSWER_REGEX = re.compile(rf"\{{([0-9]*):({_TYPES}):({_ALTERNATIVE}(~{_ALTERNATIVE})*)\}}", re.S)


def embedded_answers(text):
    """(type, mark, [(fraction, answer, tolerance)]) for each embedded answer, found as Moodle finds them:
    the first match, then the text with it replaced by {#n}, until none is left."""
    found = []
    while match := ANSWER_REGEX.search(text):
        alternatives, rest = [], match[16]
        while alternative := re.match(f"~?{_ALTERNATIVE}", rest, re.S):
            fraction = 1.0 if alternative[1] == "=" else float(alternative[2] or 0) / 100
            numerical = re.match(_NUMERICAL, alternative[3], re.S) if match[3] else None
            if numerical:
                alternatives.append((fraction, numerical[1], numerical[6] or "0"))
            else:
                alternatives.append((fraction, alternative[3], None))
            rest = rest[alternative.end() :]
        found.append(("NUMERICAL" if match[3] else match[2], match[1] or "1", alternatives))
        text = text[: match.start()] + f"{{#{len(found)}}}" + text[match.end() :]
    return found


class _Page(HTMLParser):
    """The tags of an HTML text and its text as a browser shows it (character references read)."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = set(), []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        self.text.append(data)

    @property
    def shown(self):
        return "".join(self.text)


@pytest.fixture(scope="module")
def exercise():
    return variants("bce_sigmoid_2_2_1", NAMES, 3, seed=11, title=HOSTILE)


@pytest.fixture(scope="module")
def quiz(exercise):
    return ET.fromstring(moodle_xml(exercise, CATEGORY))


def _questions(quiz):
    return quiz.findall("question")[1:]


def test_the_file_is_a_category_then_one_cloze_question_per_variant(exercise, quiz):
    assert quiz.tag == "quiz"
    kinds = [q.get("type") for q in quiz.findall("question")]
    assert kinds == ["category"] + ["cloze"] * len(exercise)
    assert len(quiz) == len(kinds)
    category = quiz.find("question/category/text").text
    # One category under symbackprop: the slash in its name is doubled, as Moodle escapes it.
    assert category == "$course$/top/symbackprop/Exercise 4 // <week> & ]]>"
    assert re.split(r"(?<!/)/(?!/)", category)[:3] == ["$course$", "top", "symbackprop"]
    for variant, question in zip(exercise, _questions(quiz)):
        assert question.find("name/text").text == f"Variant {variant.ident}: {HOSTILE}"
        assert question.find("questiontext").get("format") == "html"
        assert question.find("generalfeedback").get("format") == "html"
        assert float(question.find("penalty").text) == pytest.approx(1 / 3, abs=1e-6)
        assert question.find("hidden").text == "0"


def test_every_embedded_answer_is_the_answer_key_in_order(exercise, quiz):
    key = json.loads(answers_json(exercise))
    for variant, question in zip(exercise, _questions(quiz)):
        answers = embedded_answers(question.find("questiontext/text").text)
        expected = [entry for entry in key if entry["variant"] == variant.ident]
        assert len(answers) == len(expected) == len(NAMES)  # the hostile title adds none
        for (kind, mark, alternatives), entry in zip(answers, expected):
            assert (kind, mark) == ("NUMERICAL", "1")
            ((fraction, value, tolerance),) = alternatives
            assert fraction == 1.0
            assert re.fullmatch(r"-?\d+(\.\d+)?", value)  # a decimal point, no exponent
            # The key's value to twelve significant figures (float noise such as ...00000008 dropped).
            assert len(value.lstrip("-").replace(".", "").lstrip("0")) <= 12
            assert float(value) == pytest.approx(entry["value"], rel=1e-11, abs=1e-15)
            assert float(tolerance) == entry["tolerance"]


def test_each_answer_sits_in_the_row_that_names_its_quantity(exercise, quiz):
    """The blanks follow the rows of the table: row n names the n-th asked quantity in the notation."""
    from symbackprop.quantities import latex

    notation = exercise[0].spec.notation
    text = _questions(quiz)[0].find("questiontext/text").text
    rows = re.findall(
        r"<tr><td>(\d+)</td><td>\\\((.*?)\\\)</td><td>[^<]*</td><td>(\{1:NUMERICAL:[^}]*\})</td></tr>", text
    )
    assert [int(number) for number, _, _ in rows] == list(range(1, len(NAMES) + 1))
    assert [name for _, name, _ in rows] == [rf"\displaystyle {latex(name, notation)}" for name in NAMES]


def test_the_question_gives_the_numbers_of_its_own_variant_and_no_answer(exercise, quiz):
    for variant, question in zip(exercise, _questions(quiz)):
        page = _Page(question.find("questiontext/text").text)
        shown = page.shown
        assert f"variant {variant.ident}" in shown
        for name, value in variant.spec.numeric_parameters().items():
            for v in value.flat:
                figure = f"{v:.2f}" if v else "0"  # a zero prints as 0
                assert rf"\({figure}\)" in shown, (variant.ident, name)
        assert r"\(\eta = 0.5\)" in shown
        # The answers are only in the embedded answers, never shown rounded.
        visible = ANSWER_REGEX.sub("", shown)
        for asked in variant.asked:
            assert f"{asked.value:.4f}" not in visible, asked.name


def test_the_feedback_gives_each_answer_to_its_decimals(exercise, quiz):
    for variant, question in zip(exercise, _questions(quiz)):
        shown = _Page(question.find("generalfeedback/text").text).shown
        for asked in variant.asked:
            assert rf"\({asked.value:.{asked.decimals}f}\)".replace("-0.0000", "0.0000") in shown, asked.name


def test_user_text_stays_text(exercise, quiz):
    for question in _questions(quiz):
        raw = question.find("questiontext/text").text
        page = _Page(raw)
        assert page.tags <= {"p", "strong", "h4", "ul", "li", "table", "thead", "tbody", "tr", "th", "td"}
        # The title is shown as written, once the invisible joiners that break \( and $$ are taken out.
        assert HOSTILE in page.shown.replace("\u2060", "")
        assert r"\(x\)" not in page.shown and "$$" not in page.shown
        assert "{1:NUMERICAL:=5}" not in raw and "{#1}" not in raw


def test_a_cdata_end_in_the_text_cannot_close_the_section():
    assert ET.fromstring(f"<t>{cdata('a ]]> <b> ]]>]]>')}</t>").text == "a ]]> <b> ]]>]]>"
    assert html_text("]]>") == "]]&gt;"


@needs_katex
def test_every_formula_renders_with_katex(exercise, quiz):
    spans = []
    for question in _questions(quiz):
        for part in ("questiontext/text", "generalfeedback/text"):
            shown = _Page(question.find(part).text).shown
            assert shown.count(r"\(") == shown.count(r"\)")
            spans += [{"tex": tex, "display": False} for tex in re.findall(r"\\\((.*?)\\\)", shown, re.S)]
    assert len(spans) > 20
    assert katex_errors(spans) == ""


def test_a_network_in_another_notation_exports_too():
    drawn = variants("squared_error_2_2_1_shared_bias", SHARED, 2, seed=5)
    quiz = ET.fromstring(moodle_xml(drawn, "net-out"))
    key = json.loads(answers_json(drawn))
    found = [
        (float(value), float(tolerance))
        for question in _questions(quiz)
        for _, _, ((_, value, tolerance),) in embedded_answers(question.find("questiontext/text").text)
    ]
    assert found == [(pytest.approx(entry["value"], rel=1e-11, abs=1e-15), entry["tolerance"]) for entry in key]
    assert r"\(\displaystyle \mathrm{out}_{o1}\)" in _Page(_questions(quiz)[0].find("questiontext/text").text).shown


@pytest.mark.parametrize("category", ["", "   "])
def test_a_category_needs_a_name(exercise, category):
    with pytest.raises(ValueError, match="category"):
        moodle_xml(exercise, category)


def test_a_quantity_the_network_does_not_have_is_refused(exercise):
    """a3_1 has the shape of a canonical name, but the network has two layers."""
    wrong = dataclasses.replace(exercise[0], asked=(Asked("a3_1", 0.5, 5e-05, 4),))
    with pytest.raises(ValueError, match="a3_1"):
        moodle_xml([wrong], "x")
