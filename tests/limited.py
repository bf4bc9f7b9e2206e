"""Run the command line in a forked child under a time and a memory limit, for hostile and fuzzed inputs.

A hostile spec that gets past a defence may hang or fill the memory; run in the
test process it would take the whole suite down with it. Forking is cheap here
(SymPy and NumPy are already imported), and the child gets an address-space
limit above what it already maps and an alarm clock, so a regression shows as
a failed test ("killed by SIGALRM", "MemoryError") instead of a stuck CI.
"""

import io
import os
import resource
import signal
import sys
import tempfile
import time
from dataclasses import dataclass


@dataclass
class Run:
    status: int | None  # exit status, None when killed by a signal
    signal: int | None
    out: str
    err: str
    seconds: float

    @property
    def one_error_line(self):
        """Whether standard error holds exactly one line, the command line's own error line."""
        return self.err.count("\n") == 1 and self.err.startswith("symbackprop: ") and "Traceback" not in self.err


def _mapped_bytes():
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def run_limited(argv, seconds=30, megabytes=1024, cwd=None):
    """``symbackprop.cli.main(argv)`` in a child process allowed ``seconds`` and ``megabytes`` more memory."""
    from symbackprop.cli import main

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 70
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", line_buffering=True)
                sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", line_buffering=True)
                limit = _mapped_bytes() + megabytes * 2**20
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
                signal.signal(signal.SIGALRM, signal.SIG_DFL)
                signal.alarm(seconds)
                if cwd is not None:
                    os.chdir(cwd)
                code = main(list(argv))
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException as error:  # anything escaping main() is itself a failure the test must see
                os.write(2, f"ESCAPED {error.__class__.__name__}: {error}\n".encode())
            finally:
                os._exit(code if isinstance(code, int) else 71)
        _, wait_status = os.waitpid(pid, 0)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        killed = os.WTERMSIG(wait_status) if os.WIFSIGNALED(wait_status) else None
        status = os.WEXITSTATUS(wait_status) if os.WIFEXITED(wait_status) else None
        return Run(
            status, killed, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), elapsed
        )
