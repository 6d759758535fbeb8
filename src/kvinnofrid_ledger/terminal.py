"""Tables that fit the terminal: what may shrink, what may be left out, and in which order.

On a terminal every table is fitted to the window's width, and what a reader relies on is never
cut: amounts, dates, ids, codes and references keep their full width (FIXED). In order, until the
table fits: a bar shortens to BAR_SHORT and the gaps between columns narrow (a shorter bar reads
as well; a cut name does not); names and notes (NAME, NOTE) are cut with "…" down to NAME_MIN
cells; bars (BAR) shrink further, keeping their proportion, and drop out below BAR_MIN; then whole
columns are left out, first those that repeat what is elsewhere (OPTIONAL: the per-year columns
of an all-years table, the register's budget year), then the notes, then (on a very narrow
window) the names, and a line beneath the table says which. Piped output is never fitted: a script or a file gets every column at its natural
width.

One fitting rule, fit_widths(), serves both kinds of table: rich tables (fit_rich_table) and the
register, which is streamed by PlainTable without rich's per-cell measuring (9 000 entries in a
fraction of a second instead of 12 s).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .frozen import frozen

FIXED = "fixed"  # amounts, dates, ids, codes, references: never cut, never left out
NAME = "name"  # names: cut with "…" first; left out only when nothing else is left to give
BAR = "bar"  # a usage bar: shrinks, then drops out
OPTIONAL = "optional"  # figures the table also sums elsewhere: left out whole, before notes
NOTE = "note"  # free text: cut like a name, left out after the optional columns

BAR_WIDTH = 20  # a bar's cells at full size, plus two for its end mark (" !" or "  ")
BAR_SHORT = 12
BAR_MIN = 6
NAME_MIN = 10
ELLIPSIS = "…"


def cell_width(text: str) -> int:
    """Terminal cells taken by `text` (wide East Asian characters take two)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def crop(text: str, width: int) -> str:
    """`text` cut to `width` cells, ending in "…" when anything was cut."""
    if cell_width(text) <= width:
        return text
    if width <= 0:
        return ""
    from rich.cells import set_cell_size

    return set_cell_size(text, width - 1).rstrip() + ELLIPSIS if width > 1 else ELLIPSIS


# --- the fitting rule -----------------------------------------------------------------------


@frozen
class Fitted:
    """Each column's width (None: left out), and whether the gaps between columns were narrowed."""

    widths: tuple[int | None, ...]
    compact: bool

    @property
    def left_out(self) -> tuple[int, ...]:
        return tuple(i for i, width in enumerate(self.widths) if width is None)


def table_width(widths: Iterable[int | None], compact: bool) -> int:
    """Cells a SIMPLE_HEAD table takes: an edge and its padding each side, then between two
    columns their padding and a separator (3 cells; 2 when compact)."""
    kept = [w for w in widths if w is not None]
    if not kept:
        return 0
    gap = 2 if compact else 3
    return sum(kept) + gap * (len(kept) - 1) + (3 if compact else 4)


