"""Killed and failing writers: all of a batch or none of it, whatever instant the kill lands at;
a torn tail reported with its intact entries and cut by `ledger repair`; `init` all or nothing."""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal

import pytest

from conftest import assert_one_line_error, run, run_script
from kvinnofrid_ledger.journal import journal_path
from ledgerkit import draft, write_ledger

ROWS = 400


@pytest.fixture
def setup(tmp_path):
    """A ledger of 3 entries and a CSV of ROWS more; the size of the batch the import appends."""
    ledger = write_ledger(tmp_path / "ledger.toml", [draft(1000, county="01", reference=f"R-{n}") for n in range(3)])
    lines = ["kind,date,year,line,recipient,amount,reference,note"]
    lines += [f"disbursement,2019-05-01,2019,uppfoljning,Mottagare {n},1000,I-{n},rad {n} åäö" for n in range(ROWS)]
    batch = tmp_path / "batch.csv"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    probe = tmp_path / "probe.toml"
    shutil.copy(ledger, probe)
    assert run("import", batch, "--ledger", probe).exit_code == 0
    return ledger, batch, probe.stat().st_size - ledger.stat().st_size


def killed_import(ledger, batch, stage: str):
    result = run_script("import", batch, "--ledger", ledger, cwd=ledger.parent, env={"KVINNOFRID_LEDGER_TEST_KILL": stage})
    assert result.exit_code == -signal.SIGKILL, result
    return result


def test_import_killed_at_30_random_instants_of_its_write_leaves_all_or_nothing(setup):
    ledger, batch, size = setup
    original = ledger.read_bytes()
    rng = random.Random(8)
    instants = sorted(rng.sample(range(1, size), 28)) + [0, size]  # the first and last byte too
    for k in instants:
        killed_import(ledger, batch, f"append:{k}")
        on_disk = ledger.read_bytes()
        assert on_disk.startswith(original) and len(on_disk) == len(original) + k  # the kill hit mid-write
        check = run("check", "--ledger", ledger)
        if k:  # part of a batch is on disk: check never passes it, and says what to run
            assert check.exit_code == 1 and "unfinished batch" in check.stdout and "ledger repair" in check.stdout, (k, check)
            assert "ok:" not in check.stdout
            assert ": 3 entries" in check.stdout or "in 3 entries" in check.stdout
        else:
            assert check.exit_code == 0, check
        listed = run("list", "--format", "json", "--ledger", ledger)
        assert len(listed.json()["entries"]) == 3  # readers see only the committed entries
        exported = run("export", "--ledger", ledger)
        assert exported.exit_code == (1 if k else 0), exported
        record = ("record", "--ledger", ledger, "--date", "2019-03-01", "--line", "rss", "--county", "03", "--amount", "1")
        dry = run(*record, "--dry-run")  # a dry run changes nothing, and validates the committed entries
        assert dry.exit_code == 0 and "would record entry 4" in dry.stdout and len(ledger.read_bytes()) == len(original) + k
        if k % 2:  # either way back: `ledger repair`, or simply the next writer
            assert run("repair", "--ledger", ledger).exit_code == 0
            assert ledger.read_bytes() == original, k
        else:
            assert run(*record).exit_code == 0
            after = ledger.read_bytes()
            assert after.startswith(original) and after.count(b"[[entry]]") == 4, k
            ledger.write_bytes(original)
        assert not os.path.exists(journal_path(ledger))
        assert run("check", "--ledger", ledger).exit_code == 0
    result = run("import", batch, "--ledger", ledger)
    assert result.exit_code == 0 and run("check", "--ledger", ledger).exit_code == 0
    assert len(run("list", "--format", "json", "--ledger", ledger).json()["entries"]) == 3 + ROWS


@pytest.mark.parametrize("stage", ["journal-write:20", "journal", "appended"])
def test_import_killed_before_or_after_its_append_commits_nothing(setup, stage):
    """Killed while writing the journal, after it, or after the whole batch was written but
    before the journal was removed (the commit): nothing is recorded."""
    ledger, batch, size = setup
    original = ledger.read_bytes()
    killed_import(ledger, batch, stage)
    check = run("check", "--ledger", ledger)
    if stage == "appended":
        assert len(ledger.read_bytes()) == len(original) + size
        assert check.exit_code == 1 and "unfinished batch" in check.stdout
    else:
        assert ledger.read_bytes() == original and check.exit_code == 0
    assert run("import", batch, "--ledger", ledger).exit_code == 0
    assert run("check", "--ledger", ledger).exit_code == 0
    assert not os.path.exists(journal_path(ledger))


def test_a_record_killed_mid_write_is_rolled_back_too(setup):
    ledger, _batch, _size = setup
    original = ledger.read_bytes()
    result = run_script("record", "--ledger", ledger, "--date", "2019-03-01", "--line", "rss", "--county", "03",
                        "--amount", "5", "--reference", "X-1", cwd=ledger.parent, env={"KVINNOFRID_LEDGER_TEST_KILL": "append:100"})
    assert result.exit_code == -signal.SIGKILL
    assert run("check", "--ledger", ledger).exit_code == 1
    assert run("reverse", "1", "--reason", "fel", "--ledger", ledger).exit_code == 0
    text = ledger.read_text(encoding="utf-8")
    assert text.startswith(original.decode()) and "X-1" not in text and run("check", "--ledger", ledger).exit_code == 0


