"""`ledger init`: a folder with the terms to edit and a ledger that pins them."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from .errors import UserError
from .ledger import LEDGER_FILE, create_empty_ledger
from .terms import AGREEMENT_FILE, COUNTIES_FILE, load_terms, shipped_data_dir


def init_folder(
    directory: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    *,
    date: datetime.date | None = None,
    source_text: str | None = None,
    empty: bool = False,
) -> list[Path]:
    """Copy the two data files (as text, comments and all) and create a ledger whose entry 1
    pins them (dated `date`, default today; `source_text` says where they come from). With
    `empty`, the ledger has no entry at all, to import another ledger's export into.

    The source terms are validated first, and nothing is written if any target file exists.
    """
    from . import __version__
    from .pins import first_pin

    source = Path(data_dir) if data_dir else shipped_data_dir()
    terms = load_terms(source)  # never hand out terms that do not load
    if source_text is None:
        source_text = f"copied by `ledger init` from {f'the terms shipped with kvinnofrid-ledger {__version__}' if not data_dir else source}"
    pin = b"" if empty else first_pin(terms, source_text, date)
    folder = Path(directory)
    targets = [folder / AGREEMENT_FILE, folder / COUNTIES_FILE, folder / LEDGER_FILE]
    existing = [str(path) for path in targets if path.exists() or path.is_symlink()]
    if existing:
        raise UserError(f"{', '.join(existing)}: already exist{'s' if len(existing) == 1 else ''}; init overwrites nothing, so nothing was written")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"{folder}: cannot create the folder: {error.strerror}") from None
    written = []
    for name in (AGREEMENT_FILE, COUNTIES_FILE):
        target = folder / name
        try:
            with open(target, "xb") as handle:
                handle.write((source / name).read_bytes())
        except FileExistsError:
            raise UserError(f"{target}: appeared while init was running; it was left as it is") from None
        except OSError as error:
            raise UserError(f"{target}: cannot be written: {error.strerror}") from None
        written.append(target)
    create_empty_ledger(folder / LEDGER_FILE, pin)
    written.append(folder / LEDGER_FILE)
    return written
