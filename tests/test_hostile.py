"""The hostile-spec corpus: specs and command lines written by someone trying to do harm.

Each case states the exact behaviour: the error fragment, exit status 2, one
line, nothing read or left behind. Cases run through :func:`limited.run_limited`
(a forked child with a time and a memory limit), so a defence that regresses
fails its test instead of hanging CI. docs/security.md describes the threat
model these cases come from. Classes: tex, markdown, terminal, files, resources,
numbers.
"""

import html
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from limited import run_limited
from networks import SMALL_SPEC

from symbackprop import budget, parse

ROOT = Path(__file__).resolve().parent.parent
HAS_TEX = shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None
needs_tex = pytest.mark.skipif(not HAS_TEX, reason="latexmk/pdflatex not installed (.ci/run installs them)")

BASE = SMALL_SPEC


def titled(title):
    """BASE with another title, written as a TOML basic string (JSON's escapes are TOML's)."""
    return BASE.replace('title = "A small network"', "title = " + json.dumps(title))


def named(**names):
    """BASE with [notation.names] overrides."""
    lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in names.items())
    return BASE + "[notation.names]\n" + lines


def custom(expression, loss="squared_error", w=0.5, x=1.0, y=0.0, name="f"):
    """A one-unit network whose output applies a custom activation."""
    return f"""\
[network]
inputs = 1
layers = [{{ units = 1, activation = {{ name = "{name}", variable = "t", expression = "{expression}" }} }}]
[loss]
kind = "{loss}"
[parameters]
W1 = [[{w}]]
b1 = [0.0]
[data]
x = [[{x}]]
y = [[{y}]]
"""


def network(widths, samples=1, steps=1, output="sigmoid", loss="bce", mode="sample", bias="per-neuron"):
    """A full spec for ``widths`` (inputs first) with small numbers, valid however large."""
    layers = ", ".join(
        f'{{ units = {w}, activation = "{output if i == len(widths) - 2 else "tanh"}" }}'
        for i, w in enumerate(widths[1:])
    )
    lines = [f"[network]\ninputs = {widths[0]}\nbias = {json.dumps(bias)}\nlayers = [{layers}]"]
    lines.append(f'[loss]\nkind = "{loss}"\n[parameters]')
    for l in range(1, len(widths)):
        row = "[" + ", ".join("0.01" for _ in range(widths[l - 1])) + "]"
        lines.append(f"W{l} = [" + ", ".join(row for _ in range(widths[l])) + "]")
        if bias == "per-neuron":
            lines.append(f"b{l} = [" + ", ".join("0.1" for _ in range(widths[l])) + "]")
    x = "[" + ", ".join("0.5" for _ in range(widths[0])) + "]"
    y = "[" + ", ".join("1" if j == 0 else "0" for j in range(widths[-1])) + "]"
    lines.append(f"[data]\nx = [{', '.join(x for _ in range(samples))}]\ny = [{', '.join(y for _ in range(samples))}]")
    lines.append(f'[training]\nsteps = {steps}\nmode = "{mode}"')
    return "\n".join(lines) + "\n"


def architecture_only(widths, output="sigmoid", loss="bce"):
    """Just the network and the loss: enough for the architecture's cost to be checked (and refused)."""
    layers = ", ".join(
        f'{{ units = {w}, activation = "{output if i == len(widths) - 2 else "tanh"}" }}'
        for i, w in enumerate(widths[1:])
    )
    return f'[network]\ninputs = {widths[0]}\nlayers = [{layers}]\n[loss]\nkind = "{loss}"\n[parameters]\n[data]\n'


OVERFLOWS_ON_SAMPLE_2 = (
    custom("exp(t)").replace("x = [[1.0]]", "x = [[1.0], [2000.0]]").replace("y = [[0.0]]", "y = [[0.0], [0.0]]")
)


def sum_overflows():
    """40 samples whose losses are each finite (about 1e306) but whose sum is not."""
    layers = ", ".join('{ units = 1, activation = "linear" }' for _ in range(5))
    parameters = "\n".join(f"W{l} = [[8.9e24]]\nb{l} = [0.0]" for l in range(1, 6))
    x, y = ", ".join(["[1e29]"] * 40), ", ".join(["[0.0]"] * 40)
    return (
        f'[network]\ninputs = 1\nlayers = [{layers}]\n[loss]\nkind = "squared_error"\n[parameters]\n{parameters}\n'
        f'[data]\nx = [{x}]\ny = [{y}]\n[training]\nmode = "batch"\n'
    )


