"""`ledger repair`: the one documented way back from an interrupted write, and nothing more.

It only ever cuts bytes off the end of the ledger, and only in two cases:

- an unfinished batch: a writer was killed after it started appending, and its rollback journal
  (journal.py) says where the committed ledger ends and that those bytes are unchanged;
- a torn tail: the file ends in the beginning of an entry with no hash line of its own (a write
  cut short by a power loss, or by a version of this tool without the journal), and every entry
  before it passes the integrity rules (syntax, fields, ids, chain).

The bytes it cuts are first kept, fsync'd, in `<ledger>.torn-<UTC time>` beside the ledger.
Anything else wrong with a ledger is refused (exit 1, nothing changed): a changed entry, a broken
chain or a bad field is evidence for an auditor, not something to mend by cutting.
"""

from __future__ import annotations

import datetime
import os

from .checks import INTEGRITY_RULES, run_checks
from .durable import folder_of, fsync_folder, write_all
from .errors import RuleBroken, UserError
from .frozen import frozen
from .ledger import open_for_append, parse_ledger
from .ledger_text import torn_tail_start
from .models import Terms

UNFINISHED = "an unfinished batch"
TORN = "a torn final entry"


@frozen
class Repair:
    """What was cut (or, in a dry run, would be): nothing when `what` is None."""

    what: str | None
    keep: int = 0  # the ledger's size after the cut, in bytes
    cut: int = 0  # bytes cut off its end
    line: int = 0  # the first line cut
    entries: int = 0  # entries left, all intact
    copy: str | None = None  # where the cut bytes were kept


def repair_ledger(path: str | os.PathLike, terms: Terms, dry_run: bool = False) -> Repair:
    from . import journal

    with open_for_append(path, roll_back=False) as handle:
        data = handle.read_all()
        found = journal.state(path, data)
        if isinstance(found, journal.Foreign):
            raise UserError(journal.foreign_message(path, found) + "; nothing was changed")
        if isinstance(found, journal.Hot):
            what, keep = UNFINISHED, found.size
        else:
            what, keep = _torn(path, data, terms)
            if what is None:
                return Repair(None, entries=parse_ledger(data, str(path)).count)
        intact = parse_ledger(data[:keep], str(path))
        repair = Repair(what, keep, len(data) - keep, intact.line_count + 1, intact.count)
        if dry_run:
            return repair
        copy = _keep_copy(path, data[keep:])
        try:
            os.ftruncate(handle.fd, keep)
            os.fsync(handle.fd)
            if os.path.lexists(journal.journal_path(path)):
                os.unlink(journal.journal_path(path))
                fsync_folder(folder_of(journal.journal_path(path)))
        except OSError as error:
            raise UserError(f"{path}: cannot cut the ledger: {error.strerror}; the bytes to cut are kept in {copy}") from None
        return Repair(what, repair.keep, repair.cut, repair.line, repair.entries, copy)


def _torn(path, data: bytes, terms: Terms) -> tuple[str | None, int]:
    """(TORN, the size to keep) when the ledger ends in a torn fragment after intact entries;
    (None, 0) when it is clean; refuses (exit 1) a ledger damaged in any other way."""
    ledger = parse_ledger(data, str(path))
    damaged = [problem for problem in run_checks(ledger, terms) if problem.rule in INTEGRITY_RULES]
    if not damaged:
        return None, 0
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:  # the last character cut in two is part of the tear
        text = data[: error.start].decode("utf-8", "replace") if error.reason == "unexpected end of data" else None
    start = torn_tail_start(text) if text is not None else None
    if start is not None:
        keep = len(text[:start].encode("utf-8"))
        intact = parse_ledger(data[:keep], str(path))
        if not [p for p in run_checks(intact, terms) if p.rule in INTEGRITY_RULES]:
            return TORN, keep
    first = damaged[0]
    where = f"{path}:{first.lineno}" if first.lineno else str(path)
    raise RuleBroken(
        f"{where}: {first.message}; repair only cuts a torn final entry or an unfinished batch after entries that "
        "verify, and this is neither, so nothing was changed (see `ledger check`)"
    )


def _keep_copy(path, data: bytes) -> str:
    """The bytes about to be cut, fsync'd in a new file beside the ledger."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    copy = f"{os.path.realpath(path)}.torn-{stamp}"
    try:
        fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        fsync_folder(folder_of(copy))
    except OSError as error:
        raise UserError(f"{copy}: cannot keep a copy of the bytes to cut: {error.strerror}; nothing was changed") from None
    return copy