def fit_widths(naturals: Sequence[int], roles: Sequence[str], available: int, floors: Sequence[int] | None = None) -> Fitted:
    """The widths at which columns of these natural widths and roles fit `available` cells.
    `floors` are the narrowest a FIXED or OPTIONAL column may be: its widest cell, or the longest
    word of its header if that is wider (its header then wraps); default: its natural width."""
    widths: list[int | None] = list(naturals)
    compact = False
    floors = floors or naturals

    def excess() -> int:
        return table_width(widths, compact) - available

    def shrink(role_set, floor) -> None:
        # take one cell at a time from the widest shrinkable column, down to its floor
        while excess() > 0:
            candidates = [i for i, w in enumerate(widths) if w is not None and roles[i] in role_set and w > floor(i)]
            if not candidates:
                return
            widest = max(candidates, key=lambda i: (widths[i], i))
            widths[widest] -= 1

    shrink({FIXED, OPTIONAL}, lambda i: floors[i])  # a header wraps before anything is cut
    shrink({BAR}, lambda i: BAR_SHORT)  # a shorter bar reads as well; a cut name does not
    if excess() > 0:
        compact = True  # two spaces between columns rather than three, before anything is cut
    shrink({NAME, NOTE}, lambda i: min(NAME_MIN, naturals[i]))
    shrink({BAR}, lambda i: BAR_MIN)
    for i, role in enumerate(roles):
        if role == BAR and excess() > 0:
            widths[i] = None
    # figures repeated elsewhere go before notes, and notes before names, each kind as a whole
    # (no table shows some years only); the figures, dates, ids and references always stay
    for role in (OPTIONAL, NOTE, NAME):
        if excess() > 0:
            for i in range(len(roles)):
                if roles[i] == role:
                    widths[i] = None
    if compact and table_width(widths, False) <= available:
        compact = False
    for i, role in enumerate(roles):  # a bar comes back if leaving columns out made room for it
        if role == BAR and widths[i] is None:
            widths[i] = BAR_MIN
            if excess() > 0:
                widths[i] = None
    # what was left out may have freed room: give it back to names, then bars
    for role_set in ({NAME, NOTE}, {BAR}):
        for i, role in enumerate(roles):
            if role in role_set and widths[i] is not None and excess() < 0:
                widths[i] = min(naturals[i], widths[i] - excess())
    return Fitted(tuple(widths), compact)


def left_out_line(headers: Sequence[str], fitted: Fitted, available: int) -> str | None:
    if not fitted.left_out:
        return None
    names = ", ".join(headers[i] or "bars" for i in fitted.left_out)
    return f"(left out at {available} columns: {names}; pipe to see all)"


# --- a usage bar that fits its column --------------------------------------------------------


@frozen
class UsageBar:
    """How much of a limit is used: █ used, ░ unused, drawn at whatever width its column gets,
    so that 70 % and 100 % still look different; over the limit it is full and ends in '!'."""

    used: int
    limit: int

    @property
    def fraction(self) -> float:
        return self.used / self.limit if self.limit else (1.0 if self.used > 0 else 0.0)

    def cells(self, width: int) -> tuple[str, str, str]:
        """The used part, the unused part and the end mark, in `width` cells in all."""
        bar = max(width - 2, 0)
        filled = round(min(max(self.fraction, 0.0), 1.0) * bar)
        return "█" * filled, "░" * (bar - filled), " !" if self.fraction > 1 else "  "

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        return Measurement(BAR_MIN, BAR_WIDTH + 2).with_maximum(options.max_width)

    def __rich_console__(self, console, options):
        from rich.text import Text

        used, unused, mark = self.cells(min(options.max_width, BAR_WIDTH + 2))
        text = Text(no_wrap=True, overflow="crop")
        text.append(used, style="red" if self.fraction > 1 else "green")
        text.append(unused, style="grey50")
        text.append(mark, style="bold red")
        yield text


# --- rich tables -------------------------------------------------------------------------------


def mark(column, role: str):
    """Say how a rich table's column may give way (default: FIXED)."""
    column.fit_role = role
    return column


def fit_rich_table(table, available: int) -> None:
    """Fit a rich Table (SIMPLE_HEAD, padding 1) to `available` cells, in place."""
    from rich.table import Table

    if not isinstance(table, Table) or not table.columns:
        return
    roles = [getattr(column, "fit_role", FIXED) for column in table.columns]
    naturals = [_natural_width(column, role, whole_header=True) for column, role in zip(table.columns, roles)]
    floors = [_natural_width(column, role, whole_header=False) for column, role in zip(table.columns, roles)]
    fitted = fit_widths(naturals, roles, available, floors)
    headers = [str(column.header) for column in table.columns]
    for column, width, role in zip(table.columns, fitted.widths, roles):
        if width is None:
            continue
        column.width = width
        column.min_width = column.max_width = None
        if role in (NAME, NOTE):
            column.no_wrap, column.overflow = True, "ellipsis"
        elif role in (FIXED, OPTIONAL):
            column.no_wrap = False  # the width holds every cell: only a long header wraps, at a space
    if fitted.left_out:
        kept = [column for i, column in enumerate(table.columns) if fitted.widths[i] is not None]
        table.columns[:] = kept
        for index, column in enumerate(kept):
            column._index = index  # rich keeps each column's position, for its padding
        note = left_out_line(headers, fitted, available)
        table.caption = f"{table.caption}\n{note}" if table.caption else note
    if fitted.compact:
        table.padding = (0, 1, 0, 0)


