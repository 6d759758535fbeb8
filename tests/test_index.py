"""The verified index that spares writers re-reading a large ledger: it must never change a verdict."""

from __future__ import annotations

import json

import pytest

from conftest import assert_one_line_error, run
from kvinnofrid_ledger import ledger_index, record
from kvinnofrid_ledger.checks import run_checks
from kvinnofrid_ledger.ledger import parse_ledger
from kvinnofrid_ledger.terms import load_terms
from ledgerkit import draft, read, write_ledger

TERMS = load_terms()


@pytest.fixture
def indexed(tmp_path, monkeypatch):
    """A ledger of 30 entries whose writer has left an index (the threshold lowered to 10)."""
    monkeypatch.setenv("KVINNOFRID_LEDGER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(record, "INDEX_FROM", 10)
    path = write_ledger(tmp_path / "ledger.toml", [draft(1000 + i, county="03", reference=f"R-{i}") for i in range(29)])
    assert rec(path, "--amount", "7", "--reference", "R-29").exit_code == 0
    assert ledger_index.index_path(path).exists()
    return path


def rec(path, *args):
    options = {"--date": "2019-05-01", "--line": "rss", "--county": "03", **dict(zip(args[::2], args[1::2]))}
    return run("record", "--ledger", path, *[part for pair in options.items() for part in pair])


def test_reading_through_the_index_gives_the_same_ledger(indexed):
    assert rec(indexed, "--amount", "5", "--reference", "T-1").exit_code == 0  # one entry after the index
    data = indexed.read_bytes()
    via_index = ledger_index.read_with_index(data, str(indexed))
    whole = parse_ledger(data, str(indexed))
    assert via_index.base_count == 30 and len(via_index.raw) == 1
    assert via_index.entries == whole.entries
    assert (via_index.head, via_index.next_id, via_index.count, via_index.line_count) == (whole.head, whole.next_id, whole.count, whole.line_count)
    assert run_checks(via_index, TERMS) == run_checks(whole, TERMS) == []


def test_rules_still_hold_through_the_index(indexed):
    used = sum(e.amount for e in read(indexed).entries)
    result = rec(indexed, "--amount", str(400_000 - used + 1))
    assert_one_line_error(result, 1, "1 kr over its allocation")
    assert_one_line_error(rec(indexed, "--amount", "1", "--reference", "R-3"), 1, "already used by entry 4")
    assert rec(indexed, "--amount", str(400_000 - used)).exit_code == 0


def test_an_edit_inside_the_indexed_bytes_is_not_hidden(indexed):
    text = indexed.read_text(encoding="utf-8")
    indexed.write_text(text.replace("amount = 1003", "amount = 1004"), encoding="utf-8")
    before = indexed.read_bytes()
    assert_one_line_error(rec(indexed, "--amount", "1"), 1, "fails `ledger check`", "damaged record")
    assert indexed.read_bytes() == before


def test_an_edit_after_the_indexed_bytes_is_not_hidden(indexed):
    assert rec(indexed, "--amount", "5", "--reference", "T-1").exit_code == 0
    indexed.write_text(indexed.read_text(encoding="utf-8").replace("amount = 5\n", "amount = 6\n"), encoding="utf-8")
    assert_one_line_error(rec(indexed, "--amount", "1"), 1, "damaged record")


def test_a_truncated_ledger_is_read_whole(indexed):
    text = indexed.read_text(encoding="utf-8")
    indexed.write_text(text[: text.rindex("\n[[entry]]")] + "\n", encoding="utf-8")
    result = rec(indexed, "--amount", "1", "--reference", "after-cut", "--format", "json")
    assert result.exit_code == 0 and result.json()["id"] == 30
    assert run("check", "--ledger", indexed).exit_code == 0


def test_a_forged_index_cannot_change_what_check_status_or_export_say(indexed):
    path = ledger_index.index_path(indexed)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["columns"]["amount"] = [1] * document["count"]  # pretend almost nothing was paid
    path.write_text(json.dumps(document), encoding="utf-8")
    truth = sum(e.amount for e in read(indexed).entries)
    status = run("status", "2019", "--format", "json", "--ledger", indexed).json()
    assert next(c for c in status["counties"] if c["code"] == "03")["disbursed"] == truth
    assert sum(e["amount"] for e in run("export", "--format", "json", "--ledger", indexed).json()["entries"]) == truth
    assert run("check", "--ledger", indexed).exit_code == 0


def test_a_broken_index_file_is_ignored(indexed):
    ledger_index.index_path(indexed).write_text("{not json", encoding="utf-8")
    assert rec(indexed, "--amount", "1", "--reference", "X").exit_code == 0
    assert run("check", "--ledger", indexed).exit_code == 0


def test_no_index_below_the_threshold_or_without_a_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KVINNOFRID_LEDGER_CACHE", "off")
    path = write_ledger(tmp_path / "ledger.toml", [draft(5, county="03", reference=f"R-{i}") for i in range(3)])
    assert rec(path, "--amount", "1").exit_code == 0
    assert ledger_index.index_path(path) is None
