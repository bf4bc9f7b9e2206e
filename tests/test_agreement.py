"""One table of checks: the Python API, `grad --json` and the rendered documents show the same numbers."""

import json
import re

import numpy as np
import pytest

from symbackprop import bundled_examples, load, train
from symbackprop.cli import main, render_spec
from symbackprop.printing import number_text


def _json(name, capsys):
    assert main(["grad", name, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _markdown_update_rows(markdown):
    section = markdown.split("## Update", 1)[1].split("\n## ", 1)[0]
    return [
        [c.strip().strip("$") for c in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| $")
    ]


def _parameter_rows(spec):
    for name, value in spec.numeric_parameters().items():
        for index in np.ndindex(value.shape):
            yield name, index


# (what, value from the API, value from the JSON object)
QUANTITIES = [
    ("loss", lambda r: r.loss, lambda j: j["loss"]),
    ("loss after", lambda r: r.loss_after, lambda j: j["loss_after"]),
    ("outputs", lambda r: r.before.a[-1].tolist(), lambda j: j["outputs"]),
    ("gradients", lambda r: {k: np.asarray(v).tolist() for k, v in r.gradients.items()}, lambda j: j["gradients"]),
    ("updated", lambda r: {k: np.asarray(v).tolist() for k, v in r.updated.items()}, lambda j: j["updated"]),
]


@pytest.mark.parametrize("name", bundled_examples())
@pytest.mark.parametrize(("what", "from_api", "from_json"), QUANTITIES, ids=[q[0] for q in QUANTITIES])
def test_api_and_json_agree_exactly(name, what, from_api, from_json, capsys):
    assert from_api(train(load(name))) == from_json(_json(name, capsys))


@pytest.mark.parametrize("name", bundled_examples())
@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_documents_show_the_api_numbers_rounded(name, fmt):
    spec = load(name)
    result = train(spec)
    decimals = spec.notation.decimals
    text = render_spec(name, fmt)
    if fmt == "markdown":
        rows = _markdown_update_rows(text)
        for row, (pname, index) in zip(rows, _parameter_rows(spec), strict=True):
            assert row[2] == number_text(result.gradients[pname][index], decimals)
    for pname, index in _parameter_rows(spec):
        assert number_text(result.gradients[pname][index], decimals) in text
    # The forward step ends with the step's loss and each output's value, rounded the same way.
    assert re.search(r"= " + re.escape(number_text(result.loss, decimals)) + r"(\s|\\\\|$)", text, re.M)
    for value in result.before.a[-1][spec.rows[0]]:
        assert number_text(value, decimals) in text