def custom_hidden(expression, units=512):
    """1-UNITS-1 with a custom hidden formula and a linear output."""
    column = ", ".join("[0.1]" for _ in range(units))
    row = ", ".join("0.1" for _ in range(units))
    return f"""[network]
inputs = 1
layers = [{{ units = {units}, activation = {{ name = "f", variable = "t", expression = "{expression}" }} }},
          {{ units = 1, activation = "linear" }}]
[loss]
kind = "squared_error"
[parameters]
W1 = [{column}]
b1 = [{row}]
W2 = [[{row}]]
b2 = [0.0]
[data]
x = [[0.5]]
y = [[0.0]]
"""


def deep_chain(layers, steps):
    """``layers`` layers of one unit, trained for ``steps`` steps."""
    hidden = ", ".join('{ units = 1, activation = "tanh" }' for _ in range(layers))
    parameters = "\n".join(f"W{l} = [[0.9]]\nb{l} = [0.01]" for l in range(1, layers + 1))
    return (
        f'[network]\ninputs = 1\nlayers = [{hidden}]\n[loss]\nkind = "squared_error"\n[parameters]\n{parameters}\n'
        f"[data]\nx = [[1.0]]\ny = [[0.5]]\n[training]\nsteps = {steps}\n"
    )


OVERFLOWING_TOTAL = """\
[network]
inputs = 1
bias = "none"
layers = [{ units = 1, activation = "linear" },{ units = 1, activation = "linear" },{ units = 1, activation = "linear" },
          { units = 1, activation = "linear" },{ units = 1, activation = "linear" }]
[loss]
kind = "squared_error"
[parameters]
W1 = [[9.99e29]]
W2 = [[9.99e29]]
W3 = [[9.99e29]]
W4 = [[9.99e29]]
W5 = [[1.3e4]]
[data]
x = [[0], [9.99e29], [9.99e29], [9.99e29]]
y = [[0], [0], [0], [0]]
"""
NESTED_SINE = "sin(" * 38 + "t" + ")" * 38


def nested(depth):
    return "[" * depth + "1" + "]" * depth


