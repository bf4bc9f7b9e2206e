"""Claims files: the figures an author says a spec's training step gives, read for ``symbackprop check``.

A claims file names its spec and lists figures by quantity (docs/claims.md)::

    spec = "squared_error_2_2_1_shared_bias"   # a bundled example, or a path relative to this file

    [claims]
    net_h1 = "0.3775"        # a string keeps every digit as written
    "dE/dw5" = 0.08217       # so does a bare number: its literal is read, not the float
    "delta2_1" = 0.13850

A quantity may be named canonically (docs/quantities.md, plus ``da/dz{l}_{j}``, the activation's derivative
f'(z) for the training sample) or as the spec's notation writes it in plain text (:func:`accepted_names`).
Values keep their written digits: ``0.20`` is ``Decimal("0.20")``, two decimals. A CSV file (``.csv``) holds
the same: a first row ``spec,NAME``, then one ``name,value`` row per claim.

Claims come from students and strangers: the file's size and its number of claims are budgeted, a name
given twice (or in two forms) is refused, and every value must be a finite, readable number.

>>> from symbackprop import load
>>> names = accepted_names(load("squared_error_2_2_1_shared_bias"))
>>> names["net_h1"], names["dE/dw5"], names["new w5"], names["dout_h1/dnet_h1"], names["delta_o"]
('z1_1', 'dL/dW2[1,1]', 'new W2[1,1]', 'da/dz1_1', 'delta2_1')
"""

import csv
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import budget
from .checks import number, only_keys, show, show_key, show_path, suggest
from .errors import SpecError
from .notation import plain_name
from .quantities import SLOPE, latex

# A number as an author writes it: optional sign (or the typographic minus), digits with an optional
# decimal point, an optional exponent.
_WRITTEN = re.compile(r"[+\-\u2212]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-]?\d+)?\Z")
_NOT_FINITE = re.compile(r"[+\-]?(?:nan|inf(?:inity)?)\Z", re.IGNORECASE)
_FRACTION = re.compile(r"\\frac\{\\partial (.+)\}\{\\partial (.+)\}\Z")


@dataclass(frozen=True)
class Claims:
    """One claims file, read and checked: where it is, its spec as written and as loaded, its claims in order."""

    path: Path
    spec_name: str
    spec: object
    claims: tuple


def read(path):
    """Read and check the claims file at ``path`` (TOML, or CSV when its name ends in .csv)."""
    path = Path(path)
    text = _text(path)
    spec_name, rows = (_csv if path.suffix.lower() == ".csv" else _toml)(text, show_path(path))
    spec = _load_spec(spec_name, path)
    names = accepted_names(spec)
    return Claims(path, spec_name, spec, tuple(_claims(rows, names, show_path(path))))


def accepted_names(spec):
    """Every name a claims file may use for ``spec``, mapped to its canonical name.

    Canonical names map to themselves. The notation's plain names (:func:`plain`) are added,
    except one that two quantities share or that is the canonical name of another quantity: such a
    name could mean either, so only the canonical names are accepted for them.
    """
    canonical = canonical_names(spec)
    meanings = {}
    for name in canonical:
        meanings.setdefault(plain(name, spec.notation), set()).add(name)
    accepted = {name: name for name in canonical}
    for written, meant in meanings.items():
        if len(meant) == 1 and written not in accepted:
            accepted[written] = next(iter(meant))
    return accepted


def canonical_names(spec):
    """The canonical names of ``spec``'s run (:func:`symbackprop.quantities.listed`), then ``da/dz{l}_{j}``."""
    from .evaluation import train
    from .quantities import listed

    names = [quantity.name for quantity in listed(train(spec))]
    widths = spec.architecture.widths()
    return names + [f"da/dz{l}_{j}" for l in range(1, len(widths)) for j in range(1, widths[l] + 1)]


def plain(name, notation):
    """The plain name ``notation`` gives the canonical ``name``.

    A derivative is written d<loss>/d<symbol> (``dE/dw5``, ``dout_h1/dnet_h1``); a parameter after the step
    ``new w5``; the pass after the step ``after net_o1``; one sample's value ends in ``@{s}`` as the
    canonical name does. The loss alone is the loss's name; over all samples, ``total E``.

    >>> from symbackprop import load
    >>> n = load("squared_error_2_2_2").notation
    >>> [plain(q, n) for q in ("a1_2@1", "dL/dW1[1,2]", "new b2", "loss_total", "da/dz2_1", "delta2_1")]
    ['output_h2@1', 'dE_total/dw3', 'new b2', 'total E_total', 'doutput_o1/dsum_o1', 'delta_o1']
    """
    derivative = SLOPE.fullmatch(name)
    if derivative:
        l, j = int(derivative[1]), int(derivative[2]) - 1
        return f"d{plain_name(notation.a[l][j])}/d{plain_name(notation.z[l][j])}"
    stem, _, sample = name.partition("@")
    at = f"@{sample}" if sample else ""
    # The pass after the step is named with a prefix here, not with the documents' "after" superscript.
    written = latex(stem.removeprefix("after ").replace("loss_after", "loss"), notation)
    fraction = _FRACTION.match(written)
    text = f"d{plain_name(fraction[1])}/d{plain_name(fraction[2])}" if fraction else plain_name(written)
    prefixes = {"new ": "new ", "after ": "after ", "loss_after": "after ", "loss_total": "total "}
    prefix = next((p for start, p in prefixes.items() if stem.startswith(start)), "")
    return f"{prefix}{text}{at}"


