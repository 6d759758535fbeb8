"""A verified index of a ledger's bytes, so that appending to a large ledger need not re-read it.

A ledger only grows at its end. After an append, the writer may leave in the cache folder the
entries it has just validated, with the size and SHA-256 of the bytes they came from. The next
writer hashes the first `size` bytes of the file as it is now: if they are the same, every byte of
that prefix is the one validated before, and only the bytes after it are parsed and chained onto
the index's head. If any byte of the prefix differs, the index is ignored and the whole file read.

Trust: the index only ever speeds up `record`, `reverse` and `import`, whose refusals are about
what a new entry would break. `check`, `status`, `list` and `export` always read every byte of
the ledger itself, so a tampered index can never make an auditor's answer or an export wrong.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

from .ledger import Ledger, parse_ledger
from .ledger_text import RawEntry
from .models import Entry

FORMAT = 1
REFRESH_SHARE = 0.1
"""Rewrite the index when the entries after it grow past this share of those in it (or 1 000)."""


def index_path(ledger_path: str | os.PathLike) -> Path | None:
    from .terms import cache_dir

    folder = cache_dir()
    if folder is None:
        return None
    real = os.path.realpath(ledger_path)
    return folder / f"ledger-index-{hashlib.sha256(real.encode('utf-8', 'surrogateescape')).hexdigest()}.json"


def read_with_index(data: bytes, path: str) -> Ledger:
    """The ledger in `data`, reusing a verified index of a prefix of it where one matches."""
    index = _load(path, data)
    if index is None:
        return parse_ledger(data, path)
    size = index["size"]
    tail = parse_ledger(data[size:], path)
    if tail.pins or (tail.problems and any(p.rule == "syntax" for p in tail.problems)):
        return parse_ledger(data, path)  # let the whole file say where it is broken; the index holds no terms entries
    offset = index["line_count"]
    raw = tuple(RawEntry(r.lineno + offset, r.table) for r in tail.raw)
    tail_entries = tuple(e._replace(lineno=e.lineno + offset) for e in tail.entries)
    problems = tuple(replace(p, lineno=p.lineno + offset) if p.lineno else p for p in tail.problems)
    return Ledger(
        path=path,
        raw=raw,
        entries=_entries(index) + tail_entries,
        problems=problems,
        line_count=offset + tail.line_count,
        base_count=index["count"],
        base_head=index["head"],
    )


def stale(ledger: Ledger) -> bool:
    """Whether an index written now would save the next writer much: the unindexed part is large."""
    return len(ledger.raw) >= max(1000, REFRESH_SHARE * ledger.base_count)


def save_index(path: str, data: bytes, entries: tuple[Entry, ...], line_count: int) -> None:
    """Remember `entries`, the entries of exactly `data`, which passed every integrity rule."""
    target = index_path(path)
    if target is None or not entries:
        return
    columns = {name: [getattr(e, name) for e in entries] for name in Entry._fields}
    columns["date"] = [d.isoformat() for d in columns["date"]]
    document = {
        "format": FORMAT,
        "version": _version(),
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "line_count": line_count,
        "count": len(entries),
        "head": entries[-1].hash,
        "columns": columns,
    }
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        pass  # no index: the next writer reads the whole ledger, which is only slower


def _version() -> str:
    from . import __version__

    return __version__


def _load(path: str, data: bytes) -> dict | None:
    target = index_path(path)
    if target is None:
        return None
    try:
        index = json.loads(target.read_bytes())
        size = index["size"]
        if index["format"] != FORMAT or index["version"] != _version() or not 0 < size <= len(data):
            return None
        if hashlib.sha256(memoryview(data)[:size]).hexdigest() != index["sha256"]:
            return None
        columns = index["columns"]
        if any(len(columns[name]) != index["count"] for name in Entry._fields):
            return None
        return index
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _entries(index: dict) -> tuple[Entry, ...]:
    columns = dict(index["columns"])
    columns["date"] = map(datetime.date.fromisoformat, columns["date"])
    return tuple(map(Entry._make, zip(*(columns[name] for name in Entry._fields))))
