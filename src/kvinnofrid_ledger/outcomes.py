"""What `record`, `amend` and `import` print with --format json: the success document, or the refusal.

Declared here, once, so that `ledger schema` describes exactly what the commands print."""

from __future__ import annotations

from typing import Literal, Optional, TypedDict, get_args  # schemas.py hands pydantic its typing_extensions twin

from .errors import CELL, CHANGED, FILE
from .reports import RuleName

INPUT = "input"
"""The rule of a refusal of an option or value the command was given (exit 2)."""

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
    """One problem: the line of the input (of the CSV, or the row of the sheet) and the column it
    is in, when it has them; the rule ("cell", "file", "changed", "input", or a rule of
    `ledger check`); and the message, as on stderr."""

    line: Optional[int]
    column: Optional[str]
    rule: ProblemRule
    message: str


class Refused(TypedDict):
    """The command wrote nothing; every problem found is listed."""

    ok: Literal[False]
    problems: list[ProblemItem]
