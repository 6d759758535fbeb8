"""Concurrent writers, killed writers, and user text that tries to act on a terminal."""

from __future__ import annotations

import json
import os
import pty
import random
import signal
import subprocess
import sys
import time

from conftest import BIN, run, run_script
from kvinnofrid_ledger.checks import run_checks
from kvinnofrid_ledger.ledger import read_ledger
from kvinnofrid_ledger.terms import load_terms


def test_eight_processes_recording_at_once(tmp_path):
    assert run("init", tmp_path).exit_code == 0
    ledger = tmp_path / "ledger.toml"
    script = str(BIN / "ledger")
    procs = []
    for worker in range(8):
        commands = " && ".join(
            f"{script} record --ledger {ledger} --date 2019-05-0{n + 1} --line samverkan --recipient W{worker} --amount 1000 --reference W{worker}-{n}"
            for n in range(5)
        )
        procs.append(subprocess.Popen(["sh", "-c", commands], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert out.count("recorded entry") == 5
    book = read_ledger(ledger)
    assert [entry.id for entry in book.entries] == list(range(2, 42))  # entry 1 pins the terms
    assert sorted(entry.reference for entry in book.entries) == sorted(f"W{w}-{n}" for w in range(8) for n in range(5))
    assert run_checks(book, load_terms()) == []
    assert run("check", "--ledger", ledger).exit_code == 0


WRITER = """
import datetime, sys
from kvinnofrid_ledger.record import Draft, append_drafts
from kvinnofrid_ledger.terms import load_terms
terms = load_terms()
path, start = sys.argv[1], int(sys.argv[2])
for n in range(start, start + 100000):
    draft = Draft(kind="disbursement", date=datetime.date(2019, 5, 1), year=2019, line="uppfoljning",
                  amount=1, reference=f"K-{n}", recipient="SKL")
    append_drafts(path, terms, lambda _l: [draft])
    print(f"K-{n}", flush=True)   # only after the append was fsync'd
"""


def test_killing_a_writer_at_any_instant_leaves_a_clean_ledger(tmp_path):
    assert run("init", tmp_path).exit_code == 0
    ledger = tmp_path / "ledger.toml"
    reported: list[str] = []
    rng = random.Random(7)
    for round_ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(ledger), str(round_ * 100000)], stdout=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.3, 1.2))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        reported += out.split()
        book = read_ledger(ledger)
        problems = run_checks(book, load_terms())
        # killed between its append and its commit: the batch is reported, never passed as clean
        assert all("unfinished batch" in problem.message for problem in problems), f"round {round_}"
        if problems:
            assert run("repair", "--ledger", ledger).exit_code == 0
            book = read_ledger(ledger)
            assert run_checks(book, load_terms()) == [], f"round {round_}"
        references = {entry.reference for entry in book.entries}
        assert set(reported) <= references, "an entry reported as recorded is missing"
    assert len(reported) > 0


HOSTILE_NOTE = "[bold red]alarm[/] \x1b[2J\x07 \u202eevil\u202c done"
HOSTILE_REFERENCE = "[link=https://example.invalid]click[/link]"


def test_user_text_is_never_markup_nor_control_codes(tmp_path):
    assert run("init", tmp_path).exit_code == 0
    ledger = tmp_path / "ledger.toml"
    result = run("record", "--ledger", ledger, "--date", "2019-03-01", "--line", "skola", "--recipient", "Skola [i]x[/i]",
                 "--amount", "5", "--note", HOSTILE_NOTE, "--reference", HOSTILE_REFERENCE)
    assert result.exit_code == 0, result
    assert read_ledger(ledger).entries[0].note == HOSTILE_NOTE  # kept exactly as typed
    listing = run("list", "--ledger", ledger)
    assert "[bold red]alarm[/]" in listing.stdout and HOSTILE_REFERENCE in listing.stdout and "Skola [i]x[/i]" in listing.stdout
    assert "\\x1b[2J\\x07" in listing.stdout and "\\u202eevil" in listing.stdout
    assert "\x1b" not in listing.stdout and "\x07" not in listing.stdout and "\u202e" not in listing.stdout
    as_json = json.loads(run("list", "--ledger", ledger, "--format", "json").stdout)
    assert as_json["entries"][0]["note"] == HOSTILE_NOTE
    # a refusal that quotes the reference is made inert too
    again = run("record", "--ledger", ledger, "--date", "2019-03-01", "--line", "skola", "--recipient", "x", "--amount", "5",
                "--reference", HOSTILE_REFERENCE)
    assert again.exit_code == 1 and HOSTILE_REFERENCE in again.stderr


