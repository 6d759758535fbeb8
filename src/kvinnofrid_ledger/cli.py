"""The `ledger` command: parse arguments → call the library → render → exit status.

Each command imports what it needs inside its body, so that `ledger --help` or
`ledger allocate --format json` load neither pydantic nor rich.
Exit status: 0 ok, 1 a rule of the agreement is broken, 2 a usage or input error.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from .errors import UserError
from .render import Format

# typer re-exports click's BadParameter but not its base class; find the base by name so that
# this works whether typer vendors click or depends on it.
_ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


class LedgerGroup(TyperGroup):
    """Every failure a user can cause ends as one line on stderr and a documented exit status."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            status = super().main(args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra)
        except UserError as error:
            for line in error.lines:
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


def _error_line(message: str) -> None:
    from .render import safe_text

    print(f"error: {safe_text(' '.join(message.split()))}", file=sys.stderr)


app = typer.Typer(
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


def main() -> None:
    """Console-script entry point (`ledger`, `kvinnofrid-ledger`, `python -m kvinnofrid_ledger`)."""
    app()


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


def _formats(*names: str) -> type[enum.Enum]:
    """The --format choices of one command, as the Enum typer needs for its help and checks."""
    return enum.Enum("Format_" + "_".join(names), {name: name for name in names}, type=str)


TableJsonCsv = _formats("table", "json", "csv")
TableJson = _formats("table", "json")
TextJson = _formats("text", "json")


def _fmt(choice: enum.Enum) -> Format:
    return Format(choice.value)


def _print(text: str) -> None:
    sys.stdout.write(text)


def _print_tables(tables: list) -> None:
    from .render import print_tables

    print_tables(tables)


# --- allocate ---------------------------------------------------------------------------------


@app.command()
def allocate(
    year: Annotated[Optional[int], typer.Argument(help="A budget year of the agreement [default: every year of the period].", show_default=False)] = None,
    format: Annotated[TableJsonCsv, typer.Option("--format", "-f", help="Output format.")] = TableJsonCsv.table,
    data_dir: DataDir = None,
) -> None:
    """What each county's regional support structure (RSS) is allotted."""
    fmt = _fmt(format)
    from . import views
    from .allocation import allocate as allocate_year
    from .allocation import allocate_period
    from .terms import load_terms

    terms = load_terms(data_dir)
    if year is not None and year not in terms.years:
        raise UserError(f"year {year} is outside the agreement's period {terms.period_text}")
    report = allocate_period(terms) if year is None else allocate_year(terms, year)
    if fmt is Format.json:
        from .render import dumps_json

        _print(dumps_json(views.allocation_json(report)))
    elif fmt is Format.csv:
        _print(views.allocation_csv(report.years if year is None else (report,)))
    else:
        _print_tables(views.allocation_tables(report, terms))


# --- terms ------------------------------------------------------------------------------------


@app.command("terms")
def terms_command(
    format: Annotated[TableJson, typer.Option("--format", "-f", help="Output format.")] = TableJson.table,
    data_dir: DataDir = None,
) -> None:
    """The agreement's terms as loaded: period, ceilings, pots, lines, allocation rule, amendments."""
    fmt = _fmt(format)
    from . import views
    from .terms import load_terms

    terms = load_terms(data_dir)
    if fmt is Format.json:
        from .render import dumps_json

        _print(dumps_json(views.terms_json(terms)))
    else:
        _print_tables(views.terms_tables(terms))


# --- init -------------------------------------------------------------------------------------


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to set up; created if missing.", file_okay=False)] = Path("."),
    data_dir: DataDir = None,
) -> None:
    """Write agreement.toml, counties.toml and an empty ledger.toml into DIRECTORY, to edit and use.

    Refuses to overwrite anything: if any of the three files exists, nothing is written.
    """
    from .init import init_folder

    written = init_folder(directory, data_dir)
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    folder = directory.resolve()
    print(
        f"use them with: export KVINNOFRID_LEDGER_DATA={folder} KVINNOFRID_LEDGER_FILE={folder / 'ledger.toml'}",
        file=sys.stderr,
    )


if __name__ == "__main__":  # pragma: no cover
    main()

