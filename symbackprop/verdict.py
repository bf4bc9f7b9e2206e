"""What ``symbackprop check`` says of one claimed figure: its status, and the mistake behind a slip.

``judge.py`` gives the verdicts; ``claims.py`` reads what an author claims; the command line prints them.
"""

from dataclasses import dataclass
from decimal import Decimal

# ok: right to its written digits (rounded or cut); rounding: what the author's own earlier figures give;
# carried: wrong, but right from the author's own wrong inputs; slip: a root error.
STATUSES = ("ok", "rounding", "carried", "slip")
DIAGNOSES = (
    "sign",
    "factor-2",
    "missing-derivative",
    "wrong-derivative",
    "missing-contribution",
    "updated-weights",
    "transposed",
    "mean-vs-sum",
    "learning-rate",
    "wrong-sample",
    "arithmetic",
)


@dataclass(frozen=True)
class Claim:
    """One figure an author wrote: the name as written, its canonical name (docs/quantities.md), the value
    exactly as written (``Decimal("0.20")`` keeps its two decimals)."""

    name: str
    canonical: str
    value: Decimal

    @property
    def decimals(self):
        """The decimals the figure was written with: its precision."""
        return max(0, -self.value.as_tuple().exponent)


@dataclass(frozen=True)
class Verdict:
    """The judgement of one claim: the exact value, a status from :data:`STATUSES`, for a slip a diagnosis
    from :data:`DIAGNOSES` (None otherwise), and a short explanation with the figures."""

    claim: Claim
    correct: float
    status: str
    diagnosis: str | None
    explanation: str
