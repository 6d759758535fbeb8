"""Bytes that reach the disk whole: write all of them, fsync files and the folders naming them.

Every file this tool writes (the ledger's appends and its rollback journal, `init`'s three
files, an export's --output, `repair`'s copy of the bytes it cuts) goes through `write_all`,
so that a short write or a full disk is one OSError in one place, never half-noticed.
"""

from __future__ import annotations

import errno
import os
import signal

KILL_ENV = "KVINNOFRID_LEDGER_TEST_KILL"
"""Test-only: "STAGE" or "STAGE:K" makes the process SIGKILL itself at that stage of a write,
after K bytes of it (tests/test_crash.py aims its kills with it). Unset, it costs one lookup."""


def write_all(fd: int, data: bytes, stage: str = "", done: int = 0, last: bool = True) -> None:
    """Write every byte of `data` to `fd`; a full disk raises OSError(ENOSPC), also when the
    kernel accepts only part of it (a short write is turned into the error it stands for).
    `done`, `last`: a stage written in pieces, the bytes of it written before this one, and
    whether this is its last (where a test's kill after K bytes of the stage lands)."""
    view = memoryview(data)
    kill_after = _kill_after(stage)
    if kill_after is not None and (last or kill_after < done + len(view)):  # pragma: no cover - runs in the killed child process only
        os.write(fd, view[:max(kill_after - done, 0)])
        os.kill(os.getpid(), signal.SIGKILL)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def crash_point(stage: str) -> None:
    """Test-only: die here when KVINNOFRID_LEDGER_TEST_KILL names this stage."""
    if _kill_after(stage) is not None:  # pragma: no cover - runs in the killed child process only
        os.kill(os.getpid(), signal.SIGKILL)


def _kill_after(stage: str) -> int | None:
    wanted = os.environ.get(KILL_ENV)
    if not wanted or not stage:
        return None
    name, _, count = wanted.partition(":")
    if name != stage:
        return None
    return int(count) if count.isdigit() else 0


def fsync_folder(path: str | os.PathLike) -> None:
    """fsync a folder, so that a file created, renamed or removed in it stays so after a crash."""
    fd = os.open(os.fspath(path) or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def folder_of(path: str | os.PathLike) -> str:
    return os.path.dirname(os.fspath(path)) or "."