def test_a_journal_that_does_not_match_the_ledger_is_never_rolled_back(setup):
    ledger, batch, _size = setup
    killed_import(ledger, batch, "append:500")
    data = ledger.read_bytes()
    ledger.write_bytes(data.replace(b"amount = 1000", b"amount = 1001", 1))  # edited since
    before = ledger.read_bytes()
    assert_one_line_error(run("repair", "--ledger", ledger), 2, "does not match", "nothing was changed")
    assert_one_line_error(run("record", "--ledger", ledger, "--date", "2019-03-01", "--line", "rss", "--county", "03",
                              "--amount", "1"), 2, "does not match")
    assert ledger.read_bytes() == before
    assert run("check", "--ledger", ledger).exit_code == 1


def test_a_full_disk_during_the_append_writes_nothing(setup, monkeypatch):
    """ENOSPC raised by write() itself (the write starts on a page boundary), not a short write."""
    ledger, batch, _size = setup
    original = ledger.read_bytes()
    real_write = os.write

    def full(fd, data):
        if bytes(data[:10]) == b"\n[[entry]]":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    assert_one_line_error(run("import", batch, "--ledger", ledger), 2, "No space left on device", "nothing was recorded")
    assert_one_line_error(run("record", "--ledger", ledger, "--date", "2019-03-01", "--line", "rss", "--county", "03",
                              "--amount", "1"), 2, "No space left on device")
    assert ledger.read_bytes() == original and not os.path.exists(journal_path(ledger))


def test_a_short_write_is_taken_back(setup, monkeypatch):
    ledger, batch, _size = setup
    original = ledger.read_bytes()
    real_write = os.write
    calls = []

    def short(fd, data):
        if bytes(data[:10]) == b"\n[[entry]]" or calls:
            calls.append(1)
            return real_write(fd, data[:100]) if len(calls) == 1 else 0
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", short)
    assert_one_line_error(run("import", batch, "--ledger", ledger), 2, "nothing was recorded")
    assert ledger.read_bytes() == original


# --- a torn tail (a write cut short without the journal: a power loss, an older version) ---------


@pytest.fixture
def torn(tmp_path):
    ledger = write_ledger(tmp_path / "ledger.toml", [draft(1000 + n, county="01", reference=f"T-{n}") for n in range(5)])
    whole = ledger.read_bytes()
    cut = whole.rindex(b"\n[[entry]]") + 60  # in the middle of the fifth entry
    ledger.write_bytes(whole[:cut])
    return ledger, whole[:whole.rindex(b"\n[[entry]]")], whole[cut - 60:cut]


def test_check_and_list_report_the_intact_entries_and_where_the_tear_begins(torn):
    ledger, intact, _fragment = torn
    check = run("check", "--ledger", ledger)
    assert check.exit_code == 1
    assert "incomplete entry" in check.stdout and "the 4 entries before it are intact" in check.stdout
    assert "in 4 entries" in check.stdout and "head none" not in check.stdout
    tear_line = intact.count(b"\n") + 1
    assert f"{ledger}:{tear_line}:" in check.stdout  # the line where the tear begins
    listed = run("list", "--format", "json", "--ledger", ledger)
    assert listed.exit_code == 1 and [e["id"] for e in listed.json()["entries"]] == [1, 2, 3, 4]
    assert "warning:" in listed.stderr and "incomplete entry" in listed.stderr


def test_repair_cuts_only_the_torn_fragment_and_keeps_a_copy(torn):
    ledger, intact, fragment = torn
    torn_bytes = ledger.read_bytes()
    dry = run("repair", "--dry-run", "--ledger", ledger)
    assert dry.exit_code == 0 and "would cut" in dry.stderr and ledger.read_bytes() == torn_bytes
    assert list(ledger.parent.glob("ledger.toml.torn-*")) == []
    done = run("repair", "--ledger", ledger)
    assert done.exit_code == 0, done
    assert ledger.read_bytes() == intact
    (copy,) = ledger.parent.glob("ledger.toml.torn-*")
    assert copy.read_bytes() == fragment and intact + fragment == torn_bytes
    assert run("check", "--ledger", ledger).exit_code == 0
    again = run("repair", "--ledger", ledger)
    assert again.exit_code == 0 and "nothing to repair" in again.stderr and ledger.read_bytes() == intact


