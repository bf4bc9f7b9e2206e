"""docs/seed-slips.md, made from what `symbackprop check` says of the five reference examples' figures.

Every figure a reference prints that has a canonical name is claimed in tests/seed_claims/ (see
make_seed_claims.py); this script judges each file as `symbackprop check` does and lists every figure
that is a slip (a root error, with its diagnosis) or carried (wrong only because it uses an earlier wrong
figure of the author's). A closing section, written by hand, compares the list with the one that was kept
by hand before `check` existed.

    python3 tests/make_seed_slips.py    # rewrites docs/seed-slips.md
"""

from pathlib import Path

from symbackprop.claims import read
from symbackprop.judge import judge

ROOT = Path(__file__).parent.parent
CLAIMS = sorted((Path(__file__).parent / "seed_claims").glob("*.toml"))
DOCUMENT = ROOT / "docs" / "seed-slips.md"
REFERENCES = {
    "bce_sigmoid_2_2_1": "000",
    "squared_error_2_2_2": "001",
    "squared_error_2_2_1_shared_bias": "002",
    "regression_2_2_1_linear_output": "003",
    "custom_activation_2_2_1": "004",
}

HEAD = """\
# Slips found in the reference examples

The five hand-made worked examples in `shared/seeds/` are bundled as example specs (see `symbackprop
examples`). Every figure they print that has a canonical name (docs/quantities.md) is claimed, as
printed, in `tests/seed_claims/`, and `symbackprop check` judges each one against its direct inputs as
the reference wrote them. This page is made from its verdicts by `tests/make_seed_slips.py` (a test
keeps it current): every figure that is a **slip** (a root error) or **carried** (wrong only because it
uses an earlier wrong figure of the reference's own). The other figures are ok (right to their last
digit, rounded or truncated) or rounding (what the reference's own rounded figures give).

| reference | figure | canonical name | printed | correct | verdict | why |
|---|---|---|---|---|---|---|
"""

TAIL = """
## Compared with the list kept by hand before `check`

The earlier version of this page listed 30 figures, found by hand with the engine. `check` finds again
every one that has a canonical name, and differs on these:

- **Not claimable, so not listed**: sub-step arithmetic with no canonical name (002's e^(−net) and
  1 + e^(−net) of the first pass, the second pass's products w·out and residuals). Each claims file
  lists what it leaves out.
- **000, z of sample 5 (1.1734; exact 1.17353)** and **002, the second pass's net_o1 (1.05681; exact
  1.05684)**: `check` calls them *rounding*, not slips. They are a few units of their last digit off, and
  within what the reference's own rounded figures can give when the steps between them are not written
  (000's rounded hidden outputs give 1.1736; 002's sum uses the wrong products above it, which have no
  canonical name). The hand-kept list called them small slips.
- **002, δ_o = 0.13851 (exact 0.138499)**: *rounding*: 0.74137 × 0.18681 = 0.138495, the reference's own
  rounded factors, which rounds either way. The hand-kept list called it a rounding slip.
- **002's summary table** repeats the gradients and new weights of w5 and w6 with six decimals
  (tests/seed_claims/squared_error_2_2_1_shared_bias.2.toml): the gradients 0.082170 and 0.082670 are
  *rounding* (the five-decimal figures padded with a zero are within what the reference's δ_o gives), the
  new weights 0.358910 and 0.408660 are *slips*: 0.40 − 0.5 × 0.082170 = 0.358915, not 0.358910.

In short: reference 000 prints wrong predictions, and so wrong losses, for samples 2 to 5 of its forward
table, though the weighted sums beside them are right; its training step on sample 1 is right. Reference
002 slips in the derivative of both hidden sigmoids and in its second forward pass, so the loss after the
update it prints (0.26804) should be 0.26798; its gradients and updated weights are right to their five
decimals. References 001, 003 and 004 print no wrong figure.
"""


def verdicts():
    """(reference, verdict) for every slip or carried figure of the seed claims files, in their order."""
    found = []
    for path in CLAIMS:
        claims = read(path)
        for verdict in judge(claims.spec, claims.claims):
            if verdict.status in ("slip", "carried"):
                found.append((REFERENCES[claims.spec_name], verdict))
    return found


def page():
    rows = []
    for reference, v in verdicts():
        why = f"{v.status} ({v.diagnosis})" if v.diagnosis else v.status
        explanation = v.explanation.replace("|", "\\|")
        rows.append(
            f"| {reference} | `{v.claim.name}` | `{v.claim.canonical}` | {v.claim.value} | {v.correct:.6g} | "
            f"{why} | {explanation} |"
        )
    return HEAD + "\n".join(rows) + "\n" + TAIL


if __name__ == "__main__":
    DOCUMENT.write_text(page(), encoding="utf-8")
