"""Every `--output FILE`: written whole or not at all, and never onto the ledger being read.

One function for every export format (text or bytes), so that the guard is in one place:
`--output` refuses (exit 2, nothing changed) a target that is the ledger the command reads
(the same file after symlinks are resolved: same device and inode, so a hard link counts too),
a folder, or anything that is not a regular file (a FIFO, a device such as /dev/null, a
socket), which a rename would replace with a regular file. A symlink is followed and its
target written, as `sort -o` does, and an existing target keeps its permission bits.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .durable import fsync_folder, write_all
from .errors import UserError


def write_atomically(path: str | os.PathLike, data: str | bytes, *, ledger: str | os.PathLike | None = None) -> None:
    """Write `data` (text as UTF-8) to a temporary file beside `path`, fsync it, then rename it
    into place: a reader sees the old file or the whole new one, never half of it. `ledger`, the
    ledger the command reads, and every ledger this process has opened, are refused as targets."""
    import tempfile  # here: an export to stdout imports this module too (tempfile imports random, 1 ms)

    target = Path(os.path.realpath(path))  # a symlink is followed: its target is written
    mode = _check_target(path, target, ledger)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise UserError(f"{path}: cannot write there: {error.strerror}") from None
    try:
        try:
            write_all(fd, payload)
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)
        fsync_folder(target.parent)
    except OSError as error:
        _remove(temporary)
        raise UserError(f"{path}: cannot write there: {error.strerror}; it was left as it was") from None
    except BaseException:
        _remove(temporary)
        raise


def _check_target(path, target: Path, ledger) -> int:
    """The permission bits the written file gets; refuses a target that must not be replaced."""
    try:
        status = os.stat(target)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask  # a new file, as open() would create it
    except OSError as error:
        raise UserError(f"{path}: cannot write there: {error.strerror}") from None
    if stat.S_ISDIR(status.st_mode):
        raise UserError(f"{path}: is a folder; --output names the file to write")
    if not stat.S_ISREG(status.st_mode):
        raise UserError(f"{path}: is not a regular file (a device, a FIFO or a socket); --output only writes or replaces regular files")
    from .ledger import opened_ledgers

    protected = set(opened_ledgers())
    if ledger is not None:
        try:
            read = os.stat(ledger)
            protected.add((read.st_dev, read.st_ino))
        except OSError:
            pass
    if (status.st_dev, status.st_ino) in protected:
        raise UserError(f"{path}: is the ledger being read{f' ({ledger})' if ledger else ''}; an export never replaces it: choose another --output")
    return stat.S_IMODE(status.st_mode)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
