"""Canonical quantity names: every name a run gives, checked against the independent oracle (tests/oracle.py)."""

import numpy as np
import pytest
from networks import oracle_quantities, random_case

from symbackprop import bundled_examples, canonical_quantities, load, parse, train
from symbackprop.quantities import NAME, is_canonical, latex


@pytest.mark.parametrize("seed", range(40))
def test_every_canonical_quantity_matches_the_oracle(seed):
    text, net, plain = random_case(seed)
    found = canonical_quantities(train(parse(text)))
    expected = oracle_quantities(net, plain)
    # The oracle has no dL/da; everything else it computes must be there, under the same name.
    assert set(expected) == {name for name in found if not name.startswith("dL/da")}
    for name, value in expected.items():
        assert found[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


@pytest.mark.parametrize("seed", range(12))
def test_dl_da_is_the_error_signal_passed_down(seed):
    """dL/da of a hidden unit is the sum over the units above of their weight times their error signal."""
    text, _, plain = random_case(seed)
    found = canonical_quantities(train(parse(text)))
    batch = plain["mode"] != "sample"
    depth = len([k for k in plain["params"] if k.startswith("W")])
    for s in plain["rows"] if batch else plain["rows"][:1]:
        at = f"@{s + 1}" if batch else ""
        for l in range(1, depth):
            W = np.asarray(plain["params"][f"W{l + 1}"], dtype=float)
            for j in range(W.shape[1]):
                passed = sum(W[m, j] * found[f"delta{l + 1}_{m + 1}{at}"] for m in range(W.shape[0]))
                assert found[f"dL/da{l}_{j + 1}{at}"] == pytest.approx(passed, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", bundled_examples())
def test_every_name_is_canonical_and_has_a_notation(name):
    spec = load(name)
    found = canonical_quantities(train(spec))
    for quantity in found:
        assert is_canonical(quantity), quantity
        assert latex(quantity, spec.notation)
    assert not is_canonical("dL/dW2[1,1") and not is_canonical("z0") and NAME.fullmatch("new b1")


def test_reference_002_figures_under_canonical_names():
    """Figures printed by reference 002 (squared_error_2_2_1_shared_bias), to its five decimals."""
    found = canonical_quantities(train(load("squared_error_2_2_1_shared_bias")))
    published = {"a1_1": 0.59327, "a2_1": 0.75137, "loss": 0.27481, "delta2_1": 0.13850, "new W2[1,1]": 0.35892}
    for name, figure in published.items():
        assert abs(found[name] - figure) <= 0.5e-5 + 1e-12, name
