"""The `ledger` command: parse arguments → call the library → render → exit status.

Each command imports what it needs inside its body, so that `ledger --help` or
`ledger allocate --format json` load neither pydantic nor rich.
Exit status: 0 ok, 1 a rule of the agreement is broken, 2 a usage or input error.
"""

# No `from __future__ import annotations` in this module: typer reads every command's parameters
# on every run, and annotations kept as strings are each compiled again by typing.get_type_hints
# (about 80 compile() calls, 7 ms of `ledger --help`); evaluated once at import, they cost ~1 ms.
import contextlib
import enum
import sys
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer
from typer.core import TyperGroup

from .errors import UserError, shown_lines
from .formats import SCHEMA_NAMES, StdoutClosed, emit, formats_for, message, refuse_a_terminal, write

# typer re-exports click's BadParameter but not its base class; find the base by name so that
# this works whether typer vendors click or depends on it.
_ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


class LedgerGroup(TyperGroup):
    """Every failure a user can cause ends as one line on stderr and a documented exit status."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        _name_placeholders(self)
        try:
            status = super().main(args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra)
        except UserError as error:
            for line in shown_lines(error):  # a refusal of 100 000 problems: the first ones and a count
                _error_line(line)
            status = error.exit_status
        except _ClickException as error:
            if type(error).__name__ == "NoArgsIsHelpError":
                error.show()  # `ledger` alone: the help, as click does
            else:
                hint = f" (see '{error.ctx.command_path} --help')" if getattr(error, "ctx", None) else ""
                _error_line(error.format_message() + hint)
            status = error.exit_code
        except typer.Abort:
            _error_line("aborted")
            status = 130
        if not isinstance(status, int):
            status = 0
        if standalone_mode:
            sys.exit(status)
        return status


# What a value is called in the help (DATE, FILE, ID), as Unix help names it, rather than
# typer's `<str>`, `{file}` or `name:<a|b>`; every option not listed here is named by itself.
_PLACEHOLDERS = {
    "ledger": "FILE", "output": "FILE", "file": "FILE", "data_dir": "DIR", "directory": "DIR",
    "expect_head": "HASH", "reason": "TEXT", "note": "TEXT", "reference": "TEXT", "entry_id": "ID",
}


def _name_placeholders(group) -> None:
    """Name every value in every command's help, and let `ledger --help` show each command's
    summary whole (click would cut it at 45 characters with "...")."""
    for command in group.commands.values():
        if command.short_help is None and command.help:
            command.short_help = " ".join(command.help.split("\n\n")[0].split())
        for param in command.params:
            if getattr(param, "is_flag", False) or param.metavar is not None and param.param_type_name == "option":
                continue
            choices = getattr(param.type, "choices", None)
            name = _PLACEHOLDERS.get(param.name, param.name.upper())
            if param.param_type_name == "option":
                param.metavar = f"[{'|'.join(str(choice) for choice in choices)}]" if choices else name
            elif param.required:
                param.metavar = (param.metavar or name).strip("[]{}")
                param.make_metavar = lambda ctx=None, *, usage=False, _name=param.metavar: _name  # no {braces}
            else:
                param.metavar = f"[{(param.metavar or name).strip('[]{}')}]"


def _error_line(message: str) -> None:
    from .render import safe_text

    if sys.stderr is not None:  # closed (`2>&-`): print would send it to stdout instead
        print(f"error: {safe_text(' '.join(message.split()))}", file=sys.stderr)


_settings = typer.Typer(
    cls=LedgerGroup,
    name="ledger",
    help="Budget calculator and append-only ledger for SKL's agreement on gender equality and "
    "kvinnofrid, 2018–2020. Exit status: 0 ok, 1 a rule of the agreement is broken, 2 usage or input error.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
"""The app with its settings and the --version option, but no command: see `app_for`."""


def _show_version(value: bool) -> None:
    if value:
        from . import __version__

        print(f"kvinnofrid-ledger {__version__}")
        raise typer.Exit()


@_settings.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    pass


COMMANDS: dict[str, Callable[[], Callable]] = {}
"""Each command's name → the function that defines it, in the order `ledger --help` lists them.

