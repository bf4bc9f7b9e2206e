"""The files ``symbackprop variants`` writes for a class, built in memory: every variant's spec, the
question and solution sheets (and their PDFs), the answer key and the Moodle export."""

from concurrent.futures import ThreadPoolExecutor

from .answers import answers_csv, answers_json
from .moodle import moodle_xml
from .sheets import questions_tex, solutions_tex
from .spec_text import spec_text


def exercise_files(spec, variants, seed, pdf=False, progress=None):
    """``{relative path: text or bytes}`` of everything written for ``variants`` of ``spec`` drawn with ``seed``,
    and, with ``pdf``, what TeX reported while compiling each document (``{"questions.tex": problems, ...}``).

    TeX runs in processes of its own, so a PDF compiles on the other core while Python goes on
    building the next file. The solutions, the longest to compile, are built first; ``progress``, if given,
    is called with the number of solutions built so far.
    """
    from .tex import build_pdf

    files, builds = {}, {}
    with ThreadPoolExecutor(2) as pool:
        for name, make in (
            ("solutions", lambda: solutions_tex(variants, spec.title, progress)),
            ("questions", lambda: questions_tex(variants, spec.title)),
        ):
            files[f"{name}.tex"] = make()
            if pdf:
                builds[name] = pool.submit(build_pdf, files[f"{name}.tex"])
        for variant in variants:
            header = f"Variant {variant.ident} of {len(variants)}, drawn with seed {seed} by symbackprop variants."
            files[f"variants/{variant.ident}.toml"] = spec_text(variant.spec, header)
        files["answers.json"] = answers_json(variants)
        files["answers.csv"] = answers_csv(variants)
        files["moodle.xml"] = moodle_xml(variants, spec.title)
        problems = {}
        for name, build in builds.items():
            built = build.result()
            files[f"{name}.pdf"] = built.pdf
            problems[f"{name}.tex"] = built.problems
    return files, problems
