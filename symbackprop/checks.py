"""Small validation helpers shared by the spec reader, the activation table and the command line.

Everything a spec holds may come from a stranger, so every value that goes into
an error message passes through :func:`show`: control characters come out
escaped (an ESC cannot reach the terminal, a newline cannot forge a second
line) and long values are cut.

>>> show("\\x1b[2J" + "x" * 100)
"'\\\\x1b[2Jxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"
"""

import difflib
import re
import reprlib
from decimal import Decimal

from . import budget
from .errors import SpecError

# Characters that change what a terminal or a text viewer shows rather than being shown: C0 and C1
# controls, DEL, the bidirectional overrides ("Trojan source") and the Unicode line separators.
UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 60
_REPR.maxlist = _REPR.maxdict = 6


def escape_unsafe(text):
    """``text`` with every unsafe character written as an escape (``\\x1b``, ``\\n``, ``\\u202e``)."""
    return UNSAFE_CHARACTERS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def cut(text, limit):
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show(value, limit=40):
    """A short, terminal-safe rendering of a user's ``value`` for an error message."""
    try:
        if isinstance(value, str):
            text = repr(value[: limit + 1])  # never the repr of a whole megabyte
        elif isinstance(value, Decimal):
            text = str(value)
        else:
            text = _REPR.repr(value)
    except (RecursionError, ValueError):  # ValueError: an integer too long to print
        text = f"<{type(value).__name__}>"
    return cut(escape_unsafe(text), limit)


def show_key(name):
    """A user's key name as a message prints it: bare when it is a plain TOML key, else quoted and escaped."""
    name = str(name)
    return name if BARE_KEY.match(name) and len(name) <= 40 else show(name)


def show_path(path, limit=80):
    """A file name or path from the user, escaped, and cut at the front when long so the file's name stays."""
    text = escape_unsafe(str(path))
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def one_line(message, limit=budget.MAX_MESSAGE):
    """A whole message made safe for one terminal line: escaped, and cut when over ``limit``."""
    return cut(escape_unsafe(str(message)), limit)


def suggest(word, choices):
    """A ' (did you mean ...?)' hint naming the closest valid choice, or ''."""
    if not isinstance(word, str) or len(word) > 100:
        return ""
    choices = [str(c) for c in choices]
    same_letters = [c for c in choices if c.lower() == word.lower()]
    close = same_letters or difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def only_keys(table, allowed, key):
    """Refuse the first key of ``table`` that is not in ``allowed``, suggesting the closest one."""
    for extra in sorted(set(table) - set(allowed)):
        where = f"{key}.{show_key(extra)}" if key else show_key(extra)
        raise SpecError(f"{where}: unknown key{suggest(extra, allowed)}; expected one of {', '.join(sorted(allowed))}")


def number(value, key):
    """``value`` as an exact Decimal, if it is a TOML number within the budget (see :mod:`budget`)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise SpecError(f"{key}: expected a number, got {show(value)}")
    if isinstance(value, float):
        value = Decimal(repr(value))
    value = Decimal(value)
    if not value.is_finite():
        raise SpecError(f"{key}: expected a finite number, got {value}")
    if value:
        # adjusted() is the exponent of the leading digit; it never overflows, unlike arithmetic on
        # a number such as 6e-99999999999999999999, which Decimal's default context cannot handle.
        if not -budget.MAX_EXPONENT <= value.adjusted() < budget.MAX_EXPONENT:
            raise SpecError(
                f"{key}: {show(value)} is out of range; expected 0 or a magnitude from "
                f"1e-{budget.MAX_EXPONENT} to below 1e{budget.MAX_EXPONENT}"
            )
        if len(value.as_tuple().digits) > budget.MAX_DIGITS:
            raise SpecError(f"{key}: {show(value)} has more than {budget.MAX_DIGITS} significant digits")
    return value


def text_field(value, key, limit, lines=False):
    """``value`` if it is a string of at most ``limit`` characters without control characters.

    With ``lines``, newlines and tabs are allowed (a description); they are shown as spaces.
    """
    if not isinstance(value, str) or len(value) > limit:
        raise SpecError(f"{key}: expected a text of at most {limit} characters")
    allowed = value.replace("\n", "").replace("\t", "") if lines else value
    bad = UNSAFE_CHARACTERS.search(allowed)
    if bad:
        raise SpecError(f"{key}: control character {show(bad.group())} is not allowed in a text")
    return " ".join(value.split()) if lines else value
