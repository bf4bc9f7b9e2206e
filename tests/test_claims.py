"""Claims files: names in both forms for every bundled example, values as written, bad input refused."""

import json
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from symbackprop import bundled_examples, load, train
from symbackprop.budget import MAX_CLAIMS, MAX_CLAIMS_BYTES
from symbackprop.claims import accepted_names, canonical_names, plain, read, value
from symbackprop.errors import SpecError
from symbackprop.quantities import listed
from symbackprop.spec import bundled_text

EXAMPLES = bundled_examples()


def write(folder, text, name="claims.toml"):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def claims_file(folder, claims, spec="squared_error_2_2_1_shared_bias", name="claims.toml"):
    """A TOML claims file of ``claims`` (name -> value written as TOML: '0.20' bare, '"0.20"' a string)."""
    lines = [f"spec = {json.dumps(spec)}", "", "[claims]"]
    lines += [f"{json.dumps(key)} = {written}" for key, written in claims.items()]
    return write(folder, "\n".join(lines) + "\n", name)


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_accepted_name_means_a_quantity_of_the_run(example):
    spec = load(example)
    known = {q.name for q in listed(train(spec))}
    widths = spec.architecture.widths()
    derivatives = {f"da/dz{l}_{j}" for l in range(1, len(widths)) for j in range(1, widths[l] + 1)}
    accepted = accepted_names(spec)
    assert set(accepted.values()) == known | derivatives
    assert set(canonical_names(spec)) == known | derivatives


@pytest.mark.parametrize("example", EXAMPLES)
def test_no_two_quantities_share_a_plain_name(example):
    spec = load(example)
    names = canonical_names(spec)
    written = [plain(name, spec.notation) for name in names]
    assert len(set(written)) == len(written)
    # A plain name that is also a canonical name is that same quantity (the layered notation's z1_1).
    assert all(w == n for w, n in zip(written, names) if w in names)
    assert all(accepted_names(spec)[w] == n for w, n in zip(written, names))


@pytest.mark.parametrize("example", EXAMPLES)
def test_a_claims_file_in_the_documents_notation_reads_back_canonically(example, tmp_path):
    spec = load(example)
    names = canonical_names(spec)
    written = {plain(name, spec.notation): "0.25" for name in names}
    claims = read(claims_file(tmp_path, written, spec=example)).claims
    assert [c.canonical for c in claims] == names
    assert [c.name for c in claims] == list(written)


def test_the_notations_own_names():
    names = accepted_names(load("squared_error_2_2_1_shared_bias"))
    assert {w: names[w] for w in ("out_h1", "net_o1", "delta_o", "dE/dw5", "new w5", "dout_h2/dnet_h2")} == {
        "out_h1": "a1_1",
        "net_o1": "z2_1",
        "delta_o": "delta2_1",
        "dE/dw5": "dL/dW2[1,1]",
        "new w5": "new W2[1,1]",
        "dout_h2/dnet_h2": "da/dz1_2",
    }
    assert "w5" not in names  # a starting weight is given, not worked out
    sum_output = accepted_names(load("squared_error_2_2_2"))
    assert sum_output["dE_total/dw1"] == "dL/dW1[1,1]"
    assert sum_output["doutput_h1/dsum_h1"] == "da/dz1_1"
    assert sum_output["E_total@1"] == "loss@1"
    assert sum_output["total E_total"] == "loss_total"
    assert sum_output["after E_total"] == "loss_after"
    assert sum_output["after output_o2"] == "after a2_2"
    layered = accepted_names(load("bce_sigmoid_2_2_1"))
    assert layered["y_hat@3"] == "a2_1@3"
    assert layered["dL/dW1_21"] == "dL/dW1[2,1]"


