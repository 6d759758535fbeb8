"""Load agreement.toml and counties.toml into the terms in force: parse → validate → resolve.

Every problem found is reported, each as one line naming the file and the key, in a TermsError.
"""

from __future__ import annotations

import functools
import os
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import plain_toml
from .allocation import allocate_counties
from .errors import UserError, read_input
from .models import TOTAL, AgreementFile, Amendment, CountiesFile, County, Terms, YearTerms, construct

AGREEMENT_FILE = "agreement.toml"
COUNTIES_FILE = "counties.toml"
BOOKS_FILE = "books.toml"
"""The account plan of the books exports (books.py): beside the terms, but not part of them."""

FOUND_DATA_DIR = "data-dir"
"""The terms were found where --data-dir (or $KVINNOFRID_LEDGER_DATA) points."""
FOUND_BESIDE_LEDGER = "beside-ledger"
"""The terms were found in the ledger file's own folder."""
FOUND_SHIPPED = "shipped"
"""The terms are the ones shipped with the package."""


class TermsError(UserError):
    """The terms cannot be loaded; `lines` holds one line for each thing that is wrong (not
    `problems`, which are UserError's values for --format json: `record --format json` under terms
    that do not load failed with a traceback on these strings)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(*problems)


def shipped_data_dir() -> Path:
    """The folder of the data files that ship with the package.

    In a wheel they sit in the package's data/ folder; in an editable install from a source
    checkout they are the repository's own data/ folder, two levels above this file.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "data", here.parent.parent / "data"):
        if (candidate / AGREEMENT_FILE).is_file():
            return candidate
    return here / "data"


CACHE_ENV = "KVINNOFRID_LEDGER_CACHE"


def load_terms(data_dir: str | os.PathLike | None = None) -> Terms:
    """Read, validate and resolve the two data files in `data_dir` (default: the shipped ones).

    pydantic's validation of the fields is the costly part, and its result depends only on the
    bytes of the two files: once they have passed, a marker named by their SHA-256 (and this
    version) is left in the cache folder, and the same bytes are later built without pydantic.
    The whole-file rules (duplicates, unknown pots, allocations over a ceiling) run every time.
    """
    folder = Path(data_dir) if data_dir else shipped_data_dir()
    found = FOUND_DATA_DIR if data_dir else FOUND_SHIPPED
    agreement_path = folder / AGREEMENT_FILE
    counties_path = folder / COUNTIES_FILE
    agreement_bytes, raw_agreement = _read_toml(agreement_path)
    counties_bytes, raw_counties = _read_toml(counties_path)
    marker = _validated_marker(agreement_bytes, counties_bytes)
    validated = _marker_found(marker)
    names = (str(agreement_path), str(counties_path))
    if validated:
        try:
            return replace(terms_from_data(raw_agreement, raw_counties, *names, validated=True), found=found)
        except TermsError:
            pass  # a forged or stale marker: validate the files again, and say what is wrong
        except Exception:  # noqa: BLE001 - data that never passed validation does not fit the models
            pass
    terms = terms_from_data(raw_agreement, raw_counties, *names, validated=False)
    if marker is not None and not validated:
        _leave_marker(marker)
    return replace(terms, found=found)


# --- which terms are in force, and their digest --------------------------------------------


def locate_terms(data_dir: str | os.PathLike | None, ledger: str | os.PathLike | None = None) -> tuple[Path, str]:
    """The folder of the terms in force, and how it was found. In this order:

    1. `data_dir` (--data-dir, or $KVINNOFRID_LEDGER_DATA): named on purpose, so it wins;
    2. the ledger file's own folder, when it holds both agreement.toml and counties.toml: what
       `ledger init` writes, so a user who edits the copied terms is judged by that edit;
    3. the terms shipped with the package.

    A ledger folder holding only one of the two files is refused rather than passed over for the
    shipped terms: silently judging a ledger by terms other than the ones beside it is the very
    mistake this order exists to prevent.
    """
    if data_dir:
        return Path(data_dir), FOUND_DATA_DIR
    if ledger is not None:
        folder = Path(ledger).parent
        present = [name for name in (AGREEMENT_FILE, COUNTIES_FILE) if (folder / name).is_file()]
        if len(present) == 2:
            return folder, FOUND_BESIDE_LEDGER
        if present:
            missing = COUNTIES_FILE if present == [AGREEMENT_FILE] else AGREEMENT_FILE
            raise TermsError([
                f"{folder / present[0]}: found beside the ledger without {missing}; put both files of the terms "
                "there (or neither), or point --data-dir at the folder of both"
            ])
    return shipped_data_dir(), FOUND_SHIPPED


