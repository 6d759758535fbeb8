"""What `record`, `amend` and `import` print with --format json: the success document, or the refusal.

Declared here, once, so that `ledger schema` describes exactly what the commands print."""

from __future__ import annotations

from typing import Literal, Optional, TypedDict, get_args  # schemas.py hands pydantic its typing_extensions twin

from .errors import CELL, CHANGED, FILE
from .reports import RuleName

INPUT = "input"
"""The rule of a refusal of an option or value the command was given (exit 2)."""

FIELD_RULES = frozenset({"line", "county", "recipient", "reference"})
"""The rules of `ledger check` that judge one field of an entry, each named as the field it
judges: a new entry's problem under one of them is located in that field, the import's column of
that name or `record`'s option (`--line`). The other rules judge a row as a whole (`period`: its
date and budget year; `reversal`) or the totals of many rows (`allocation`, `ceiling`,
`negative`), so their problems have no column."""

ProblemRule = Literal[(CELL, FILE, CHANGED, INPUT, *get_args(RuleName))]
"""Every rule a refusal names: a value, the file, a changed row, an option, or a rule of `ledger check`."""


class Recorded(TypedDict):
    """`record` (and `reverse`) succeeded: the new entry's id and hash; `recorded` is false for --dry-run."""

    id: int
    hash: str
    recorded: bool


class Pinned(TypedDict):
    """`amend` succeeded: the terms entry's id and hash, and the digest of the terms it pins;
    `recorded` is false for --dry-run."""

    id: int
    hash: str
    digest: str
    recorded: bool


class ImportDone(TypedDict):
    """`import` succeeded: how many entries, their first and last id, the new head."""

    imported: int
    first_id: Optional[int]
    last_id: Optional[int]
    head: Optional[str]
    recorded: bool


class ProblemItem(TypedDict):
    """One problem. `line`: the line of the input file it is on (the CSV's line, or the sheet's
    row), null for `record`, `reverse` and `amend` (their input is the command line) and for a
    problem of the ledger or the terms themselves. `column`: the one value at fault, an import's
    column or an option (`--amount`); also for a rule that judges one field (`line`, `county`,
    `recipient`, `reference`); null for a problem of a whole row or entry (`period`, `reversal`,
    `changed`), of totals over many rows (`allocation`, `ceiling`, `negative`), or of a file.
    `rule`: "cell", "file", "changed", "input", or a rule of `ledger check`. `message`: as on
    stderr."""

    line: Optional[int]
    column: Optional[str]
    rule: ProblemRule
    message: str


class Refused(TypedDict):
    """The command wrote nothing; every problem found is listed."""

    ok: Literal[False]
    problems: list[ProblemItem]
