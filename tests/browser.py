"""Headless Chromium for the HTML page's tests: open a page as a reader would, and report what is wrong with it.

Playwright drives Debian's Chromium (``/usr/bin/chromium``; Playwright's own browser download is never used). A
:class:`Browser` is started once per test session; :meth:`Browser.open` gives a fresh page at a chosen width,
with every request the page makes and every console error recorded, and every request that is not the page's
own file aborted before it leaves the machine.

Each check takes an opened page and returns a list of problems, one line each, naming the element at fault:
an empty list means the page passes. Tests assert the list is empty; the tests of the harness itself assert that
a deliberately broken page (tests/pages/broken.html) is reported.

Nothing here imports Playwright until a browser is started, so the module loads (and its doctests run) without it.
"""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

# As root, headless and offline: no sandbox (root cannot have one), no GPU, and none of the background connections
# (updates, sync, QUIC probes) that this machine's closed network refuses. No host name is ever resolved either.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
WIDE, NARROW = 1000, 400
TIMEOUT_MS = 5000
HEIGHT = 800


def required():
    """True where a missing browser must fail the tests rather than skip them (``.ci/run`` sets it)."""
    return os.environ.get("SYMBACKPROP_REQUIRE_BROWSER") == "1"


def chromium_path():
    """The Chromium to drive: $SYMBACKPROP_CHROMIUM, else ``chromium`` on the PATH; None when there is none."""
    return shutil.which(os.environ.get("SYMBACKPROP_CHROMIUM") or "chromium")


def missing():
    """Why no browser can be started here ('' when one can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[test]')"
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install chromium; .ci/run installs it)"
    return ""


@dataclass
class Opened:
    """A page open in the browser, with what it asked the network for and what it reported as errors."""

    page: object
    url: str
    requests: list = field(default_factory=list)
    errors: list = field(default_factory=list)


# Content-Security-Policy violations do not all reach the console event, so the page reports them itself.
_WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`));
"""


class Browser:
    """One headless Chromium, started by :meth:`start`, shared by every page that :meth:`open` opens."""

    def __init__(self):
        self._playwright = None
        self._browser = None

    def start(self):
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        return self

    def close(self):
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()

    def open(self, path, width=WIDE, height=HEIGHT, wait=True):
        """Open the file ``path`` via file:// in a new context of the given viewport and wait until it has loaded
        (or, without ``wait``, only until it starts loading: :func:`loaded` waits for the rest, so that pages started
        one after another load side by side)."""
        context = self._browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
        # A page is local and small: what has not happened in a few seconds will not (Playwright waits 30 s).
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(_WATCH_CSP)
        url = Path(path).resolve().as_uri()
        opened = Opened(page=context.new_page(), url=url)

        def keep_local(route):
            if route.request.url.startswith(("file:", "data:")):
                route.continue_()
            else:
                route.abort()

        context.route("**/*", keep_local)
        opened.page.on("request", lambda request: opened.requests.append(request.url))
        opened.page.on("console", lambda message: message.type == "error" and opened.errors.append(message.text))
        opened.page.on("pageerror", lambda error: opened.errors.append(f"uncaught {error}"))
        opened.page.goto(url, wait_until="load" if wait else "commit")
        return opened

    @staticmethod
    def shut(opened):
        opened.page.context.close()


def loaded(opened):
    """``opened``, once its page has loaded."""
    opened.page.wait_for_load_state("load")
    return opened


# A short description of an element for failure messages: tag, classes, data attributes and its text's start.
_DESCRIBE = """
window.__describe = el => {
  const cls = typeof el.className === 'string' ? el.className : (el.className.baseVal || '');
  const data = [...el.attributes].filter(a => a.name.startsWith('data-')).map(a => `${a.name}="${a.value}"`);
  const text = (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 40);
  return `<${el.tagName.toLowerCase()}${cls ? ` class="${cls}"` : ''}${data.length ? ' ' + data.join(' ') : ''}>`
    + (text ? ` "${text}"` : '');
};
"""