def load_terms_for(data_dir: str | os.PathLike | None, ledger: str | os.PathLike | None = None) -> Terms:
    """The terms in force for a command on `ledger` (see locate_terms for the order)."""
    folder, found = locate_terms(data_dir, ledger)
    return replace(load_terms(folder), found=found)


def terms_digest(raw_agreement: dict[str, Any], raw_counties: dict[str, Any]) -> str:
    """SHA-256 of the terms' canonical content, what a ledger's terms entry pins.

    The canonical content is the JSON of {"agreement": <agreement.toml>, "counties":
    <counties.toml>} as parsed, in the ledger's own canonical form (keys sorted, no white space,
    UTF-8, dates as "YYYY-MM-DD"). Every value counts, and the order of arrays (amendments apply
    in order); comments, layout, key order and line ends do not, since they change no verdict,
    and a checkout that turns LF into CRLF must not look like an amendment. An auditor recomputes
    it with the standard library (see the README).
    """
    from .canonical import canonical_json
    from .digests import sha256

    return sha256(canonical_json({"agreement": raw_agreement, "counties": raw_counties})).hexdigest()


def _marker_found(marker: Path | None) -> bool:
    """Whether the marker is there; a cache folder that cannot be read counts as no cache."""
    if marker is None:
        return False
    try:
        return marker.exists()
    except OSError:
        return False


