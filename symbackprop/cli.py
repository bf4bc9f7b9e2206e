"""The ``symbackprop`` command line: ``grad`` prints a training step, ``render`` writes its worked solution,
``examples`` lists the bundled specs (or shows one), ``new`` writes a new spec with nice numbers, ``variants``
draws a class's exercises, ``check`` judges the figures of hand-worked solutions."""

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path

from .checks import one_line, show, show_path
from .errors import SpecError

# Everything heavy (SymPy, NumPy, the engine) is imported inside the functions that use it, so that a
# signal in the first second already finds main()'s handlers installed.


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise SpecError(f"command line: {message}")


def _parser():
    parser = _Parser(prog="symbackprop", description="Derive, check and explain backpropagation step by step.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    grad = commands.add_parser(
        "grad",
        help="forward values, loss, gradients and updated parameters of a spec",
        epilog="example: symbackprop grad bce_sigmoid_2_2_1 --decimals 4",
    )
    grad.add_argument("spec", nargs="?", help="spec file or bundled example name (default: the default example)")
    grad.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    grad.add_argument("--decimals", type=int, default=6, help="decimals shown in tables (default 6)")
    examples = commands.add_parser(
        "examples",
        help="list the bundled example specs",
        epilog="example: symbackprop examples --show bce_sigmoid_2_2_1 > mine.toml",
    )
    examples.add_argument("--show", metavar="NAME", help="print the spec file of the bundled example NAME")
    new = commands.add_parser(
        "new",
        help="write a new spec for a network, with nice numbers drawn at random",
        epilog="example: symbackprop new 3-4-2 --hidden tanh --output softmax --seed 7 -o my.toml",
    )
    new.add_argument("arch", metavar="ARCH", help="layer sizes joined by dashes, inputs first, e.g. 3-4-2")
    new.add_argument("--hidden", help="activation of every hidden layer, or a comma list, one per hidden layer")
    new.add_argument("--output", help="activation of the output layer (default sigmoid)")
    new.add_argument("--loss", help="squared_error, bce or cross_entropy (default: suited to the output)")
    new.add_argument("--bias", default="per-neuron", help="per-neuron, per-layer or none (default per-neuron)")
    new.add_argument("--samples", type=int, default=1, help="number of samples (default 1)")
    new.add_argument("--mode", default="sample", help="sample (train on sample 1) or batch (default sample)")
    new.add_argument("--rate", default="0.5", help="learning rate (default 0.5)")
    new.add_argument("--profile", default="layered", help="notation profile of the documents (default layered)")
    new.add_argument("--decimals", type=int, default=1, help="draw numbers with 1 or 2 decimals (default 1)")
    new.add_argument("--seed", type=int, default=0, help="seed of the random numbers (default 0)")
    new.add_argument("-o", dest="path", metavar="PATH", help="file to write (default: standard output)")
    new.add_argument("-q", "--quiet", action="store_true", help="do not say which file was written")
    render_command = commands.add_parser(
        "render",
        help="write the worked solution of a spec as LaTeX, Markdown, an HTML page or a Jupyter notebook, or a NumPy "
        "script that checks it",
        epilog="example: symbackprop render my.toml -o my.pdf --decimals 3 (writes my.tex and my.pdf; -o my.md, "
        "my.html, my.ipynb or my.py for the other formats)",
    )
    render_command.add_argument(
        "spec", nargs="?", help="spec file or bundled example name (default: the default example)"
    )
    render_command.add_argument(
        "--format",
        help="latex, markdown, html, notebook or python (default: the one -o's suffix says, .tex .pdf .md .html "
        ".ipynb or .py; "
        "else markdown)",
    )
    render_command.add_argument(
        "-o", "--output", help="file to write (default: standard output); -o x.pdf writes x.tex and x.pdf"
    )
    render_command.add_argument(
        "--pdf", action="store_true", help="also compile the LaTeX to a PDF beside the output file"
    )
    render_command.add_argument(
        "--strict",
        action="store_true",
        help="with --pdf, exit with status 1 when TeX reports an overfull box over 1 pt or a missing character "
        "(the files are still written)",
    )
    render_command.add_argument("--template-dir", help="folder whose templates take precedence over the built-in ones")
    render_command.add_argument(
        "--digits", type=int, help="significant figures of computed figures (default: the spec's [notation])"
    )
    render_command.add_argument(
        "--decimals", type=int, help="decimals of computed figures, instead of significant figures"
    )
    render_command.add_argument(
        "--rounding", help="exact (figures rounded for display only) or carried (rounded before each use)"
    )
    render_command.add_argument("-q", "--quiet", action="store_true", help="do not say which files were written")
    variants = commands.add_parser(
        "variants",
        help="draw one variant of a spec's exercise per student: specs, question and solution sheets, answer key, "
        "Moodle export",
        epilog="example: symbackprop variants bce_sigmoid_2_2_1 --count 30 --seed 2026 -o class --pdf",
    )
    variants.add_argument("spec", help="spec file or bundled example name; its [variants] table says what varies")
    variants.add_argument("--count", type=int, required=True, help="how many variants to draw")
    variants.add_argument(
        "--seed", type=int, required=True, help="seed of the drawing: same seed, same files (pick a new one per class)"
    )
    variants.add_argument("-o", "--output", required=True, help="folder to write into (made if missing)")
    variants.add_argument("--pdf", action="store_true", help="also compile questions.pdf and solutions.pdf")
    check = commands.add_parser(
        "check",
        help="judge the figures of hand-worked solutions (claims files): ok, rounding, carried or slip",
        epilog="exit status: 0 no slip, 1 some slip, 2 bad input. example: symbackprop check alice.toml bob.toml "
        "--csv grades.csv",
    )
    check.add_argument("claims", nargs="*", metavar="CLAIMS", help="claims files (TOML, or CSV ending in .csv)")
    check.add_argument("--json", action="store_true", help="print one JSON object per claims file, one per line")
    check.add_argument("--csv", metavar="OUT", help="also write one row per claims file, for grading, to OUT")
    check.add_argument("--names", metavar="SPEC", help="list the names a claims file may use for SPEC, and stop")
    return parser