@pytest.mark.parametrize("damage", ["edited entry", "edited tail", "comment at the end", "garbage in the middle"])
def test_repair_refuses_anything_but_a_torn_tail(tmp_path, damage):
    ledger = write_ledger(tmp_path / "ledger.toml", [draft(1000 + n, county="01", reference=f"T-{n}") for n in range(4)])
    text = ledger.read_text(encoding="utf-8")
    if damage == "edited entry":
        text = text.replace("amount = 1001", "amount = 9001")
    elif damage == "edited tail":  # a complete last entry with a changed hash is evidence, not a tear
        text = text[:-3] + 'f"\n'
    elif damage == "comment at the end":
        text += "\nnot = toml at all [\n"
    else:
        text = text.replace("[[entry]]\nid = 2", "[[entry]\nid = 2")
    ledger.write_text(text, encoding="utf-8")
    before = ledger.read_bytes()
    assert_one_line_error(run("repair", "--ledger", ledger), 1, "nothing was changed")
    assert ledger.read_bytes() == before and list(tmp_path.glob("ledger.toml.torn-*")) == []


def test_repair_of_a_torn_tail_after_a_damaged_entry_is_refused(torn):
    ledger, _intact, _fragment = torn
    ledger.write_bytes(ledger.read_bytes().replace(b"amount = 1001", b"amount = 1009"))
    before = ledger.read_bytes()
    assert_one_line_error(run("repair", "--ledger", ledger), 1, "nothing was changed")
    assert ledger.read_bytes() == before


# --- init -----------------------------------------------------------------------------------------


def test_init_on_a_full_disk_leaves_nothing_and_can_be_run_again(tmp_path, monkeypatch):
    real_write = os.write
    calls = []

    def third_fails(fd, data):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    target = tmp_path / "new" / "folder"
    monkeypatch.setattr(os, "write", third_fails)
    assert_one_line_error(run("init", target), 2, "No space left on device", "nothing was written")
    assert not (tmp_path / "new").exists()
    existing = tmp_path / "existing"
    existing.mkdir()
    calls.clear()
    assert_one_line_error(run("init", existing), 2, "No space left on device")
    assert list(existing.iterdir()) == []
    monkeypatch.setattr(os, "write", real_write)
    assert run("init", target).exit_code == 0
    assert sorted(p.name for p in target.iterdir()) == ["agreement.toml", "books.toml", "counties.toml", "ledger.toml"]
    assert run("check", "--ledger", target / "ledger.toml").exit_code == 0


def test_a_cut_at_every_byte_is_read_as_its_intact_entries_and_repaired_to_them(tmp_path):
    """Exhaustive over every cut point of a ledger: the entries read are exactly those wholly
    before the cut; the file is clean exactly when the cut falls between entries; otherwise one
    problem says where the tear begins, and repair leaves exactly the intact entries."""
    from kvinnofrid_ledger.ledger import parse_ledger
    from kvinnofrid_ledger.ledger_text import LEDGER_HEADER
    from kvinnofrid_ledger.repair import repair_ledger
    from kvinnofrid_ledger.terms import load_terms

    source = write_ledger(tmp_path / "source.toml", [
        draft(1000, county="01", reference="C-1", note="å \\ \" \t"),
        draft(2000, line="skola", recipient="Malmö stad", reference="C-2"),
        draft(1000, county="01", kind="reversal", reverses=1, reference="C-1", note="fel"),
    ])
    data = source.read_bytes()
    ends = [len(LEDGER_HEADER.encode())]  # where each entry is complete: its hash line's closing quote
    position = data.find(b"\nhash = ")
    while position >= 0:
        ends.append(data.index(b"\n", position + 1))
        position = data.find(b"\nhash = ", position + 1)
    terms = load_terms()
    target = tmp_path / "ledger.toml"
    for k in range(ends[0], len(data) + 1):
        intact = max(n for n, end in enumerate(ends) if end <= k)
        ledger = parse_ledger(data[:k], "cut")
        assert ledger.count == intact, k
        clean = data[ends[intact]:k].strip(b"\n") == b""
        if clean:
            assert ledger.problems == (), k
        else:
            (problem,) = ledger.problems
            assert problem.rule == "syntax" and "incomplete entry" in problem.message, (k, problem)
        if k % 7 == 0:
            target.write_bytes(data[:k])
            done = repair_ledger(target, terms)
            assert (done.what is None) == clean, k
            kept = target.read_bytes()
            if clean:
                assert kept == data[:k], k
            else:  # the intact entries, and at most the blank lines that followed them
                assert kept.startswith(data[:ends[intact]]) and kept[ends[intact]:].strip(b"\n") == b"", k
                assert parse_ledger(kept, "kept").problems == () and parse_ledger(kept, "kept").count == intact
    for copy in tmp_path.glob("ledger.toml.torn-*"):
        copy.unlink()


def test_report_of_a_torn_ledger_is_written_with_the_failure_at_its_top_and_exits_1_as_status_does(torn, tmp_path):
    ledger, _intact, _fragment = torn
    out = tmp_path / "r.html"
    report = run("report", "--output", out, "--ledger", ledger)
    assert report.exit_code == 1 == run("status", "--ledger", ledger).exit_code, report
    assert "Traceback" not in report.stderr and "warning:" in report.stderr
    html = out.read_text(encoding="utf-8")
    verdict = html[html.index('<section id="verdict" class="failed">'):]
    assert "incomplete entry" in verdict[: verdict.index("</section>")]  # the failure at its top
