"""The HTML page (render --format html): well formed, offline, safe, and its chains right.

Each check compares the page with something computed apart from the code that made it: the Markdown
of the same run (its formulas), the architecture (the diagram's units and edges, each gradient's
chain, found here by walking the network's graph), the standard library (the script's hash).
"""

import base64
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from symbackprop import parse
from symbackprop.cli import render_spec
from symbackprop.document import build
from symbackprop.errors import SpecError
from symbackprop.evaluation import train
from symbackprop.mathml import mathml
from symbackprop.new import new_spec
from symbackprop.render import render

NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1998/Math/MathML"}
VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "embed", "source", "track", "wbr"}
# In SVG and MathML an element may close itself.
FOREIGN_SELF_CLOSING = {"line", "polygon", "rect", "ellipse", "mspace", "path", "circle"}


def page_of(text):
    spec = parse(text)
    result = train(spec)
    return spec, render(build(result), "html"), render(build(result), "markdown")


def generated(arch, **options):
    frozen = options.pop("frozen", False)
    text = new_spec(arch, seed=options.pop("seed", 1), **options)
    if frozen:
        text = re.sub(r"(?m)^update_biases = true$", "update_biases = false", text)
        assert "update_biases = false" in text
    return text


NETWORKS = {
    "2-2-1": generated("2-2-1"),
    "3-4-4-2 shared bias": generated("3-4-4-2", bias="per-layer", seed=3),
    "3-4-3 softmax": generated("3-4-3", hidden="tanh", output="softmax", seed=7),
    "2-3-2 frozen": generated("2-3-2", frozen=True, seed=2),
    "2-2-2 batch": generated("2-2-2", samples=3, mode="batch", seed=4),
    "2-2-1 no bias": generated("2-2-1", bias="none", seed=5),
}


@pytest.fixture(scope="module", params=sorted(NETWORKS))
def case(request):
    return page_of(NETWORKS[request.param])


class Elements(HTMLParser):
    """Every start tag with its attributes, and whether every element that opened was closed in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.stack, self.errors, self.text = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID and tag not in FOREIGN_SELF_CLOSING:
            self.errors.append(f"<{tag}/> is not a foreign element that may close itself")

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] not in ("script", "style"):
            self.text.append(data)


def elements(page):
    parser = Elements()
    parser.feed(page)
    parser.close()
    return parser


def test_the_page_is_well_formed_and_its_svg_is_xml(case):
    _, page, _ = case
    parsed = elements(page)
    assert parsed.errors == [] and parsed.stack == []
    assert page.startswith("<!DOCTYPE html>\n")
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(svgs) == 1
    root = ET.fromstring(svgs[0])
    assert root.get("class") == "network" and root.get("viewBox")


def test_nothing_is_loaded_from_anywhere_and_nothing_runs_from_an_attribute(case):
    _, page, _ = case
    assert set(re.findall(r"https?://[^\s\"'<>]*", page)) <= NAMESPACES
    attributes = {name for _, attrs in elements(page).tags for name in attrs}
    assert not {name for name in attributes if name.startswith("on")}
    assert not re.search(r"(?i)\b(src|href)\s*=\s*[\"'](?!data:|#[a-z0-9-]+[\"'])", page)  # #section: in the page
    assert re.search(r'<link rel="icon" href="data:,">', page)


def test_the_policy_names_the_one_script_by_its_hash(case):
    _, page, _ = case
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1 and page.count("<script") == 2  # the script, and the chains as data
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode("utf-8")).digest()).decode()
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page).group(1)
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == f"'sha256-{digest}'"
    assert directives["img-src"] == "data:" and directives["style-src"] == "'unsafe-inline'"


def markdown_formulas(markdown):
    """(LaTeX, display) of every formula of the Markdown, in order: each aligned row's two sides, then inline ones."""
    formulas = []
    pattern = re.compile(r"\$\$\n\\begin\{aligned\}\n(.*?)\\end\{aligned\}\n\$\$|(?<!\\)\$(.+?)(?<!\\)\$", re.S)
    for match in pattern.finditer(markdown):
        if match.group(1) is not None:
            for row in match.group(1).split(" \\\\\n"):
                left, right = row.rstrip("\n").split(" &", 1)
                formulas += [(left, True)] if left else []
                formulas.append((right, True))
        else:
            formulas.append((match.group(2), False))
    return formulas


def page_formulas(page):
    """Every ``<math>`` outside the diagram, in order, without the invisible figures that align table columns."""
    text = re.sub(r"<svg .*?</svg>", "", page, flags=re.S)
    found = re.findall(r"<math[ >].*?</math>", text, re.S)
    return [re.sub(r"<mphantom>.*?</mphantom>", "", math) for math in found]