A command's parameters are `Annotated[..., typer.Option(...)]` objects (and an Enum of its --format
choices), which Python builds when the `def` runs: about 2.5 ms for all fourteen commands, though
a run uses one. So each command is defined inside a function of its own, run only for an app
that has the command (`app_for`). Annotations kept as strings instead would have to be compiled
on every run (typer evaluates them), which costs more than building them."""


def command(name: str):
    """Register the decorated function as what defines the command `name`."""

    def register(define: Callable[[], Callable]) -> Callable[[], Callable]:
        COMMANDS[name] = define
        return define

    return register


def main() -> None:
    """Console-script entry point (`ledger`, `kvinnofrid-ledger`, `python -m kvinnofrid_ledger`)."""
    import gc

    # The cycle collector is off for the run: a command is one short process, and neither what the
    # interpreter and typer have built (some 60 000 objects, frozen out of its reach) nor what the
    # command makes (tables, entries, rows: no cycles among them) is garbage it could find. Its
    # passes cost 1 ms of `ledger check` at 1 000 entries and 60 ms at 100 000 (walking the
    # entries once more after reading); what little cyclic garbage a run leaves (a caught
    # exception's traceback) is freed when the process exits. The memory targets are measured so.
    gc.freeze()
    gc.disable()
    _safe_streams()
    app_for(sys.argv[1:2])()


def app_for(first: list[str]) -> typer.Typer:
    """The app to run for a command line whose first argument is `first`. When it names a
    command: the app with that command alone (defined, and turned by typer into a click command,
    on this run; all fourteen would cost some 6 ms), which parses, helps and refuses exactly as
    the whole app does (tests/test_fast_paths.py holds them equal). `ledger`, `ledger --help`,
    `--version` and an unknown command get the whole app, `app`."""
    if len(first) == 1 and first[0] in COMMANDS:
        return _app_with(first)
    return _whole_app()


def _app_with(names) -> typer.Typer:
    """A Typer with `_settings`'s settings and callback and the commands `names`."""
    made = typer.Typer.__new__(typer.Typer)
    made.__dict__.update(_settings.__dict__, registered_commands=[], registered_groups=[])
    for name in names:
        made.command(name)(COMMANDS[name]())
    return made


def _whole_app() -> typer.Typer:
    global app
    try:
        return app
    except NameError:
        app = _app_with(COMMANDS)
        return app


def __getattr__(name: str):
    """`cli.app`, the app with every command (for tests and for anything that imports it), is
    made when first asked for."""
    if name == "app":
        return _whole_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _safe_streams() -> None:
    """Never crash on the way out. A closed stdin, stdout or stderr gets /dev/null in its place,
    so that no file this command opens (the ledger!) can land on descriptor 1 or 2; and an
    encoding that cannot hold the text (PYTHONIOENCODING=ascii, a Latin-1 locale) writes what it
    cannot hold as backslash escapes (`Sk\\xe5ne`) instead of failing."""
    import os

    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # the lowest free descriptor: this one
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


# --- options shared by the commands ---------------------------------------------------------

DataDir = Annotated[
    Optional[Path],
    typer.Option(
        "--data-dir",
        envvar="KVINNOFRID_LEDGER_DATA",
        help="Folder holding agreement.toml and counties.toml [default: the files shipped with the package].",
        show_default=False,
        file_okay=False,
    ),
]


LedgerFile = Annotated[
    Path,
    typer.Option(
        "--ledger",
        "-l",
        envvar="KVINNOFRID_LEDGER_FILE",
        help="The ledger file; its folder's agreement.toml and counties.toml, if both are there, are the terms in force unless --data-dir is given.",
        dir_okay=False,
    ),
]
DEFAULT_LEDGER = Path("ledger.toml")


def _terms(data_dir: Optional[Path], ledger: Optional[Path]):
    """The terms in force: --data-dir, else beside the ledger, else the shipped ones."""
    from .terms import load_terms_for

    return load_terms_for(data_dir, ledger)


