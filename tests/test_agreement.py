"""One table of checks: the Python API, `grad --json` and the rendered documents show the same numbers."""

import json
import re

import numpy as np
import pytest
from figures import figures, shown
from networks import parameter_names

from symbackprop import bundled_examples, load, train
from symbackprop.cli import main, render_spec


def _json(name, capsys):
    assert main(["grad", name, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _markdown_update_rows(markdown):
    section = re.split(r"^## (?:Step \d+: )?Update\n", markdown, flags=re.M)[1].split("\n## ", 1)[0]
    return [
        [c.strip().strip("$") for c in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| $")
    ]


def _parameter_rows(spec):
    """Every parameter the update table lists: a frozen bias has no row."""
    for name, value in spec.numeric_parameters().items():
        if name.startswith("b") and not spec.update_biases:
            continue
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
    text = render_spec(name, fmt)
    found = figures(text)
    if fmt == "markdown":
        names = parameter_names(spec)
        rows = _markdown_update_rows(text)
        assert len(rows) == len(list(_parameter_rows(spec)))
        for row in rows:
            pname, index = names[row[0]]
            assert shown(row[2], result.gradients[pname][index]), row
    for pname, index in _parameter_rows(spec):
        assert shown(text, result.gradients[pname][index], found)
    # The forward step ends with the step's loss and each output's value.
    ends = [line.rsplit("=", 1)[-1] for line in text.splitlines() if "=" in line]
    assert any(shown(end, result.loss) for end in ends)
    for value in result.before.a[-1][spec.rows[0]]:
        assert shown(text, value, found)
