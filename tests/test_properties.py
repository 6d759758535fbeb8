"""Properties: random sequences of records never leave a ledger that check rejects, and a record
is refused exactly when a ceiling, an allocation or a zero floor would be crossed; the fast
reader of the ledger means exactly what tomllib means."""

from __future__ import annotations

import datetime
import functools
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvinnofrid_ledger.checks import run_checks
from kvinnofrid_ledger.errors import RuleBroken, UserError
from kvinnofrid_ledger.ledger import create_empty_ledger, read_ledger
from kvinnofrid_ledger.ledger_text import LEDGER_HEADER, _fast_parse, _reference_parse, entry_toml
from kvinnofrid_ledger.record import Draft, append_drafts
from kvinnofrid_ledger.terms import load_terms



@functools.cache
def terms():
    """Loaded on first use, inside a test, never at import (when no cache folder is set yet)."""
    return load_terms()


# The limits, written out by hand from the seed pages rather than read back from the terms.
COUNTY_LIMIT = {code: (600_000 if code in {"01", "12", "14"} else 400_000) for code in
                ["01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18", "19", "20", "21", "22", "23", "24", "25"]}
POT_LIMIT = {"kvinnofrid": 15_000_000, "jamstalldhet": 5_000_000}
TOTAL_LIMIT = 20_000_000
POT_OF = {"rss": "kvinnofrid", "samverkan": "kvinnofrid", "uppfoljning": "kvinnofrid", "socialtjanst": "kvinnofrid",
          "halso-sjukvard": "kvinnofrid", "skola": "kvinnofrid", "jamstalldhet": "jamstalldhet"}

amounts = st.one_of(
    st.integers(1, 700_000),
    st.sampled_from([1, 399_999, 400_000, 600_000, 5_000_000, 6_000_000, 15_000_000]),
    st.integers(1, 16_000_000),
)
steps = st.lists(
    st.tuples(
        st.sampled_from(["disbursement", "disbursement", "repayment"]),
        st.sampled_from(sorted(POT_OF)),
        st.sampled_from(sorted(COUNTY_LIMIT)),
        st.sampled_from([2018, 2019, 2020]),
        amounts,
    ),
    min_size=1,
    max_size=25,
)


class Model:
    """The ledger's nets, kept independently of the library."""

    def __init__(self) -> None:
        self.nets: dict[tuple, int] = {}

    def after(self, kind, line, county, year, amount) -> dict[tuple, int]:
        delta = amount if kind == "disbursement" else -amount
        nets = dict(self.nets)
        keys = [("line", year, line), ("pot", year, POT_OF[line]), ("total", year)]
        if line == "rss":
            keys.append(("county", year, county))
        for key in keys:
            nets[key] = nets.get(key, 0) + delta
        return nets

    @staticmethod
    def broken(nets: dict[tuple, int]) -> bool:
        for key, net in nets.items():
            if net < 0:
                return True
            if key[0] == "county" and net > COUNTY_LIMIT[key[2]]:
                return True
            if key[0] == "pot" and net > POT_LIMIT[key[2]]:
                return True
            if key[0] == "total" and net > TOTAL_LIMIT:
                return True
        return False


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=steps)
def test_records_never_break_the_ledger_and_are_refused_exactly_when_a_limit_is_crossed(sequence):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.toml"
        create_empty_ledger(path)
        model = Model()
        for kind, line, county, year, amount in sequence:
            draft = Draft(kind=kind, date=datetime.date(year, 6, 1), year=year, line=line, amount=amount,
                          county=county if line == "rss" else None, recipient=None if line == "rss" else "Mottagare")
            after = model.after(kind, line, county, year, amount)
            before_bytes = path.read_bytes()
            try:
                append_drafts(path, terms(), lambda _ledger: [draft])
                refused = False
            except RuleBroken:
                refused = True
            except UserError as error:  # pragma: no cover - every draft here is well-formed
                pytest.fail(f"unexpected input error: {error}")
            assert refused == Model.broken(after), (kind, line, county, year, amount, after)
            if refused:
                assert path.read_bytes() == before_bytes
            else:
                model.nets = after
            assert run_checks(read_ledger(path), terms()) == []


# --- the two readers agree -------------------------------------------------------------------

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
tables = st.fixed_dictionaries(
    {
        "id": st.integers(0, 10**6),
        "kind": texts,
        "date": st.dates(),
        "year": st.integers(0, 9999),
        "line": texts,
        "amount": st.integers(0, 10**12),
        "reference": texts,
        "note": texts,
        "hash": texts,
    },
    optional={"county": texts, "recipient": texts, "reverses": st.integers(0, 10**6)},
)


@settings(max_examples=200, deadline=None)
@given(st.lists(tables, max_size=5), st.booleans())
def test_fast_reader_reads_what_the_writer_writes_as_tomllib_does(entries, header):
    text = (LEDGER_HEADER if header else "") + "".join(entry_toml(table) for table in entries)
    fast = _fast_parse(text)
    assert fast is not None, "the writer's own layout must take the fast path"
    assert [raw.table for raw in fast] == tomllib.loads(text).get("entry", [])
    assert [raw.table for raw in fast] == [raw.table for raw in _reference_parse(text)[0]]
    assert [raw.lineno for raw in fast] == [raw.lineno for raw in _reference_parse(text)[0]]


@settings(max_examples=300, deadline=None)
@given(st.lists(tables, min_size=1, max_size=3), st.data())
def test_any_edit_reads_the_same_on_both_paths(entries, data):
    text = LEDGER_HEADER + "".join(entry_toml(table) for table in entries)
    position = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.sampled_from(['"', "\\", "\n", " ", "#", "=", "x", "1", "\t", "\r", "\\u", "-", "[", "\x00", "é"]))
    cut = data.draw(st.integers(0, 3))
    edited = text[:position] + insert + text[position + cut:]
    fast = _fast_parse(edited)
    if fast is None:
        return  # the reference parser decides; nothing to compare
    assert [raw.table for raw in fast] == tomllib.loads(edited).get("entry", [])


@settings(max_examples=100, deadline=None)
@given(st.lists(tables, min_size=1, max_size=4))
def test_a_batch_is_written_as_its_entries_one_by_one(entries):
    from kvinnofrid_ledger.ledger_text import entries_toml

    hashed = [dict(table, hash="f" * 64) for table in entries]
    assert entries_toml(hashed) == "".join(entry_toml(table) for table in hashed)
