"""One path for output: a command builds one report and hands it, with the format asked for, to
`emit`, which picks the renderer from RENDERERS and writes what the renderer returns.

A new format is one renderer function and one line in RENDERERS: the command's --format choices
follow from it (`formats_for`), and so does the check that every JSON output has a schema
(tests/test_formats.py). Renderers are named as "module:function" and imported only when one is
used, so that listing the formats for `--help` imports none of rich, pydantic, openpyxl or jinja2.

A renderer is called as `renderer(report, **context)`, taking from the context what it needs
(the terms, the ledger, ...) and ignoring the rest; it returns text, bytes, or Tables for people,
and may say a note or a warning on stderr through `message`. Nothing is written until the renderer
has returned, so a failed rendering leaves no file behind.
(check-jsonschema's REPORTER_BY_NAME and pip-audit's OutputFormatChoice are the models.)
"""

from __future__ import annotations

import contextlib
import enum
import importlib
import sys
from pathlib import Path
from typing import Any, Optional

from .errors import UserError
from .frozen import frozen

RENDERERS: dict[tuple[str, str], str] = {
    ("allocate", "table"): "views:allocation_view",
    ("allocate", "json"): "render:json_document",
    ("allocate", "csv"): "views:allocation_csv_view",
    ("terms", "table"): "views:terms_view",
    ("terms", "json"): "render:json_document",
    ("terms-history", "table"): "views:pins_view",
    ("terms-history", "json"): "render:json_document",
    ("record", "text"): "views:recorded_text",
    ("record", "json"): "render:json_line",
    ("amend", "text"): "views:pinned_text",
    ("amend", "json"): "render:json_line",
    ("import", "text"): "views:imported_text",
    ("import", "json"): "render:json_line",
    ("check", "text"): "views:check_view",
    ("check", "json"): "render:json_document",
    ("list", "table"): "views:register_view",
    ("list", "json"): "render:json_document",
    ("status", "table"): "views:status_view",
    ("status", "json"): "render:json_document",
    ("status", "csv"): "views:status_csv_view",
    ("report", "html"): "html_report:render_html",
    ("export", "csv"): "exports:export_csv_text",
    ("export", "json"): "exports:export_json",
    ("export", "toml"): "exports:export_toml_text",
    ("export", "xlsx"): "exports:export_workbook",
    ("export", "sie"): "exports:export_sie",
    ("export", "hledger"): "exports:export_hledger",
    ("export", "beancount"): "exports:export_beancount",
    ("schema", "json"): "render:json_document",
}
"""(report kind, format) → the renderer, as "module:function" in this package."""

NOT_FOR_A_TERMINAL: dict[tuple[str, str], str] = {
    ("report", "html"): "the report is an HTML file: give --output FILE.html, or redirect stdout to a file",
    ("export", "xlsx"): "--format xlsx writes a binary workbook: give --output FILE.xlsx (or send it to a pipe)",
    ("export", "sie"): "--format sie writes code page 437 bytes for an accounting program, not text for a terminal; "
    "give --output FILE (e.g. kvinnofrid-{year}.si) or pipe it",
}
"""Outputs refused on a terminal without --output (one error line, exit 2), with why; `{year}`
is the year asked for, or "all"."""

SCHEMA_OF: dict[str, str] = {"list": "export", "schema": ""}
"""The `ledger schema` name of each kind's JSON, where it is not the kind's own name ("" for none:
`ledger schema` prints schemas, checked against the JSON Schema meta-schema instead)."""

SCHEMA_NAMES: tuple[str, ...] = tuple(dict.fromkeys(
    SCHEMA_OF.get(kind, kind) for kind, fmt in RENDERERS if fmt == "json" and SCHEMA_OF.get(kind, kind)
))
"""The names `ledger schema` knows: one for every JSON output (schemas.OUTPUTS holds each)."""


def formats_for(kind: str) -> type[enum.Enum]:
    """The --format choices of a command, in registry order, as the Enum typer needs (one Enum per
    kind: `record` and `reverse` share theirs)."""
    if kind not in _FORMAT_ENUMS:
        names = [fmt for report, fmt in RENDERERS if report == kind]
        _FORMAT_ENUMS[kind] = enum.Enum(f"Format_{kind.replace('-', '_')}", {name: name for name in names}, type=str)
    return _FORMAT_ENUMS[kind]


_FORMAT_ENUMS: dict[str, type[enum.Enum]] = {}


def renderer(kind: str, fmt: str):
    module, function = RENDERERS[(kind, fmt)].split(":")
    return getattr(importlib.import_module(f".{module}", __package__), function)