# (id, class, spec text, extra arguments after the spec, fragment of the one error line)
REFUSED = [
    # TeX: user text can never spell a control sequence, a ^^ sequence or half of one.
    ("caret-caret-input", "tex", named(loss="^^5cinput{^^2fetc^^2fhostname}"), [], "notation.names.loss: expected"),
    ("caret-caret-loop", "tex", named(loss="^^5cdef^^5cx{^^5cx}^^5cx"), [], "no ^^"),
    ("caret-caret-in-rate", "tex", named(rate="x^^5c"), [], "notation.names.rate: expected"),
    ("caret-at-end", "tex", named(loss="L^"), [], "notation.names.loss: expected"),
    ("caret-at-start", "tex", named(loss="^5cinput"), [], "notation.names.loss: expected"),
    ("underscore-at-end", "tex", named(loss="L_"), [], "notation.names.loss: expected"),
    ("input-in-name", "tex", named(loss="\\input{/etc/passwd}"), [], "notation.names.loss: expected"),
    ("gdef-in-name", "tex", named(x=["\\gdef\\a{b}", "x_2"]), [], "notation.names.x[1]: expected"),
    ("command-prefix", "tex", named(loss="\\hatinput"), [], "notation.names.loss: expected"),
    ("mathrm-input", "tex", named(loss="\\mathrm{\\input{x}}"), [], "notation.names.loss: expected"),
    ("unbalanced-brace", "tex", named(loss="L}}\\input{x}{{"), [], "notation.names.loss: expected"),
    ("catcode", "tex", named(rate="\\catcode"), [], "notation.names.rate: expected"),
    ("double-superscript", "tex", named(loss="a^b^c"), [], "notation.names.loss: expected"),
    ("double-subscript", "tex", named(loss="a_{b}_{c}"), [], "notation.names.loss: expected"),
    ("bare-accent", "tex", named(loss="\\hat"), [], "notation.names.loss: expected"),
    ("accent-as-script", "tex", named(loss="x^\\hat{y}"), [], "notation.names.loss: expected"),
    ("name-root", "tex", custom("t/2", name="root"), [], "'root' is reserved"),
    ("name-frac", "tex", custom("t/2", name="frac"), [], "'frac' is reserved"),
    ("name-re", "tex", custom("t/2", name="re"), [], "'re' is reserved"),
    ("name-sqrt", "tex", custom("t/2", name="sqrt"), [], "'sqrt' is reserved"),
    ("name-with-backslash", "tex", custom("t/2", name="\\\\input"), [], ".name: expected a short name"),
    ("leading-zero-index", "tex", named(W01=[["a", "b"], ["c", "d"]]), [], "notation.names.W01: unknown name"),
    # Markdown: a title is one line, so it cannot start a block or close a heading.
    ("title-blank-line-rule", "markdown", titled("x\n\n---\n# Answers"), [], "title: control character '\\n'"),
    ("title-carriage-return", "markdown", titled("x\r---"), [], "title: control character '\\r'"),
    ("title-tab", "markdown", titled("a\tb"), [], "title: control character '\\t'"),
    ("title-line-separator", "markdown", titled("a\u2028b"), [], "title: control character '\\u2028'"),
    # Terminal: nothing reaches the terminal raw.
    ("title-escape", "terminal", titled("\x1b[2J\x1b[HGRADE: 100/100"), [], "title: control character '\\x1b'"),
    ("title-bell", "terminal", titled("ding\x07"), [], "title: control character '\\x07'"),
    ("title-bidi-override", "terminal", titled("abc\u202egpj.exe"), [], "title: control character '\\u202e'"),
    ("description-escape", "terminal", 'description = "\\u001b]0;pwned\\u0007"\n' + BASE, [], "description: control"),
    ("title-too-long", "terminal", titled("x" * 301), [], "title: expected a text of at most 300 characters"),
    ("key-escape", "terminal", '"\\u001b[2Jkey" = 1\n' + BASE, [], "'\\x1b[2Jkey': unknown key"),
    ("key-newline", "terminal", '"x\\nGRADE: 100/100" = 1\n' + BASE, [], "'x\\nGRADE: 100/100': unknown key"),
    ("key-very-long", "terminal", '"' + "k" * 40_000 + '" = 1\n' + BASE, [], "unknown key"),
    ("value-one-megabyte", "terminal", BASE.replace('"bce"', '"' + "b" * 1_000_000 + '"'), [], "loss.kind: unknown"),
    ("profile-escape", "terminal", BASE + '[notation]\nprofile = "\\u001b[31mred"\n', [], "'\\x1b[31mred'"),
    ("activation-escape", "terminal", BASE.replace('"sigmoid" }, {', '"\\u001b[1m" }, {'), [], "'\\x1b[1m'"),
    # Resources: costed before the work starts.
    ("degree-4096", "resources", custom("((t+1)**64)**64"), [], "degree is 4096, over the budget of 64"),
    ("degree-262144", "resources", custom("(((t+1)**64)**64)**64"), [], "over the budget of 64"),
    ("rational-degree", "resources", custom("(t+1)**64/(t+2)**64+(t+3)**64/(t+5)**64"), [], "degree is 256"),
    ("huge-exact-number", "resources", custom("((64**64)**64)**64*t"), [], "grows too large"),
    ("tiny-literal", "resources", custom("1e-999*t"), [], "is too small"),
    ("loss-factor-tiny", "resources", BASE.replace('"bce"', '"squared_error"\nfactor = 1e-9999999'), [], "loss.factor"),
    (
        "leaky-slope-tiny",
        "resources",
        BASE.replace('"sigmoid" }, {', '{ name = "leaky_relu", slope = 1e-999999999 } }, {'),
        [],
        "slope: 1E-999999999 is out of range",
    ),
    ("dotted-key-40kb", "resources", "a" + ".a" * 20_000 + " = 1\n" + BASE, [], "a dotted key has more than 16 parts"),
    ("dotted-header", "resources", BASE + "[" + ".".join(["t"] * 5000) + "]\n", [], "more than 16 parts"),
    ("quoted-dotted-key", "resources", '"a"' + '."a"' * 3000 + " = 1\n" + BASE, [], "more than 16 parts"),
    ("arrays-1000-deep", "resources", BASE.replace("x = [[0.1, 0.2], [0.3, 0.4]]", "x = " + nested(1000)), [], "deep"),
    ("tables-1000-deep", "resources", "a = " + "{b = " * 1000 + "1" + "}" * 1000 + "\n" + BASE, [], "nested too"),
    ("integer-5000-digits", "resources", BASE.replace("[0.6]", "[" + "9" * 5000 + "]"), [], "not valid TOML for"),
    (
        "exponent-overflow",
        "resources",
        BASE.replace("[0.6]", "[6e-99999999999999999999]"),
        [],
        "number '6e-99999999999999999999' is out of range",
    ),
    ("digits-100", "resources", BASE.replace("[0.6]", "[0." + "1" * 100 + "]"), [], "significant digits"),
    ("units-billion", "resources", BASE.replace("units = 2", "units = 1000000000"), [], "from 1 to 512"),
    ("layers-1000", "resources", network([1] * 1001), [], "at most 16 layers"),
    ("parameters-512-512-1", "resources", architecture_only([512, 512, 1]), [], "parameters is 263,169, over the"),
    ("softmax-128", "resources", architecture_only([2, 128], "softmax", "cross_entropy"), [], "softmax output units"),
    (
        "steps-times-samples",
        "resources",
        network([64, 64, 10], samples=200, steps=10_000, output="softmax", loss="cross_entropy", mode="batch"),
        [],
        "steps times trained samples times parameters",
    ),
    ("samples-times-units", "resources", network([1, 500, 1], samples=5000), [], "samples times units"),
    ("render-128-128-128-1", "resources", architecture_only([128, 128, 128, 1]), ["render"], "budget of 10,000"),
    ("render-parameters", "resources", network([16, 16, 16, 1]), ["render"], "for a document, the number of param"),
    ("render-samples-300", "resources", network([2, 2, 1], samples=300), ["render"], "for a document, the number of s"),
    ("render-wide-layer", "resources", network([1, 40, 1]), ["render"], "widest layer's units is 40"),
    ("formula-on-512-units", "resources", custom_hidden(NESTED_SINE), [], "units times formula size"),
    ("fractional-power-degree", "resources", custom("(t+1)**(127/2)+(t+3)**(127/2)"), [], "degree is 127"),
    ("steps-times-layers", "resources", deep_chain(16, 10_000), [], "steps times layers is 160,000"),
    ("constant-inside-sine", "resources", custom("t+sin(exp(exp(20)))"), [], "constant in the formula is too large"),
    ("huge-sine-argument", "resources", custom("t*sin(10**20)"), [], "the constant inside sin() is too large"),
    (
        "tower-per-call",
        "resources",
        custom("t" + "**t" * 39)
        .replace("[data]", "[data]")
        .replace("y = [[0.0]]", "y = [[0.0]]\n[training]\nsteps = 10000"),
        [],
        "activation work",
    ),
    # Numbers: nothing complex, infinite or underflowing is accepted.
    ("log-of-minus-one", "numbers", custom("log(-1)+t"), [], "not a real number: 'I*pi'"),
    ("sqrt-of-minus-one", "numbers", custom("sqrt(-1)*t"), [], "not a real number: 'I'"),
    ("cube-root-of-minus-one", "numbers", custom("(-1)**(1/3)*t"), [], "not a real number"),
    ("log-of-zero", "numbers", custom("log(0)*t"), [], "undefined or infinite"),
    ("zero-to-minus-one", "numbers", custom("0**-1+t"), [], "undefined or infinite"),
    ("learning-rate-underflow", "numbers", BASE + "[training]\nlearning_rate = 1e-400\n", [], "out of range"),
    ("learning-rate-zero", "numbers", BASE + "[training]\nlearning_rate = 0\n", [], "expected a positive number"),
    ("learning-rate-nan", "numbers", BASE + "[training]\nlearning_rate = nan\n", [], "expected a finite number"),
    ("weight-infinite", "numbers", BASE.replace("[0.6]", "[inf]"), [], "parameters.b2[1]: expected a finite"),
    ("weight-too-large", "numbers", BASE.replace("[0.6]", "[1e300]"), [], "out of range"),
    (
        "untrained-sample-overflows",
        "numbers",
        OVERFLOWS_ON_SAMPLE_2,
        [],
        "data.x[2]: sample 2: a1_1 is not finite (the custom activation f overflows as written)",
    ),
    ("naive-formula-overflows", "numbers", custom("exp(t)", w=800), [], "custom activation f overflows as written"),
    (
        "update-overflows",
        "numbers",
        BASE.replace('"bce"', '"squared_error"').replace('"sigmoid" }]', '"linear" }]')
        + "[training]\nlearning_rate = 1e29\nsteps = 20\n",
        [],
        "is not finite",
    ),
    ("sum-of-losses-overflows", "numbers", sum_overflows(), [], "training: step 1: the loss is not finite"),
    ("hexadecimal-literal", "numbers", custom("t*0x10"), [], "the number '0x10' (write numbers in decimal)"),
    ("octal-literal", "numbers", custom("t*0o7"), [], "write numbers in decimal"),
    ("negative-base-power", "numbers", custom("(-2)**t"), [], "the formula's derivative is not real"),
    (
        "variable-shadows-function",
        "numbers",
        custom("exp(exp)").replace('variable = "t"', 'variable = "exp"'),
        [],
        "reserved",
    ),
    ("total-loss-overflows", "numbers", OVERFLOWING_TOTAL, [], "training: all samples: the loss is not finite"),
    ("syntax-warning", "numbers", custom("1if t else 2"), [], "'IfExp' syntax is not allowed"),
    ("activation-name-list", "numbers", BASE.replace('"sigmoid" }, {', '{ name = ["x"] } }, {'), [], ".name: expected"),
    ("activation-name-number", "numbers", BASE.replace('"sigmoid" }, {', "{ name = 5 } }, {"), [], ".name: expected"),
    ("decimals-huge", "numbers", BASE + "[notation]\ndecimals = 1000000000\n", [], "notation.decimals: expected"),
]


