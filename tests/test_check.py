"""`ledger check`: every kind of tampering, every rule (one passing and one failing case each)."""

import functools
import hashlib
import json

import pytest

from conftest import assert_one_line_error, run
from kvinnofrid_ledger.checks import RULES, Audit, run_checks
from kvinnofrid_ledger.balances import net_totals
from kvinnofrid_ledger.ledger import GENESIS, canonical_form, entry_hash
from kvinnofrid_ledger.terms import load_terms, shipped_data_dir
from ledgerkit import draft, read, write_ledger

TERMS_FOLDER = str(shipped_data_dir().resolve())


@functools.cache
def terms():
    """Loaded on first use, inside a test, never at import (when no cache folder is set yet)."""
    return load_terms()


def check(path, *args):
    return run("check", "--ledger", path, *args)


@pytest.fixture
def good(tmp_path):
    return write_ledger(
        tmp_path / "ledger.toml",
        [
            draft(600_000, county="01", reference="R-1"),
            draft(400_000, county="03", reference="R-2"),
            draft(250_000, line="skola", recipient="Malmö stad", reference="S-1"),
            draft(100_000, county="03", kind="repayment", date="2019-11-01", reference="Å-1"),
        ],
    )


def test_a_clean_ledger(good):
    result = check(good)
    assert result.exit_code == 0, result
    head = read(good).head
    terms_line, summary = result.stdout.splitlines()
    assert summary == f"{good}: ok: 4 entries; head {head}"
    assert terms_line.startswith(f"terms: {TERMS_FOLDER} (shipped with the package); digest {terms().digest}; not pinned")
    assert result.stderr.startswith("warning: ") and "amend --source" in result.stderr  # written before terms entries
    doc = json.loads(check(good, "--format", "json").stdout)
    assert doc == {"ok": True, "entries": 4, "head": head, "violations": [],
                   "terms": {"folder": TERMS_FOLDER, "found": "shipped", "digest": terms().digest, "pinned": None, "pinned_by": None}}


def test_empty_file_and_header_only_are_valid(tmp_path):
    (tmp_path / "empty.toml").write_text("")
    result = check(tmp_path / "empty.toml", "--format", "json")
    assert result.exit_code == 0
    assert {**json.loads(result.stdout), "terms": None} == {"ok": True, "entries": 0, "head": None, "violations": [], "terms": None}
    assert run("init", tmp_path / "x").exit_code == 0
    assert check(tmp_path / "x" / "ledger.toml").exit_code == 0


def test_missing_file_is_exit_2(tmp_path):
    assert_one_line_error(check(tmp_path / "nope.toml"), 2, "no such ledger file")


def test_unreadable_terms_is_exit_2(good, tmp_path):
    assert_one_line_error(run("check", "--ledger", good, "--data-dir", tmp_path), 2, "agreement.toml")


def test_expect_head_must_look_like_a_hash(good):
    assert_one_line_error(check(good, "--expect-head", "abc"), 2, "SHA-256")


# --- tampering -----------------------------------------------------------------------------------


