"""The check: the forward pass again with the new parameters, and how much the loss went down."""

from .blocks import Math, Section, Text, text
from .forward import worked_forward
from .steps import loss_words
from .tables import tables


def check(ctx):
    count = ctx.spec.steps
    blocks = list(worked_forward(ctx, ctx.run.after, "", tabled=False, parameters="new").blocks)
    if count > 1:
        # Part of the pass's opening paragraph, which is kept on the page of the display it leads into.
        source = f"The parameters after step {count} are the new values of its table above."
        first = blocks[0]
        blocks[0:1] = [text(source, " ", *first.parts)] if isinstance(first, Text) else [text(source), first]
    blocks += _change(ctx)
    return (Section("Check: the forward pass with the new parameters", tuple(blocks)),)


def _change(ctx):
    """The loss of the trained rows before the first step and after the last, its change, and that in percent."""
    result, count = ctx.run, ctx.spec.steps
    before, after = ("before", "after") if count == 1 else ("before step 1", f"after step {count}")
    header = [("loss",), (before,), (after,), ("change",)]
    row = [
        (ctx.math(ctx.loss_symbol),),
        (ctx.number(result.loss, "loss"),),
        (ctx.number(result.loss_after, "loss"),),
        (Math(ctx.figures.difference(result.loss, result.loss_after, "loss")),),
    ]
    percent = result.loss_change_percent
    if percent is not None:
        header.append(("change in %",))
        row.append((ctx.number(percent, "percent"),))
    words = loss_words(ctx)
    when = "before and after the step" if count == 1 else f"{before} and {after}"
    lead = text(f"{words[0].upper()}{words[1:]} {when}:")
    blocks = [*tables(tuple(header), (tuple(row),), "l" + "r" * (len(header) - 1), lead=lead.parts)]
    if percent is None:
        blocks.append(text("It was 0 before, so no percentage of it applies."))
    return blocks