@frozen
class Tables:
    """Tables for people (rich tables, or one terminal.PlainTable), with lines of text before them."""

    tables: list
    preface: str = ""


def emit(
    kind: str, report: Any, fmt: str | enum.Enum, output: Optional[Path] = None, *,
    ledger: Optional[Path] = None, done: Optional[str] = None, **context: Any,
) -> None:
    """Render `report` as `fmt` and write it: to stdout, or to `output` (see `write`, which is
    also told the ledger the command reads, and what a writer has already `done`)."""
    fmt = getattr(fmt, "value", fmt)
    refuse_a_terminal(kind, fmt, output, context.get("year"))
    rendered = renderer(kind, fmt)(report, **context)
    if isinstance(rendered, Tables):
        if rendered.preface:
            write(rendered.preface)
        from .render import print_tables

        with _stdout_or_error():
            print_tables(rendered.tables)
    else:
        write(rendered, output, ledger=ledger, done=done)


def refuse_a_terminal(kind: str, fmt: str | enum.Enum, output: Optional[Path], year: Optional[int] = None) -> None:
    """Refuse, before any work, an output that is not for a terminal when it would go to one.
    (`emit` asks too; a command asks first when it has work to save.)"""
    fmt = getattr(fmt, "value", fmt)
    if output is None and (kind, fmt) in NOT_FOR_A_TERMINAL and sys.stdout is not None and sys.stdout.isatty():
        raise UserError(NOT_FOR_A_TERMINAL[(kind, fmt)].format(year=year or "all"))


def write(data: str | bytes, output: Optional[Path] = None, *, ledger: Optional[Path] = None, done: Optional[str] = None) -> None:
    """The one place output is written. To `output` through output.write_atomically (whole or not
    at all, and never onto `ledger`, the ledger the command reads), with a note on stderr. To
    stdout exact for a file or a pipe, and on a terminal with any user text in it made inert
    (bytes reach a terminal only from formats not in NOT_FOR_A_TERMINAL). `done` says what a
    writer has already done: see `_confirm`."""
    if output is not None:
        from .output import write_atomically

        write_atomically(output, data, ledger=ledger)
        message(f"wrote {output}")
    elif done is not None:
        _confirm(data, done)
    else:
        _to_stdout(data)


class StdoutClosed(UserError):
    """A reader's output cannot be written: stdout is closed (`>&-`) or its reader has gone
    (`ledger export | head -c0`). Exit 2, the status of a command that could not run as asked,
    which a script tells apart from 1, a rule broken; never a traceback, never a silent status."""

    def __init__(self) -> None:
        super().__init__("stdout closed before the output was written")


@contextlib.contextmanager
def _stdout_or_error():
    """Writes to stdout, flushed here so that a closed stdout or a gone reader is found now, not
    at exit; failing, they become StdoutClosed, and what is still buffered goes nowhere."""
    try:
        if sys.stdout is None:
            raise OSError("stdout is closed")
        yield
        sys.stdout.flush()
    except (OSError, ValueError):
        _drop_stdout()
        raise StdoutClosed() from None


def _drop_stdout() -> None:
    """Point descriptor 1 at /dev/null, so that Python's flush at exit does not fail again."""
    import os

    if sys.stdout is not None:
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            sys.stdout = None


def _to_stdout(data: str | bytes) -> None:
    with _stdout_or_error():
        _write_stdout(data)


def _write_stdout(data: str | bytes) -> None:
    if isinstance(data, bytes):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    if sys.stdout.isatty():
        from .render import safe_document

        data = safe_document(data)
    sys.stdout.write(data)


def _confirm(data: str | bytes, done: str) -> None:
    """The confirmation of what a writer has already done. The exit status tells the truth about
    the ledger: once entries are durably written it is 0, also when stdout is closed or its reader
    has gone (`ledger record ... | false`); a warning on stderr then says what happened."""
    try:
        if sys.stdout is None:
            raise OSError("stdout is closed")
        _write_stdout(data)
        sys.stdout.flush()
    except (OSError, ValueError) as error:
        _drop_stdout()  # what is still buffered goes nowhere, instead of failing again at exit
        try:
            message(f"warning: {done}, but the confirmation could not be written to stdout ({getattr(error, 'strerror', None) or error})")
        except (OSError, ValueError, AttributeError):
            pass  # stderr is gone too: the exit status alone tells


def message(text: str) -> None:
    """A message (not data) to stderr, with any user text in it made inert."""
    from .render import safe_text

    if sys.stderr is not None:  # closed (`2>&-`): print would send it to stdout instead
        print(safe_text(text), file=sys.stderr)