@pytest.mark.parametrize(
    ("text", "extra", "fragment"),
    [pytest.param(text, extra, fragment, id=f"{kind}-{name}") for name, kind, text, extra, fragment in REFUSED],
)
def test_hostile_spec_is_refused_with_one_line(text, extra, fragment, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(text, encoding="utf-8")
    argv = [*extra, str(spec)] if extra else ["grad", str(spec), "--json"]
    run = run_limited(argv, seconds=20, megabytes=1024, cwd=tmp_path)
    assert run.signal is None, f"killed by signal {run.signal}"
    assert run.status == 2, run.err
    assert run.one_error_line, run.err
    assert fragment in run.err
    assert run.out == ""
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f]", run.err), "a raw control character reached the terminal"
    assert len(run.err) <= budget.MAX_MESSAGE + 30
    assert run.seconds < 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]


def test_the_corpus_covers_every_class_with_more_than_sixty_cases():
    counts = {}
    for _, kind, *_ in REFUSED:
        counts[kind] = counts.get(kind, 0) + 1
    assert len(REFUSED) >= 60
    assert all(counts[kind] >= 4 for kind in ("tex", "markdown", "terminal", "resources", "numbers"))


# -- accepted, but shown literally or computed stably ------------------------------------------


def test_formula_below_the_degree_budget_finishes_quickly(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(custom("(t+1)**16/(t+2)**16+(t+3)**16/(t+5)**16"), encoding="utf-8")
    for argv in (["grad", str(spec), "--json"], ["render", str(spec)]):
        run = run_limited(argv, seconds=20, megabytes=1024)
        assert run.status == 0, run.err
        assert run.seconds < 10


def test_many_steps_at_the_edge_of_the_budget_keep_memory_flat(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(network([64, 128, 10], steps=10_000, output="softmax", loss="cross_entropy"), encoding="utf-8")
    run = run_limited(["grad", str(spec), "--json"], seconds=60, megabytes=600)
    assert run.status == 0, run.err
    assert json.loads(run.out)["loss_after"] < json.loads(run.out)["loss"]


def _strict_json(text):
    def refuse(constant):
        raise AssertionError(f"JSON holds {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    ("formula", "built_in", "loss", "w", "y"),
    [
        ("1/(1+exp(-t))", "sigmoid", "bce", 40.0, 1.0),
        ("exp(t)/(1+exp(t))", "sigmoid", "bce", -800.0, 0.0),
        ("log(1+exp(t))", "softplus", "squared_error", 1000.0, 0.0),
        ("(exp(t)-exp(-t))/(exp(t)+exp(-t))", "tanh", "squared_error", 900.0, 0.5),
    ],
)
def test_a_naive_formula_of_a_built_in_computes_like_the_built_in(formula, built_in, loss, w, y, tmp_path):
    naive, stable = tmp_path / "naive.toml", tmp_path / "stable.toml"
    naive.write_text(custom(formula, loss=loss, w=w, y=y), encoding="utf-8")
    stable.write_text(
        custom(formula, loss=loss, w=w, y=y).replace(
            f'{{ name = "f", variable = "t", expression = "{formula}" }}', f'"{built_in}"'
        ),
        encoding="utf-8",
    )
    runs = [run_limited(["grad", str(path), "--json"], seconds=20) for path in (naive, stable)]
    assert [run.status for run in runs] == [0, 0], runs[0].err + runs[1].err
    assert _strict_json(runs[0].out) == _strict_json(runs[1].out)


def _as_rendered(markdown):
    """The text a CommonMark renderer shows for inline ``markdown``: backslash escapes and entities resolved."""
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown))


