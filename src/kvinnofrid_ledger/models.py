"""The domain's records: frozen dataclasses, and a NamedTuple for ledger entries.

Importing this module is cheap on purpose: pydantic is imported only where something must be
validated (terms.py) or described as a JSON Schema (schemas.py), because its import alone costs
more than a whole `ledger allocate` may take. The `Annotated` markers below tell pydantic how to
validate each field when it is asked to, without importing pydantic here.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import functools
import sys
import types
from dataclasses import field
from types import MappingProxyType
from typing import Annotated, Any, Literal, Mapping, NamedTuple, Union, get_args, get_origin, get_type_hints

from .frozen import build, frozen



class _Schema:
    """Annotation marker: how pydantic should validate a field ("strict": no float, bool or str
    becomes an int; "ge", "le", "min_length", "pattern": bounds), given as keys of its core
    schema. A stand-in for pydantic's own markers, so that this module imports without pydantic
    (nor annotated_types): `__get_pydantic_core_schema__` is only ever called by pydantic."""

    __slots__ = ("updates",)

    def __init__(self, **updates: Any) -> None:
        self.updates = updates

    def __get_pydantic_core_schema__(self, source, handler):
        schema = handler(source)
        schema.update(self.updates)
        return schema


Kronor = Annotated[int, _Schema(strict=True, ge=0)]
"""An amount of money: whole Swedish kronor, never a float."""
Year = Annotated[int, _Schema(strict=True, ge=1900, le=2999)]
Text = Annotated[str, _Schema(strict=True)]
Name = Annotated[str, _Schema(strict=True, min_length=1)]
Ident = Annotated[str, _Schema(strict=True, pattern=r"^[a-z][a-z0-9-]*$")]
CountyCode = Annotated[str, _Schema(strict=True, pattern=r"^[0-9]{2}$")]
Flag = Annotated[bool, _Schema(strict=True)]
Day = Annotated[datetime.date, _Schema(strict=True)]
MetropolitanReading = Literal["instead", "on-top"]

TOTAL = "total"
"""The key of the total ceiling in [ceilings], beside one key per pot."""


def _freeze(obj, name: str) -> None:
    """Make a mapping field read-only after construction: frozen means frozen all the way down."""
    object.__setattr__(obj, name, MappingProxyType(dict(getattr(obj, name))))


# --- counties.toml --------------------------------------------------------------------------


@frozen
class County:
    __pydantic_config__ = {"extra": "forbid"}

    code: CountyCode
    name: Name
    metropolitan: Flag


@frozen
class CountiesFile:
    """The whole of counties.toml: one [[county]] table per county."""

    __pydantic_config__ = {"extra": "forbid"}

    county: tuple[County, ...]


# --- agreement.toml -------------------------------------------------------------------------


@frozen
class Period:
    __pydantic_config__ = {"extra": "forbid"}

    first_year: Year
    last_year: Year
    final_payment_date: Day | None = None


@frozen
class Pot:
    """A share of each year's money with a ceiling of its own (kvinnofrid, jämställdhet)."""

    __pydantic_config__ = {"extra": "forbid"}

    id: Ident
    name: Text = ""


@frozen
class BudgetLine:
    """What money is spent on; every ledger entry names one, and every line is in one pot."""

    __pydantic_config__ = {"extra": "forbid"}

    id: Ident
    pot: Ident
    name: Text = ""


@frozen
class AllocationRule:
    """How a budget line (rss) is divided between the counties each year."""

    __pydantic_config__ = {"extra": "forbid"}

    line: Ident
    county: Kronor
    metropolitan: Kronor
    metropolitan_reading: MetropolitanReading = "instead"
    counties: Mapping[CountyCode, Kronor] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _freeze(self, "counties")


@frozen
class AllocationChange:
    """The part of an allocation rule an amendment changes; None keeps what was there."""

    __pydantic_config__ = {"extra": "forbid"}

    county: Kronor | None = None
    metropolitan: Kronor | None = None
    metropolitan_reading: MetropolitanReading | None = None
    counties: Mapping[CountyCode, Kronor] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _freeze(self, "counties")


@frozen
class Amendment:
    """A change to the amounts of one budget year, recorded as data."""

    __pydantic_config__ = {"extra": "forbid"}

    year: Year
    source: Text = ""
    ceilings: Mapping[Ident, Kronor] = field(default_factory=dict)
    allocation: AllocationChange = field(default_factory=AllocationChange)

    def __post_init__(self) -> None:
        _freeze(self, "ceilings")


@frozen
class AgreementFile:
    """The whole of agreement.toml. Field names follow the file's tables ([[pot]], [[line]])."""

    __pydantic_config__ = {"extra": "forbid"}

    name: Name
    parties: tuple[Name, ...]
    period: Period
    ceilings: Mapping[Ident, Kronor]
    pot: tuple[Pot, ...]
    line: tuple[BudgetLine, ...]
    allocation: AllocationRule
    amendment: tuple[Amendment, ...] = ()

    def __post_init__(self) -> None:
        _freeze(self, "ceilings")


# --- the terms in force ---------------------------------------------------------------------


@frozen
class YearTerms:
    """Every amount in force for one budget year, after the amendments for that year."""

    year: int
    ceilings: Mapping[str, int]  # TOTAL and one key per pot
    allocation: AllocationRule
    allocations: Mapping[str, int]  # county code -> amount, in county-code order
    amendments: tuple[Amendment, ...]  # those that changed this year, in the order applied


