"""What a variant's exercise gives and asks, as document blocks: the statement, and its answer key.

The question sheets (sheets.py) and the Moodle export (moodle.py) lay out the same
:func:`statement`: the network (its diagram, on paper), the data and starting
parameters, the task in words, and a :class:`Blanks` block with one row per asked
quantity, its name in the notation and what it is in words. Only the spec's own
numbers appear in it (inputs, targets, starting parameters, learning rate), printed
as the worked solution prints them; no value of the run does. :func:`answer_key` gives the asked values to their decimals,
for the solution sheets and Moodle's feedback.

>>> from symbackprop import load, train
>>> ctx = Context(train(load("bce_sigmoid_2_2_1")))
>>> describe("a1_2", ctx), describe("new W2[1,1]", ctx), describe("delta2_1@3", ctx)
('activation of unit 2 of the hidden layer', 'weight into the output unit from unit 1 of the hidden layer, after the update', 'error signal of the output unit, sample 3')
"""

from dataclasses import dataclass, replace
from decimal import Decimal

import sympy as sp

from .document import laid_out
from .document.blocks import Math, Section, Text, parts
from .document.context import Context
from .document.data import data
from .document.network import network
from .precision import text as figure
from .quantities import NAME, canonical_quantities, latex


@dataclass(frozen=True)
class Blanks:
    """The quantities a student is asked for: one row of cells each (prose parts) and a field for the answer.

    ``fields`` holds what each row's answer cell contains where a format fills it (Moodle's embedded
    answers); on paper it is empty and the cell is a box to write in.
    """

    header: tuple
    rows: tuple
    lead: tuple = ()
    fields: tuple = ()
    kind: str = "blanks"

    @property
    def keep(self):
        """Lines the list needs on the page to start there: all of a short one (a row with its box takes two
        lines), the header and its first rows of a long one, which breaks across pages."""
        return 5 + 2 * (len(self.rows) if len(self.rows) <= _WHOLE else 3)


@dataclass(frozen=True)
class Key:
    """The answers of a variant, one row each: number, name, what it is, value to its decimals, tolerance."""

    header: tuple
    rows: tuple
    lead: tuple = ()
    kind: str = "key"

    @property
    def keep(self):
        """Lines the key needs on the page to start there: all of a short one, the header and a few rows of a
        long one."""
        return 5 + (len(self.rows) if len(self.rows) <= 3 * _WHOLE else 3)


_WHOLE = 8  # a list of at most this many quantities is kept on one page

# What the task asks, family by family, in the order a solution reaches them.
_TASKS = (
    ("z", "the weighted sums"),
    ("a", "the activations"),
    ("loss", "the loss"),
    ("dL/da", "the derivatives of the loss by the activations"),
    ("delta", "the error signals"),
    ("dL/d", "the gradients"),
    ("new ", "the updated parameters"),
    ("after", "the forward pass after the update"),
    ("loss_after", "the loss after the update"),
)


def statement(variant, pictures=True, fields=()):
    """The sections of ``variant``'s exercise: the network, the data, and the task with its blanks.

    ``pictures`` keeps the network diagram (a format that cannot draw it leaves it out); ``fields`` fills
    the answer cells, one per asked quantity.
    """
    ctx = Context(variant.result)
    _check(variant)
    (net,) = network(ctx)
    if not pictures:
        net = replace(net, blocks=tuple(block for block in net.blocks if block.kind != "diagram"))
    blanks = _blanks(ctx, variant, fields)
    # The task's heading and sentences start a page only where its list can start too (about 8 lines for them).
    given = (net, *data(ctx), Section("Your task", (*_task(ctx, variant), blanks), keep=blanks.keep + 8))
    return tuple(laid_out(section) for section in given)


def answer_key(variant):
    """The asked quantities of ``variant`` with their values to the asked decimals and their tolerances."""
    ctx = Context(variant.result)
    _check(variant)
    header = (("",), ("quantity",), ("what it is",), ("value",), ("tolerance",))
    rows = tuple(
        (
            (str(number),),
            (_named(asked.name, ctx),),
            (describe(asked.name, ctx),),
            (Math(figure(asked.value, asked.decimals)),),
            (Math(plain_number(asked.tolerance)),),
        )
        for number, asked in enumerate(variant.asked, start=1)
    )
    lead = (f"The answers of variant {variant.ident}, each to be given within its tolerance:",)
    key = Key(header, rows, lead)
    return Section("Answers", (key,), keep=key.keep + 3)


def plain_number(value):
    """``value`` written out in full with a decimal point, never in exponent form: 5e-05 is 0.00005.

    >>> plain_number(5e-05), plain_number(-0.25), plain_number(3.0)
    ('0.00005', '-0.25', '3')
    """
    written = format(Decimal(repr(float(value))), "f")
    return written.rstrip("0").rstrip(".") if "." in written else written