def _evaluate(opened, script, argument=None):
    return opened.page.evaluate(f"(argument) => {{ {_DESCRIBE} {script} }}", argument)


# Raw LaTeX a reader must never see: commands and the markup of TeX's math mode.
RAW_LATEX = r"\\frac|\\begin|\\left|\\mathbf|\$\$|\^\{|_\{|\\[a-zA-Z]+"


def raw_latex(opened):
    """Raw LaTeX in the page's visible text (code listings in ``<pre>`` excepted), with the text around it."""
    return _evaluate(
        opened,
        """
        const hidden = [...document.querySelectorAll('pre')].map(pre => [pre, pre.style.display]);
        hidden.forEach(([pre]) => pre.style.display = 'none');
        const text = document.body.innerText;
        hidden.forEach(([pre, display]) => pre.style.display = display);
        const found = [];
        for (const match of text.matchAll(new RegExp(argument, 'g'))) {
          const around = text.slice(Math.max(0, match.index - 30), match.index + 30).replace(/\\s+/g, ' ');
          found.push(`raw LaTeX ${JSON.stringify(match[0])} in the visible text: "...${around}..."`);
        }
        return found;
        """,
        RAW_LATEX,
    )


def math_problems(opened):
    """``<math>`` elements that render to nothing, MathML errors, or no math at all."""
    return _evaluate(
        opened,
        """
        const maths = [...document.querySelectorAll('math')];
        const found = maths.length ? [] : ['no <math> element on the page'];
        for (const m of maths) {
          const box = m.getBoundingClientRect();
          if (!(box.width > 0 && box.height > 0))
            found.push(`<math> of size ${box.width}x${box.height}: ${__describe(m)} ${m.outerHTML.slice(0, 80)}`);
        }
        for (const e of document.querySelectorAll('merror'))
          found.push(`MathML error <merror>: "${e.textContent.trim().slice(0, 60)}"`);
        return found;
        """,
    )


def overflow(opened):
    """Anything wider than the viewport, except inside a container that scrolls horizontally."""
    return _evaluate(
        opened,
        """
        const width = window.innerWidth, found = [];
        const page = document.documentElement.scrollWidth;
        if (page > width) found.push(`the page scrolls sideways: scrollWidth ${page} > viewport ${width}`);
        const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
        for (const el of document.body.querySelectorAll('*')) {
          const right = el.getBoundingClientRect().right;
          if (right <= width + 0.5) continue;
          let inside = false;
          for (let up = el.parentElement; up && up !== document.body && !inside; up = up.parentElement)
            inside = scrolls(up);
          if (inside) continue;
          // Report the outermost offender only, not each of its descendants.
          const parent = el.parentElement;
          if (parent && parent !== document.body && parent.getBoundingClientRect().right > width + 0.5) continue;
          found.push(`right edge at ${Math.round(right)} px > viewport ${width}: ${__describe(el)}`);
        }
        return found;
        """,
    )


def outside_requests(opened):
    """Requests for anything but the page's own file and data: URLs (each was aborted before it left)."""
    return [f"request for {url}" for url in opened.requests if url != opened.url and not url.startswith("data:")]


def console_errors(opened):
    """Errors the page reported: console errors, uncaught exceptions and Content-Security-Policy violations."""
    violations = opened.page.evaluate("window.__cspViolations || []")
    return [f"console error: {text}" for text in opened.errors] + [f"CSP violation: {v}" for v in violations]


