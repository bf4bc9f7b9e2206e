"""Variants of an exercise: the same network with fresh nice numbers, one per student, with answers and tolerances.

How it works:

1. The spec's ``[variants]`` table (an :class:`~symbackprop.exercise.Plan`; defaults without one) says
   which numbers vary and what students must give. :func:`symbackprop.nice.draw` draws candidate number
   sets on the plan's grid that keep the network well-behaved (no saturated or dead unit, a step that
   lowers the loss), no two alike.
2. All candidates are trained together, as one run of stacked parameter sets (:func:`stacked_run`: the
   evaluator takes a leading axis), and a candidate is kept only if every asked answer is nonzero at the
   asked decimals, so that no blank is answered by 0.
3. Each kept variant gets its tolerances: one unit of the asked decimals (half for rounding the answer,
   half for a student's other path through rounded figures) plus the drift that rounding every
   intermediate figure to those decimals causes, measured by working the variant as a student would
   (:func:`symbackprop.carried.carried_run`) and comparing with the exact values. Its worked solution
   prints its figures to the asked decimals.
"""

from dataclasses import dataclass, replace

import numpy as np

from . import budget
from .carried import carried_run
from .errors import SpecError
from .evaluation import evaluator, sgd_step, train
from .exercise import ASKABLE, Asked, Plan, Variant
from .precision import Precision
from .quantities import canonical_quantities, listed

MAX_VARIANTS = 300  # written variants, each with a full worked solution in solutions.tex (a class, and more)
MAX_NUMBERS = 100_000  # variants whose numbers alone are drawn (see :func:`answers`)
# Families of canonical quantities each kind of asked quantity covers (see docs/quantities.md).
_FAMILIES = {"forward": "forward", "deltas": "signals", "gradients": "gradients", "updated": "updated"}


@dataclass
class StackedRun:
    """A training run of many parameter sets at once: each array has a leading axis, one entry per set,
    with the attributes :func:`symbackprop.quantities.listed` reads."""

    spec: object
    before: object
    loss: np.ndarray
    loss_total: np.ndarray
    gradients: dict
    updated: dict
    after: object
    loss_after: np.ndarray


def stacked_run(spec, parameters, x, y):
    """Train the parameter sets stacked in ``parameters`` (with data ``x``, ``y`` stacked alike) at once."""
    compiled = evaluator(spec.architecture)
    rows, reduction, rate = spec.rows, spec.reduction, float(spec.learning_rate)
    with np.errstate(all="ignore"):
        before = compiled.trace(parameters, x, y)
        trace, gradients = before, before.gradients(rows, reduction)
        first = gradients
        for step in range(1, spec.steps + 1):
            parameters = sgd_step(parameters, gradients, rate, spec.update_biases)
            if step < spec.steps:
                trace = compiled.trace(parameters, x, y)
                gradients = trace.gradients(rows, reduction)
        after = compiled.trace(parameters, x, y)
        everything = range(x.shape[-2])
        return StackedRun(
            spec,
            before,
            before.losses(rows, reduction),
            before.losses(everything, reduction),
            first,
            parameters,
            after,
            after.losses(rows, reduction),
        )


def asked_names(spec, plan):
    """The canonical names a plan asks for in ``spec``'s network, in the order a solution reaches them.

    A kind of quantity (``"gradients"``) stands for every one of the kind the document works out: the training
    sample's forward values, its error signals (each trained sample's in batch mode), the gradient and the
    new value of each trained parameter (not of a frozen bias); a canonical name stands for itself.
    """
    everything = listed(train(spec))
    chosen = {q.name for q in everything if _covers(plan.ask, q, spec)}
    known = {q.name for q in everything}
    for item in plan.ask:
        if item not in ASKABLE:
            if item not in known:
                raise SpecError(f"variants.ask: {item} is not a quantity of this network (see docs/quantities.md)")
            chosen.add(item)
    return [q.name for q in everything if q.name in chosen]


def _covers(ask, quantity, spec):
    """Whether one of the kinds in ``ask`` covers ``quantity``."""
    name, family = quantity.name, quantity.family
    if name in ("loss", "loss_after"):
        return name in ask
    if family == "forward" and "@" in name or name.startswith("dL/da"):
        return False  # forward values are the training sample's; dL/da is a step inside a delta
    if name.startswith(("dL/db", "new b")) and not spec.update_biases:
        return False
    return any(_FAMILIES.get(item) == family for item in ask)


