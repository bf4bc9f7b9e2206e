"""Small validation helpers shared by the spec reader and the activation table."""

import difflib
import math
from decimal import Decimal

from .errors import SpecError


def suggest(word, choices):
    """A ' (did you mean ...?)' hint naming the closest valid choice, or ''."""
    choices = [str(c) for c in choices]
    same_letters = [c for c in choices if c.lower() == str(word).lower()]
    close = same_letters or difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def only_keys(table, allowed, key):
    """Refuse the first key of ``table`` that is not in ``allowed``, suggesting the closest one."""
    for extra in sorted(set(table) - set(allowed)):
        where = f"{key}.{extra}" if key else extra
        raise SpecError(f"{where}: unknown key{suggest(extra, allowed)}; expected one of {', '.join(sorted(allowed))}")


def number(value, key):
    """``value`` as an exact Decimal, if it is a finite TOML number (not a boolean or a string)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise SpecError(f"{key}: expected a number, got {value!r}")
    if isinstance(value, float):
        value = Decimal(repr(value))
    value = Decimal(value)
    if not value.is_finite() or not math.isfinite(float(value)):
        raise SpecError(f"{key}: expected a finite number, got {value}")
    return value