def _in_period(terms, year: Optional[int]) -> None:
    if year is not None and year not in terms.years:
        raise UserError(f"year {year} is outside the agreement's period {terms.period_text}")


def _warn_unpinned(book) -> None:
    from .views import unpinned_warning

    warning = unpinned_warning(book)
    if warning:
        message(warning)


# Each command's --format choices are the formats registered for its report (formats.RENDERERS):
# `formats_for(kind)`, made in the function that defines the command.
_FORMAT_HELP = "Output format."


@contextlib.contextmanager
def _problems_as_json(enabled: bool):
    """With --format json, a refusal also prints {"ok": false, "problems": [...]} to stdout (the
    `error:` lines still go to stderr), so that a script reads every problem as data."""
    try:
        yield
    except UserError as error:
        if enabled:
            import json

            from .errors import Reported
            from .outcomes import INPUT, ProblemItem, Refused

            # every refusal of a rule names its rule in `problems` (record.py); a bare line is an input error
            problems = error.problems or tuple(Reported(None, None, INPUT, line, line) for line in error.lines)
            fields = [ProblemItem(line=p.line, column=p.column, rule=p.rule, message=p.message) for p in problems]
            with contextlib.suppress(StdoutClosed):  # the refusal, on stderr, is what the status tells
                write(json.dumps(Refused(ok=False, problems=fields), ensure_ascii=False) + "\n")
        raise


# --- allocate ---------------------------------------------------------------------------------


@command("allocate")
def _allocate():
    AllocateFormat = formats_for("allocate")

    def allocate(
        year: Annotated[Optional[int], typer.Argument(help="A budget year of the agreement [default: every year of the period].", show_default=False)] = None,
        format: Annotated[AllocateFormat, typer.Option("--format", "-f", help=_FORMAT_HELP)] = AllocateFormat.table,
        data_dir: DataDir = None,
        ledger: LedgerFile = DEFAULT_LEDGER,
    ) -> None:
        """What each county's regional support structure (RSS) is allotted."""
        from .allocation import allocate as allocate_year
        from .allocation import allocate_period

        terms = _terms(data_dir, ledger)
        _in_period(terms, year)
        report = allocate_period(terms) if year is None else allocate_year(terms, year)
        emit("allocate", report, format, terms=terms)
    return allocate


# --- terms ------------------------------------------------------------------------------------


@command("terms")
def _terms_command():
    TermsFormat = formats_for("terms")

    def terms_command(
        format: Annotated[TermsFormat, typer.Option("--format", "-f", help=_FORMAT_HELP)] = TermsFormat.table,
        history: Annotated[bool, typer.Option("--history", help="List the terms entries pinned in the ledger instead.")] = False,
        data_dir: DataDir = None,
        ledger: LedgerFile = DEFAULT_LEDGER,
    ) -> None:
        """The terms in force, where they were found and their digest: period, ceilings, pots, lines, allocation rule, amendments."""
        from .reports import terms_report

        terms = _terms(data_dir, ledger)
        if history:
            _terms_history(ledger, terms, format)
        else:
            emit("terms", terms_report(terms), format, terms=terms)
    return terms_command


def _terms_history(ledger: Path, terms, format) -> None:
    from .errors import RuleBroken
    from .ledger import read_ledger
    from .reports import TermsHistory, exported_pins

    book = read_ledger(ledger)
    if book.problems:
        raise RuleBroken(f"{ledger}: the ledger cannot be read whole ({book.problems[0].message}); see `ledger check`")
    report = TermsHistory(ledger=str(ledger), in_force=terms.digest, terms=exported_pins(book.pins))
    emit("terms-history", report, format, terms=terms, book=book)


# --- init -------------------------------------------------------------------------------------