def tamper(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def blocks(path):
    text = path.read_text(encoding="utf-8")
    head, *entries = text.split("\n[[entry]]")
    return head, entries


def join(path, head, entries):
    path.write_text("\n[[entry]]".join([head, *entries]), encoding="utf-8")


def violations(path):
    result = check(path, "--format", "json")
    assert result.exit_code == 1, result
    return json.loads(result.stdout)["violations"]


def test_edited_amount_is_caught_at_that_entry(good):
    tamper(good, "amount = 400000", "amount = 300000")
    found = violations(good)
    assert [(v["rule"], v["entry"]) for v in found] == [("chain", 2)]
    assert "breaks first at entry 2" in check(good).stdout


def test_edited_note_is_caught(good):
    tamper(good, 'note = ""', 'note = "ok"')
    assert [(v["rule"], v["entry"]) for v in violations(good)] == [("chain", 1)]


def test_deleted_entry_is_caught(good):
    head, entries = blocks(good)
    join(good, head, entries[:1] + entries[2:])
    rules = {(v["rule"], v["entry"]) for v in violations(good)}
    assert ("chain", 3) in rules and ("ids", 3) in rules


def test_inserted_entry_is_caught(good):
    head, entries = blocks(good)
    forged = entries[1].replace("id = 2", "id = 5").replace('reference = "R-2"', 'reference = "X-9"')
    join(good, head, entries[:2] + [forged] + entries[2:])
    rules = {(v["rule"], v["entry"]) for v in violations(good)}
    assert ("chain", 5) in rules and ("ids", 5) in rules


def test_inserted_entry_with_a_recomputed_hash_still_breaks_the_next_link(good):
    ledger = read(good)
    table = dict(ledger.raw[1].table, id=3, reference="X-9", amount=1)
    table["hash"] = entry_hash(table, ledger.raw[1].table["hash"])
    from kvinnofrid_ledger.ledger_text import entry_toml

    head, entries = blocks(good)
    text = "\n[[entry]]".join([head, *entries[:2]]) + entry_toml(table) + "".join("\n[[entry]]" + e for e in entries[2:])
    good.write_text(text, encoding="utf-8")
    rules = [(v["rule"], v["entry"]) for v in violations(good)]
    assert ("chain", 3) in rules  # the original entry 3 no longer links to what stands before it


def test_swapped_entries_are_caught(good):
    head, entries = blocks(good)
    entries[1], entries[2] = entries[2], entries[1]
    join(good, head, entries)
    assert {v["rule"] for v in violations(good)} == {"chain", "ids"}


def test_rewritten_ledger_with_a_new_chain_is_caught_by_expect_head(good, tmp_path):
    head = read(good).head
    forged = write_ledger(tmp_path / "forged.toml", [draft(600_000, county="01", reference="R-1"), draft(1, county="03", reference="R-2")])
    assert check(forged).exit_code == 0  # a consistent forgery passes on its own ...
    result = check(forged, "--expect-head", head)  # ... but not against the head an auditor wrote down
    assert result.exit_code == 1 and "[head]" in result.stdout


def test_truncated_tail_is_caught_by_expect_head(good):
    head = read(good).head
    before_head = read(good).raw[1].table["hash"]
    _, entries = blocks(good)
    text = good.read_text(encoding="utf-8")
    good.write_text(text[: text.index("\n[[entry]]" + entries[2])], encoding="utf-8")
    assert check(good).exit_code == 0  # a clean prefix ...
    result = check(good, "--expect-head", head, "--format", "json")
    assert result.exit_code == 1
    assert [v["rule"] for v in json.loads(result.stdout)["violations"]] == ["head"]
    assert check(good, "--expect-head", before_head).exit_code == 0  # an older head is still there


def test_not_toml_names_the_line(good):
    tamper(good, 'kind = "disbursement"\ndate = 2019-03-01\nyear = 2019\nline = "skola"', 'kind = "disbursement\ndate = 2019-03-01\nyear = 2019\nline = "skola"')
    result = check(good)
    assert result.exit_code == 1
    line = next(l for l in result.stdout.splitlines() if "[syntax]" in l)
    assert line.startswith(f"{good}:") and "not valid TOML" in line and "at line" in line


def test_non_utf8_is_a_problem_not_a_crash(good):
    good.write_bytes(good.read_bytes() + b"\n# \xff\n")
    result = check(good)
    assert result.exit_code == 1 and "UTF-8" in result.stdout


def test_ill_typed_fields(good):
    tamper(good, "amount = 600000", 'amount = "600000"')
    found = violations(good)
    assert ("fields", 1) in [(v["rule"], v["entry"]) for v in found]
    assert any("must be an integer" in v["message"] for v in found)


def test_hand_edit_in_another_toml_style_reads_the_same(good):
    """A file in any valid TOML layout means what it says: the fast path and tomllib agree."""
    text = good.read_text(encoding="utf-8")
    good.write_text(text.replace("[[entry]]\n", "[[entry]]  # a comment\n"), encoding="utf-8")
    assert check(good).exit_code == 0


# --- each rule: one passing and one failing case ---------------------------------------------


def problems_of(path, rule):
    return [p for p in run_checks(read(path), terms()) if p.rule == rule]


RULE_CASES = {
    "ids": None,  # covered by the tamper tests above
    "chain": None,
    "line": ([draft(5, line="skola")], [draft(5, line="skolor")]),
    "county": ([draft(5, county="01")], [draft(5, county="02")]),
    "recipient": ([draft(5, line="samverkan", recipient="SKL")], [draft(5, line="samverkan", recipient=" ")]),
    "period": ([draft(5, date="2020-12-31")], [draft(5, date="2019-06-01", year=2017)]),
    "reference": ([draft(5, reference="A"), draft(5, reference="B")], [draft(5, reference="A"), draft(5, county="03", reference="A")]),
    "reversal": (
        [draft(5, reference="A"), draft(5, kind="reversal", reverses=1)],
        [draft(5, reference="A"), draft(4, kind="reversal", reverses=1)],
    ),
    "allocation": ([draft(400_000, county="03")], [draft(400_000, county="03"), draft(1, county="03")]),
    "ceiling": ([draft(5_000_000, line="jamstalldhet")], [draft(5_000_000, line="jamstalldhet"), draft(1, line="jamstalldhet")]),
    "negative": ([draft(5), draft(5, kind="repayment")], [draft(5), draft(6, kind="repayment")]),
}


@pytest.mark.parametrize("rule", [r for r, case in RULE_CASES.items() if case])
def test_rule_passes_and_fails(tmp_path, rule):
    passing, failing = RULE_CASES[rule]
    assert problems_of(write_ledger(tmp_path / "pass.toml", passing), rule) == []
    found = problems_of(write_ledger(tmp_path / "fail.toml", failing), rule)
    assert len(found) == 1 and found[0].lineno, found


def test_every_rule_is_exercised():
    names = {rule.__name__ for rule in RULES}
    assert names == {"check_ids", "check_chain", "check_terms", "check_known", "check_period", "check_references", "check_reversals", "check_allocations", "check_ceilings", "check_not_negative"}


def test_a_ledger_can_break_many_rules_and_all_are_reported(tmp_path):
    path = write_ledger(tmp_path / "bad.toml", [draft(700_000, county="01", reference="A"), draft(5, line="nope", reference="A"), draft(6_000_000, line="jamstalldhet", date="2021-01-01", year=2020)])
    rules = sorted({p.rule for p in run_checks(read(path), terms())})
    assert rules == ["allocation", "ceiling", "line", "period", "reference"]


def test_violation_json_shape(tmp_path):
    path = write_ledger(tmp_path / "bad.toml", [draft(700_000, county="01")])
    result = check(path, "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["entries"] == 1
    (violation,) = doc["violations"]
    assert violation == {"rule": "allocation", "entry": 1, "line": violation["line"], "message": violation["message"]}
    assert "100 000 kr over its allocation of 600 000 kr" in violation["message"]


def test_canonical_form_is_documented_json():
    """The README's recipe: sorted keys, no spaces, UTF-8, dates as text, prev added."""
    import datetime

    table = {"id": 1, "kind": "disbursement", "date": datetime.date(2019, 3, 1), "year": 2019, "line": "rss", "county": "01",
             "amount": 600000, "reference": "R-1", "note": "ä \"q\"", "hash": "x"}
    expected = ('{"amount":600000,"county":"01","date":"2019-03-01","id":1,"kind":"disbursement","line":"rss",'
                '"note":"ä \\"q\\"","prev":"' + GENESIS + '","reference":"R-1","year":2019}').encode("utf-8")
    assert canonical_form(table, GENESIS) == expected
    assert entry_hash(table, GENESIS) == hashlib.sha256(expected).hexdigest()


def test_totals_are_net_of_repayments_and_reversals(tmp_path):
    path = write_ledger(tmp_path / "l.toml", [draft(300_000, county="05"), draft(50_000, county="05", kind="repayment"), draft(10, county="05", reference="R"), draft(10, county="05", kind="reversal", reverses=3)])
    audit = Audit(read(path), terms(), net_totals(read(path).entries, terms()))
    totals = audit.totals[2019]
    assert totals.counties == {"05": 250_000} and totals.pots == {"kvinnofrid": 250_000} and totals.total == 250_000