def cache_dir() -> Path | None:
    """$KVINNOFRID_LEDGER_CACHE ("off" for none), else $XDG_CACHE_HOME or ~/.cache, /kvinnofrid-ledger."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return None if configured in ("", "off") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kvinnofrid-ledger"


def _validated_marker(agreement: bytes, counties: bytes) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    from . import __version__
    from .digests import sha256

    digest = sha256()
    for part in (__version__.encode(), _validator_digest(), agreement, counties):  # each length-prefixed: no two splits collide
        digest.update(b"%d:" % len(part) + part)
    digest = digest.hexdigest()
    return folder / f"terms-validated-{digest}"


VALIDATORS = ("models.py", "validation.py", "terms.py", "allocation.py")
"""The source files whose code decides whether terms are valid: an edit to any of them (an
installed copy patched in place, a checkout between versions) is a new key, so the files are
validated again by the code as it now is."""


@functools.cache
def _validator_digest() -> bytes:
    from .digests import sha256

    here = Path(__file__).resolve().parent
    digest = sha256()
    for name in VALIDATORS:
        try:
            source = (here / name).read_bytes()
        except OSError:
            source = b"missing"
        digest.update(b"%d:" % len(source) + source)
    return digest.hexdigest().encode()


def _leave_marker(marker: Path) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # no cache: the next run validates again, which is only slower


def terms_from_data(
    raw_agreement: dict[str, Any],
    raw_counties: dict[str, Any],
    agreement_name: str = AGREEMENT_FILE,
    counties_name: str = COUNTIES_FILE,
    validated: bool = False,
) -> Terms:
    """Validate the parsed files as a whole and resolve the amounts of every budget year.

    `validated`: these exact files passed pydantic's validation before; build them directly.
    """
    problems: list[str] = []
    if validated:
        counties_file = construct(CountiesFile, raw_counties)
        agreement = construct(AgreementFile, raw_agreement)
    else:
        from . import validation  # imports pydantic: only when the files are new to this machine

        counties_file = validation.validate(CountiesFile, raw_counties, counties_name, problems)
        agreement = validation.validate(AgreementFile, raw_agreement, agreement_name, problems)
    if counties_file is not None:
        problems += _county_problems(counties_file, counties_name)
    if agreement is not None:
        problems += _agreement_problems(agreement, agreement_name)
    if problems:
        raise TermsError(problems)
    assert agreement is not None and counties_file is not None
    counties = tuple(sorted(counties_file.county, key=lambda c: c.code))
    problems += _cross_problems(agreement, counties, agreement_name)
    if problems:
        raise TermsError(problems)
    years = {
        year: _resolve_year(agreement, counties, year)
        for year in range(agreement.period.first_year, agreement.period.last_year + 1)
    }
    problems += _allocation_problems(agreement, years, agreement_name)
    if problems:
        raise TermsError(problems)
    return Terms(
        agreement=agreement,
        counties=counties,
        years=MappingProxyType(years),
        sources=(agreement_name, counties_name),
        digest=terms_digest(raw_agreement, raw_counties),
    )


def _read_toml(path: Path) -> tuple[bytes, dict[str, Any]]:
    try:
        data = read_input(path, "a file", "point --data-dir or $KVINNOFRID_LEDGER_DATA at the folder of agreement.toml and counties.toml")
    except UserError as error:
        raise TermsError(list(error.lines)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TermsError([f"{path}: not UTF-8 text (byte {error.start})"]) from None
    parsed = plain_toml.loads(text)  # the terms as written: without importing tomllib
    return data, parsed if parsed is not None else _read_any_toml(path, text)


def _read_any_toml(path: Path, text: str) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TermsError([f"{path}: not valid TOML: {error}"]) from None
    except ValueError as error:  # an integer of thousands of digits: past Python's conversion limit
        raise TermsError([f"{path}: cannot be read: {error}"]) from None
    except RecursionError:
        raise TermsError([f"{path}: cannot be read: values nested too deeply (thousands of arrays or tables inside each other)"]) from None


# --- whole-file rules that one field alone cannot show ------------------------------------


def _county_problems(counties: CountiesFile, name: str) -> list[str]:
    problems = []
    if not counties.county:
        problems.append(f"{name}: county: no [[county]] tables; the terms need at least one county")
    seen_codes: set[str] = set()
    seen_names: set[str] = set()
    for county in counties.county:
        if county.code in seen_codes:
            problems.append(f"{name}: county[{county.code}].code: duplicate county code {county.code!r}; each county appears once")
        if county.name.casefold() in seen_names:
            problems.append(f"{name}: county[{county.code}].name: duplicate county name {county.name!r}")
        seen_codes.add(county.code)
        seen_names.add(county.name.casefold())
    return problems


def _agreement_problems(agreement: AgreementFile, name: str) -> list[str]:
    problems = []
    period = agreement.period
    if period.first_year > period.last_year:
        problems.append(f"{name}: period.last_year: {period.last_year} is before first_year {period.first_year}")
    elif period.final_payment_date is not None and period.final_payment_date.year < period.last_year:
        problems.append(
            f"{name}: period.final_payment_date: {period.final_payment_date} is before the period's last year "
            f"{period.last_year}; it may only allow payments later than 31 December {period.last_year}"
        )
    pot_ids = [pot.id for pot in agreement.pot]
    problems += _duplicates(pot_ids, f"{name}: pot", "pot id")
    problems += _duplicates([line.id for line in agreement.line], f"{name}: line", "line id")
    if TOTAL in pot_ids:
        problems.append(f"{name}: pot[{TOTAL}].id: {TOTAL!r} is the name of the total ceiling; give the pot another id")
    if TOTAL not in agreement.ceilings:
        problems.append(f"{name}: ceilings.{TOTAL}: missing (required): the ceiling on everything paid in a year")
    for pot_id in pot_ids:
        if pot_id not in agreement.ceilings:
            problems.append(f"{name}: ceilings.{pot_id}: missing (required): every pot needs a ceiling")
    problems += _unknown_ceilings(agreement.ceilings, pot_ids, f"{name}: ceilings")
    for line in agreement.line:
        if line.pot not in pot_ids:
            problems.append(f"{name}: line[{line.id}].pot: unknown pot {line.pot!r}; the pots are {', '.join(pot_ids)}")
    if agreement.allocation.line not in [line.id for line in agreement.line]:
        problems.append(f"{name}: allocation.line: unknown budget line {agreement.allocation.line!r}")
    for index, amendment in enumerate(agreement.amendment):
        where = f"{name}: amendment[{index + 1}]"
        if not period.first_year <= amendment.year <= period.last_year:
            problems.append(f"{where}.year: {amendment.year} is outside the period {period.first_year}–{period.last_year}")
        problems += _unknown_ceilings(amendment.ceilings, pot_ids, f"{where}.ceilings")
    return problems


def _cross_problems(agreement: AgreementFile, counties: tuple[County, ...], name: str) -> list[str]:
    known = {county.code for county in counties}
    problems = []
    overrides = [("allocation.counties", agreement.allocation.counties)] + [
        (f"amendment[{index + 1}].allocation.counties", amendment.allocation.counties)
        for index, amendment in enumerate(agreement.amendment)
    ]
    for where, mapping in overrides:
        for code in mapping:
            if code not in known:
                problems.append(f"{name}: {where}.{code}: unknown county code {code!r} (see counties.toml)")
    return problems


def _allocation_problems(agreement: AgreementFile, years: dict[int, YearTerms], name: str) -> list[str]:
    """An allocation plan must fit inside its pot and the total, every year."""
    from .money import format_kronor

    pot = next(line.pot for line in agreement.line if line.id == agreement.allocation.line)
    problems = []
    for year, terms in years.items():
        planned = sum(terms.allocations.values())
        for limit_key, label in ((pot, f"the {pot} pot's ceiling"), (TOTAL, "the total ceiling")):
            limit = terms.ceilings[limit_key]
            if planned > limit:
                problems.append(
                    f"{name}: allocation: the {year} allocations to the counties sum to {format_kronor(planned)} kr, "
                    f"{format_kronor(planned - limit)} kr over {label} of {format_kronor(limit)} kr"
                )
    return problems


def _duplicates(ids: list[str], where: str, what: str) -> list[str]:
    seen: set[str] = set()
    problems = []
    for ident in ids:
        if ident in seen:
            problems.append(f"{where}[{ident}].id: duplicate {what} {ident!r}")
        seen.add(ident)
    return problems


def _unknown_ceilings(ceilings, pot_ids: list[str], where: str) -> list[str]:
    return [
        f"{where}.{key}: unknown ceiling; the ceilings are {TOTAL} and one per pot ({', '.join(pot_ids)})"
        for key in ceilings
        if key != TOTAL and key not in pot_ids
    ]


# --- resolution: the amounts in force for one year ----------------------------------------


def _resolve_year(agreement: AgreementFile, counties: tuple[County, ...], year: int) -> YearTerms:
    ceilings = dict(agreement.ceilings)
    rule = agreement.allocation
    applied: list[Amendment] = []
    for amendment in agreement.amendment:
        if amendment.year != year:
            continue
        applied.append(amendment)
        ceilings.update(amendment.ceilings)
        change = amendment.allocation
        rule = replace(
            rule,
            county=rule.county if change.county is None else change.county,
            metropolitan=rule.metropolitan if change.metropolitan is None else change.metropolitan,
            metropolitan_reading=rule.metropolitan_reading if change.metropolitan_reading is None else change.metropolitan_reading,
            counties={**rule.counties, **change.counties},
        )
    return YearTerms(
        year=year,
        ceilings=MappingProxyType(ceilings),
        allocation=rule,
        allocations=MappingProxyType(allocate_counties(rule, counties)),
        amendments=tuple(applied),
    )