# One section's state, for folding_problems: its summary's centre (scrolled into view), whether it is open, and how
# much of its content shows. A closed section's content keeps its last layout (Chromium hides it with
# content-visibility), so its boxes keep their size: ask whether each part is rendered, and whether the section is
# taller than its summary and its own frame.
_SECTION = """
const d = document.querySelectorAll('details')[argument];
const summary = d.querySelector(':scope > summary');
if (!summary) return {name: __describe(d), summary: false, open: d.open};
if (argument === 0) summary.scrollIntoView({block: 'center'});
const box = summary.getBoundingClientRect();
const px = (e, ...keys) => keys.reduce((sum, key) => sum + parseFloat(getComputedStyle(e)[key]), 0);
const frame = px(d, 'paddingTop', 'paddingBottom', 'borderTopWidth', 'borderBottomWidth')
  + px(summary, 'marginTop', 'marginBottom');
const taller = d.getBoundingClientRect().height > box.height + frame + 1;
return {name: __describe(summary), summary: true, open: d.open, x: box.left + Math.min(box.width / 2, 20),
        y: box.top + box.height / 2, showing: [...d.children].filter(c => c !== summary && c.checkVisibility()).length
        + taller};
"""


def folding_problems(opened):
    """Sections that do not fold: no ``<details>`` at all, one not open at first, one whose summary click does not
    close it or leaves its content showing, or one that a second click does not open again.

    The first section is clicked with the mouse, as a reader does; the others by the summary's click() (the same
    click event and the same toggle, without waiting for a frame of a long page to be drawn for each click).
    """
    count = opened.page.locator("details").count()
    if count == 0:
        return ["no <details> section on the page"]
    found = []
    for index in range(count):
        section = _evaluate(opened, _SECTION, index)
        name = section["name"]
        if not section["open"]:
            found.append(f"section {name} is not open when the page loads")
            continue
        if not section["summary"]:
            found.append(f"section {name} has no <summary> of its own")
            continue
        _click_summary(opened, index, section)
        closed = _evaluate(opened, _SECTION, index)
        if closed["open"]:
            found.append(f"clicking the summary of section {name} leaves it open")
        elif closed["showing"]:
            found.append(f"section {name} is closed but {closed['showing']} of its parts still show")
        _click_summary(opened, index, closed)
        if not _evaluate(opened, _SECTION, index)["open"]:
            found.append(f"a second click does not open section {name} again")
    return found


def _click_summary(opened, index, section):
    if index == 0:
        opened.page.mouse.click(section["x"], section["y"])
    else:
        opened.page.evaluate(
            "i => document.querySelectorAll('details')[i].querySelector(':scope > summary').click()", index
        )


def diagram_problems(opened, units, edges):
    """The network diagram (``svg.network``) missing, drawn with no size, or not drawing exactly the given units
    (bias nodes included) and edges."""
    drawn = _evaluate(
        opened,
        """
        const svgs = [...document.querySelectorAll('svg.network')];
        if (svgs.length !== 1) return {count: svgs.length};
        const box = svgs[0].getBoundingClientRect();
        return {count: 1, width: box.width, height: box.height,
                units: [...svgs[0].querySelectorAll('g.unit')].map(g => g.dataset.unit),
                edges: [...svgs[0].querySelectorAll('g.edge')].map(g => g.dataset.edge)};
        """,
    )
    if drawn["count"] != 1:
        return [f'expected one <svg class="network">, found {drawn["count"]}']
    found = [] if drawn["width"] > 0 and drawn["height"] > 0 else ["the diagram has no size"]
    found += _difference("diagram units", set(drawn["units"]), units)
    found += _difference("diagram edges", set(drawn["edges"]), edges)
    return found


def _difference(what, got, expected, allowed=frozenset()):
    """What ``got`` lacks of ``expected``, and what it has beyond it (but for the ``allowed`` extras)."""
    found = []
    if missing_ := sorted(expected - got):
        found.append(f"{what} missing: {', '.join(missing_)}")
    if extra := sorted(got - expected - allowed):
        found.append(f"{what} not expected: {', '.join(extra)}")
    return found