@command("init")
def _init():
    def init(
        directory: Annotated[Path, typer.Argument(help="Folder to set up; created if missing.", file_okay=False)] = Path("."),
        date: Annotated[Optional[str], typer.Option("--date", "-d", help="Date of the terms entry, YYYY-MM-DD [default: today].", show_default=False)] = None,
        source: Annotated[Optional[str], typer.Option("--source", help="Where the terms come from [default: where they were copied from].", show_default=False)] = None,
        empty: Annotated[bool, typer.Option("--empty", help="A ledger with no entry at all, not even the terms entry: to import another ledger's export into.")] = False,
        data_dir: DataDir = None,
    ) -> None:
        """Write agreement.toml, counties.toml, books.toml and ledger.toml into DIR; entry 1 of the ledger pins the terms.

        Refuses to overwrite anything: if any of its four files exists, nothing is written.
        """
        from .init import init_folder
        from .record import parse_date

        if empty and (date is not None or source is not None):
            raise UserError("--empty writes no terms entry, so --date and --source have nothing to date or name; "
                            "leave them out (the imported export's terms rows bring their own)")
        when = parse_date(date) if date is not None else None
        written = init_folder(directory, data_dir, date=when, source_text=source, empty=empty)
        for path in written:
            message(f"wrote {path}")
        ledger_file = written[-1]
        if directory.resolve() != Path.cwd().resolve():
            message(f"the terms beside the ledger are in force for it; use it with --ledger {ledger_file} (or export KVINNOFRID_LEDGER_FILE={ledger_file.resolve()})")
    return init


# --- the ledger -------------------------------------------------------------------------------

DryRun = Annotated[bool, typer.Option("--dry-run", help="Validate everything, write nothing.")]


def _report_appended(entries: list, format, dry_run: bool) -> None:
    from .outcomes import Recorded

    entry = entries[-1]
    done = "nothing was written (dry run)" if dry_run else f"entry {entry.id} was recorded"
    emit("record", Recorded(id=entry.id, hash=entry.hash, recorded=not dry_run), format, done=done)
    _say_dry_run(dry_run)


def _say_dry_run(dry_run: bool) -> None:
    if dry_run:
        message("dry run: nothing was written")


@command("record")
def _record():
    RecordFormat = formats_for("record")

    class RecordKind(str, enum.Enum):
        disbursement = "disbursement"
        repayment = "repayment"
        reversal = "reversal"  # accepted only to say that `ledger reverse` makes one

    def record(
        date: Annotated[str, typer.Option("--date", "-d", help="Payment date, YYYY-MM-DD.", show_default=False)],
        line: Annotated[str, typer.Option("--line", help="Budget line id (see `ledger terms`): rss, samverkan, ...", show_default=False)],
        amount: Annotated[str, typer.Option("--amount", "-a", help="Whole kronor: 400000, '400 000' or '400 000 kr'.", show_default=False)],
        county: Annotated[Optional[str], typer.Option("--county", "-c", help="For an rss entry: the county's code (01) or name (Skåne).", show_default=False)] = None,
        recipient: Annotated[Optional[str], typer.Option("--recipient", "-r", help="For any other line: who is paid.", show_default=False)] = None,
        year: Annotated[Optional[int], typer.Option("--year", "-y", help="Budget year the money belongs to [default: the date's year].", show_default=False)] = None,
        reference: Annotated[str, typer.Option("--reference", help="Requisition or voucher number; unique in the ledger.")] = "",
        note: Annotated[str, typer.Option("--note", help="Free text.")] = "",
        kind: Annotated[RecordKind, typer.Option("--kind", "-k", help="A payment out, or money paid back (a reversal is made by `ledger reverse`).")] = RecordKind.disbursement,
        dry_run: DryRun = False,
        format: Annotated[RecordFormat, typer.Option("--format", "-f", help=_FORMAT_HELP)] = RecordFormat.text,
        ledger: LedgerFile = DEFAULT_LEDGER,
        data_dir: DataDir = None,
    ) -> None:
        """Record a disbursement or a repayment; refused (exit 1, file untouched) if it would break a rule."""
        from .record import append_drafts, disbursement_draft

        if kind is RecordKind.reversal:
            raise UserError("--kind reversal: a reversal cancels an entry in full; make it with `ledger reverse ID --reason TEXT`")

        with _problems_as_json(format.value == "json"):
            terms = _terms(data_dir, ledger)
            draft = disbursement_draft(
                terms, date=date, line=line, amount=amount, county=county, recipient=recipient,
                year=year, reference=reference, note=note, kind=kind.value,
            )
            entries = append_drafts(ledger, terms, lambda _ledger: [draft], dry_run=dry_run)
        _report_appended(entries, format, dry_run)
    return record


