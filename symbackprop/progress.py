"""A progress bar on standard error for long runs, shown only when standard error is a terminal."""

import contextlib
import sys


@contextlib.contextmanager
def progress_bar(total, unit):
    """A callback ``advance(done)`` that moves a bar to ``done`` of ``total``; silent unless stderr is a terminal."""
    from tqdm import tqdm

    shown = sys.stderr is not None and sys.stderr.isatty()
    with tqdm(total=total, desc="symbackprop", unit=f" {unit}", file=sys.stderr, disable=not shown, leave=False) as bar:

        def advance(done):
            bar.update(done - bar.n)

        yield advance