def _forward_values(chain):
    """The weighted sums and activations of the chain's units (``z1_2``, ``a1_2`` for unit ``1-2``): a page may light
    them up beside the chain's deltas (the weight's input activation is a factor of its gradient), but not those of
    units outside the chain."""
    units = [unit.split("-") for unit in chain.units if not unit.endswith("-b")]
    return frozenset(f"{value}{layer}_{j}" for layer, j in units for value in ("z", "a"))


def highlighted(opened):
    """What is highlighted now: the data-gradient of every ``.selected`` element and the names of every ``.chain``
    unit, edge, edge label (``data-label``, named as its edge) and text quantity."""
    return _evaluate(
        opened,
        """
        const all = sel => [...document.querySelectorAll(sel)];
        return {
          selected: all('.selected').map(e => e.dataset.gradient || __describe(e)),
          units: all('.unit.chain').map(e => e.dataset.unit),
          edges: all('.edge.chain').map(e => e.dataset.edge),
          quantities: all('[data-quantity].chain').map(e => e.dataset.quantity),
          labels: all('.label.chain').map(e => e.dataset.label),
          other: all('.chain:not(.unit):not(.edge):not(.label):not([data-quantity])').map(__describe),
        };
        """,
    )


def gradients_on_page(opened):
    """The data-gradient names on the page, and problems with the elements that carry them (not focusable)."""
    return _evaluate(
        opened,
        """
        const names = new Set(), found = [];
        for (const e of document.querySelectorAll('[data-gradient]')) {
          names.add(e.dataset.gradient);
          if (e.getAttribute('tabindex') !== '0' || e.getAttribute('role') !== 'button')
            found.push(`not focusable as a button (tabindex=0, role=button): ${__describe(e)}`);
        }
        return {names: [...names], problems: found};
        """,
    )


def target(opened, gradient):
    """The element a reader clicks to select ``gradient``: its first visible one in the text, else in the diagram."""
    in_text = opened.page.locator(f'[data-gradient="{gradient}"]:not(svg *) >> visible=true')
    return (
        in_text.first if in_text.count() else opened.page.locator(f'[data-gradient="{gradient}"] >> visible=true').first
    )


def _quantity_name(quantity):
    """A text quantity's name without its sample (``delta2_1@3`` is a quantity of ``delta2_1``'s chain)."""
    return quantity.split("@")[0]


def selection_problems(opened, gradient, chain, how):
    """How the page's highlight, just after ``gradient`` was selected by ``how``, differs from ``chain``."""
    now = highlighted(opened)
    found = []
    if set(now["selected"]) != {gradient}:
        found.append(f'{how}: .selected on {sorted(set(now["selected"]))}, expected every [data-gradient="{gradient}"]')
    count = opened.page.locator(f'[data-gradient="{gradient}"]').count()
    lacking = opened.page.locator(f'[data-gradient="{gradient}"]:not(.selected)').count()
    if lacking:
        found.append(f'{how}: {lacking} of {count} elements with data-gradient "{gradient}" lack .selected')
    found += _difference(f"{how}: chain units", set(now["units"]), chain.units)
    found += _difference(f"{how}: chain edges", set(now["edges"]), chain.edges)
    # An edge's weight label, where the diagram draws one, is lit with its edge.
    drawn = set(opened.page.evaluate("[...document.querySelectorAll('.label[data-label]')].map(e => e.dataset.label)"))
    found += _difference(f"{how}: chain edge labels", set(now["labels"]), chain.edges & drawn)
    on_page = {
        _quantity_name(q)
        for q in opened.page.evaluate("[...document.querySelectorAll('[data-quantity]')].map(e => e.dataset.quantity)")
    }
    lit = {_quantity_name(q) for q in now["quantities"]}
    found += _difference(
        f"{how}: chain text quantities", lit, chain.quantities & on_page, allowed=_forward_values(chain)
    )
    deltas = {q for q in chain.quantities if q.startswith("delta") and int(q[5 : q.index("_")]) == _layer(gradient)}
    if not deltas & on_page:
        found.append(f"{how}: no [data-quantity] element for {', '.join(sorted(deltas))} on the page")
    if now["other"]:
        found.append(f"{how}: .chain on elements that are neither units, edges nor quantities: {now['other'][:3]}")
    return found


