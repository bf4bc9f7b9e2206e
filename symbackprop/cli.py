"""The ``symbackprop`` command line: ``grad`` prints a training step, ``render`` writes its worked solution,
``examples`` lists the bundled specs."""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from . import spec as specs
from .errors import SpecError
from .evaluation import train
from .tables import result_tables


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise SpecError(f"command line: {message}")


def _parser():
    parser = _Parser(prog="symbackprop", description="Derive, check and explain backpropagation step by step.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    grad = commands.add_parser("grad", help="forward values, loss, gradients and updated parameters of a spec")
    grad.add_argument("spec", nargs="?", default=specs.DEFAULT_EXAMPLE, help="spec file or bundled example name")
    grad.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    grad.add_argument("--decimals", type=int, default=6, help="decimals shown in tables (default 6)")
    commands.add_parser("examples", help="list the bundled example specs")
    render_command = commands.add_parser("render", help="write the worked solution of a spec as LaTeX or Markdown")
    render_command.add_argument(
        "spec", nargs="?", default=specs.DEFAULT_EXAMPLE, help="spec file or bundled example name"
    )
    render_command.add_argument("--format", default="markdown", help="latex or markdown (default markdown)")
    render_command.add_argument("-o", "--output", help="file to write (default: standard output)")
    render_command.add_argument(
        "--pdf", action="store_true", help="also compile the LaTeX to a PDF beside the output file"
    )
    render_command.add_argument("--template-dir", help="folder whose templates take precedence over the built-in ones")
    return parser


def main(argv=None):
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        arguments = _parser().parse_args(argv)
        if arguments.command == "examples":
            for name in specs.bundled_examples():
                print(f"{name}  {specs.load(name).description}")
            return 0
        if arguments.command == "render":
            return _render(arguments)
        if not 0 <= arguments.decimals <= 15:
            raise SpecError(f"--decimals: expected a whole number from 0 to 15, got {arguments.decimals}")
        result = train(specs.load(arguments.spec))
        if arguments.json:
            print(json.dumps(as_json(result)))
        else:
            print(result_tables(result, arguments.decimals))
        return 0
    except SpecError as error:
        print(f"symbackprop: error: {error}", file=sys.stderr)
        return 2


def _render(arguments):
    from .render import compile_pdf, write_atomically

    if arguments.pdf and (arguments.format != "latex" or not arguments.output):
        raise SpecError("--pdf: needs --format latex and -o PATH (the PDF is written beside it)")
    text = render_spec(arguments.spec, arguments.format, arguments.template_dir)
    if arguments.output is None:
        sys.stdout.write(text)
        return 0
    write_atomically(arguments.output, text)
    if arguments.pdf:
        compile_pdf(text, Path(arguments.output).with_suffix(".pdf"))
    return 0


def render_spec(source, fmt, template_dir=None):
    """The worked solution of the spec at ``source`` as text in ``fmt``."""
    # Imported here so that `grad` does not pay for Jinja2 and the document model at start-up.
    from .document import build
    from .render import FORMATS, render

    if fmt not in FORMATS:
        raise SpecError(f"--format: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return render(build(train(specs.load(source))), fmt, template_dir)


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
    return {name: np.asarray(value).tolist() for name, value in arrays.items()}
