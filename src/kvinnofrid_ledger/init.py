"""`ledger init`: a folder with the terms to edit and a ledger that pins them: all its files or none."""

from __future__ import annotations

import datetime
import errno
import os
import tempfile
from pathlib import Path

from .durable import fsync_folder, write_all
from .errors import UserError
from .ledger import LEDGER_FILE
from .ledger_text import LEDGER_HEADER
from .terms import AGREEMENT_FILE, BOOKS_FILE, COUNTIES_FILE, load_terms, shipped_data_dir


def init_folder(
    directory: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    *,
    date: datetime.date | None = None,
    source_text: str | None = None,
    empty: bool = False,
) -> list[Path]:
    """Copy the two data files of the terms and the account plan books.toml (as text, comments
    and all) and create a ledger whose entry 1
    pins them (dated `date`, default today; `source_text` says where they come from). With
    `empty`, the ledger has no entry at all, to import another ledger's export into.

    The source terms are validated first, and nothing is written if any target file exists.
    All four files or none: each is written whole to a temporary name in the folder and
    fsync'd, and only then linked to its name (a link, unlike a rename, refuses to replace a file
    that appeared meanwhile). On any failure (a full disk, say) every file and folder this run
    made is removed again, so that init can simply be run again.
    """
    from . import __version__
    from .pins import first_pin

    source = Path(data_dir) if data_dir else shipped_data_dir()
    terms = load_terms(source)  # never hand out terms that do not load
    if source_text is None:
        source_text = f"copied by `ledger init` from {f'the terms shipped with kvinnofrid-ledger {__version__}' if not data_dir else source}"
    pin = b"" if empty else first_pin(terms, source_text, date)
    folder = Path(directory)
    books = source / BOOKS_FILE if (source / BOOKS_FILE).is_file() else shipped_data_dir() / BOOKS_FILE
    contents = {
        AGREEMENT_FILE: _read(source / AGREEMENT_FILE),
        COUNTIES_FILE: _read(source / COUNTIES_FILE),
        BOOKS_FILE: _read(books),  # the account plan of the books exports, beside the terms
        LEDGER_FILE: LEDGER_HEADER.encode("utf-8") + pin,
    }
    targets = [folder / name for name in contents]
    existing = [str(path) for path in targets if path.exists() or path.is_symlink()]
    if existing:
        raise UserError(f"{', '.join(existing)}: already exist{'s' if len(existing) == 1 else ''}; init overwrites nothing, so nothing was written")
    made = _missing_folders(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"{folder}: cannot create the folder: {error.strerror}") from None
    temporaries: list[str] = []
    placed: list[Path] = []
    try:
        for name, data in contents.items():
            temporaries.append(_write_temporary(folder, name, data))
        for target, temporary in zip(targets, temporaries):
            _place(temporary, target)
            placed.append(target)
        fsync_folder(folder)
    except FileExistsError as error:
        _undo(placed + temporaries, made)
        raise UserError(f"{error.filename}: appeared while init was running; it was left as it is, and nothing was written") from None
    except OSError as error:
        _undo(placed + temporaries, made)
        raise UserError(f"{folder}: cannot write the files there: {error.strerror}; nothing was written") from None
    finally:
        for temporary in temporaries:
            _remove(temporary)
    return targets


def _read(path: Path) -> bytes:
    from .errors import read_input

    return read_input(path, "a file")


def _missing_folders(folder: Path) -> list[Path]:
    """The folders mkdir(parents=True) will create, deepest first."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    return missing


def _write_temporary(folder: Path, name: str, data: bytes) -> str:
    fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # as open() would have made it, not mkstemp's 0600
        write_all(fd, data)
        os.fsync(fd)
    except OSError:
        _remove(temporary)
        raise
    finally:
        os.close(fd)
    return temporary


def _place(temporary: str, target: Path) -> None:
    try:
        os.link(temporary, target)
    except FileExistsError as error:
        error.filename = str(target)
        raise
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP):
            raise
        if target.exists() or target.is_symlink():  # a file system without hard links
            raise FileExistsError(errno.EEXIST, "exists", str(target)) from None
        os.rename(temporary, target)


def _undo(files: list, made: list[Path]) -> None:
    for path in files:
        _remove(path)
    for path in made:
        try:
            path.rmdir()
        except OSError:
            break


def _remove(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