def _layer(gradient):
    return int(gradient[5:].split("[")[0])


def cleared_problems(opened, how):
    """Anything still highlighted after ``how`` should have cleared the selection."""
    now = highlighted(opened)
    left = {key: values for key, values in now.items() if values}
    return [f"{how} leaves highlighted: {left}"] if left else []


def highlight_problems(opened, gradient, chain, every_way=True):
    """Select ``gradient`` by click and report how the highlight differs from ``chain``; then, with ``every_way``,
    clear it by a second click, select it by Enter (checked again) and clear it by Escape, else just clear it by
    Escape. Each state that differs from the chain or from a cleared page is reported. (Whether a second click,
    Enter and Escape work is a property of the page, not of one gradient: one gradient tried every way is enough.)"""
    element = target(opened, gradient)
    if element.count() == 0:
        return [f'no visible element with data-gradient "{gradient}"']
    found = cleared_problems(opened, "before any selection")
    element.click()
    found += selection_problems(opened, gradient, chain, f"click on {gradient}")
    if every_way:
        element.click()
        found += _cleared_or_reload(opened, f"a second click on {gradient}")
        element.focus()
        opened.page.keyboard.press("Enter")
        found += selection_problems(opened, gradient, chain, f"Enter on {gradient}")
        if not any(highlighted(opened).values()):  # Enter failed: select by click, so that Escape is still tried
            element.click()
    opened.page.keyboard.press("Escape")
    return found + _cleared_or_reload(opened, f"Escape after {gradient}")


def _cleared_or_reload(opened, how):
    """:func:`cleared_problems`; when something is left highlighted, the page is loaded afresh, so that the next
    step starts from a clean page and is judged on its own."""
    found = cleared_problems(opened, how)
    if found:
        opened.page.reload(wait_until="load")
    return found


def replace_problems(opened, first, second, chain):
    """Select ``first``, then ``second``: the highlight must be ``second``'s chain alone."""
    absent = [f'no visible element with data-gradient "{g}"' for g in (first, second) if not target(opened, g).count()]
    if absent:
        return absent
    target(opened, first).click()
    target(opened, second).click()
    found = selection_problems(opened, second, chain, f"{second} selected after {first}")
    opened.page.keyboard.press("Escape")
    return found + _cleared_or_reload(opened, f"Escape after {second}")


def label_click_problems(opened):
    """Weight labels of the diagram that a reader clicks without selecting their weight: a click with the mouse at
    the middle of a label (``w_1 = 0.10``), where it sits on its arrow, must select that edge's gradient alone."""
    labels = _evaluate(
        opened,
        """
        return [...document.querySelectorAll('svg.network .label')]
          .map(l => [l.dataset.label,
                     document.querySelector(`svg.network .edge[data-edge="${l.dataset.label}"]`)?.dataset.gradient])
          .filter(([, gradient]) => gradient);
        """,
    )
    found = []
    for edge, gradient in labels:
        ground = opened.page.locator(f'svg.network .label[data-label="{edge}"] rect')
        ground.scroll_into_view_if_needed()
        box = ground.bounding_box()
        opened.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        selected = sorted(set(highlighted(opened)["selected"]))
        if selected != [gradient]:
            found.append(f"a click on the label of edge {edge} selects {selected}, not {gradient}")
        opened.page.keyboard.press("Escape")
    return found


def screenshot(opened, path, full_page=False):
    """Write a PNG of the page (the viewport, or the whole page) to ``path``."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    opened.page.screenshot(path=str(path), full_page=full_page)
    return Path(path)