def draw_variants(spec, count, seed, progress=None):
    """``count`` variants of ``spec``'s exercise drawn with ``seed``: a list of :class:`Variant`, IDs "001"...

    ``progress``, if given, is called with the number of variants finished so far.
    """
    if not 1 <= count <= MAX_VARIANTS:
        raise SpecError(f"--count: expected a whole number from 1 to {MAX_VARIANTS:,}, got {count}")
    budget.check_document(spec)  # every variant gets a worked solution
    plan = spec.variants or Plan()
    names = asked_names(spec, plan)
    numbers, _ = _drawn(spec, plan, names, count, seed)
    width = max(3, len(str(count)))
    variants = []
    # The worked solutions print their figures to the decimals students give, so the key and the work agree.
    notation = replace(spec.notation, precision=Precision(None, plan.answer_decimals, spec.notation.precision.rounding))
    for i in range(count):
        variant_spec = replace(numbers.spec(spec, i), notation=notation)
        result = train(variant_spec)
        variants.append(
            Variant(str(i + 1).zfill(width), variant_spec, result, _answers(variant_spec, result, plan, names))
        )
        if progress:
            progress(i + 1)
    return variants


def answers(spec, count, seed):
    """The asked values of ``count`` variants at once, without writing them out: ``(names, values)``, values of
    shape (count, len(names)). Fast: the numbers are drawn and trained as stacked arrays."""
    if not 1 <= count <= MAX_NUMBERS:
        raise SpecError(f"--count: expected a whole number from 1 to {MAX_NUMBERS:,}, got {count}")
    plan = spec.variants or Plan()
    names = asked_names(spec, plan)
    _, values = _drawn(spec, plan, names, count, seed, written=False)
    return names, values


def _drawn(spec, plan, names, count, seed, written=True):
    """Number sets for ``count`` variants whose asked answers are all nonzero at the asked decimals."""
    from . import nice

    budget.check_variants(spec.architecture, count, written)
    settings = nice.Settings(
        vary=plan.vary,
        decimals=plan.decimals,
        weights=plan.range_of("weights"),
        biases=plan.range_of("biases"),
        inputs=plan.range_of("inputs"),
        targets=plan.range_of("targets"),
    )
    rng = np.random.default_rng(seed)
    smallest = 0.5 * 10.0**-plan.answer_decimals
    for _ in range(8):
        numbers = nice.draw(spec, rng, count * 2, settings)
        run = stacked_run(spec, numbers.parameters, numbers.x, numbers.y)
        found = {q.name: q.value for q in listed(run)}
        values = np.stack([found[name] for name in names], axis=-1)
        good = np.flatnonzero(np.all(np.abs(values) >= smallest * (1 + 1e-9), axis=-1))
        if len(good) >= count:
            chosen = good[:count]
            kept = replace(
                numbers,
                parameters={name: value[chosen] for name, value in numbers.parameters.items()},
                x=numbers.x[chosen],
                y=numbers.y[chosen],
            )
            return kept, values[chosen]
    raise SpecError(
        f"variants: could not draw {count} variants whose every asked answer is nonzero at "
        f"{plan.answer_decimals} decimals; widen the ranges or ask for more decimals"
    )


def _answers(spec, result, plan, names):
    """The asked quantities of one variant, each with its tolerance."""
    exact = canonical_quantities(result)
    decimals = plan.answer_decimals
    if plan.tolerance is not None:
        drift = dict.fromkeys(names, 0.0)
        half = plan.tolerance
    else:
        carried = canonical_quantities(carried_run(spec, lambda kind, l, value: decimals))
        drift = {name: abs(carried[name] - exact[name]) for name in names}
        # Half a unit for rounding the answer, half a unit more for a student's other path through rounded
        # figures (a tie rounded the other way, an intermediate the carried run does not round), then the drift.
        half = 10.0**-decimals
    return tuple(Asked(name, exact[name], _tolerance(half + drift[name], decimals), decimals) for name in names)


def _tolerance(value, decimals):
    """``value`` rounded up to two significant figures past the asked decimals, so the key prints it exactly."""
    step = 10.0 ** -(decimals + 2)
    return round(float(np.ceil(value / step - 1e-9)) * step, decimals + 2)