def test_every_formula_is_the_markdowns_as_mathml_and_no_latex_shows(case):
    _, page, markdown = case
    expected = markdown_formulas(markdown)
    shown = page_formulas(page)
    assert len(shown) == len(expected)
    for math, (latex, display) in zip(shown, expected):
        assert math == re.sub(r"<mphantom>.*?</mphantom>", "", mathml(latex, display))
        assert ('display="block"' in math.split(">", 1)[0]) == display
    visible = "".join(elements(re.sub(r"<math[ >].*?</math>", "", page, flags=re.S)).text)
    assert not re.search(r"\$|\\frac|\\begin|\\left|\\mathbf|\\partial|\^\{|_\{", visible)


def test_mathml_draws_our_notation_as_browsers_read_it():
    assert mathml(r"\mathbf{W}") == '<math><mrow><mi mathvariant="normal" class="bold">W</mi></mrow></math>'
    assert mathml(r"\boldsymbol{\delta}") == '<math><mrow><mrow><mi class="bold">δ</mi></mrow></mrow></math>'
    assert "<mi>out</mi>" in mathml(r"\mathrm{out}_{h1}")
    assert "<mo>ˆ</mo>" in mathml(r"\hat{y}")
    assert 'stretchy="true"' not in mathml(r"\sigma{\left(z^{(1)}_{1} \right)}")
    assert 'stretchy="true"' in mathml(r"\left(\frac{1}{2}\right)")
    assert '<mo form="prefix">−</mo>' in mathml(r"L = - y")
    assert '<mspace width="0.1667em" /><mi>log</mi>' in mathml(r"y \log{\left(x \right)}")
    assert "<mi>max</mi>" in mathml(r"\max{\left(0,t \right)}")
    assert mathml(r"\sigma'(z)").startswith('<math><mrow><mrow><mi>σ</mi><mo lspace="0" rspace="0">′</mo></mrow><mo')
    assert "<msup>" not in mathml(r"A''(t)") and "<msup>" in mathml(r"{\sigma'}^{(1)}")
    assert "&" not in mathml(r"\left[\begin{matrix}1 & 2\\3 & 4\end{matrix}\right]").replace("&amp;", "")


@pytest.mark.parametrize(
    ("latex", "named"),
    [
        (r"\text{<script>alert(1)</script>}", "<script>"),
        (r"\href{javascript:x}{y}", "href="),
        (r"\style{x}{y}", "style="),
    ],
)
def test_mathml_refuses_markup_that_latex2mathml_passes_through(latex, named):
    with pytest.raises(SpecError, match=re.escape(f"is not MathML ({named})")):
        mathml(latex)


def units_and_edges(spec):
    """The diagram's units and edges, from the architecture: every unit, a bias node per layer with biases,
    an edge from every node of a layer to every unit of the next, and from the bias node to each unit."""
    widths = spec.architecture.widths()
    units = {f"{l}-{j}" for l, width in enumerate(widths) for j in range(1, width + 1)}
    edges = set()
    for l in range(1, len(widths)):
        edges |= {f"{l}-{j}-{k}" for j in range(1, widths[l] + 1) for k in range(1, widths[l - 1] + 1)}
        if spec.architecture.bias != "none":
            units.add(f"{l}-b")
            edges |= {f"{l}-{j}-b" for j in range(1, widths[l] + 1)}
    return units, edges


def test_the_diagram_names_every_unit_and_edge_of_the_network(case):
    spec, page, _ = case
    tags = elements(page).tags
    units = {a["data-unit"] for t, a in tags if t == "g" and "unit" in a.get("class", "").split()}
    edges = {a["data-edge"] for t, a in tags if t == "g" and "edge" in a.get("class", "").split()}
    bias_nodes = {a["data-unit"] for t, a in tags if t == "g" and a.get("class") == "unit bias"}
    assert (units, edges) == units_and_edges(spec)
    assert bias_nodes == {u for u in units if u.endswith("-b")}


def oracle_chain(spec, gradient):
    """The chain of ``gradient`` by walking the graph: everything downstream of the units the parameter feeds."""
    widths = spec.architecture.widths()
    depth = len(widths) - 1
    batch = spec.mode != "sample"
    at = [f"@{s + 1}" for s in spec.rows] if batch else [""]
    match = re.fullmatch(r"dL/d([Wb])(\d+)(?:\[(\d+)(?:,(\d+))?\])?", gradient)
    kind, l = match.group(1), int(match.group(2))
    fed = [int(match.group(3))] if match.group(3) else list(range(1, widths[l] + 1))
    following = {f"{m}-{h}": [f"{m + 1}-{i}" for i in range(1, widths[m + 1] + 1)] if m < depth else []
                 for m in range(depth + 1) for h in range(1, widths[m] + 1)}  # fmt: skip
    reached, frontier = set(), [f"{l}-{j}" for j in fed]
    while frontier:
        unit = frontier.pop()
        if unit not in reached:
            reached.add(unit)
            frontier += following[unit]
    edges = {f"{target}-{source.split('-')[1]}" for source in reached for target in following[source]}
    quantities = {gradient} | {f"delta{u.replace('-', '_')}{s}" for u in reached for s in at}
    if kind == "W":
        k = int(match.group(4))
        units = reached | {f"{l - 1}-{k}"}
        edges |= {f"{l}-{j}-{k}" for j in fed}
        if l > 1:
            quantities |= {f"a{l - 1}_{k}"} | {f"a{l - 1}_{k}{s}" for s in at}
    else:
        units = reached | {f"{l}-b"}
        edges |= {f"{l}-{j}-b" for j in fed}
    return units, edges, quantities