def main(argv=None):
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    Bad input of any kind ends in one line on standard error and status 2. Anything else that
    goes wrong is a bug: it ends in one line too (status 3), never in a traceback.
    """
    previous = _stop_on_signals()
    try:
        return _run(argv)
    except SpecError as error:
        return _fail(f"error: {error}", 2)
    except RecursionError:
        return _fail("error: the input is nested too deeply to read", 2)
    except MemoryError:
        return _fail("error: out of memory; the spec needs more memory than this machine has", 2)
    except BrokenPipeError:
        # The reader went away (`symbackprop examples | head -1`): stop quietly, as Unix tools do.
        with contextlib.suppress(OSError, AttributeError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as error:  # standard output full or unwritable (> /dev/full)
        return _fail(f"error: cannot write the output ({error.strerror or error})", 2)
    except _Stopped as stop:
        return _fail(f"stopped by signal {stop.signal_name}; no file is left half-written", 128 + stop.signal_number)
    except Exception as error:  # the last line of defence against tracebacks
        return _fail(f"internal error: {error.__class__.__name__}: {error} (a bug in symbackprop; please report it)", 3)
    finally:
        _restore_signals(previous)


# Signals that end a run: each unwinds it, so that scratch folders, temporary files and TeX are cleaned up.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT)


class _Stopped(BaseException):
    """A signal of STOP_SIGNALS arrived."""

    def __init__(self, number):
        super().__init__(number)
        self.signal_number = number
        self.signal_name = signal.Signals(number).name


def _raise_stopped(number, _frame):
    for other in STOP_SIGNALS:  # a second signal (timeout sends two) must not interrupt the clean-up
        signal.signal(other, signal.SIG_IGN)
    raise _Stopped(number)


def _stop_on_signals():
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {number: signal.signal(number, _raise_stopped) for number in STOP_SIGNALS}


def _restore_signals(previous):
    for number, handler in previous.items():
        signal.signal(number, handler)


def _fail(message, status):
    try:
        print(f"symbackprop: {one_line(message)}", file=sys.stderr)
    except (BrokenPipeError, OSError):
        pass
    return status


def _run(argv):
    if sys.stdout is None:  # started with standard output closed (>&-)
        raise SpecError("standard output is closed; give it a file or a pipe")
    arguments = _parser().parse_args(argv)
    from . import spec as specs
    from .evaluation import train
    from .tables import result_tables

    if arguments.command == "examples" and arguments.show is not None:
        return _show_example(arguments.show)
    if arguments.command == "new":
        return _new(arguments)
    if arguments.command == "examples":
        for name in specs.bundled_examples():
            print(f"{name}  {specs.load(name).description}")
        sys.stdout.flush()
        return 0
    if arguments.command == "render":
        return _render(arguments)
    if arguments.command == "variants":
        return _variants(arguments)
    if arguments.command == "check":
        return _check(arguments)
    if not 0 <= arguments.decimals <= 15:
        raise SpecError(f"--decimals: expected a whole number from 0 to 15, got {arguments.decimals}")
    result = train(specs.load(arguments.spec or specs.DEFAULT_EXAMPLE))
    if arguments.json:
        # allow_nan=False: train() refuses non-finite numbers, and JSON must never carry NaN or Infinity.
        print(json.dumps(as_json(result), allow_nan=False))
    else:
        # On a terminal the tables fit its width; a pipe or a file gets each table whole, for tools to read.
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        print(result_tables(result, arguments.decimals, width))
    sys.stdout.flush()  # here, so that a reader gone away is handled by main(), not at interpreter exit
    return 0


def _show_example(name):
    from .checks import suggest
    from .spec import bundled_examples, bundled_text

    names = bundled_examples()
    if name not in names:
        raise SpecError(
            f"--show: no bundled example {show(name)}{suggest(name, names)}; expected one of {', '.join(names)}"
        )
    sys.stdout.write(bundled_text(name))
    sys.stdout.flush()
    return 0


def _new(arguments):
    from .files import check_target, write_files
    from .new import new_spec

    if arguments.path is not None:
        check_target(arguments.path)
    choices = ("hidden", "output", "loss", "bias", "samples", "mode", "rate", "profile", "decimals", "seed")
    text = new_spec(arguments.arch, **{choice: getattr(arguments, choice) for choice in choices})
    if arguments.path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_files({Path(arguments.path): text})
        _say(arguments, f"wrote {show_path(arguments.path)} (spec)")
    return 0


def _render(arguments):
    from .files import check_target, write_files
    from .render import FORMATS
    from .tex import build_pdf, report

    if arguments.output is not None:
        check_target(arguments.output)  # before its suffix is read: "out/" names a folder, not a file "out"
    fmt, pdf = _render_format(arguments)
    if pdf and not FORMATS[fmt].compiles_to_pdf and (arguments.format or arguments.output):
        chosen = f"--format {fmt}" if arguments.format else f"-o {show_path(arguments.output)}"
        raise SpecError(
            f"--pdf: compiles LaTeX, but {chosen} is another format ({FORMATS[fmt].title}); give -o x.pdf (or -o x.tex --pdf)"
        )
    if pdf and not arguments.output:
        raise SpecError("--pdf: needs -o PATH to write the PDF to (-o x.pdf writes x.tex and x.pdf)")
    if arguments.strict and not pdf:
        raise SpecError("--strict: needs --pdf (it checks what TeX reports while building the PDF)")
    targets = _targets(arguments.output, pdf)
    for path in targets.values():
        check_target(path)
    precision = {option: getattr(arguments, option) for option in ("digits", "decimals", "rounding")}
    text = render_spec(arguments.spec, fmt, arguments.template_dir, precision)
    if arguments.output is None:
        sys.stdout.write(text)
        return 0
    source = show_path(targets["source"])
    if not pdf:
        write_files({targets["source"]: text})
        _say(arguments, f"wrote {source} ({FORMATS[fmt].title})")
        return 0
    built = build_pdf(text)
    write_files({targets["source"]: text, targets["pdf"]: built.pdf})
    _say(arguments, f"wrote {source} (LaTeX) and {show_path(targets['pdf'])}")
    # The PDF is written either way, so that the problems can be looked at; --strict makes them fail the run.
    for line in report(built.problems, source):
        print(f"symbackprop: warning: {line}", file=sys.stderr)
    return 1 if arguments.strict and built.problems else 0


def _render_format(arguments):
    """The format ``render`` writes and whether it compiles a PDF: ``--format`` if given, else what ``-o``'s suffix
    says (.pdf: LaTeX compiled to a PDF), else Markdown. An explicit ``--format`` must agree with the suffix."""
    from .render import FORMATS

    if arguments.format is not None and arguments.format not in FORMATS:
        raise SpecError(f"--format: unknown format {show(arguments.format)}; expected one of {', '.join(FORMATS)}")
    suffix = Path(arguments.output).suffix.lower() if arguments.output else ""
    implied = _suffix_formats().get(suffix)
    if arguments.format is not None and implied not in (None, arguments.format):
        raise SpecError(
            f"--format: {arguments.format} does not match -o {show_path(arguments.output)}, whose suffix {suffix} "
            f"means {implied}; drop --format or change the suffix"
        )
    return arguments.format or implied or "markdown", arguments.pdf or suffix == ".pdf"


def _suffix_formats():
    from .render import FORMATS

    return {fmt.suffix: name for name, fmt in FORMATS.items()} | {".pdf": "latex"}


def _say(arguments, message):
    """Tell, on standard error, what was done (unless ``--quiet``)."""
    if not arguments.quiet:
        print(f"symbackprop: {message}", file=sys.stderr)


def _variants(arguments):
    """Draw the variants, build every file in memory (and the PDFs), then write them all at once."""
    from . import spec as specs
    from .exercise_files import exercise_files
    from .files import write_files
    from .progress import progress_bar
    from .tex import report
    from .variants import draw_variants

    if arguments.seed < 0:
        raise SpecError(f"--seed: expected a whole number from 0, got {arguments.seed}")
    folder = Path(arguments.output)
    if folder.exists() and not folder.is_dir():
        raise SpecError(f"-o: {show_path(folder)} is not a folder")
    spec = specs.load(arguments.spec)
    count = arguments.count
    # One bar: each variant drawn, then each worked solution built (compiling the PDFs shows no progress).
    with progress_bar(2 * count, "steps") as advance:
        variants = draw_variants(spec, count, arguments.seed, advance)
        files, problems = exercise_files(
            spec, variants, arguments.seed, arguments.pdf, lambda done: advance(count + done)
        )
    (folder / "variants").mkdir(parents=True, exist_ok=True)
    write_files({folder / name: data for name, data in files.items()})
    written = f"{len(variants)} variant" + ("s" if len(variants) > 1 else "")
    print(f"symbackprop: wrote {written} to {show_path(folder)}", file=sys.stderr)
    for name, found in problems.items():
        for line in report(found, show_path(folder / name)):
            print(f"symbackprop: warning: {line}", file=sys.stderr)
    return 0


def _check(arguments):
    from . import check_command
    from . import spec as specs

    if arguments.names is not None:
        if arguments.claims or arguments.json or arguments.csv:
            raise SpecError("--names: give it alone, with the spec whose names to list")
        for line in check_command.names(specs.load(arguments.names)):
            print(line)
        return 0
    if not arguments.claims:
        raise SpecError("check: give at least one claims file (or --names SPEC)")
    status = check_command.check(arguments.claims, arguments.json, arguments.csv)
    sys.stdout.flush()
    return status


def _targets(output, pdf):
    """Where ``render`` writes: ``output`` for the source; with ``pdf``, the PDF beside it (``x.pdf``: x.tex and x.pdf)."""
    if output is None:
        return {}
    output = Path(output)
    if not pdf:
        return {"source": output}
    if output.suffix.lower() == ".pdf":
        return {"source": output.with_suffix(".tex"), "pdf": output}
    return {"source": output, "pdf": output.with_suffix(".pdf")}


def render_spec(source, fmt, template_dir=None, precision=None):
    """The worked solution of the spec at ``source`` as text in ``fmt`` (a document, or the NumPy script that
    checks it), if the spec is within the document budget. ``precision`` holds the command line's ``digits``,
    ``decimals`` and ``rounding`` (None where not given), which take the place of the spec's ``[notation]`` ones."""
    # Imported here so that `grad` does not pay for Jinja2 and the document model at start-up.
    from . import budget
    from . import spec as specs
    from .evaluation import train
    from .notation import overridden
    from .render import FORMATS, render

    if fmt not in FORMATS:
        raise SpecError(f"--format: unknown format {show(fmt)}; expected one of {', '.join(FORMATS)}")
    spec = specs.load(source or specs.DEFAULT_EXAMPLE)
    if precision and any(value is not None for value in precision.values()):
        chosen = overridden(spec.notation.precision, precision)
        spec = replace(spec, notation=replace(spec.notation, precision=chosen))
    budget.check_document(spec)
    return render(FORMATS[fmt].model(train(spec)), fmt, template_dir)


def as_json(result):
    """The JSON summary of a training run (see README: ``symbackprop grad --json``)."""
    return {
        "loss": result.loss,
        "outputs": result.before.a[-1].tolist(),
        "gradients": _plain(result.gradients),
        "updated": _plain(result.updated),
        "loss_after": result.loss_after,
    }


def _plain(arrays):
    import numpy as np

    return {name: np.asarray(value).tolist() for name, value in arrays.items()}