@command("reverse")
def _reverse():
    RecordFormat = formats_for("record")

    def reverse(
        entry_id: Annotated[int, typer.Argument(metavar="ID", help="The id of the entry to cancel.", show_default=False)],
        reason: Annotated[str, typer.Option("--reason", help="Why it is reversed (kept as the reversal's note).", show_default=False)],
        date: Annotated[Optional[str], typer.Option("--date", "-d", help="Date of the reversal [default: the reversed entry's date].", show_default=False)] = None,
        dry_run: DryRun = False,
        format: Annotated[RecordFormat, typer.Option("--format", "-f", help=_FORMAT_HELP)] = RecordFormat.text,
        ledger: LedgerFile = DEFAULT_LEDGER,
        data_dir: DataDir = None,
    ) -> None:
        """Append a reversal that cancels entry ID in full (the only way to correct an entry)."""
        from .record import append_drafts, parse_date, reversal_draft

        with _problems_as_json(format.value == "json"):
            terms = _terms(data_dir, ledger)
            when = parse_date(date) if date is not None else None
            entries = append_drafts(ledger, terms, lambda current: [reversal_draft(current, entry_id, reason, when)], dry_run=dry_run)
        _report_appended(entries, format, dry_run)
    return reverse


@command("check")
def _check():
    CheckFormat = formats_for("check")

    def check(
        format: Annotated[CheckFormat, typer.Option("--format", "-f", help=_FORMAT_HELP)] = CheckFormat.text,
        expect_head: Annotated[Optional[str], typer.Option("--expect-head", help="Also fail unless the entry with this hash is still in the ledger.", show_default=False)] = None,
        ledger: LedgerFile = DEFAULT_LEDGER,
        data_dir: DataDir = None,
    ) -> None:
        """Verify the whole ledger: the hash chain, the ids, every field, and every rule of the agreement.

        Exit 0 when clean, 1 when anything is wrong, 2 when it cannot run.
        """
        from .checks import check_head, run_checks
        from .ledger import is_hash, read_ledger
        from .reports import check_report

        if expect_head is not None and not is_hash(expect_head.lower()):
            raise UserError(f"--expect-head {expect_head!r} is not a SHA-256 hash (64 hexadecimal digits, as `ledger check` prints)")
        terms = _terms(data_dir, ledger)
        book = read_ledger(ledger)
        problems = run_checks(book, terms)
        if expect_head is not None:
            problems += check_head(book, expect_head.lower())
        emit("check", check_report(book, problems, terms), format, book=book, problems=problems)
        _warn_unpinned(book)
        if problems:
            raise typer.Exit(1)
    return check