@pytest.mark.parametrize(
    ("written", "expected", "decimals"),
    [
        ('"0.20"', "0.20", 2),
        ("0.20", "0.20", 2),
        ("0.082170", "0.082170", 6),
        ('"+0.0573"', "0.0573", 4),
        ("+0.0573", "0.0573", 4),
        ('"\u22120.191"', "-0.191", 3),
        ("-3", "-3", 0),
        ('" 2.5e-3 "', "0.0025", 4),
        ("2.5e-3", "0.0025", 4),
        ("1_000.50", "1000.50", 2),
        ('"1."', "1", 0),
    ],
)
def test_values_keep_their_written_decimals(written, expected, decimals, tmp_path):
    (claim,) = read(claims_file(tmp_path, {"net_h1": written})).claims
    assert claim.value == Decimal(expected)
    assert claim.decimals == decimals
    assert str(claim.value) == str(Decimal(written.strip('" ').replace("\u2212", "-").replace("_", "")))


def test_value_reads_what_authors_write():
    assert str(value("0.20", "k")) == "0.20"
    assert value(-3, "k") == -3


def test_csv_claims(tmp_path):
    path = write(
        tmp_path,
        "spec,squared_error_2_2_1_shared_bias\nname,value\nnet_h1,0.3775\n\ndE/dw5,0.08217\n"
        'new w5,"0.358910"\ndelta2_1,0.13850\n',
        "claims.csv",
    )
    claims = read(path)
    assert claims.spec_name == "squared_error_2_2_1_shared_bias"
    assert [(c.name, c.canonical, str(c.value)) for c in claims.claims] == [
        ("net_h1", "z1_1", "0.3775"),
        ("dE/dw5", "dL/dW2[1,1]", "0.08217"),
        ("new w5", "new W2[1,1]", "0.358910"),
        ("delta2_1", "delta2_1", "0.13850"),
    ]


def test_a_spec_path_is_relative_to_the_claims_file(tmp_path, monkeypatch):
    (tmp_path / "variants").mkdir()
    (tmp_path / "variants" / "variant-001.toml").write_text(bundled_text("bce_sigmoid_2_2_1"), encoding="utf-8")
    (tmp_path / "class").mkdir()
    path = claims_file(tmp_path / "class", {"a2_1": "0.7528"}, spec="../variants/variant-001.toml")
    monkeypatch.chdir(tmp_path / "variants")
    claims = read(path)
    assert claims.spec_name == "../variants/variant-001.toml"
    assert claims.spec.title == load("bce_sigmoid_2_2_1").title


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            'spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h3 = 0.1\n',
            "unknown quantity (did you mean 'net_h",
        ),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\n"dE/dw9" = 0.1\n', "(did you mean 'dE/dw"),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h1 = "0.3o"\n', "claims.net_h1: cannot read '0.3o'"),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h1 = "1/3"\n', "cannot read '1/3' as a number"),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h1 = nan\n', "expected a finite number"),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h1 = -inf\n', "expected a finite number"),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h1 = "NaN"\n', "expected a finite number"),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h1 = "Infinity"\n', "expected a finite number"),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h1 = true\n', "expected a number such as 0.20"),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h1 = [0.1]\n', "expected a number such as 0.20"),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h1.x = 0.1\n', "expected a number such as 0.20"),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h1 = 1e99\n', "out of range"),
        (
            'spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h1 = 0.1234567890123456789012345678901\n',
            "more than 30 significant digits",
        ),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\n', "claims: no claim"),
        ('spec = "squared_error_2_2_1_shared_bias"\n', "expected a table [claims]"),
        ("[claims]\nnet_h1 = 0.1\n", "spec: missing"),
        ('spec = "squared_error_2_2_1_shared_bias"\nauthor = "me"\n[claims]\nnet_h1 = 0.1\n', "author: unknown key"),
        ('spec = "squared_eror_2_2_1_shared_bias"\n[claims]\nnet_h1 = 0.1\n', "did you mean 'squared_error_2_2_1"),
        ('spec = "/etc/passwd.toml"\n[claims]\nnet_h1 = 0.1\n', "give a path relative to the claims file"),
        ('spec = "missing.toml"\n[claims]\nnet_h1 = 0.1\n', "missing.toml: no such spec file"),
        ("spec = 3\n[claims]\nnet_h1 = 0.1\n", "spec: expected a bundled example's name"),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h1 = 0.1\nz1_1 = 0.1\n', "given twice (as net_h1"),
        (
            'spec = "squared_error_2_2_1_shared_bias"\n[claims]\n"dE/dw5" = 0.1\n"dL/dW2[1,1]" = 0.1\n',
            "both name dL/dW2[1,1]",
        ),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims\n', "not valid TOML"),
        ('spec = "squared_error_2_2_1_shared_bias"\n[claims]\nnet_h1 = 1\nnet_h1 = 2\n', "not valid TOML"),
    ],
)
def test_bad_claims_are_refused_with_one_line(text, fragment, tmp_path):
    with pytest.raises(SpecError) as error:
        read(write(tmp_path, text))
    assert fragment in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("net_h1,0.3775\n", "line 1: expected spec,NAME"),
        ("spec,squared_error_2_2_1_shared_bias\nnet_h1,0.3775,extra\n", "row 2: expected name,value; got 3 fields"),
        ("spec,squared_error_2_2_1_shared_bias\nnet_h1,0.3775\nnet_h1,0.3775\n", "given twice"),
        ("spec,squared_error_2_2_1_shared_bias\nnet_h1,abc\n", "cannot read 'abc'"),
        ("spec,squared_error_2_2_1_shared_bias\nnet_h1,nan\n", "expected a finite number"),
        ("spec,squared_error_2_2_1_shared_bias\nnet_h1,\n", "cannot read ''"),
        ("spec,squared_error_2_2_1_shared_bias\n", "claims: no claim"),
    ],
)
def test_bad_csv_claims_are_refused(text, fragment, tmp_path):
    with pytest.raises(SpecError) as error:
        read(write(tmp_path, text, "claims.csv"))
    assert fragment in str(error.value)


