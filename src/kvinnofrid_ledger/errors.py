"""The two ways a command fails on purpose, each with its documented exit status."""

from __future__ import annotations

from .frozen import frozen


INPUT_ERROR = 2
"""Exit status: the command could not run as asked (usage, a bad file or value, a missing file)."""
RULE_BROKEN = 1
"""Exit status: a rule of the agreement is broken, or would be by what was asked."""


class UserError(Exception):
    """Something the user can fix; each line of `lines` is printed as one line on stderr.

    `problems`, when given, are the same lines as values (`Reported`), for `--format json`."""

    exit_status = INPUT_ERROR

    def __init__(self, *lines: str, problems: tuple["Reported", ...] = ()) -> None:
        lines = lines or tuple(problem.text for problem in problems)
        super().__init__("\n".join(lines))
        self.lines = lines
        self.problems = problems


CELL = "cell"
"""The rule of a `Reported` value that cannot be read (exit 2)."""
FILE = "file"
"""The rule of a `Reported` problem with the input file as a whole (exit 2)."""
CHANGED = "changed"
"""The rule of a `Reported` row that no longer matches the hash it was exported with (exit 1)."""


@frozen
class Reported:
    """One problem with what a user gave (a row of an import, an option of `record`): the line
    and column it is at (None when it is about the whole input), the rule it breaks ("cell" for a
    value that cannot be read, "file" for the file itself, "changed" for a row that no longer
    matches its exported hash, else a rule of `ledger check`), the message, and `text`, the whole
    line printed on stderr."""

    line: int | None
    column: str | None
    rule: str
    message: str
    text: str


class RuleBroken(UserError):
    exit_status = RULE_BROKEN


SHOWN_PROBLEMS = 20
"""How many problems of a refusal are printed on stderr; --format json lists every one."""


def shown_lines(error: UserError) -> tuple[str, ...]:
    """The `error:` lines a refusal prints: every one, or for a refusal of more than SHOWN_PROBLEMS
    problems (an import of 100 000 rows that each break a rule) the first of them, in the order
    of the input, and a count of the rest. A person reads the first and mends the file; a script
    reads them all from --format json, whose document keeps every problem."""
    lines = error.lines
    if not error.problems or len(lines) <= SHOWN_PROBLEMS:
        return lines
    from .money import format_kronor as grouped

    rest = len(lines) - SHOWN_PROBLEMS
    return (*lines[:SHOWN_PROBLEMS], f"... and {grouped(rest)} more problem{'s' if rest > 1 else ''}, not shown here (--format json lists every one)")


def read_input(path, what: str, hint: str = "") -> bytes:
    """The bytes of a file the user named, or a UserError saying in one line why not; `hint`
    says where the file should have been, for when it is missing."""
    from pathlib import Path

    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file{f' ({hint})' if hint else ''}") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a folder, not {what}") from None
    except OSError as error:
        raise UserError(f"{path}: cannot be read: {error.strerror}") from None