@command("list")
def _list_entries():
    ListFormat = formats_for("list")

    def list_entries(
        year: Annotated[Optional[int], typer.Option("--year", "-y", help="Only this budget year.", show_default=False)] = None,
        county: Annotated[Optional[str], typer.Option("--county", "-c", help="Only this county (code or name).", show_default=False)] = None,
        line: Annotated[Optional[str], typer.Option("--line", help="Only this budget line.", show_default=False)] = None,
        format: Annotated[ListFormat, typer.Option("--format", "-f", help=_FORMAT_HELP)] = ListFormat.table,
        ledger: LedgerFile = DEFAULT_LEDGER,
        data_dir: DataDir = None,
    ) -> None:
        """The entries as a register, oldest first; amounts signed by their effect."""
        from .record import resolve_county, resolve_line
        from .reports import ExportDocument, exported_entries, exported_pins

        terms = _terms(data_dir, ledger)
        _in_period(terms, year)
        chosen = resolve_county(terms, county) if county is not None else None
        code = chosen.code if chosen is not None else None
        line = resolve_line(terms, line) if line is not None else None
        book, _ok = _checked(ledger, terms)
        rows = [
            row
            for row in exported_entries(book.entries, year)
            if (code is None or row["county"] == code) and (line is None or row["line"] == line)
        ]
        filters = [f"budget year {year}" if year is not None else "", f"county {code} {chosen.name}" if chosen else "", f"line {line}" if line else ""]
        filtered_by = ", ".join(f for f in filters if f)
        report = ExportDocument(entries=rows, terms=exported_pins(book.pins))
        emit("list", report, format, terms=terms, pins=book.pins, filtered_by=f"of {filtered_by}" if filtered_by else "")
        if book.problems:  # entries could not all be read: the register shown is incomplete
            raise typer.Exit(1)
    return list_entries


# --- reports and transfers ----------------------------------------------------------------------


def _checked(ledger_path: Path, terms, what: str = "the figures below are of the entries as read", warn: bool = True, unpinned: bool = True):
    """The ledger, and whether it passes check; a failing ledger is reported with a warning (and,
    with `unpinned`, a ledger that pins no terms)."""
    from .checks import run_checks
    from .ledger import read_ledger

    book = read_ledger(ledger_path)
    problems = run_checks(book, terms)
    if problems and warn:
        message(f"warning: {_failing(ledger_path, book, len(problems))}; {what}")
    if unpinned:
        _warn_unpinned(book)
    return book, not problems


def _failing(ledger_path: Path, book, count: int | None = None) -> str:
    """"L fails `ledger check` (...)", naming the first problem that keeps entries from being
    read (a torn tail, say), whose entries are missing from whatever is shown."""
    first = book.problems[0] if book.problems else None
    parts = [f"{count} problem{'s' if count > 1 else ''}"] if count else []
    if first:
        parts.append(f"{ledger_path}:{first.lineno or ''}: {first.message}")
    return f"{ledger_path} fails `ledger check`" + (f" ({'; '.join(parts)})" if parts else "; see `ledger check`")


@command("status")
def _status():
    StatusFormat = formats_for("status")

    def status(
        year: Annotated[Optional[int], typer.Argument(help="A budget year [default: every year, and the period].", show_default=False)] = None,
        format: Annotated[StatusFormat, typer.Option("--format", "-f", help=_FORMAT_HELP)] = StatusFormat.table,
        ledger: LedgerFile = DEFAULT_LEDGER,
        data_dir: DataDir = None,
    ) -> None:
        """Budget versus actual: each pot and county's allocation, disbursed (net), remaining, % used."""
        from .reports import period_status
        from .reports import status as year_status

        terms = _terms(data_dir, ledger)
        _in_period(terms, year)
        book, ok = _checked(ledger, terms)
        report = period_status(book, terms, ok) if year is None else year_status(book, terms, year, ok)
        emit("status", report, format, terms=terms)
        if book.problems:  # entries could not all be read: the figures shown are incomplete
            raise typer.Exit(1)
    return status


@command("report")
def _report():
    Lang = enum.Enum("Lang", {"sv": "sv", "en": "en"}, type=str)

    def report(
        year: Annotated[Optional[int], typer.Argument(metavar="[YEAR]", help="A budget year [default: every year, and the period].", show_default=False)] = None,
        output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Write the HTML to FILE (atomically); without it, to stdout when that is a pipe or a file.", dir_okay=False, show_default=False)] = None,
        lang: Annotated[Lang, typer.Option("--lang", help="Language of the report: sv (Swedish, the agreement's) or en.")] = Lang.sv,
        ledger: LedgerFile = DEFAULT_LEDGER,
        data_dir: DataDir = None,
    ) -> None:
        """A self-contained HTML audit report: pots, counties, lines, the register and the check verdict."""
        from .checks import run_checks
        from .html_report import build_audit_report
        from .ledger import read_ledger

        refuse_a_terminal("report", "html", output)
        terms = _terms(data_dir, ledger)
        _in_period(terms, year)
        book = read_ledger(ledger)
        problems = run_checks(book, terms)
        if problems:
            message(f"warning: {ledger} fails `ledger check` ({len(problems)} problem{'s' if len(problems) > 1 else ''}); the report says so at its top")
        emit("report", build_audit_report(book, terms, problems, year, lang.value), "html", output, ledger=ledger)
        if book.problems:  # entries could not all be read: the figures shown are incomplete, as for status
            raise typer.Exit(1)
    return report


