"""Writing output files: only over regular files the user may change, atomically, all or nothing.

``-o`` comes from the command line, but what is written there may be large, and a
wrong target can do damage (as root, replacing ``/dev/null`` with a file breaks
the machine). So a target must be a new name or an existing regular, writable
file; a device, a FIFO, a folder, a symbolic link or a read-only file is refused
before any work starts. A replaced file keeps its permissions (and owner and
group, where the user may set them). Files are written to temporary files in the target's
folder and renamed into place only once every one of them is complete, so an
error or a signal leaves neither a half-written file nor a new file beside a
stale one.
"""

import contextlib
import os
import signal
import stat
import tempfile
from pathlib import Path

from .checks import show_path
from .errors import SpecError


def check_target(path, option="-o"):
    """Refuse ``path`` as an output file unless it is a new name or a regular file that may be replaced."""
    if isinstance(path, str) and path.endswith(("/", os.sep)):
        # Path() drops the trailing separator, which would make "out/" a new file called out.
        raise SpecError(f"{option}: {show_path(path)} names a folder; give a file name")
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise SpecError(f"{option}: folder {show_path(folder)} does not exist")
    try:
        status = path.lstat()
    except FileNotFoundError:
        return path
    except OSError as error:
        raise SpecError(f"{option}: cannot use {show_path(path)} ({error.strerror})") from None
    if stat.S_ISLNK(status.st_mode):
        raise SpecError(f"{option}: {show_path(path)} is a symbolic link; give the file it points to, or a new name")
    if not stat.S_ISREG(status.st_mode):
        raise SpecError(
            f"{option}: {show_path(path)} is not a regular file (a folder, device or FIFO); give a file name"
        )
    # The mode bits, not only access(): root may write anywhere, but a read-only file says "keep me".
    if not status.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise SpecError(f"{option}: {show_path(path)} is read-only; make it writable or give another name")
    return path


def write_files(contents, option="-o"):
    """Write every ``{path: text or bytes}`` of ``contents``, each through a temporary file, then rename them all."""
    targets = {check_target(path, option): data for path, data in contents.items()}
    temporaries = []
    try:
        for path, data in targets.items():
            temporaries.append((_temporary_copy(path, data, option), path))
        # The renames together: a signal that ends the run waits until they are all done.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT})
        try:
            for temporary, path in temporaries:
                os.replace(temporary, path)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
    except OSError as error:
        raise SpecError(f"{option}: cannot write {show_path(path)} ({error.strerror})") from None
    finally:
        for temporary, _ in temporaries:
            temporary.unlink(missing_ok=True)


def write_atomically(path, data, option="-o"):
    """Write ``data`` (text or bytes) to ``path`` through a temporary file, so no half-written file is left."""
    write_files({path: data}, option)


def _temporary_copy(path, data, option):
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise SpecError(f"{option}: cannot write in {show_path(path.parent)} ({error.strerror})") from None
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
        try:
            # A replaced file keeps its permissions and, where we may set them, its owner and group.
            kept = path.stat()
            os.chmod(temporary, stat.S_IMODE(kept.st_mode))
            if (kept.st_uid, kept.st_gid) != (os.geteuid(), os.getegid()):
                with contextlib.suppress(PermissionError):
                    os.chown(temporary, kept.st_uid, kept.st_gid)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary
