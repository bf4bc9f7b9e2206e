"""Write the README's pictures of the HTML page: docs/html-page.png and docs/html-highlight.png.

    python3 docs/make_screenshot.py

renders the default example with ``symbackprop render --format html`` into a scratch folder, opens it in headless
Chromium at 1000 px with the test harness (tests/browser.py: Debian's ``chromium`` and the ``playwright`` package of
the test extra), and writes two screenshots: the top of the page down to the end of the network diagram, and the
diagram again with the first hidden-layer weight's gradient selected, its chain highlighted. The page is checked
with the tests' own checks first, so a broken page is refused rather than pictured. Run it again whenever the page's
look changes, and commit the two PNG files.
"""

import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / "tests"))

import browser  # noqa: E402
import chains  # noqa: E402

from symbackprop.cli import main  # noqa: E402
from symbackprop.render import FORMATS  # noqa: E402
from symbackprop.spec import DEFAULT_EXAMPLE  # noqa: E402

TALLEST = 1600  # px: the top of the page is pictured down to the diagram's end, but never taller than this


def top_to_diagram(opened, path):
    """A screenshot from the top of the page to just below the network diagram (at least one screen)."""
    bottom = opened.page.evaluate(
        "document.querySelector('svg.network').getBoundingClientRect().bottom + window.scrollY"
    )
    height = min(TALLEST, max(browser.HEIGHT, int(bottom) + 24))
    opened.page.screenshot(
        path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": browser.WIDE, "height": height}
    )


def with_gradient_selected(opened, gradient, path):
    """A screenshot of the screen around the diagram once ``gradient`` is selected."""
    browser.target(opened, gradient).click()
    opened.page.evaluate(
        "(s => (s.closest('details') || s).scrollIntoView({block: 'start'}))(document.querySelector('svg.network'))"
    )
    opened.page.screenshot(path=str(path))


def run():
    if "html" not in FORMATS:
        print(
            "make_screenshot: `symbackprop render --format html` does not exist in this checkout yet", file=sys.stderr
        )
        return 2
    if reason := browser.missing():
        print(f"make_screenshot: {reason}", file=sys.stderr)
        return 2
    net = chains.spec_architecture(DEFAULT_EXAMPLE)
    gradient = chains.picked_gradients(net)[0]
    chromium = browser.Browser().start()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            page = Path(scratch) / "page.html"
            if main(["render", DEFAULT_EXAMPLE, "--format", "html", "-o", str(page), "--quiet"]) != 0:
                return 1
            opened = chromium.open(page, browser.WIDE)
            problems = browser.math_problems(opened) + browser.raw_latex(opened) + browser.overflow(opened)
            problems += browser.diagram_problems(opened, *chains.diagram_parts(net))
            if problems:
                print("make_screenshot: the page fails its checks:\n" + "\n".join(problems[:10]), file=sys.stderr)
                return 1
            top_to_diagram(opened, DOCS / "html-page.png")
            with_gradient_selected(opened, gradient, DOCS / "html-highlight.png")
    finally:
        chromium.close()
    print(f"make_screenshot: wrote {DOCS / 'html-page.png'} and {DOCS / 'html-highlight.png'} ({gradient} selected)")
    return 0


if __name__ == "__main__":
    sys.exit(run())
