"""Overview: the three phases of a training step, and what this document's step uses."""

import sympy as sp

from ..printing import Shown
from .blocks import Section, text


def overview(ctx):
    spec = ctx.spec
    if spec.mode == "sample":
        step = f"sample {spec.sample}"
    else:
        step = f"all {len(spec.x)} samples at once ({spec.reduction} of their losses)"
    rate = ctx.math(sp.Eq(ctx.rate_symbol, Shown(spec.learning_rate, 12), evaluate=False))
    steps = "1 step" if spec.steps == 1 else f"{spec.steps} steps"
    blocks = (
        text(
            "One training step has three phases. The forward pass feeds the inputs through the network "
            "and measures the loss. The backward pass applies the chain rule from the loss back to every "
            "weight and bias, giving each parameter's gradient. The update moves every parameter a small "
            "step against its gradient, scaled by the learning rate ",
            ctx.math(ctx.rate_symbol),
            ".",
        ),
        text(f"Here the step uses {step}, with learning rate ", rate, f", for {steps}."),
    )
    return (Section("Overview", blocks),)
