"""Markdown's math spans checked with KaTeX (node), as a page renderer would typeset them."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

KATEX = Path(os.environ.get("SYMBACKPROP_NODE_MODULES", Path.home() / ".cache/symbackprop-node/node_modules"))
HAS_KATEX = shutil.which("node") is not None and (KATEX / "katex").is_dir()
needs_katex = pytest.mark.skipif(not HAS_KATEX, reason="node and katex not installed (.ci/run installs them)")
CHECKER = Path(__file__).resolve().parent / "katex_check.js"
HAS_MARKDOWN_IT = shutil.which("node") is not None and (KATEX / "markdown-it").is_dir()
needs_markdown_it = pytest.mark.skipif(
    not HAS_MARKDOWN_IT, reason="node and markdown-it not installed (.ci/run installs them)"
)


def math_spans(markdown):
    """Every display ($$ ... $$) and inline ($...$) math span of a Markdown text, outside code blocks."""
    spans = [{"tex": m.group(1).strip(), "display": True} for m in re.finditer(r"\$\$\n(.*?)\n\$\$", markdown, re.S)]
    without_display = re.sub(r"\$\$\n.*?\n\$\$", "", markdown, flags=re.S)
    without_code = re.sub(r"```.*?```", "", without_display, flags=re.S)
    spans += [
        {"tex": m.group(1), "display": False} for m in re.finditer(r"(?<![\\$])\$([^$\n]+?)(?<!\\)\$", without_code)
    ]
    return spans


def katex_errors(spans):
    """KaTeX's report on ``spans`` ('' when every span renders)."""
    done = subprocess.run(
        ["node", str(CHECKER)],
        input=json.dumps(spans),
        capture_output=True,
        text=True,
        env={**os.environ, "NODE_PATH": str(KATEX)},
    )
    return "" if done.returncode == 0 else done.stdout[-2000:] or done.stderr[-2000:]


def markdown_html(texts):
    """Each Markdown text in ``texts`` rendered to HTML by markdown-it, as a CommonMark page renderer reads it."""
    done = subprocess.run(
        ["node", str(CHECKER.with_name("markdown_html.js"))],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NODE_PATH": str(KATEX)},
    )
    return json.loads(done.stdout)