def value(raw, key):
    """The figure ``raw`` (a TOML or CSV string, an int, or the literal text of a TOML float) as written.

    >>> value("0.20", "a"), value("\u22120.5", "b"), value(3, "c"), value(" 1e-3 ", "d")
    (Decimal('0.20'), Decimal('-0.5'), Decimal('3'), Decimal('0.001'))
    """
    if isinstance(raw, _Literal):
        raw = raw.text.replace("_", "")
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise SpecError(f'{key}: expected a number such as 0.20 or "0.20", got {show(raw)}')
    if isinstance(raw, int):
        return number(raw, key)
    text = raw.strip()
    if _NOT_FINITE.match(text):
        raise SpecError(f"{key}: expected a finite number, got {show(raw)}")
    if not _WRITTEN.match(text):
        raise SpecError(f"{key}: cannot read {show(raw)} as a number; write it like 0.20, -1.5 or 2.5e-3")
    try:
        written = Decimal(text.replace("\u2212", "-"))
    except InvalidOperation:
        raise SpecError(f"{key}: cannot read {show(raw)} as a number") from None
    return number(written, key)  # 2.5e-3 keeps its exponent: written to the fourth decimal


@dataclass(frozen=True)
class _Literal:
    """A TOML float as written: tomllib hands its text to ``parse_float`` before any rounding."""

    text: str


def _text(path):
    try:
        with path.open("rb") as stream:
            data = stream.read(budget.MAX_CLAIMS_BYTES + 1)
    except (OSError, ValueError) as error:
        raise SpecError(f"{show_path(path)}: cannot read the claims file ({error.__class__.__name__})") from None
    if len(data) > budget.MAX_CLAIMS_BYTES:
        raise SpecError(f"{show_path(path)}: the claims file is over the budget of {budget.MAX_CLAIMS_BYTES:,} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecError(f"{show_path(path)}: the claims file is not UTF-8 text") from None


def _toml(text, source):
    """The spec name and the (name, raw value) rows of a TOML claims file."""
    try:
        document = tomllib.loads(text, parse_float=_Literal)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{source}: not valid TOML: {error}") from None
    except (RecursionError, ValueError) as error:
        raise SpecError(f"{source}: not valid TOML for a claims file ({error.__class__.__name__})") from None
    only_keys(document, {"spec", "claims"}, "")
    if "spec" not in document:
        raise SpecError(f'{source}: spec: missing; name the spec, e.g. spec = "bce_sigmoid_2_2_1"')
    table = document.get("claims")
    if not isinstance(table, dict):
        raise SpecError(f'{source}: claims: expected a table [claims] of figures, e.g. "dL/dW2[1,1]" = "0.0802"')
    return document["spec"], list(table.items())


def _csv(text, source):
    """The spec name and the (name, raw value) rows of a CSV claims file: ``spec,NAME`` first, then claims."""
    try:
        rows = [row for row in csv.reader(text.splitlines()) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise SpecError(f"{source}: not valid CSV: {error}") from None
    if not rows or len(rows[0]) != 2 or rows[0][0].strip() != "spec":
        raise SpecError(f"{source}: line 1: expected spec,NAME (a bundled example or a spec file's path)")
    claims = []
    for number_, row in enumerate(rows[1:], start=2):
        if len(row) != 2:
            raise SpecError(f"{source}: row {number_}: expected name,value; got {len(row)} fields")
        if number_ == 2 and [cell.strip() for cell in row] == ["name", "value"]:
            continue  # a header row
        claims.append((row[0], row[1]))
    return rows[0][1].strip(), claims


def _load_spec(name, claims_path):
    """The spec a claims file names: a path (ending .toml or holding a /) relative to the claims file, else a
    bundled example's name."""
    from . import spec as specs

    if not isinstance(name, str) or not name or len(name) > 1000:
        raise SpecError(f"{show_path(claims_path)}: spec: expected a bundled example's name or a spec file's path")
    if name.endswith(".toml") or "/" in name or "\\" in name:
        if Path(name).is_absolute():
            raise SpecError(
                f"{show_path(claims_path)}: spec: give a path relative to the claims file, not {show(name)}"
            )
        return specs.load(claims_path.parent / name)
    if name not in specs.bundled_examples():
        raise SpecError(
            f"{show_path(claims_path)}: spec: no bundled example {show(name)}{suggest(name, specs.bundled_examples())}"
            "; a spec file's path ends in .toml"
        )
    return specs.load(name)


def _claims(rows, names, source):
    """The :class:`Claim` of every (name, raw value) row, refusing unknown names, repeats and bad values."""
    from .verdict import Claim

    if not rows:
        raise SpecError(f"{source}: claims: no claim; give at least one figure")
    if len(rows) > budget.MAX_CLAIMS:
        raise SpecError(f"{source}: claims: {len(rows):,} claims, over the budget of {budget.MAX_CLAIMS:,}")
    given = {}
    claims = []
    for written, raw in rows:
        key = f"{source}: claims.{show_key(written)}"
        canonical = names.get(" ".join(written.split())) if len(written) <= budget.MAX_CLAIM_NAME else None
        if canonical is None:
            hint = suggest(written, names) or " (`symbackprop check --names SPEC` lists the names)"
            raise SpecError(f"{key}: unknown quantity{hint}")
        if canonical in given:
            first = given[canonical]
            also = "" if first == written else f" (as {show_key(first)}; both name {canonical})"
            raise SpecError(f"{key}: given twice{also}")
        given[canonical] = written
        claims.append(Claim(written, canonical, value(raw, key)))
    return claims