@command("export")
def _export():
    ExportFormat = formats_for("export")

    def export(
        format: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format; xlsx is an Excel workbook (entries and status sheets); sie (SIE 4I, e.g. -o kvinnofrid-2019.si), hledger and beancount are for the books.")] = ExportFormat.csv,
        year: Annotated[Optional[int], typer.Option("--year", "-y", help="Only entries of this budget year.", show_default=False)] = None,
        output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to FILE (atomically) instead of stdout.", dir_okay=False, show_default=False)] = None,
        excel: Annotated[bool, typer.Option("--excel", help="CSV as Swedish Excel opens it by double-click: UTF-8 with a byte-order mark, ';' between cells.")] = False,
        allow_damaged: Annotated[bool, typer.Option("--allow-damaged", help="Export the entries as read even when the ledger fails `ledger check` (with a warning).")] = False,
        ledger: LedgerFile = DEFAULT_LEDGER,
        data_dir: DataDir = None,
    ) -> None:
        """Every entry with all its fields; in csv, json and xlsx, `amount` is signed (summing it gives the net).

        sie, hledger and beancount put the entries into the books (see README "Into the books").
        A ledger that fails `ledger check` is not exported (exit 1) unless --allow-damaged is given.
        """
        from .errors import RuleBroken
        from .exports import LedgerExport

        terms = _terms(data_dir, ledger)
        _in_period(terms, year)  # for every format: an empty CSV for a mistyped year would look fine to a script
        book, ok = _checked(ledger, terms, "the export holds the entries as read", warn=allow_damaged, unpinned=False)
        if not ok and not allow_damaged:
            raise RuleBroken(f"{_failing(ledger, book)}; nothing is exported (--allow-damaged exports the entries as read)")
        if excel and format.value != "csv":
            raise UserError("--excel is a form of CSV; use it with --format csv (an .xlsx needs no such option)")
        refuse_a_terminal("export", format, output, year)

        emit("export", LedgerExport(book, year, terms), format, output, ledger=ledger, excel=excel, year=year)
    return export


@command("import")
def _import_entries():
    ImportFormat = formats_for("import")

    def import_entries(
        file: Annotated[Path, typer.Argument(help="A CSV (comma, semicolon or tab; UTF-8) or an .xlsx with the columns of `ledger export`.", show_default=False, dir_okay=False)],
        dry_run: DryRun = False,
        accept_changes: Annotated[bool, typer.Option("--accept-changes", help="Import rows that no longer match the hash they were exported with, as they now are.")] = False,
        format: Annotated[ImportFormat, typer.Option("--format", "-f", help=_FORMAT_HELP)] = ImportFormat.text,
        ledger: LedgerFile = DEFAULT_LEDGER,
        data_dir: DataDir = None,
    ) -> None:
        """Append every row of a CSV or .xlsx as an entry: all or nothing, every problem reported by its line.

        Rows that carry the export's id and hash are compared with that hash first: a row changed since
        export is refused (exit 1) unless --accept-changes; a spreadsheet's usual bends ("007" read as 7)
        are undone where the hash proves the original. The ledger assigns new ids and hashes;
        `reverses` names ids in this ledger.
        """
        from .importing import import_file
        from .outcomes import ImportDone
        from .render import progress_steps

        with _problems_as_json(format.value == "json"):
            terms = _terms(data_dir, ledger)
            with progress_steps(total=6) as step:
                imported = import_file(ledger, terms, file, dry_run=dry_run, accept_changes=accept_changes, progress=step)
        for note in imported.notes:
            message(f"note: {note}")
        entries = imported.entries
        report = ImportDone(
            imported=len(entries),
            first_id=entries[0].id if entries else None,
            last_id=entries[-1].id if entries else None,
            head=entries[-1].hash if entries else None,
            recorded=not dry_run,
        )
        emit("import", report, format, done="nothing was written (dry run)" if dry_run else f"{len(entries)} entries were imported")
        _say_dry_run(dry_run)
    return import_entries


