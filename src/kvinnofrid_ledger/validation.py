"""pydantic at the edge: turn a parsed TOML document into a model, or into one line per problem.

This is the only module that imports pydantic for validation, so that commands which need no
validation (--help, or a ledger read through its own parser) never pay for the import.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")


@lru_cache(maxsize=None)
def adapter(model: type) -> TypeAdapter:
    return TypeAdapter(model)


def validate(model: type[T], data: Any, file_name: str, problems: list[str]) -> T | None:
    """Validate `data` as `model`; on failure append one line per error to `problems`."""
    try:
        return adapter(model).validate_python(data)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            problems.append(f"{file_name}: {key_path(data, detail['loc'])}: {describe(detail)}")
        return None


def key_path(data: Any, loc: tuple) -> str:
    """("line", 2, "pot") -> "line[samverkan].pot": name list items by their id where they have one."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int):
            label = f"#{step + 1}"
            if isinstance(node, (list, tuple)) and 0 <= step < len(node):
                node = node[step]
                if isinstance(node, dict):
                    for key, kind in (("id", str), ("code", str), ("year", int)):
                        if type(node.get(key)) is kind:
                            label = str(node[key])
                            break
            else:
                node = None
            parts.append(f"[{label}]")
        else:
            step = str(step)
            node = node.get(step) if isinstance(node, dict) else None
            parts.append(("." if parts else "") + step)
    return "".join(parts) or "(top level)"


def describe(detail: dict) -> str:
    """pydantic's message, said the way a person editing the TOML file needs it."""
    kind = detail["type"]
    value = detail.get("input")
    got = f"got {_show(value)}"
    if kind == "missing":
        return "missing (required)"
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return "unknown key; remove it or check its spelling"
    if kind == "int_type":
        return f"must be a whole number (a TOML integer such as 400_000), {got}"
    if kind == "string_type":
        return f"must be a string in quotes, {got}"
    if kind == "bool_type":
        return f"must be true or false, {got}"
    if kind == "date_type":
        return f"must be a TOML date such as 2021-06-30, {got}"
    if kind in ("tuple_type", "list_type"):
        return f"must be an array, {got}"
    if kind in ("dict_type", "dataclass_type", "mapping_type"):
        return f"must be a table, {got}"
    if kind == "string_pattern_mismatch":
        pattern = (detail.get("ctx") or {}).get("pattern", "")
        if "-[0-9]{4}" in pattern:
            return f"must be an organisation number such as \"NNNNNN-NNNN\" (a hyphen after the sixth digit), {got}"
        if "[0-9]{2}" in pattern:
            return f"must be a two-digit county code in quotes such as \"01\", {got}"
        return f"must be a lower-case id (letters, digits and '-'), {got}"
    return f"{detail['msg'][0].lower()}{detail['msg'][1:]}, {got}"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (dict, list, tuple)):
        return f"a {'table' if isinstance(value, dict) else 'array'}"
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} ({type(value).__name__})"
