"""The answer key of an exercise: every variant's asked quantities with their values, as JSON or CSV.

Both are text made from the :class:`~symbackprop.exercise.Variant` records alone; the caller writes them.
Names are the canonical ones (docs/quantities.md) and values carry full precision (Python's ``repr``
of the float, which reads back to the same float), so a checker compares with the tolerance itself.

>>> from symbackprop.exercise import Asked, Variant
>>> variants = [Variant("001", None, None, (Asked("loss", 0.25, 5e-05, 4),))]
>>> print(answers_json(variants), end="")
[
  {"variant": "001", "name": "loss", "value": 0.25, "tolerance": 5e-05}
]
>>> print(answers_csv(variants), end="")
variant,loss
001,0.25
"""

import csv
import io
import json
import math


def checked(variants):
    """``variants`` as a list, or a ValueError unless there are some, each with its own ID, asking each quantity
    once with a finite value and tolerance."""
    variants = list(variants)
    if not variants:
        raise ValueError("no variants: an exercise has at least one")
    seen = set()
    for variant in variants:
        if variant.ident in seen:
            raise ValueError(f"two variants have the ID {variant.ident!r}")
        seen.add(variant.ident)
        names = [asked.name for asked in variant.asked]
        if len(set(names)) != len(names):
            raise ValueError(f"variant {variant.ident}: a quantity is asked twice among {', '.join(names)}")
        for asked in variant.asked:
            if not (math.isfinite(asked.value) and math.isfinite(asked.tolerance) and asked.tolerance >= 0):
                raise ValueError(f"variant {variant.ident}: {asked.name} has no finite value and tolerance")
    return variants


def asked_names(variants):
    """The names every variant asks, in order; a ValueError unless the variants are :func:`checked` and all ask
    the same names in the same order (an answer key has one column per name)."""
    variants = checked(variants)
    names = tuple(asked.name for asked in variants[0].asked)
    for variant in variants:
        mine = tuple(asked.name for asked in variant.asked)
        if mine != names:
            raise ValueError(
                f"variant {variant.ident} asks {', '.join(mine) or 'nothing'}; "
                f"variant {variants[0].ident} asks {', '.join(names) or 'nothing'}: every variant must ask the same"
            )
    return names


def answers_json(variants):
    """A JSON list of ``{"variant", "name", "value", "tolerance"}``, one object a line, variant by variant."""
    variants = list(variants)
    asked_names(variants)
    rows = [
        json.dumps({"variant": v.ident, "name": a.name, "value": float(a.value), "tolerance": float(a.tolerance)})
        for v in variants
        for a in v.asked
    ]
    return "[\n" + ",\n".join(f"  {row}" for row in rows) + "\n]\n"


def answers_csv(variants):
    """One row per variant: its ID under ``variant``, then each asked value under its canonical name."""
    variants = list(variants)
    names = asked_names(variants)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["variant", *names])
    for variant in variants:
        writer.writerow([variant.ident, *(repr(float(asked.value)) for asked in variant.asked)])
    return out.getvalue()
