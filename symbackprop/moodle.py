"""An exercise as Moodle questions: Moodle XML with one Cloze question per variant.

The file holds a category (``$course$/top/symbackprop/<category>``), then one question
of type ``cloze`` per variant. Its text is HTML: the variant's statement (statement.py)
with the network, its numbers and the task, each asked quantity's answer cell an
embedded NUMERICAL answer, ``{1:NUMERICAL:=value:tolerance}``, which Moodle turns into
an input box graded within the absolute tolerance. Its general feedback, shown after
an attempt, lists the answers. Mathematics is written between ``\\(`` and ``\\)`` for
Moodle's MathJax filter.

Moodle reads the file with a regular expression, not as HTML (question/type/multianswer/
questiontype.php): ``{`` followed by digits, a colon and a type starts an embedded
answer, and ``{#1}`` marks where one goes. User text is therefore escaped for HTML and
its braces written as character references, which the browser shows as braces and the
regular expression never matches; a word joiner after each backslash and dollar keeps
MathJax from reading ``\\(`` or ``$$`` in it as mathematics (as render.markdown_escape
does). The HTML sits in CDATA sections, split wherever ``]]>`` occurs.

>>> cloze(0.49100912, 5e-05)
'{1:NUMERICAL:=0.49100912:0.00005}'
>>> html_text("a<b> {1:NUMERICAL:=5} \\\\(x\\\\)")
'a&lt;b&gt; &#123;1:NUMERICAL:=5&#125; \\\\\u2060(x\\\\\u2060)'
"""

import html
import math
import re
from dataclasses import dataclass

from .answers import checked
from .render import Format, environment, html_escape
from .statement import answer_key, plain_number, statement

ROOT = "$course$/top/symbackprop"
PENALTY = "0.3333333"  # Moodle's own default: a third of the mark lost per wrong try in interactive mode
NAME_CHARACTERS = 255  # Moodle keeps at most this many characters of a question's name
_JOINER = "\u2060"  # WORD JOINER, invisible: after \ or $ it keeps MathJax from seeing a delimiter
# Characters XML 1.0 cannot hold at all, escaped or not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TEXT = {"{": "&#123;", "}": "&#125;", "\\": "\\" + _JOINER, "$": "$" + _JOINER}


def html_text(text):
    """``text`` as literal HTML text: no markup, no embedded answer, no mathematics."""
    return re.sub(r"[{}\\$]", lambda m: _TEXT[m.group()], html_escape(text))


def html_math(latex):
    """LaTeX for MathJax inside HTML: escaped for HTML, colons as references (no ``{1:NUMERICAL:`` can form)."""
    return html.escape(str(latex), quote=False).replace(":", "&#58;")


def cloze(value, tolerance):
    """The embedded NUMERICAL answer for ``value`` within the absolute ``tolerance``, written out in full.

    >>> cloze(0.22000000000000008, 0.00005)
    '{1:NUMERICAL:=0.22:0.00005}'
    """
    if not (math.isfinite(value) and math.isfinite(tolerance)):
        raise ValueError(f"an embedded answer needs finite numbers, got {value!r} and {tolerance!r}")
    # Twelve significant figures: far finer than any tolerance, without float noise (0.22000000000000008).
    return f"{{1:NUMERICAL:={plain_number(float(f'{value:.12g}'))}:{plain_number(abs(tolerance))}}}"


def cdata(text):
    """``text`` in CDATA sections: one, or several where ``]]>`` would end it too soon."""
    return "<![CDATA[" + str(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def xml_text(text):
    """``text`` escaped as XML character data."""
    return html.escape(str(text), quote=False)


def category_path(category):
    """The category path of ``category``, one category under :data:`ROOT` (a slash in its name is doubled, as
    Moodle writes it, so it does not start a subcategory)."""
    name = " ".join(str(category).split())
    if not name:
        raise ValueError("the Moodle category needs a name")
    name = name.replace("/", "//")
    if name.startswith("/"):
        name = " " + name
    if name.endswith("/"):
        name += " "
    return f"{ROOT}/{name}"


# The HTML of a question: its own format, which `render --format` does not offer; blocks/<kind>.moodle.j2 draw it
# (MathJax delimiters, Moodle's escaping), apart from blocks/<kind>.html.j2, which draw the worked solution's page.
HTML = Format("moodle", "moodle", ".html", html_text, lambda latex: rf"\({html_math(latex)}\)")


@dataclass(frozen=True)
class Question:
    name: str
    text: str
    feedback: str
    penalty: str = PENALTY


def moodle_xml(variants, category):
    """``variants`` as a Moodle XML file: the category ``category``, then one Cloze question per variant."""
    variants = checked(variants)
    path = category_path(category)
    env = environment(HTML)
    env.filters.update(math=html_math, xml=xml_text, cdata=cdata)
    sections = env.get_template("moodle/sections.html.j2")
    questions = []
    for variant in variants:
        fields = [cloze(asked.value, asked.tolerance) for asked in variant.asked]
        title = variant.spec.title
        text = sections.render(heading=f"{title}: variant {variant.ident}", sections=statement(variant, False, fields))
        feedback = sections.render(heading=f"Variant {variant.ident}", sections=(answer_key(variant),))
        name = f"Variant {variant.ident}: {' '.join(title.split())}"[:NAME_CHARACTERS]
        questions.append(Question(name, text, feedback))
    xml = env.get_template("moodle/quiz.xml.j2").render(category=path, questions=questions)
    bad = _NOT_XML.search(xml)
    if bad:
        raise ValueError(f"the Moodle file would hold the character U+{ord(bad.group()):04X}, which XML forbids")
    return xml
