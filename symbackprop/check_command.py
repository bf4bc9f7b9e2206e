"""``symbackprop check``: judge the figures of claims files, print the verdicts, grade a class.

Every claims file is read and checked first (:func:`symbackprop.claims.read`), so bad input ends the run
before anything is printed or written. Each file's claims then go to the judge
(``symbackprop.judge.judge(spec, claims) -> verdicts``), imported when first needed. The output is a
table per file and a summary line (or, with ``--json``, one JSON object per file, one per line); ``--csv``
writes one row per file for grading. The exit status is 1 when any claim is a slip.
"""

import csv
import io
import json
from collections import Counter
from pathlib import Path

from .checks import one_line
from .verdict import STATUSES

GRADE_COLUMNS = (
    "file",
    "spec",
    "claims",
    "ok",
    "rounding",
    "carried",
    "slips",
    "score",
    "first_slip",
    "first_slip_diagnosis",
)


def judge(spec, claims):
    """The judge's verdicts on ``claims`` about ``spec``, one per claim, in order."""
    from .judge import judge as real_judge

    return real_judge(spec, claims)


def check(paths, as_json=False, csv_path=None, out=print):
    """Judge the claims files at ``paths``, print the verdicts with ``out``; return the exit status (0, or 1
    when some claim is a slip)."""
    from .claims import read
    from .files import check_target, write_files

    if csv_path is not None:
        check_target(csv_path, "--csv")
    files = [read(path) for path in paths]
    judged = [(claims, judge(claims.spec, list(claims.claims))) for claims in files]
    for number, (claims, verdicts) in enumerate(judged):
        if as_json:
            out(json.dumps(as_object(claims, verdicts), ensure_ascii=False))
        else:
            if number:
                out("")
            for line in table(claims, verdicts):
                out(line)
    if csv_path is not None:
        write_files({Path(csv_path): grades(judged)}, "--csv")
    return 1 if any(v.status == "slip" for _, verdicts in judged for v in verdicts) else 0


def counts(verdicts):
    """How many verdicts have each status, every status listed."""
    found = Counter(v.status for v in verdicts)
    return {status: found[status] for status in STATUSES}


def correct_text(verdict):
    """The correct value, shown to two more decimals than the claim was written with."""
    return f"{verdict.correct:.{min(verdict.claim.decimals + 2, 15)}f}"


def as_object(claims, verdicts):
    """One claims file's verdicts as the JSON object ``check --json`` prints (docs/claims.md)."""
    return {
        "spec": claims.spec_name,
        "claims": [
            {
                "name": v.claim.name,
                "canonical": v.claim.canonical,
                "claimed": str(v.claim.value),
                "correct": v.correct,
                "status": v.status,
                "diagnosis": v.diagnosis,
                "explanation": v.explanation,
            }
            for v in verdicts
        ],
        "counts": counts(verdicts),
    }


def table(claims, verdicts):
    """The lines ``check`` prints for one claims file: a heading, one aligned row per claim, a summary."""
    rows = [("name", "claimed", "correct", "status", "diagnosis", "explanation")]
    rows += [
        (v.claim.name, str(v.claim.value), correct_text(v), v.status, v.diagnosis or "-", one_line(v.explanation))
        for v in verdicts
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [f"{claims.path} (spec {claims.spec_name})"]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[5] for row in rows]
    found = counts(verdicts)
    lines.append(f"{len(verdicts)} claims: " + ", ".join(f"{found[status]} {status}" for status in STATUSES))
    return [line.rstrip() for line in lines]


def grades(judged):
    """The grading CSV: one row per claims file (see :data:`GRADE_COLUMNS`); the score is the share of its
    claims that are not slips."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(GRADE_COLUMNS)
    for claims, verdicts in judged:
        found = counts(verdicts)
        slips = [v for v in verdicts if v.status == "slip"]
        first = slips[0] if slips else None
        writer.writerow(
            [
                str(claims.path),
                claims.spec_name,
                len(verdicts),
                found["ok"],
                found["rounding"],
                found["carried"],
                found["slip"],
                f"{1 - len(slips) / len(verdicts):.4f}",
                first.claim.name if first else "",
                (first.diagnosis or "") if first else "",
            ]
        )
    return stream.getvalue()


def names(spec):
    """The lines of ``check --names``: every accepted name beside its canonical one, in the run's order."""
    from .claims import accepted_names

    accepted = accepted_names(spec)
    width = max(len(name) for name in accepted)
    lines = [f"{'name'.ljust(width)}  canonical"]
    by_canonical = {}
    for name, canonical in accepted.items():
        by_canonical.setdefault(canonical, []).append(name)
    for canonical, written in by_canonical.items():
        lines += [f"{name.ljust(width)}  {canonical}" for name in written]
    return lines
