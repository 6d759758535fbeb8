"""`ledger init`: a folder with the terms to edit and an empty ledger."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import UserError
from .ledger import LEDGER_FILE, create_empty_ledger
from .terms import AGREEMENT_FILE, COUNTIES_FILE, load_terms, shipped_data_dir


def init_folder(directory: str | os.PathLike, data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Copy the two data files (as text, comments and all) and create an empty ledger.

    The source terms are validated first, and nothing is written if any target file exists.
    """
    source = Path(data_dir) if data_dir else shipped_data_dir()
    load_terms(source)  # never hand out terms that do not load
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
    create_empty_ledger(folder / LEDGER_FILE)
    written.append(folder / LEDGER_FILE)
    return written