@command("amend")
def _amend():
    AmendFormat = formats_for("amend")

    def amend(
        source: Annotated[Optional[str], typer.Option("--source", help="The government decision or SKR page the new terms come from (required).", show_default=False)] = None,
        date: Annotated[Optional[str], typer.Option("--date", "-d", help="Date of the amendment, YYYY-MM-DD [default: today].", show_default=False)] = None,
        dry_run: DryRun = False,
        format: Annotated[AmendFormat, typer.Option("--format", "-f", help=_FORMAT_HELP)] = AmendFormat.text,
        ledger: LedgerFile = DEFAULT_LEDGER,
        data_dir: DataDir = None,
    ) -> None:
        """Pin the terms in force (after editing agreement.toml or counties.toml) in the ledger.

        The whole ledger is checked under the new terms first: refused (exit 1, nothing written) if
        any entry would break a rule; exit 2 without --source, with terms that do not validate, or
        when the terms are the ones already pinned. Also pins the terms of a ledger that pins none.
        """
        from .outcomes import Pinned
        from .pins import amend_terms
        from .record import parse_date

        with _problems_as_json(format.value == "json"):
            when = parse_date(date) if date is not None else None
            terms = _terms(data_dir, ledger)
            pin = amend_terms(ledger, terms, source, when, dry_run=dry_run)
        done = "nothing was written (dry run)" if dry_run else f"terms entry {pin.id} was recorded"
        emit("amend", Pinned(id=pin.id, hash=pin.hash, digest=pin.digest, recorded=not dry_run), format, done=done)
        _say_dry_run(dry_run)
    return amend


@command("repair")
def _repair():
    def repair(
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be cut, change nothing.")] = False,
        ledger: LedgerFile = DEFAULT_LEDGER,
        data_dir: DataDir = None,
    ) -> None:
        """Cut an interrupted write off the end of the ledger, keeping a copy of the bytes cut.

        Only an unfinished batch (a killed record, reverse or import) or a torn final entry after
        entries that verify; anything else is refused (exit 1, nothing changed).
        """
        from .repair import repair_ledger
        done = repair_ledger(ledger, _terms(data_dir, ledger), dry_run=dry_run)
        if done.what is None:
            message(f"{ledger}: nothing to repair: {done.entries} entr{'y' if done.entries == 1 else 'ies'}, no interrupted write")
            return
        verb = "would cut" if dry_run else "cut"
        message(
            f"{ledger}: {verb} {done.what}: {done.cut} bytes from line {done.line} on; "
            f"{done.entries} intact entr{'y' if done.entries == 1 else 'ies'} {'would be' if dry_run else 'is' if done.entries == 1 else 'are'} kept"
        )
        if done.copy:
            message(f"kept the bytes cut in {done.copy}")
        if dry_run:
            message("dry run: nothing was changed")
    return repair


@command("schema")
def _schema():
    SchemaName = enum.Enum("SchemaName", {name: name for name in SCHEMA_NAMES}, type=str)

    def schema(
        name: Annotated[Optional[SchemaName], typer.Argument(help=f"Which output: {', '.join(SCHEMA_NAMES)} [default: all, as one object].", show_default=False)] = None,
    ) -> None:
        """The JSON Schema of a command's --format json output (export's also describes `list`)."""
        from .schemas import json_schema, json_schemas

        emit("schema", json_schema(name.value) if name else json_schemas(), "json")
    return schema


if __name__ == "__main__":  # pragma: no cover
    main()

