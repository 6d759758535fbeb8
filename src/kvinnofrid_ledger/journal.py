"""The rollback journal: a killed or failed append leaves all of its batch or none of it.

The technique is SQLite's rollback journal (https://www.sqlite.org/atomiccommit.html), reduced
to what an append-only file needs. Before a writer appends, under the ledger's exclusive lock:

  1. it writes `<ledger>-journal` beside the ledger (after resolving symlinks), holding the
     ledger's size before the append and the SHA-256 of those bytes, fsyncs it and the folder;
  2. appends the batch and fsyncs the ledger;
  3. removes the journal and fsyncs the folder. The batch is committed at that instant.

A journal that is still there ("hot") means a writer died between 1 and 3: whatever follows the
recorded size is part of a batch that was never committed. The next writer (record, reverse,
import, repair) rolls it back first: it cuts the ledger back to the recorded size, under the
same exclusive lock, before it reads anything. Readers (check, list, status, export) never
change the file: they read only the committed bytes and report the unfinished batch as a
problem, so `check` never passes a ledger holding part of a batch.

Why not write a new file and rename it over the ledger: the journal keeps the ledger's inode,
so hard links, ownership, mode and the lock that waiting writers hold on it all stay valid, and
an append writes only the new bytes, not the whole ledger again.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from .durable import crash_point, folder_of, fsync_folder, write_all
from .errors import UserError
from .frozen import frozen

SUFFIX = "-journal"
_MAGIC = "kvinnofrid-ledger rollback journal 1"


def journal_path(ledger_path: str | os.PathLike) -> str:
    return os.path.realpath(ledger_path) + SUFFIX


@frozen
class Hot:
    """A journal left by a writer that died: the ledger's committed size, and what follows it."""

    path: str
    size: int
    extra: int  # bytes after the committed size: the unfinished batch


@frozen
class Foreign:
    """A journal that does not describe this ledger's bytes: rolling back would destroy data."""

    path: str
    reason: str


def _record(data: bytes) -> bytes:
    import hashlib  # here: a reader that finds no journal never needs OpenSSL

    return f"{_MAGIC}\nsize {len(data)}\nsha256 {hashlib.sha256(data).hexdigest()}\n".encode("ascii")


def state(ledger_path: str | os.PathLike, data: bytes) -> Hot | Foreign | None:
    """What the journal beside a ledger whose bytes are `data` says; None when there is none,
    or when it records no unfinished batch (the writer died before it appended a byte, or a
    journal cut short while being written, which it always is before the append starts)."""
    path = journal_path(ledger_path)
    try:
        with open(path, "rb") as handle:
            text = handle.read(4096).decode("ascii", "replace")
    except FileNotFoundError:
        return None
    except OSError as error:
        return Foreign(path, f"cannot be read: {error.strerror}")
    lines = text.split("\n")
    if len(lines) < 4 or lines[0] != _MAGIC or not lines[1].startswith("size ") or not lines[2].startswith("sha256 "):
        return None  # torn while being written: the append had not begun
    size_text, digest = lines[1][5:], lines[2][7:]
    if not size_text.isdigit():
        return None
    size = int(size_text)
    if size > len(data):
        return Foreign(path, f"it records a ledger of {size} bytes, but the ledger now has only {len(data)}")
    import hashlib

    if hashlib.sha256(memoryview(data)[:size]).hexdigest() != digest:
        return Foreign(path, f"the ledger's first {size} bytes are no longer the ones it recorded")
    return Hot(path, size, len(data) - size) if size < len(data) else None


def foreign_message(ledger_path, journal: Foreign) -> str:
    return (
        f"{journal.path}: a rollback journal that does not match {ledger_path} ({journal.reason}); "
        "it cannot be rolled back safely: keep both files and compare them with a copy of the ledger "
        "you trust before removing the journal"
    )


def committed(ledger_path: str | os.PathLike, data: bytes) -> bytes:
    """The committed bytes of a ledger whose bytes are `data`, without changing anything (what a
    dry run validates against); refuses (exit 2) a journal that does not describe them."""
    found = state(ledger_path, data)
    if isinstance(found, Foreign):
        raise UserError(foreign_message(ledger_path, found))
    return data if found is None else data[: found.size]


def roll_back(fd: int, ledger_path: str | os.PathLike, data: bytes) -> Hot | None:
    """Under the exclusive lock: undo an unfinished batch and remove its journal. Refuses (exit 2,
    nothing changed) a journal that does not describe these bytes."""
    found = state(ledger_path, data)
    path = journal_path(ledger_path)
    if isinstance(found, Foreign):
        raise UserError(foreign_message(ledger_path, found))
    if found is not None:
        os.ftruncate(fd, found.size)
        os.fsync(fd)
    if os.path.lexists(path):
        os.unlink(path)
        fsync_folder(folder_of(path))
    return found


def append(fd: int, ledger_path: str | os.PathLike, before: bytes, data: bytes | Iterable[bytes]) -> None:
    """Append `data` to the ledger open on `fd`, whose bytes are `before`, all or nothing.
    `data` may come in pieces, made as they are written (a big import's text is then never
    held whole); whatever stops the writing before the last piece (a full disk, an error while
    making a piece) takes back what was written."""
    path = journal_path(ledger_path)
    folder = folder_of(path)
    try:
        jfd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            write_all(jfd, _record(before), "journal-write")
            os.fsync(jfd)
        finally:
            os.close(jfd)
        fsync_folder(folder)
    except OSError as error:
        _discard(path)
        raise UserError(f"{path}: cannot write the rollback journal: {error.strerror}; nothing was recorded") from None
    crash_point("journal")
    try:
        os.lseek(fd, len(before), os.SEEK_SET)
        _write_pieces(fd, [data] if isinstance(data, bytes) else data)
        os.fsync(fd)
    except BaseException as error:
        try:  # take the part that was written back off, then the journal that would have
            os.ftruncate(fd, len(before))
            os.fsync(fd)
            _discard(path)
        except OSError:
            pass  # the journal stays hot: the next writer, or `ledger repair`, rolls it back
        if not isinstance(error, OSError):
            raise
        raise UserError(f"{ledger_path}: the entries could not be written ({error.strerror}); nothing was recorded") from None
    crash_point("appended")
    try:
        os.unlink(path)  # the commit
        fsync_folder(folder)
    except OSError as error:
        raise UserError(
            f"{path}: the rollback journal could not be removed ({error.strerror}), so the entries just written "
            "are not committed: the next record, reverse, import or `ledger repair` rolls them back"
        ) from None


def _write_pieces(fd: int, pieces: Iterable[bytes]) -> None:
    """Write each piece as it comes, one piece ahead, so that the last is known as the last."""
    done, pending = 0, b""
    for piece in pieces:
        if pending:
            write_all(fd, pending, "append", done, last=False)
            done += len(pending)
        pending = piece
    write_all(fd, pending, "append", done)


def _discard(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