def describe(name, ctx):
    """What the canonical quantity ``name`` is, in words, beside its name in the notation of ``ctx``.

    The words name the kind of value and its unit, the sample, and whether it is taken after the
    update: a new weight prints as the starting one does, and the output after the update as the output.
    """
    match = NAME.fullmatch(name)
    if match is None:
        raise ValueError(f"not a canonical quantity name: {name!r}")
    steps = ctx.spec.steps
    later = "after the update" if steps == 1 else f"after {steps} steps"
    if match["family"]:
        words = {"z": "weighted sum", "a": "activation"}[match["family"]]
        unit = _unit(ctx, int(match["l"]), int(match["j"]))
        return f"{words} of {unit}" + (f" {later}" if match["after"] else "") + _sample(match["s"])
    if match["loss"]:
        loss = match["loss"]
        if loss.startswith("loss@"):
            return f"loss of sample {loss[5:]}"
        return {"loss": _step_loss(ctx.spec), "loss_total": "loss over all samples", "loss_after": f"loss {later}"}[
            loss
        ]
    if match["signal"]:
        words = {"delta": "error signal", "dL/da": "derivative of the loss by the activation"}[match["signal"]]
        return f"{words} of {_unit(ctx, int(match['sl']), int(match['sj']))}" + _sample(match["ss"])
    l = int(match["pl"])
    index = [int(i) for i in match["pi"].split(",")] if match["pi"] else []
    if match["kind"] == "W":
        source = f"input {index[1]}" if l == 1 else f"unit {index[1]} of the {ctx.layer_role(l - 1)}"
        what = f"weight into {_unit(ctx, l, index[0])} from {source}"
    else:
        what = f"bias of {_unit(ctx, l, index[0])}" if index else f"bias shared by the {ctx.layer_role(l)}"
    return f"gradient of the {what}" if match["param"] == "dL/d" else f"{what}, {later}"


def _named(name, ctx):
    """The quantity ``name`` in the notation, at full size: a gradient's fraction in a table cell would
    otherwise print its indices at five points."""
    return Math(rf"\displaystyle {latex(name, ctx.notation)}")


def _step_loss(spec):
    """What the step's loss is: one sample's, or all samples' summed or averaged."""
    if len(spec.x) == 1:
        return "loss"
    if spec.mode == "sample":
        return f"loss of sample {spec.sample}"
    return f"loss of all {len(spec.x)} samples, {'summed' if spec.reduction == 'sum' else 'averaged'}"


def _unit(ctx, l, j):
    """Unit ``j`` (from 1) of layer ``l`` in words: "unit 2 of the hidden layer", "the output unit"."""
    role = ctx.layer_role(l)
    if ctx.widths[l] == 1:
        return "the output unit" if l == ctx.depth else f"the unit of the {role}"
    return f"unit {j} of the {role}"


def _sample(number):
    return f", sample {number}" if number else ""


def _check(variant):
    """A ValueError unless every asked quantity is one of the run's (a name can have the shape and not exist)."""
    known = canonical_quantities(variant.result)
    for asked in variant.asked:
        if asked.name not in known:
            raise ValueError(f"variant {variant.ident}: {asked.name!r} is not a quantity of its network")


def _task(ctx, variant):
    """The task in words: the training step, what to compute, and to how many decimals."""
    spec = ctx.spec
    if len(spec.x) == 1:
        on = "on its one sample"
    elif spec.mode == "batch":
        reduction = "summed" if spec.reduction == "sum" else "averaged"
        on = f"on all {len(spec.x)} samples at once, their losses {reduction}"
    else:
        on = f"on sample {spec.sample}"
    rate = ctx.math(sp.Eq(ctx.rate_symbol, ctx.shown(spec.learning_rate, "rate"), evaluate=False))
    families = {_family(asked.name) for asked in variant.asked}
    found = [words for key, words in _TASKS if key in families]
    computed = ", ".join(found[:-1]) + (" and " if len(found) > 1 else "") + found[-1] if found else "nothing"
    decimals = {asked.decimals for asked in variant.asked}
    precision = f"to {decimals.pop()} decimals" if len(decimals) == 1 else "to the decimals its row asks"
    if families & {"new ", "after", "loss_after"}:
        blocks = [
            Text(parts(f"Train the network for one step of gradient descent {on}, with learning rate ", rate, "."))
        ]
    elif families & {"dL/da", "delta", "dL/d"}:
        blocks = [Text((f"Run the forward and the backward pass of one step of gradient descent {on}.",))]
    else:
        blocks = [Text((f"Run the forward pass of one step of gradient descent {on}.",))]
    if "delta" in families:
        signal = ctx.math(ctx.d(ctx.loss_symbol, ctx.symbol("z")))
        blocks.append(
            Text(parts("A unit's error signal is the derivative of the loss by its weighted sum ", signal, "."))
        )
    if spec.steps > 1 and families & {"new ", "after", "loss_after"}:
        blocks.append(
            Text(
                (
                    f"Repeat the step {spec.steps} times in all. The gradients asked are those of the first step; "
                    "the updated parameters, and every value after the update, are those after the last step.",
                )
            )
        )
    blocks.append(
        Text(
            (
                f"Compute {computed}, and give each quantity asked below {precision}, rounded half up. You may carry "
                "your intermediate figures rounded to those decimals or at full precision: each answer's tolerance "
                "allows for either.",
            )
        )
    )
    return blocks


def _family(name):
    """The key of :data:`_TASKS` that ``name`` falls under."""
    match = NAME.fullmatch(name)
    if match["family"]:
        return "after" if match["after"] else match["family"]
    if match["loss"]:
        return "loss_after" if match["loss"] == "loss_after" else "loss"
    return match["signal"] or match["param"]


def _blanks(ctx, variant, fields):
    """One row per asked quantity: its number, its name in the notation and what it is; the answer cell is left."""
    if fields and len(fields) != len(variant.asked):
        raise ValueError(f"variant {variant.ident}: {len(fields)} answer fields for {len(variant.asked)} quantities")
    decimals = [asked.decimals for asked in variant.asked]
    uniform = len(set(decimals)) == 1
    header = (("",), ("quantity",), ("what it is",))
    if not uniform:
        header += (("decimals",),)
    rows = []
    for number, asked in enumerate(variant.asked, start=1):
        row = ((str(number),), (_named(asked.name, ctx),), (describe(asked.name, ctx),))
        rows.append(row if uniform else row + ((str(asked.decimals),),))
    answer = f"your answer ({decimals[0]} decimals)" if uniform else "your answer"
    return Blanks(header + ((answer,),), tuple(rows), ("Write each answer in its box:",), tuple(fields))