@frozen
class Terms:
    """The agreement as loaded: its file, its counties, and the amounts of each budget year."""

    agreement: AgreementFile
    counties: tuple[County, ...]  # in county-code order
    years: Mapping[int, YearTerms]
    sources: tuple[str, ...]  # the files the terms were read from
    digest: str = ""  # SHA-256 of the files' canonical content (terms.terms_digest): what a ledger pins
    found: str = ""  # how the folder was found: FOUND_DATA_DIR, FOUND_BESIDE_LEDGER or FOUND_SHIPPED

    @property
    def first_year(self) -> int:
        return self.agreement.period.first_year

    @property
    def last_year(self) -> int:
        return self.agreement.period.last_year

    @property
    def period_text(self) -> str:
        return f"{self.first_year}–{self.last_year}"

    @property
    def first_payment_date(self) -> datetime.date:
        return datetime.date(self.first_year, 1, 1)

    @property
    def final_payment_date(self) -> datetime.date:
        return self.agreement.period.final_payment_date or datetime.date(self.last_year, 12, 31)

    @property
    def pots(self) -> tuple[Pot, ...]:
        return self.agreement.pot

    @property
    def lines(self) -> tuple[BudgetLine, ...]:
        return self.agreement.line

    @property
    def allocation_line(self) -> str:
        return self.agreement.allocation.line

    def county(self, code: str) -> County | None:
        for county in self.counties:
            if county.code == code:
                return county
        return None

    def line(self, line_id: str) -> BudgetLine | None:
        for line in self.agreement.line:
            if line.id == line_id:
                return line
        return None


# --- building from data already validated ----------------------------------------------------


def construct(model: type, data: Any) -> Any:
    """Build `model` from parsed data that pydantic has already validated, without pydantic.

    Only the conversions validation would make happen here: tables become dataclasses, arrays
    become tuples, and absent keys take their defaults. terms.py uses this when the same bytes
    were validated before (see its cache), so that most commands never import pydantic.
    """
    return _construct(model, data)


def _construct(hint: Any, value: Any) -> Any:
    origin = get_origin(hint)
    if origin is Annotated:  # a validation marker: what it marks is what is built
        hint = get_args(hint)[0]
        origin = get_origin(hint)
    if dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        return build(hint, {key: _construct(hints[key], item) for key, item in value.items()})
    if origin is tuple:
        (item_hint, _ellipsis) = get_args(hint)
        return tuple(_construct(item_hint, item) for item in value)
    if origin is Union or origin is types.UnionType:
        if value is None:
            return None
        return _construct(next(arg for arg in get_args(hint) if arg is not type(None)), value)
    if origin in (Mapping, collections.abc.Mapping, dict):
        _key_hint, item_hint = get_args(hint)
        return {key: _construct(item_hint, item) for key, item in value.items()}
    # A cheap guard, not a validation: data that never passed (a forged or stale cache marker)
    # fails here with TypeError, and terms.py then validates it in full.
    if (hint in _LEAVES and type(value) is not hint) or (origin is Literal and value not in get_args(hint)):
        raise TypeError(f"{value!r} is not a {hint}")
    return value


_LEAVES = (int, str, bool, datetime.date)


@functools.cache
def _hints(model: type) -> dict[str, Any]:
    """The model's field types, as `get_type_hints(model, include_extras=True)` gives them. The
    annotations are strings (postponed evaluation), and get_type_hints compiles each one apart:
    2 ms for the fifty fields of the terms, on every run. Here they are compiled as one tuple."""
    fields = [f for f in dataclasses.fields(model) if isinstance(f.type, str)]
    if len(fields) < len(dataclasses.fields(model)):  # not all strings: the general way
        return get_type_hints(model, include_extras=True)
    namespace = sys.modules[model.__module__].__dict__
    values = eval(f"({', '.join(f.type for f in fields)},)", namespace)  # noqa: S307 - this module's own annotations
    return {f.name: value for f, value in zip(fields, values)}


# --- the ledger -----------------------------------------------------------------------------

DISBURSEMENT = "disbursement"
REPAYMENT = "repayment"
REVERSAL = "reversal"
KINDS = (DISBURSEMENT, REPAYMENT, REVERSAL)
TERMS_KIND = "terms"
"""The kind of the ledger's other table: a terms entry, which pins the terms the ledger is kept under."""


class Entry(NamedTuple):
    """One recorded entry of the ledger, as written; `lineno` is where it stands in the file.

    A NamedTuple rather than a dataclass, as in beancount: a ledger holds up to hundreds of
    thousands of them and a tuple is the cheapest immutable record Python builds.
    """

    id: int
    kind: str
    date: datetime.date
    year: int
    line: str
    amount: int  # whole kronor, always positive: the kind gives the direction
    reference: str
    note: str
    county: str | None
    recipient: str | None
    reverses: int | None
    hash: str
    lineno: int = 0


class TermsPin(NamedTuple):
    """A terms entry: from this entry on, the ledger is kept under the terms whose content has
    this digest (see terms.terms_digest). Chained and numbered with the money entries, in the same
    file order; `agreement` is the agreement's name, `source` the decision or page the terms
    come from. Written by `ledger init` and `ledger amend` only."""

    id: int
    kind: str  # always TERMS_KIND
    date: datetime.date
    agreement: str
    digest: str
    source: str
    hash: str
    lineno: int = 0


PIN_FIELDS = ("id", "kind", "date", "agreement", "digest", "source", "hash")
"""A terms entry's fields, in the order written to the file."""


@frozen
class Problem:
    """Something wrong with the ledger, as a value: which rule, where, and what would fix it.

    `subject` names the total a rule is about ("2019 kvinnofrid pot"), and `excess` says by how
    much it breaks its limit, so that a new entry can be refused exactly when it makes things worse.
    """

    rule: str
    message: str
    entry: int | None = None
    lineno: int | None = None
    subject: str | None = None
    excess: int = 0
