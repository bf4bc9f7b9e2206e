"""Property-based checks over generated networks: the engine against PyTorch autograd and finite differences.

Hypothesis generates networks of depth 1 to 4 and widths 1 to 5 with every
built-in activation (and a custom one), every loss legal with its output
activation, every bias layout, frozen or updated biases, sample and batch mode,
sum and mean reduction, and 1 to 3 steps. Cases where a ReLU-like unit sits
within 0.01 of its kink are excluded explicitly for finite differences (they
are not differentiable there); tolerances are never loosened.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from networks import HIDDEN, OUTPUTS, SLOPE, draw_numbers, make_case, near_kink
from oracle import finite_differences

from symbackprop import SpecError, parse, train

torch = pytest.importorskip("torch", reason="PyTorch is not installed (.ci/run installs torch==2.13.0)")

TORCH_TOLERANCE = 1e-9
FD_TOLERANCE = 1e-9
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cases(draw):
    depth = draw(st.integers(1, 4))
    loss = draw(st.sampled_from(sorted(OUTPUTS)))
    outputs = draw(st.integers(2, 5)) if loss == "cross_entropy" else draw(st.integers(1, 5))
    c = {
        "inputs": draw(st.integers(1, 5)),
        "widths": draw(st.lists(st.integers(1, 5), min_size=depth - 1, max_size=depth - 1)),
        "outputs": outputs,
        "loss": loss,
        "output": draw(st.sampled_from(OUTPUTS[loss])),
        "bias": draw(st.sampled_from(["per-neuron", "per-layer", "none"])),
        "factor": draw(st.sampled_from([0.5, 1.0, 0.25, 2.0])),
        "learning_rate": draw(st.sampled_from([0.05, 0.1, 0.5])),
        "update_biases": draw(st.booleans()),
        "mode": draw(st.sampled_from(["sample", "batch"])),
        "steps": draw(st.integers(1, 3)),
        "reduction": draw(st.sampled_from(["sum", "mean"])),
    }
    c["hidden"] = draw(st.lists(st.sampled_from(HIDDEN), min_size=depth - 1, max_size=depth - 1))
    samples = draw(st.integers(1, 4))
    c["sample"] = draw(st.integers(1, samples))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return make_case(draw_numbers(c, rng, samples, loss, outputs))


def _torch_activation(name, z):
    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, SLOPE),
        "linear": lambda t: t,
        "softplus": torch.nn.functional.softplus,
        "softmax": lambda t: torch.softmax(t, dim=1),
        "custom": lambda t: torch.tanh(t) / 2 + t / 4,
    }[name](z)


def _torch_loss(net, params, X, Y, rows, reduction):
    a = torch.tensor(X[rows], dtype=torch.float64)
    y = torch.tensor(Y[rows], dtype=torch.float64)
    for l, (name, _) in enumerate(net.acts, start=1):
        z = a @ params[f"W{l}"].T
        if f"b{l}" in params:
            z = z + params[f"b{l}"]
        a = _torch_activation(name, z)
    if net.loss_kind == "squared_error":
        per_sample = net.factor * ((a - y) ** 2).sum(dim=1)
    elif net.loss_kind == "bce":
        per_sample = torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none").sum(dim=1)
    else:
        per_sample = -(y * torch.log_softmax(z, dim=1)).sum(dim=1)
    return per_sample.mean() if reduction == "mean" else per_sample.sum()


def _torch_run(net, plain):
    params = {
        k: torch.tensor(np.asarray(v, dtype=float), dtype=torch.float64, requires_grad=True)
        for k, v in plain["params"].items()
    }
    X, Y, rows = plain["x"], plain["y"], plain["rows"]
    first_grads, first_loss = None, None
    for _ in range(plain["steps"]):
        loss = _torch_loss(net, params, X, Y, rows, plain["reduction"])
        grads = torch.autograd.grad(loss, list(params.values()))
        grads = dict(zip(params, grads))
        if first_grads is None:
            first_grads, first_loss = {k: g.numpy().copy() for k, g in grads.items()}, float(loss.detach())
        with torch.no_grad():
            params = {
                k: (
                    v - plain["learning_rate"] * grads[k] if (k[0] == "W" or plain["update_biases"]) else v.clone()
                ).requires_grad_(True)
                for k, v in params.items()
            }
    loss_after = float(_torch_loss(net, params, X, Y, rows, plain["reduction"]).detach())
    return first_loss, first_grads, {k: v.detach().numpy() for k, v in params.items()}, loss_after


def _gap(actual, expected):
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape
    return float(np.max(np.abs(actual - expected), initial=0.0)) / max(
        1.0, float(np.max(np.abs(expected), initial=0.0))
    )


WORST = {"torch": 0.0, "finite differences": 0.0}


def _train_or_skip(text):
    try:
        return train(parse(text))
    except SpecError as error:
        # Only overflow may stop a generated run; anything else is a bug.
        assert "is not finite" in str(error)
        assume(False)


@SETTINGS
@given(cases())
def test_engine_matches_torch_autograd(case):
    text, net, plain = case
    result = _train_or_skip(text)
    loss, grads, updated, loss_after = _torch_run(net, plain)
    assume(np.isfinite(loss_after))
    gaps = [_gap(result.loss, loss), _gap(result.loss_after, loss_after)]
    gaps += [_gap(result.gradients[k], grads[k]) for k in grads]
    gaps += [_gap(result.updated[k], updated[k]) for k in updated]
    WORST["torch"] = max(WORST["torch"], *gaps)
    assert max(gaps) <= TORCH_TOLERANCE, gaps


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(cases())
def test_engine_matches_finite_differences(case):
    text, net, plain = case
    assume(not near_kink(net, plain["params"], plain["x"]))
    result = _train_or_skip(text)
    X, Y, rows = plain["x"], plain["y"], plain["rows"]
    numeric = finite_differences(lambda p: net.loss(p, X, Y, rows, plain["reduction"]), plain["params"])
    gaps = [_gap(result.gradients[k], numeric[k]) for k in numeric]
    WORST["finite differences"] = max(WORST["finite differences"], *gaps)
    assert max(gaps) <= FD_TOLERANCE, gaps


def test_report_worst_disagreement(capsys):
    with capsys.disabled():
        print(
            f"\nworst relative disagreement: torch {WORST['torch']:.1e}, finite differences {WORST['finite differences']:.1e}"
        )
