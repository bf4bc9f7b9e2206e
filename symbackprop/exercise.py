"""An exercise drawn for a class: its variants, and what each asks of students with the answer and tolerance.

``symbackprop variants`` draws the variants (variants.py); the answer key, the Moodle export and the
question and solution sheets read them from these records.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Asked:
    """One quantity a student must give: its canonical name (docs/quantities.md), the exact value, the
    tolerance a given figure is judged with, and the decimals the student is asked to give it to."""

    name: str
    value: float
    tolerance: float
    decimals: int


@dataclass(frozen=True)
class Variant:
    """One student's version of the exercise: its ID (zero-padded, "007"), its full spec, its training run
    (a :class:`~symbackprop.Result`) and the quantities it asks for, in the order a solution reaches them."""

    ident: str
    spec: object
    result: object
    asked: tuple
