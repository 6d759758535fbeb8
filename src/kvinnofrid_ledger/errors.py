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
