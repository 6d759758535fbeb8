"""The two ways a command fails on purpose, each with its documented exit status."""

from __future__ import annotations

INPUT_ERROR = 2
"""Exit status: the command could not run as asked (usage, a bad file or value, a missing file)."""
RULE_BROKEN = 1
"""Exit status: a rule of the agreement is broken, or would be by what was asked."""


class UserError(Exception):
    """Something the user can fix; each line of `lines` is printed as one line on stderr."""

    exit_status = INPUT_ERROR

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class RuleBroken(UserError):
    exit_status = RULE_BROKEN