MARKDOWN_TITLES = {
    "list-marker": "- item",
    "ordered-list": "1. first",
    "heading": "## Answers",
    "quote": "> quoted",
    "setext": "===",
    "math-parentheses": r"\(x\)",
    "math-brackets": r"\[x\]",
    "math-dollars": "$$x$$ and $y$",
    "math-environment": r"\begin{equation}w\end{equation}",
    "html-script": "<script>alert(1)</script>",
    "html-comment": "<!-- hidden",
    "link": "[a](javascript:alert(1))",
    "image-beacon": "![x](http://example.com/track.png)",
    "autolink": "<http://example.com>",
    "code-span": "`c`",
    "code-fence": "```",
    "table": "a | b",
    "bare-web-address": "see https://evil.example/login",
    "bare-www": "www.evil.example",
    "bare-mail": "mail admin@evil.example",
    "emphasis": "*a* __b__ ~~c~~",
    "everything": r"- \(x\) $$y$$ \[z\] \begin{equation}w\end{equation} <b>[a](javascript:alert(1))</b> | `c` <!--",
}


@pytest.mark.parametrize("title", MARKDOWN_TITLES.values(), ids=MARKDOWN_TITLES.keys())
def test_markdown_title_opens_no_math_and_no_block(title):
    heading = render_spec_text(titled(title), "markdown").splitlines()[0]
    assert heading.startswith("# ") and not heading.startswith("# #")
    assert not re.match(r"# ([-+=]|\d+[.)])", heading)  # not a list item or a setext underline
    assert "<" not in heading  # no HTML, no autolink: every < is an entity
    assert not re.search(r"://|www\.|\w@", heading)  # no bare address that GitHub would turn into a link
    assert not re.search(r"(?<!\\)[\[\]`|*_~]", heading)  # no link, image, code, table cell or emphasis
    shown = _as_rendered(heading)
    # What a page's math renderer (MathJax, KaTeX auto-render) scans: no delimiter, no command.
    for delimiter in (r"\(", r"\[", "$$", r"\begin"):
        assert delimiter not in shown, delimiter
    assert shown.replace("\u2060", "") == "# " + title  # and yet the reader sees exactly the title