def gradient_names(spec):
    """Every parameter's gradient the page can select: every weight, every bias unless frozen (or absent)."""
    names = []
    for pname, value in spec.parameters.items():
        if pname.startswith("b") and not spec.update_biases:
            continue
        shape = __import__("numpy").shape(value)
        names += [f"dL/d{pname}" + (f"[{','.join(str(i + 1) for i in index)}]" if index else "")
                  for index in __import__("numpy").ndindex(shape)]  # fmt: skip
    return set(names)


def test_each_gradients_chain_is_the_graph_downstream_of_it(case):
    spec, page, _ = case
    data = re.search(r'<script type="application/json" id="chains">(.*?)</script>', page, re.S).group(1)
    assert "<" not in data and ">" not in data
    chains = json.loads(data)
    assert set(chains) == gradient_names(spec)
    for gradient, chain in chains.items():
        units, edges, quantities = oracle_chain(spec, gradient)
        assert set(chain["units"]) == units, gradient
        assert set(chain["edges"]) == edges, gradient
        assert set(chain["quantities"]) == quantities, gradient


def test_every_gradient_is_selectable_in_the_text_and_points_at_a_chain(case):
    spec, page, _ = case
    tags = elements(page).tags
    selectable = [a for _, a in tags if "data-gradient" in a]
    assert all(a.get("tabindex") == "0" and a.get("role") == "button" for a in selectable)
    rows = {a["data-gradient"] for t, a in tags if t == "tr" and "data-gradient" in a}
    # Every gradient has a row (the update table lists them all), and nothing else is selectable.
    assert rows == gradient_names(spec)
    assert {a["data-gradient"] for a in selectable} == rows
    # The backward pass works a gradient line for the first unit of every layer at least.
    widths = spec.architecture.widths()
    display_rows = re.findall(r'<tr data-gradient="([^"]*)"[^>]*><td class="left">', page)
    assert {f"dL/dW{l}[1,1]" for l in range(1, len(widths))} <= set(display_rows)


def test_error_signal_rows_name_their_quantity(case):
    spec, page, _ = case
    named = set(re.findall(r'<tr[^>]* data-quantity="(delta[^"]*)"', page))
    widths = spec.architecture.widths()
    at = f"@{spec.rows[0] + 1}" if spec.mode != "sample" else ""
    # Every unit's error signal is worked, or given in its layer's table.
    assert named == {f"delta{l}_{j}{at}" for l in range(1, len(widths)) for j in range(1, widths[l] + 1)}


def test_every_section_has_an_anchor_and_the_contents_link_to_them(case):
    _, page, _ = case
    tags = elements(page).tags
    ids = [a["id"] for tag, a in tags if "id" in a]
    sections = [a["id"] for tag, a in tags if tag == "details" and "section" in a.get("class", "")]
    assert len(ids) == len(set(ids)) and len(sections) == page.count("<details")
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in sections)
    assert {"overview", "backward-pass", "update"} <= set(sections)
    links = [a["href"] for tag, a in tags if tag == "a"]
    assert links == [f"#{name}" for name in sections]  # the contents list every section, in order
    assert page.index('<nav class="contents"') < page.index("<main>")


@pytest.mark.parametrize("title", ["</title><script>alert(1)</script>", "{{7*7}} {% raw %} ${x}$ \\frac{1}{2}"])
def test_hostile_titles_show_literally(title):
    text = NETWORKS["2-2-1"].replace('title = "Backpropagation on a 2-2-1 network"', "title = " + json.dumps(title))
    _, page, _ = page_of(text)
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    assert page.count(f"<title>{escaped}</title>") == 1 and page.count(f"<h1>{escaped}</h1>") == 1
    assert page.count("<script") == 2 and "alert(1)</script>" not in page and "49" not in page.split("<main>")[0]
    parsed = elements(page)
    assert parsed.errors == [] and title in "".join(parsed.text)


def test_render_spec_writes_the_default_example_page():
    page = render_spec(None, "html")
    assert page.count('<details open class="section') > 10 and '<svg class="network"' in page