def test_claims_are_budgeted(tmp_path):
    big = write(tmp_path, 'spec = "bce_sigmoid_2_2_1"\n[claims]\n' + "# padding\n" * (MAX_CLAIMS_BYTES // 10))
    with pytest.raises(SpecError, match="over the budget of"):
        read(big)
    many = "".join(f"x{i} = 0.1\n" for i in range(MAX_CLAIMS + 1))
    with pytest.raises(SpecError, match=f"over the budget of {MAX_CLAIMS:,}"):
        read(write(tmp_path, 'spec = "bce_sigmoid_2_2_1"\n[claims]\n' + many))
    with pytest.raises(SpecError, match="unknown quantity"):
        read(claims_file(tmp_path, {"z" * 5000: "0.1"}))


def test_a_name_with_control_characters_is_shown_escaped(tmp_path):
    with pytest.raises(SpecError) as error:
        read(claims_file(tmp_path, {"net_h1\u001b[2J": "0.1"}))
    assert "\u001b" not in str(error.value)


def test_the_claims_file_names_the_spec_it_read(tmp_path):
    claims = read(claims_file(tmp_path, {"net_h1": "0.3775"}))
    assert claims.path == tmp_path / "claims.toml"
    assert claims.spec.title == load("squared_error_2_2_1_shared_bias").title


SEED_CLAIMS = sorted((Path(__file__).parent / "seed_claims").glob("*.toml"))


def test_the_seed_claims_files_are_up_to_date():
    from make_seed_claims import claims_files

    stored = {path.name: path.read_text(encoding="utf-8") for path in SEED_CLAIMS}
    assert stored == claims_files(), "regenerate them: python3 tests/make_seed_claims.py"


@pytest.mark.parametrize("path", SEED_CLAIMS, ids=lambda p: p.name)
def test_the_seed_claims_files_read_with_their_printed_digits(path):
    claims = read(path)
    assert claims.spec_name in EXAMPLES
    text = path.read_text(encoding="utf-8")
    for claim in claims.claims:
        assert f"{json.dumps(claim.name)} = {claim.value}" in text.replace("= +", "= ")


def test_every_seed_figure_is_claimed_or_listed_as_left_out():
    figures = {
        path.stem: len(tomllib.loads(path.read_text(encoding="utf-8"))["figure"])
        for path in (Path(__file__).parent / "seed_figures").glob("*.toml")
    }
    found = dict.fromkeys(figures, 0)
    for path in SEED_CLAIMS:
        example = path.name.split(".")[0]
        found[example] += len(read(path).claims)
        found[example] += sum(line.startswith("#   ") for line in path.read_text(encoding="utf-8").splitlines())
    assert found == figures