def test_latex_title_cannot_form_ligatures_or_commands():
    latex = render_spec_text(titled("a--b---c ?`x ''q'' ,,z \\input{x} ^^5c 中"), "latex")
    title = next(line for line in latex.splitlines() if line.startswith(r"{\LARGE "))
    assert "--" not in title and "''" not in title and ",," not in title and "?`" not in title
    assert r"\input" not in title and "^^" not in title
    assert r"\texttt{[U+4E2D]}" in title


def render_spec_text(text, fmt):
    from symbackprop.document import build
    from symbackprop.evaluation import train
    from symbackprop.render import render

    return render(build(train(parse(text))), fmt)


@needs_tex
def test_hostile_title_in_the_pdf_is_literal_and_reads_nothing(tmp_path):
    hostname = Path("/etc/hostname").read_text(encoding="utf-8").strip() if Path("/etc/hostname").exists() else None
    title = "^^5cinput{^^2fetc^^2fhostname} \\input{/etc/hostname} a--b ?`c 中"
    spec = tmp_path / "spec.toml"
    spec.write_text(titled(title), encoding="utf-8")
    run = run_limited(["render", str(spec), "--format", "latex", "-o", str(tmp_path / "doc.pdf"), "--pdf"], seconds=60)
    assert run.status == 0, run.err
    shown = subprocess.run(["pdftotext", str(tmp_path / "doc.pdf"), "-"], capture_output=True, text=True).stdout
    first = " ".join(shown.split()[:12])
    assert "^^5cinput{^^2fetc^^2fhostname}" in first and "\\input{/etc/hostname}" in first
    assert "a--b" in first and "?`c" in first and "[U+4E2D]" in first
    if hostname and len(hostname) >= 6:
        assert hostname not in shown


# -- the TeX sandbox holds even if user text got through --------------------------------------


@needs_tex
def test_tex_cannot_read_or_write_outside_its_folder_even_if_the_whitelist_were_bypassed(tmp_path):
    from symbackprop.errors import SpecError
    from symbackprop.tex import compile_pdf

    secret = tmp_path / "secret.tex"
    secret.write_text("SECRETCONTENT42\n", encoding="utf-8")
    # The scratch folder is a fresh folder in the temporary folder, so this climbs out of it to the secret.
    climb = "../" + os.path.relpath(secret, tempfile.gettempdir())
    reader = rf"""\documentclass{{article}}\begin{{document}}
start \newread\r \openin\r={secret} \ifeof\r NOFILE\else\read\r to\x GOT \x\fi \closein\r
\openin\r={climb} \ifeof\r NORELATIVE\else\read\r to\y GOT \y\fi \closein\r
\IfFileExists{{{secret}}}{{EXISTS}}{{NOTEXISTS}} end
\end{{document}}"""
    pdf = tmp_path / "reader.pdf"
    pdf.write_bytes(compile_pdf(reader))
    shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "NOFILE" in shown and "NORELATIVE" in shown and "NOTEXISTS" in shown
    assert "SECRETCONTENT42" not in shown
    with pytest.raises(SpecError, match="LaTeX failed"):
        compile_pdf(rf"\documentclass{{article}}\begin{{document}}\input{{{secret}}}\end{{document}}")
    with pytest.raises(SpecError, match="LaTeX failed"):
        compile_pdf(
            rf"\documentclass{{article}}\begin{{document}}\newwrite\w\immediate\openout\w={tmp_path}/out.txt"
            r"\immediate\write\w{x}\end{document}"
        )
    assert not (tmp_path / "out.txt").exists()
    with pytest.raises(SpecError, match="LaTeX failed"):
        compile_pdf(r"\documentclass{article}\begin{document}\immediate\write18{touch pwned}\input|ls \end{document}")


