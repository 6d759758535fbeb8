"""Output: one place that knows how data becomes JSON, CSV or a table on a terminal.

JSON and CSV are contracts for scripts (see `ledger schema`); tables are for people. rich is
imported only when a table is drawn.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import io
import os
import re
import sys
from collections.abc import Iterable, Mapping
from typing import IO, Any


# --- JSON ------------------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """Dataclasses, mappings and tuples as plain JSON values; dates as ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class _Characters:
    """Characters to replace in text: `pattern` (a regular expression) finds them, and the same
    characters as a set (`chars`) tell first whether a text holds any. The set looks through a
    short text faster than the expression compiles (0.3-0.5 ms each, for ranges above U+00FF,
    on every run that uses one), so the expression is compiled only for a long text or one that
    holds such a character (tests/test_fast_paths.py holds `sub` to the expression's)."""

    __slots__ = ("pattern", "chars", "_compiled")
    SHORT = 16_384  # characters a set looks through in about the time the expression compiles

    def __init__(self, pattern: str, chars: frozenset[str]) -> None:
        self.pattern, self.chars, self._compiled = pattern, chars, None

    def sub(self, replace, text: str) -> str:
        if len(text) < self.SHORT and self.chars.isdisjoint(text):
            return text
        if self._compiled is None:
            self._compiled = re.compile(self.pattern)
        return self._compiled.sub(replace, text)


def _span(first: int, last: int) -> frozenset[str]:
    return frozenset(map(chr, range(first, last + 1)))


# The invisible formatting characters that can reorder or hide text on a terminal (bidirectional
# overrides and isolates, zero-width characters), DEL and the C1 controls.
_INVISIBLE = "\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_INVISIBLE_CHARS = (
    _span(0x7F, 0x9F) | _span(0x200B, 0x200F) | _span(0x202A, 0x202E) | _span(0x2060, 0x2064) | _span(0x2066, 0x2069) | {"\ufeff"}
)

# json.dumps escapes C0 controls but writes DEL, C1 controls and the invisible formatting characters
# as they are; inside a JSON string each may as well be written \uXXXX, which parses the same.
_JSON_INVISIBLE = _Characters(f"[{_INVISIBLE}\u2028\u2029]", _INVISIBLE_CHARS | {"\u2028", "\u2029"})


def dumps_json(value: Any) -> str:
    """JSON for scripts: UTF-8, indented, and nothing in it that a terminal would act on."""
    import json  # here: a command that prints a table never needs it (1.3 ms to import)

    text = json.dumps(jsonable(value), ensure_ascii=False, indent=2)
    return _JSON_INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def json_document(report: Any, **_context: Any) -> str:
    """A report as an indented JSON document (the renderer of most `--format json`)."""
    return dumps_json(report)


def json_line(report: Any, **_context: Any) -> str:
    """A short result (an entry recorded, a file imported) as one line of JSON."""
    import json

    return json.dumps(jsonable(report)) + "\n"


# --- CSV (RFC 4180: comma, double quotes where needed, CRLF line ends, UTF-8) ---------------


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]], delimiter: str = ",") -> str:
    import csv  # here, not at the top: render.py serves JSON and tables too (csv costs 0.8 ms)

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def csv_bool(flag: bool) -> str:
    return "true" if flag else "false"


# --- text for people -------------------------------------------------------------------------

# C0 and C1 control characters, DEL, and the invisible formatting characters that can reorder or
# hide text on a terminal (bidirectional overrides and isolates, zero-width characters).
_UNSAFE = _Characters(f"[\x00-\x1f{_INVISIBLE}]", _span(0x00, 0x1F) | _INVISIBLE_CHARS)


def safe_text(text: str) -> str:
    """User text (a note, a reference) made inert for a terminal: control characters are shown
    as escapes (\\x1b, \\u202e) instead of being sent to it."""
    return _UNSAFE.sub(_escape, text)


# The same, but for a whole document shown on a terminal: its own line ends stay.
_UNSAFE_IN_DOCUMENT = _Characters(
    f"\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f{_INVISIBLE}]", (_span(0x00, 0x1F) - {"\t", "\n"}) | _INVISIBLE_CHARS
)  # a "\r" is in the set: the expression decides whether a "\n" follows it


def safe_document(text: str) -> str:
    """A CSV or TOML document made inert for a terminal, its line structure kept. Used only when
    stdout is a terminal: a file or a pipe gets the exact bytes."""
    return _UNSAFE_IN_DOCUMENT.sub(_escape, text)


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def colour_allowed(stream: IO | None = None) -> bool:
    """Colour only on a terminal, and never with NO_COLOR set (https://no-color.org)."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def console(stderr: bool = False):
    """A rich Console that never interprets markup in data and never colours a pipe."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    styled = colour_allowed(stream)
    isatty = getattr(stream, "isatty", None)
    terminal = bool(isatty and isatty())  # NO_COLOR takes the colour away, not the terminal's width
    return Console(
        file=stream,
        markup=False,
        emoji=False,
        highlight=False,
        color_system="auto" if styled else None,
        force_terminal=terminal,
        no_color=not styled,
        soft_wrap=False,
        width=None if terminal else UNLIMITED,
    )


UNLIMITED = 10_000
"""The width of a pipe or a file: in effect none, so that a table sent there is never cut."""


def print_tables(renderables: list) -> None:
    """Print tables to stdout: on a terminal fitted to its width (terminal.py); piped, at their
    natural width, without the padding rich adds at line ends."""
    from .terminal import PlainTable, fit_rich_table, print_plain

    if len(renderables) == 1 and isinstance(renderables[0], PlainTable):
        print_plain(renderables[0])  # streamed, without rich's per-cell measuring
        return
    out = console()
    if out.is_terminal:
        for item in renderables:
            fit_rich_table(item, out.width)
            out.print(item)
            if getattr(item, "caption", None):
                out.print()
        return
    with out.capture() as captured:
        for item in renderables:
            out.print(item)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


@contextlib.contextmanager
def progress_steps(total: int):
    """A progress bar on stderr, advanced by each step a long task reports; only on a terminal."""
    if not colour_allowed(sys.stderr):  # piped, or NO_COLOR: no control codes at all
        yield lambda _message: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("starting", total=total)

        def step(message: str) -> None:
            bar.update(task, description=message, advance=1)

        yield step