def on_a_terminal(args: list[str], env: dict[str, str], cwd) -> str:
    """What `ledger ARGS` writes when its stdout and stderr are a terminal (a pseudo-terminal)."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([str(BIN / "ledger"), *args], stdout=secondary, stderr=secondary, env=env, cwd=cwd)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closes when the program ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(primary)
    return b"".join(chunks).decode("utf-8", "replace")


def test_on_a_real_terminal_user_text_is_still_inert(tmp_path):
    assert run("init", tmp_path).exit_code == 0
    ledger = tmp_path / "ledger.toml"
    assert run("record", "--ledger", ledger, "--date", "2019-03-01", "--line", "skola", "--recipient", "x", "--amount", "5", "--note", HOSTILE_NOTE).exit_code == 0
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(COLUMNS="250", TERM="xterm-256color")
    screen = on_a_terminal(["list", "--ledger", str(ledger)], env, tmp_path)
    assert "[bold red]alarm[/]" in screen
    assert "\x1b[2J" not in screen and "\x07" not in screen and "\u202e" not in screen
    assert "\\x1b[2J" in screen


def test_no_color_on_a_terminal_means_no_escape_codes(tmp_path):
    env = {k: v for k, v in os.environ.items()}
    env.update(NO_COLOR="1", TERM="xterm-256color")
    screen = on_a_terminal(["allocate", "2019"], env, tmp_path)
    assert "9 000 000" in screen and "\x1b" not in screen


def test_record_check_list_reverse_as_installed_scripts(tmp_path):
    assert run_script("init", ".", cwd=tmp_path).exit_code == 0
    first = run_script("record", "--date", "2019-03-01", "--line", "rss", "--county", "Skåne", "--amount", "600 000", "--format", "json", cwd=tmp_path)
    assert first.exit_code == 0, first
    head = json.loads(first.stdout)["hash"]
    assert run_script("reverse", "2", "--reason", "test", cwd=tmp_path).exit_code == 0
    check = run_script("check", "--expect-head", head, cwd=tmp_path)
    assert check.exit_code == 0 and "ok: 3 entries" in check.stdout
    listing = run_script("list", "--format", "json", cwd=tmp_path)
    assert [e["amount"] for e in json.loads(listing.stdout)["entries"]] == [600_000, -600_000]


def test_json_carries_hostile_text_exactly_but_inert(tmp_path):
    assert run("init", tmp_path).exit_code == 0
    ledger = tmp_path / "ledger.toml"
    note = HOSTILE_NOTE + " \x7f \x9b31m \u2028"
    assert run("record", "--ledger", ledger, "--date", "2019-03-01", "--line", "skola", "--recipient", "x", "--amount", "5", "--note", note).exit_code == 0
    for args in (["export", "--format", "json"], ["list", "--format", "json"]):
        out = run(*args, "--ledger", ledger).stdout
        assert json.loads(out)["entries"][0]["note"] == note  # the same value ...
        assert not any(c in out for c in "\x1b\x07\x7f\x9b\u202e\u2028")  # ... written inertly


def test_csv_is_exact_in_a_pipe_and_inert_on_a_terminal(tmp_path):
    assert run("init", tmp_path).exit_code == 0
    ledger = tmp_path / "ledger.toml"
    assert run("record", "--ledger", ledger, "--date", "2019-03-01", "--line", "skola", "--recipient", "x", "--amount", "5", "--note", HOSTILE_NOTE).exit_code == 0
    piped = run("export", "--ledger", ledger).stdout
    assert HOSTILE_NOTE in piped  # a file or a pipe gets the exact text, for the round trip
    screen = on_a_terminal(["export", "--ledger", str(ledger)], dict(os.environ), tmp_path)
    assert "\x1b[2J" not in screen and "\x07" not in screen and "\u202e" not in screen
    assert "\\x1b[2J" in screen and "id,kind,date" in screen


def test_import_on_a_terminal_shows_progress_and_ends_cleanly(tmp_path):
    assert run("init", tmp_path).exit_code == 0
    rows = "".join(f"disbursement,2019-05-01,2019,samverkan,SKL,10,I-{n}\n" for n in range(300))
    (tmp_path / "batch.csv").write_text("kind,date,year,line,recipient,amount,reference\n" + rows, encoding="utf-8")
    screen = on_a_terminal(["import", "batch.csv", "--ledger", "ledger.toml"], dict(os.environ), tmp_path)
    assert "imported 300 entries" in screen
    assert run("check", "--ledger", tmp_path / "ledger.toml").exit_code == 0