def _natural_width(column, role: str, whole_header: bool) -> int:
    if role == BAR:
        return BAR_WIDTH + 2
    cells = [cell_width(str(cell)) for cell in column._cells] or [0]
    header = str(column.header)
    if whole_header:
        head = cell_width(header)
    elif role in (FIXED, OPTIONAL):  # a figure's header may wrap at its spaces
        head = max((cell_width(word) for word in header.split()), default=0)
    else:  # a name's is cut like its cells
        head = min(cell_width(header), NAME_MIN)
    return max(max(cells), head, 1)


# --- a plain table, streamed -----------------------------------------------------------------


@dataclass(slots=True)
class PlainTable:
    """A table of plain text cells (already made inert), laid out like rich's SIMPLE_HEAD: a
    title, a header, a rule, the rows, then after a blank line the footer rows."""

    title: str
    headers: Sequence[str]
    justify: Sequence[str]  # "left" or "right", per column
    roles: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)
    footer: list[Sequence[str]] = field(default_factory=list)
    beneath: list[str] = field(default_factory=list)
    """Optional: a line under each row, indented to the second column and never cut (a digest
    of 64 hexadecimal digits, which cannot stand beside other columns on 80 columns)."""

    def lines(self, available: int | None = None, styled: bool = False) -> Iterator[str]:
        """The table's lines (no line ends); fitted to `available` cells when given."""
        naturals = [cell_width(header) for header in self.headers]
        for row in self.rows + self.footer:
            for i, cell in enumerate(row):
                width = cell_width(cell)
                if width > naturals[i]:
                    naturals[i] = width
        fitted = fit_widths(naturals, self.roles, available) if available else Fitted(tuple(naturals), False)
        kept = [i for i, width in enumerate(fitted.widths) if width is not None]
        widths = fitted.widths
        gap = "  " if fitted.compact else "   "
        edge_left, edge_right = (" ", "  ") if fitted.compact else ("  ", "  ")
        bold, italic, plain = ("\x1b[1m", "\x1b[3m", "\x1b[0m") if styled else ("", "", "")

        def line(cells: Sequence[str]) -> str:
            parts = []
            for i in kept:
                text = crop(cells[i], widths[i])
                pad = " " * (widths[i] - cell_width(text))
                parts.append(pad + text if self.justify[i] == "right" else text + pad)
            return (edge_left + gap.join(parts) + edge_right).rstrip()

        yield f"{italic}{self.title}{plain}"
        yield ""
        yield f"{bold}{line(self.headers)}{plain}"
        yield " " + "─" * (table_width(widths, fitted.compact) - 2)
        indent = edge_left + " " * (widths[kept[0]] + len(gap)) if kept else edge_left
        for index, row in enumerate(self.rows):
            yield line(row)
            if index < len(self.beneath):
                yield indent + self.beneath[index]
        if self.footer:
            yield ""
            for row in self.footer:
                yield f"{bold}{line(row)}{plain}"
        yield ""
        note = left_out_line(self.headers, fitted, available or 0)
        if note:
            yield note


def print_plain(table: PlainTable) -> None:
    """Stream a plain table to stdout: fitted and styled on a terminal, whole when piped."""
    from .render import colour_allowed

    terminal = sys.stdout.isatty()
    available = _terminal_width() if terminal else None
    write = sys.stdout.write
    for text in table.lines(available, styled=colour_allowed(sys.stdout)):
        write(text + "\n")


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size().columns