def _processes_in(folder):
    """Processes whose working folder is inside ``folder`` (TeX runs in its scratch folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and os.readlink(entry / "cwd").startswith(str(folder)):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _none_left_in(folder, seconds=5):
    """Whether every process in ``folder`` is gone (a killed process takes a moment to disappear)."""
    deadline = time.monotonic() + seconds
    while _processes_in(folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _processes_in(folder) == []


@needs_tex
def test_a_tex_loop_is_killed_at_the_time_limit_and_leaves_nothing(tmp_path, monkeypatch):
    from symbackprop.errors import SpecError
    from symbackprop.tex import compile_pdf

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    start = time.monotonic()
    with pytest.raises(SpecError, match="ran for more than 3 s and was stopped"):
        compile_pdf(r"\documentclass{article}\begin{document}\def\x{\x}\x\end{document}", seconds=3)
    assert time.monotonic() - start < 20
    assert list(tmp_path.iterdir()) == []
    assert _none_left_in(tmp_path)


LOOP_TEMPLATE = r"\documentclass{article}\begin{document}\def\x{\x}\x\end{document}" + "\n"


@needs_tex
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_pdf_kills_tex_and_leaves_nothing(stop, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "document.tex.j2").write_text(LOOP_TEMPLATE, encoding="utf-8")
    scratch, out = tmp_path / "tmp", tmp_path / "out"
    scratch.mkdir()
    out.mkdir()
    command = [sys.executable, "-m", "symbackprop", "render", "--format", "latex", "--pdf"]
    command += ["-o", str(out / "doc.tex"), "--template-dir", str(templates)]
    process = subprocess.Popen(
        command, env={**os.environ, "TMPDIR": str(scratch)}, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while not _processes_in(scratch) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_in(scratch), "TeX never started"
    process.send_signal(stop)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 128 + stop
    assert err.strip() == f"symbackprop: stopped by signal {signal.Signals(stop).name}; no file is left half-written"
    assert _none_left_in(scratch)
    assert list(scratch.iterdir()) == []
    assert list(out.iterdir()) == []


# -- output files -----------------------------------------------------------------------------


def _render_to(target, *more):
    return run_limited(["render", "bce_sigmoid_2_2_1", "-o", str(target), *more], seconds=60)


def test_output_refuses_a_fifo(tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    run = _render_to(fifo)
    assert run.status == 2 and "is not a regular file" in run.err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_output_refuses_a_device():
    run = _render_to("/dev/null")
    assert run.status == 2 and "/dev/null is not a regular file" in run.err
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_output_refuses_a_read_only_file(tmp_path):
    kept = tmp_path / "kept.md"
    kept.write_text("keep me\n", encoding="utf-8")
    kept.chmod(0o444)
    run = _render_to(kept)
    assert run.status == 2 and "is read-only" in run.err
    assert kept.read_text(encoding="utf-8") == "keep me\n"


def test_output_refuses_a_symbolic_link(tmp_path):
    real = tmp_path / "real.md"
    real.write_text("real\n", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    run = _render_to(link)
    assert run.status == 2 and "is a symbolic link" in run.err
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "real\n"


def test_output_refuses_a_folder_and_a_missing_folder(tmp_path):
    assert "is not a regular file" in _render_to(tmp_path).err
    assert "does not exist" in _render_to(tmp_path / "no" / "doc.md").err


def test_spec_path_that_is_a_fifo_or_device_is_not_read(tmp_path):
    fifo = tmp_path / "spec.toml"
    os.mkfifo(fifo)
    for source in (fifo, "/dev/zero"):
        run = run_limited(["grad", str(source)], seconds=10)
        assert run.status == 2 and "no such spec file" in run.err


def test_oversized_spec_file_is_refused_without_reading_it_all(tmp_path):
    spec = tmp_path / "big.toml"
    spec.write_text(BASE + "#" * budget.MAX_SPEC_BYTES, encoding="utf-8")
    run = run_limited(["grad", str(spec)], seconds=10)
    assert run.status == 2 and f"over the budget of {budget.MAX_SPEC_BYTES:,} bytes" in run.err


@needs_tex
def test_pdf_output_named_pdf_keeps_the_source_beside_it(tmp_path):
    run = _render_to(tmp_path / "doc.pdf", "--format", "latex", "--pdf")
    assert run.status == 0, run.err
    assert (tmp_path / "doc.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "doc.tex").read_text(encoding="utf-8").startswith(r"\pdftrailerid")
    assert "doc.tex (LaTeX) and " in run.err and run.err.rstrip().endswith("doc.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.pdf", "doc.tex"]


@needs_tex
def test_failed_pdf_writes_nothing_and_keeps_the_old_pair(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "document.tex.j2").write_text(
        r"\documentclass{article}\begin{document}\undefinedcommand\end{document}" + "\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "doc.tex").write_text("old source\n", encoding="utf-8")
    (out / "doc.pdf").write_bytes(b"old pdf")
    run = _render_to(out / "doc.tex", "--format", "latex", "--pdf", "--template-dir", str(templates))
    assert (
        run.status == 2 and "LaTeX failed: ! Undefined control sequence" in run.err and "nothing was written" in run.err
    )
    assert (out / "doc.tex").read_text(encoding="utf-8") == "old source\n"
    assert (out / "doc.pdf").read_bytes() == b"old pdf"
    assert sorted(p.name for p in out.iterdir()) == ["doc.pdf", "doc.tex"]


def test_render_of_a_spec_over_the_document_budget_writes_nothing(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(network([16, 16, 16, 1]), encoding="utf-8")
    run = run_limited(["render", str(spec), "-o", str(tmp_path / "doc.md")], seconds=20)
    assert run.status == 2 and "for a document" in run.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]


def test_a_reader_that_goes_away_is_not_an_error_trace():
    process = subprocess.Popen(
        [sys.executable, "-m", "symbackprop", "examples"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()  # the reader is gone before anything is written, as with `| head -1` on a slow writer
    err = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=60) == 1
    assert err == ""


def test_internal_errors_are_one_line_with_status_3(monkeypatch, capsys):
    from symbackprop import cli

    def broken(_argv):
        raise KeyError("boom")

    monkeypatch.setattr(cli, "_run", broken)
    assert cli.main([]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("symbackprop: internal error: KeyError")


# -- found by a red-team review, accepted but shown honestly -------------------------------------

SATURATED = """\
[network]
inputs = 1
layers = [{ units = 1, activation = "sigmoid" }]
[loss]
kind = "bce"
[parameters]
W1 = [[1]]
b1 = [40]
[data]
x = [[0], [0]]
y = [[0], [1]]
[training]
mode = "batch"
verify = true
"""


@pytest.mark.parametrize("argv", [["grad"], ["render"], ["render", "--format", "latex"]], ids=["grad", "md", "tex"])
def test_saturated_sigmoid_with_bce_shows_no_nan(argv, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SATURATED, encoding="utf-8")
    run = run_limited([argv[0], str(spec), *argv[1:]], seconds=20)
    assert run.status == 0, run.err
    assert "nan" not in run.out.lower()


def test_a_loss_of_zero_has_no_percentage(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(custom("t/2", w=0.0, y=0.0) + "[training]\nverify = true\n", encoding="utf-8")
    tables, document = (run_limited([*argv, str(spec)], seconds=20) for argv in (["grad"], ["render"]))
    assert "change: none (the loss was 0)" in tables.out
    assert "no percentage of it applies" in document.out and "NaN" not in document.out


@pytest.mark.parametrize("formula", ["t + log(10**30)", "t + cos(10**14)", "t + atan(10**64)"])
def test_exact_constants_reach_numpy_as_floats(formula, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(custom(formula), encoding="utf-8")
    run = run_limited(["grad", str(spec), "--json"], seconds=20)
    assert run.status == 0, run.err
    assert _strict_json(run.out)["loss"] > 0


def test_a_near_look_alike_of_a_built_in_is_not_simplified_for_minutes(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(custom("1/(1+exp(-t)) + 1e-30*(sin(t)+cos(t))**60"), encoding="utf-8")
    run = run_limited(["grad", str(spec), "--json"], seconds=20)
    assert run.status == 0, run.err
    assert run.seconds < 10


def test_replacing_a_file_keeps_its_permissions(tmp_path):
    private = tmp_path / "private.md"
    private.write_text("old\n", encoding="utf-8")
    private.chmod(0o600)
    assert _render_to(private).status == 0
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_text(encoding="utf-8") != "old\n"


def test_a_full_or_closed_standard_output_is_one_error_line():
    full = subprocess.run(
        f"{sys.executable} -m symbackprop grad > /dev/full", shell=True, capture_output=True, text=True
    )
    assert (
        full.returncode == 2
        and full.stderr.strip() == "symbackprop: error: cannot write the output (No space left on device)"
    )
    closed = subprocess.run(f"{sys.executable} -m symbackprop grad >&-", shell=True, capture_output=True, text=True)
    assert closed.returncode == 2 and "standard output is closed" in closed.stderr
    assert closed.stderr.count("\n") == 1


def test_a_title_that_looks_like_a_dotted_key_is_a_title():
    assert parse(titled("Lecture 1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17")).title.startswith("Lecture 1.2.3")


@needs_tex
def test_custom_names_and_letters_t1_lacks_still_compile(tmp_path):
    spec = tmp_path / "spec.toml"
    text = custom("t/2", name="Xscr").replace("[network]", 'title = "Ħ ŉ ſ ł"\n[network]')
    spec.write_text(text, encoding="utf-8")
    run = run_limited(["render", str(spec), "--format", "latex", "-o", str(tmp_path / "doc.tex"), "--pdf"], seconds=60)
    assert run.status == 0, run.err
    assert r"\operatorname{Xscr}" in (tmp_path / "doc.tex").read_text(encoding="utf-8")
