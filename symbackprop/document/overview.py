"""Overview: the three phases of a training step, and what this document's step uses."""

import math

import sympy as sp

from ..precision import text as number_text
from .blocks import Math, Section, text


def overview(ctx):
    spec = ctx.spec
    if spec.mode == "sample":
        step = f"sample {spec.sample}"
    else:
        step = f"all {len(spec.x)} samples at once ({spec.reduction} of their losses)"
    rate = ctx.math(sp.Eq(ctx.rate_symbol, ctx.shown(spec.learning_rate, "rate"), evaluate=False))
    steps = "" if spec.steps == 1 else f", repeated for {spec.steps} steps; the first is worked in full"
    blocks = (
        text(
            "One training step has three phases. The forward pass feeds the inputs through the network "
            "and measures the loss. The backward pass applies the chain rule from the loss back to every "
            "weight and bias, giving each parameter's gradient. The update moves every parameter it trains a small "
            "step against its gradient, scaled by the learning rate ",
            ctx.math(ctx.rate_symbol),
            ".",
        ),
        text(f"Here the step uses {step}, with learning rate ", rate, f"{steps}."),
        text(*rounding(ctx)),
    )
    return (Section("Overview", blocks),)


def rounding(ctx):
    """One sentence on how the figures were rounded, and so how far recomputing them by hand agrees."""
    precision = ctx.figures.precision
    shown = (
        f"{precision.decimals} decimals"
        if precision.decimals is not None
        else f"{precision.digits} significant figures"
    )
    if not precision.carried:
        return (
            f"Computed figures are shown to {shown}, given numbers as given; every result is "
            "worked out from exact values, so recomputing a line from its printed figures may change its last digit.",
        )
    drift = ctx.figures.drift()
    places = 1 - math.floor(math.log10(drift)) if drift else 0
    return (
        f"Every computed figure is rounded to {shown} before it is used again, as by hand, so each line reproduces "
        "exactly on a calculator. The rounding carried through the step moves "
        "the new parameters by at most ",
        Math(number_text(drift, places)),
        " from their exact values.",
    )
