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


# What a [variants] table can ask students for: families of canonical quantities, in the order a solution
# reaches them (a spec may also list single canonical names).
ASKABLE = ("forward", "loss", "deltas", "gradients", "updated", "loss_after")
DEFAULT_ASK = ("forward", "loss", "deltas", "gradients", "updated")
VARYING = ("weights", "biases", "inputs", "targets")
RANGES = {"weights": (-1.0, 1.0), "biases": (-0.5, 0.5), "inputs": (-1.0, 1.0), "targets": None}
MAX_ANSWER_DECIMALS = 8


@dataclass(frozen=True)
class Plan:
    """What a spec's ``[variants]`` table says (docs/spec.md): which numbers vary, on what grid and in what
    ranges, what students must give and to how many decimals, and an optional fixed tolerance."""

    vary: frozenset = frozenset({"weights", "biases", "inputs"})
    decimals: int = 1
    ranges: tuple = tuple(RANGES.items())
    ask: tuple = DEFAULT_ASK
    answer_decimals: int = 4
    tolerance: float | None = None

    def range_of(self, kind):
        return dict(self.ranges)[kind]


def plan(table):
    """The :class:`Plan` of a ``[variants]`` table, every key checked (SpecError naming the key otherwise)."""
    from .checks import number, only_keys, show, suggest
    from .errors import SpecError
    from .quantities import is_canonical

    if not isinstance(table, dict):
        raise SpecError('variants: expected a table, e.g. [variants] with vary = ["weights", "inputs"]')
    only_keys(table, {"vary", "decimals", "ask", "answer_decimals", "tolerance", *VARYING}, "variants")
    vary = table.get("vary", sorted(Plan.vary))
    if not isinstance(vary, list) or not vary:
        raise SpecError(f"variants.vary: expected a non-empty list drawn from {', '.join(VARYING)}, got {show(vary)}")
    for kind in vary:
        if kind not in VARYING:
            raise SpecError(
                f"variants.vary: unknown kind of number {show(kind)}{suggest(str(kind), VARYING)}; "
                f"expected some of {', '.join(VARYING)}"
            )
    decimals = table.get("decimals", 1)
    if decimals not in (1, 2) or isinstance(decimals, bool):
        raise SpecError(f"variants.decimals: expected 1 or 2 (the grid drawn numbers lie on), got {show(decimals)}")
    ranges = dict(RANGES)
    for kind in VARYING:
        if kind in table:
            ranges[kind] = _range(table[kind], f"variants.{kind}", number, show)
    ask = table.get("ask", list(DEFAULT_ASK))
    if not isinstance(ask, list) or not ask:
        raise SpecError(f"variants.ask: expected a non-empty list of {', '.join(ASKABLE)} or quantity names")
    for item in ask:
        if not isinstance(item, str) or not (item in ASKABLE or is_canonical(item)):
            raise SpecError(
                f"variants.ask: unknown quantity {show(item)}{suggest(str(item), ASKABLE)}; expected one of "
                f"{', '.join(ASKABLE)} or a name from docs/quantities.md such as dL/dW1[1,2]"
            )
    answer_decimals = table.get("answer_decimals", 4)
    if isinstance(answer_decimals, bool) or answer_decimals not in range(0, MAX_ANSWER_DECIMALS + 1):
        raise SpecError(
            f"variants.answer_decimals: expected a whole number from 0 to {MAX_ANSWER_DECIMALS}, got {show(answer_decimals)}"
        )
    tolerance = table.get("tolerance")
    if tolerance is not None:
        tolerance = float(number(tolerance, "variants.tolerance"))
        if not tolerance > 0:
            raise SpecError(f"variants.tolerance: expected a positive number, got {show(tolerance)}")
    return Plan(frozenset(vary), decimals, tuple(ranges.items()), tuple(ask), answer_decimals, tolerance)


def _range(value, key, number, show):
    from .errors import SpecError

    if not isinstance(value, list) or len(value) != 2:
        raise SpecError(f"{key}: expected a range [low, high], got {show(value)}")
    low, high = (float(number(v, key)) for v in value)
    if not (low < high and abs(low) <= 100 and abs(high) <= 100):
        raise SpecError(f"{key}: expected low < high, both within ±100, got {show(value)}")
    return (low, high)
