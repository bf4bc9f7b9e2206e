"""Saturated units: losses and gradients stay finite and agree with limits worked out by hand."""

import math

import numpy as np
import pytest
from networks import one_unit_chain

from symbackprop import parse, train

SPEC = """
[network]
inputs = 1
bias = "none"
layers = [{{ units = {units}, activation = "{output}" }}]
[loss]
kind = "{loss}"
[parameters]
W1 = {weights}
[data]
x = [[1.0]]
y = [{target}]
"""


@pytest.mark.parametrize("z", [-1000.0, -40.0, 40.0, 1000.0])
@pytest.mark.parametrize("target", [0.0, 1.0])
def test_bce_after_sigmoid_is_finite_when_saturated(z, target):
    result = train(parse(SPEC.format(units=1, output="sigmoid", loss="bce", weights=f"[[{z}]]", target=f"[{target}]")))
    # log(1 + e^z) - y z, worked out directly: for large |z| it is max(z, 0) - y z.
    expected = max(z, 0.0) + math.log1p(math.exp(-abs(z))) - target * z
    assert result.loss == pytest.approx(expected, rel=1e-12)
    sigmoid = 1.0 / (1.0 + math.exp(-z)) if z > 0 else math.exp(z) / (1.0 + math.exp(z))
    assert result.gradients["W1"][0, 0] == pytest.approx(sigmoid - target, abs=1e-15)
    assert np.isfinite(result.loss_after)


@pytest.mark.parametrize("scale", [1.0, 100.0, 1000.0])
def test_softmax_cross_entropy_is_finite_for_huge_logits(scale):
    weights = f"[[{scale}], [0.0], [{-scale}]]"
    result = train(
        parse(SPEC.format(units=3, output="softmax", loss="cross_entropy", weights=weights, target="[0, 1, 0]"))
    )
    z = np.array([scale, 0.0, -scale])
    logsumexp = z.max() + math.log(np.exp(z - z.max()).sum())
    assert result.loss == pytest.approx(logsumexp - 0.0, rel=1e-12)
    probabilities = np.exp(z - logsumexp)
    assert np.allclose(result.gradients["W1"][:, 0], probabilities - [0, 1, 0], atol=1e-15)


def test_saturated_hidden_sigmoid_gives_vanishing_but_finite_gradients():
    result = train(parse(one_unit_chain(1000.0)))
    assert result.gradients["W1"][0, 0] == 0.0
    assert result.gradients["W2"][0, 0] == pytest.approx(1.0)
    assert all(np.all(np.isfinite(v)) for v in result.gradients.values())
