"""The files ``symbackprop variants`` writes for a class, built in memory: every variant's spec, the
question and solution sheets (and their PDFs), the answer key and the Moodle export."""

from .answers import answers_csv, answers_json
from .moodle import moodle_xml
from .sheets import questions_tex, solutions_tex
from .spec_text import spec_text


def exercise_files(spec, variants, seed, pdf=False):
    """``{relative path: text or bytes}`` of everything written for ``variants`` of ``spec`` drawn with ``seed``."""
    files = {}
    for variant in variants:
        header = f"Variant {variant.ident} of {len(variants)}, drawn with seed {seed} by symbackprop variants."
        files[f"variants/{variant.ident}.toml"] = spec_text(variant.spec, header)
    files["questions.tex"] = questions_tex(variants, spec.title)
    files["solutions.tex"] = solutions_tex(variants, spec.title)
    files["answers.json"] = answers_json(variants)
    files["answers.csv"] = answers_csv(variants)
    files["moodle.xml"] = moodle_xml(variants, spec.title)
    if pdf:
        from .tex import build_pdf

        for name in ("questions", "solutions"):
            files[f"{name}.pdf"] = build_pdf(files[f"{name}.tex"]).pdf
    return files
