"""Time kvinnofrid-ledger against hledger, ledger-cli and beancount on equivalent ledgers.

    python benchmarks/run.py [--sizes 1000,10000,100000] [--repeat 5] [--no-peers] [--out FILE]

For each N, benchmarks/generate.py writes a valid ledger of N disbursements for this tool and the
equivalent hledger/ledger-cli journal and beancount file. The runner then times, interleaved
round by round (so that a slow moment of the machine hits every command alike), each command
as a whole process, the way a user or a CI script runs it:

  floor:  python -c "import typer" (the interpreter and the CLI framework the design prescribes)
  ours:   check, check of a hand-edited ledger (a comment added, so tomllib reads it), status
          --format json, export --format csv, list (the register as a table), record (one append
          onto the N-entry ledger, read and verified whole), import of N rows into an empty
          ledger and check of its result, allocate 2019 --format json, --help
  peers:  hledger check, ledger-cli bal, bean-check

It prints a table of medians with the ratios the targets are stated in (issue 13: start-up within
1.25x of the floor, check within 2x of ledger-cli's bal at N = 100 000, import under 2x the check of
its result, and their peak RSS), then each target met or its gap with the measured cause: an
in-process split of the command's time (see `causes`). It writes the same as JSON. Peers
missing from the machine are installed (Debian's hledger and ledger packages with apt-get,
beancount from PyPI into a venv of its own) or skipped with a line saying why. Timing lives here, never in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- peers ---------------------------------------------------------------------------------------


def find_or_install_peers(work: Path) -> dict[str, str]:
    """Paths of hledger, ledger and bean-check; installs what is missing where it can."""
    found: dict[str, str] = {}
    missing = [name for name in ("hledger", "ledger") if peer_path(name) is None]
    if missing and shutil.which("apt-get"):
        say(f"installing {', '.join(missing)} with apt-get ...")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], env=env, capture_output=True)
    for name in ("hledger", "ledger"):
        path = peer_path(name)
        if path:
            found[name] = path
        else:
            say(f"skipping {name}: not installed, and apt-get could not install it")
    bean = shutil.which("bean-check")
    if bean is None:
        venv = work / "beancount-venv"
        say("installing beancount from PyPI into a venv of its own ...")
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True)
        if made.returncode == 0:
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "beancount"], capture_output=True)
        candidate = venv / "bin" / "bean-check"
        bean = str(candidate) if candidate.exists() else None
    if bean:
        found["bean-check"] = bean
    else:
        say("skipping bean-check: beancount could not be installed from PyPI")
    return found


def peer_path(name: str) -> str | None:
    """A peer's program on PATH, never this project's own `ledger` script from its venv."""
    return shutil.which(name, path=os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p).resolve() != BIN.resolve()))


# --- timing ------------------------------------------------------------------------------------


def timed(argv: list[str], env: dict[str, str], cwd: Path, prepare=None) -> tuple[float, int, int]:
    """Wall-clock seconds, exit status and peak RSS (KiB) of one run of argv."""
    if prepare:
        prepare()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(argv)}\n{err}")
    return elapsed, proc.returncode, usage.ru_maxrss


def plan(n: int, folder: Path, peers: dict[str, str]) -> dict[str, tuple[list[str], object]]:
    """The commands to time for one size, each with what must be set up (untimed) before it."""
    ours = str(BIN / "ledger")
    ledger = folder / "ledger.toml"
    work = folder / "work.toml"
    empty = folder / "empty.toml"
    cache = folder / "cache"

    def fresh_copy() -> None:
        shutil.copyfile(ledger, work)
        shutil.rmtree(cache, ignore_errors=True)
        os.sync()  # else record's fsync would also write out the 24 MB copy just made (untimed work)

    edited = folder / "edited.toml"
    edited.write_bytes(ledger.read_bytes() + b"\n# checked against the bank statement, 2020-01-15\n")

    def empty_ledger() -> None:
        empty.write_text("")

    record = ["record", "--ledger", str(work), "--date", "2019-06-02", "--line", "samverkan", "--recipient", "Benchmark", "--amount", "1"]
    commands: dict[str, tuple[list[str], object]] = {
        FLOOR: ([str(BIN / "python"), "-c", "import typer"], None),
        "check": ([ours, "check", "--ledger", str(ledger)], None),
        "check (hand-edited)": ([ours, "check", "--ledger", str(edited)], None),
        "status --format json": ([ours, "status", "--format", "json", "--ledger", str(ledger)], None),
        "export --format csv": ([ours, "export", "--format", "csv", "--ledger", str(ledger)], None),
        "list (table)": ([ours, "list", "--ledger", str(ledger)], None),
        "record": ([ours, *record], fresh_copy),
        "import N rows": ([ours, "import", str(folder / "ledger.csv"), "--ledger", str(empty)], empty_ledger),
        IMPORTED: ([ours, "check", "--ledger", str(empty)], None),  # runs right after the import: its result
        "allocate 2019 --format json": ([ours, "allocate", "2019", "--format", "json"], None),
        "--help": ([ours, "--help"], None),
    }
    if "hledger" in peers:
        commands["hledger check"] = ([peers["hledger"], "check", "-f", str(folder / "journal.ledger")], None)
    if "ledger" in peers:
        commands["ledger-cli bal"] = ([peers["ledger"], "-f", str(folder / "journal.ledger"), "bal"], None)
    if "bean-check" in peers:
        commands["bean-check"] = ([peers["bean-check"], str(folder / "ledger.beancount")], None)
    return commands


FLOOR = 'python -c "import typer"'
IMPORTED = "check of the import's result"
STARTUP = ("allocate 2019 --format json", "--help", "check", "status --format json", "export --format csv")


def _env(cache: Path) -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE would make every run compile the package from source (about 20 ms
    # more of start-up than an installed copy costs): a user's install has its bytecode.
    env = {k: v for k, v in os.environ.items() if not k.startswith("KVINNOFRID_LEDGER") and k != "PYTHONDONTWRITEBYTECODE"}
    env["KVINNOFRID_LEDGER_CACHE"] = str(cache)
    env["NO_COLOR"] = "1"
    return env


def run_size(n: int, root: Path, peers: dict[str, str], repeat: int) -> dict:
    folder = root / f"n{n}"
    say(f"N = {n}: generating the ledgers ...")
    # In a process of its own: a child's peak RSS (ru_maxrss) starts from what its parent held
    # when it was spawned, so the runner itself must stay small for the figures to be the child's.
    subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), str(folder)], check=True)
    commands = plan(n, folder, peers)
    env = _env(folder / "cache")
    # One untimed run of each first: the terms' validation marker and the OS page cache are warm,
    # as they are for a user on the second command of the day.
    for argv, prepare in commands.values():
        timed(argv, env, folder, prepare)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    rss: dict[str, list[int]] = {name: [] for name in commands}
    # The start-up ratios at N = 1 000 are of some 70 ms against 70 to 100 ms, on a machine where
    # one stray moment moves a run by 15 ms: three times the rounds there, where a round is cheap.
    repeat = repeat * 3 if n <= 1000 else repeat
    for round_ in range(repeat):
        for name, (argv, prepare) in commands.items():
            seconds, _, peak = timed(argv, env, folder, prepare)
            samples[name].append(seconds)
            rss[name].append(peak)
        say(f"N = {n}: round {round_ + 1} of {repeat} done")
    return {
        "n": n,
        "ledger_bytes": (folder / "ledger.toml").stat().st_size,
        "median_seconds": {name: statistics.median(values) for name, values in samples.items()},
        "samples": samples,
        "peak_rss_kib": {name: statistics.median(values) for name, values in rss.items()},
        "peak_rss_kib_samples": rss,
    }


# --- report ------------------------------------------------------------------------------------

# The targets of issue 13, each as a ratio of two medians measured in the same interleaved run.
STARTUP_LIMIT = 1.25  # each start-up bound command at N = 1 000, against the floor
CHECK_LIMIT = 2.0  # check at N = 100 000, against ledger-cli's bal on the equivalent journal
IMPORT_LIMIT = 2.0  # import of N = 100 000 rows, against the check of its result
CHECK_RSS_MIB, IMPORT_RSS_MIB = 200, 500


def ratio(result: dict, name: str, base: str) -> float | None:
    medians = result["median_seconds"]
    return medians[name] / medians[base] if name in medians and base in medians else None


def table(results: list[dict]) -> str:
    names: list[str] = []
    for result in results:
        names += [name for name in result["median_seconds"] if name not in names]
    header = ["command"] + [f"N = {r['n']}" for r in results]
    rows = [header]
    for name in names:
        rows.append([name] + [f"{r['median_seconds'][name]:.3f} s" if name in r["median_seconds"] else "–" for r in results])

    def ratio_row(label: str, name: str, base: str) -> None:
        cells = [ratio(r, name, base) for r in results]
        if any(cell is not None for cell in cells):
            rows.append([label] + [f"{cell:.2f}×" if cell is not None else "–" for cell in cells])

    for name in STARTUP:
        ratio_row(f"{name} ÷ import typer", name, FLOOR)
    for name in STARTUP:
        ratio_row(f"{name} ÷ hledger check", name, "hledger check")
    for peer in ("ledger-cli bal", "bean-check"):
        ratio_row(f"check ÷ {peer}", "check", peer)
    ratio_row("import N rows ÷ check of its result", "import N rows", IMPORTED)
    for name in ("check", "import N rows"):
        rows.append([f"peak RSS of {name} (median)"] + [f"{r['peak_rss_kib'][name] / 1024:.0f} MiB" for r in results])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["| " + " | ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def targets(results: list[dict], causes: dict[str, str]) -> list[str]:
    """One line per target: met, or the gap and what it is made of."""
    by_n = {r["n"]: r for r in results}
    small = by_n.get(1000) or results[0]
    lines = []
    for name in STARTUP:
        value = ratio(small, name, FLOOR)
        if value is None:
            continue
        verdict = "met" if value <= STARTUP_LIMIT else f"NOT MET, gap {1000 * (small['median_seconds'][name] - STARTUP_LIMIT * small['median_seconds'][FLOOR]):.0f} ms"
        hledger = ratio(small, name, "hledger check")
        also = f"; {hledger:.2f}× hledger check" if hledger is not None else ""
        lines.append(f"{name} at N = {small['n']}: {value:.2f}× import typer (target ≤ {STARTUP_LIMIT}×{also}): {verdict}")
        if value > STARTUP_LIMIT and name in causes:
            lines.append(f"    cause: {causes[name]}")
    large = by_n.get(100000)
    if large is None:
        lines.append("check and import at N = 100 000: not measured (run with --sizes including 100000)")
        return lines
    value = ratio(large, "check", "ledger-cli bal")
    rss = large["peak_rss_kib"]["check"] / 1024
    if value is None:
        lines.append("check at N = 100 000 ÷ ledger-cli bal: not measured (ledger-cli missing)")
    else:
        verdict = "met" if value <= CHECK_LIMIT else "NOT MET"
        lines.append(f"check at N = 100 000: {value:.2f}× ledger-cli bal (target ≤ {CHECK_LIMIT}×): {verdict}")
        if value > CHECK_LIMIT and "check-100000" in causes:
            lines.append(f"    cause: {causes['check-100000']}")
    lines.append(f"peak RSS of check at N = 100 000: {rss:.0f} MiB (target < {CHECK_RSS_MIB}): {'met' if rss < CHECK_RSS_MIB else 'NOT MET'}")
    value = ratio(large, "import N rows", IMPORTED)
    rss = large["peak_rss_kib"]["import N rows"] / 1024
    lines.append(f"import of 100 000 rows: {value:.2f}× the check of its result (target < {IMPORT_LIMIT}×): {'met' if value < IMPORT_LIMIT else 'NOT MET'}")
    if value >= IMPORT_LIMIT and "import-100000" in causes:
        lines.append(f"    cause: {causes['import-100000']}")
    lines.append(f"peak RSS of import of 100 000 rows: {rss:.0f} MiB (target < {IMPORT_RSS_MIB}): {'met' if rss < IMPORT_RSS_MIB else 'NOT MET'}")
    return lines


# --- causes: where a command's time goes, measured in-process ---------------------------------------

STARTUP_PROBE = r"""
import io, sys, time
argv = sys.argv[1:]
t0 = time.perf_counter()
import typer
t1 = time.perf_counter()
from kvinnofrid_ledger import cli
t2 = time.perf_counter()
command = typer.main.get_command(cli.app_for(argv[:1]))  # as cli.main: the named command alone
t3 = time.perf_counter()
runs = []
for _ in range(2):  # the first run imports what the command needs; the second is the work alone
    stdout, sys.stdout = sys.stdout, io.StringIO()
    start = time.perf_counter()
    try:
        command.main(args=argv, prog_name="ledger", standalone_mode=False)
    except SystemExit:
        pass
    runs.append(time.perf_counter() - start)
    sys.stdout = stdout
print(t1 - t0, t2 - t1, t3 - t2, runs[0] - runs[1], runs[1])
"""

CHECK_PROBE = r"""
import sys, time
from kvinnofrid_ledger import checks
from kvinnofrid_ledger.ledger import read_ledger
from kvinnofrid_ledger.terms import load_terms
terms = load_terms()
t0 = time.perf_counter()
book = read_ledger(sys.argv[1])
t1 = time.perf_counter()
audit = checks.Audit(book, terms, checks.net_totals(book.entries, terms))
t2 = time.perf_counter()
checks.check_chain(audit)
t3 = time.perf_counter()
for rule in checks.RULES:
    if rule is not checks.check_chain:
        rule(audit)
t4 = time.perf_counter()
print(t1 - t0, t3 - t2, t4 - t3 + t2 - t1)
"""


IMPORT_PROBE = r"""
import sys, time
from kvinnofrid_ledger.terms import load_terms
from kvinnofrid_ledger.importing import import_file
terms = load_terms()
marks = []
import_file(sys.argv[2], terms, sys.argv[1], progress=lambda step: marks.append((step, time.perf_counter())))
marks.append(("end", time.perf_counter()))
print(" ".join(f"{b[1] - a[1]:.3f}" for a, b in zip(marks, marks[1:])))
print("|".join(step for step, _ in marks[:-1]))
"""


def _probe(code: str, args: list[str], env: dict[str, str], cwd: Path, rounds: int) -> list[float]:
    """Medians, over `rounds` runs, of the seconds a probe prints."""
    runs = []
    for _ in range(rounds):
        out = subprocess.run([str(BIN / "python"), "-c", code, *args], env=env, cwd=cwd, capture_output=True, text=True, check=True)
        runs.append([float(x) for x in out.stdout.splitlines()[0].split()])
    return [statistics.median(column) for column in zip(*runs)]


def _import_steps(folder: Path, env: dict[str, str], rounds: int) -> str:
    """Where an import's time goes, step by step (the steps it reports to its progress bar)."""
    empty = folder / "probe-import.toml"
    runs, names = [], []
    for _ in range(rounds):
        empty.write_text("")
        out = subprocess.run([str(BIN / "python"), "-c", IMPORT_PROBE, "ledger.csv", str(empty)], env=env, cwd=folder,
                             capture_output=True, text=True, check=True)
        seconds, names = out.stdout.splitlines()
        runs.append([float(x) for x in seconds.split()])
    empty.unlink()
    medians = [statistics.median(column) for column in zip(*runs)]
    return ", ".join(f"{name} {value:.2f} s" for name, value in zip(names.split("|"), medians))


def causes(results: list[dict], root: Path, rounds: int) -> dict[str, str]:
    """For each target not met, what its time is made of (medians of in-process timings)."""
    found: dict[str, str] = {}
    by_n = {r["n"]: r for r in results}
    small = by_n.get(1000) or results[0]
    folder = root / f"n{small['n']}"
    env = _env(folder / "cache")
    argv = {
        "allocate 2019 --format json": ["allocate", "2019", "--format", "json"],
        "--help": ["--help"],
        "check": ["check", "--ledger", "ledger.toml"],
        "status --format json": ["status", "--format", "json", "--ledger", "ledger.toml"],
        "export --format csv": ["export", "--format", "csv", "--ledger", "ledger.toml"],
    }
    for name, args in argv.items():
        value = ratio(small, name, FLOOR)
        if value is None or value <= STARTUP_LIMIT:
            continue
        typer_import, cli_import, build, lazy, work = _probe(STARTUP_PROBE, args, env, folder, rounds)
        found[name] = (
            f"in-process, {1000 * typer_import:.0f} ms importing typer (the floor's), then "
            f"{1000 * cli_import:.1f} ms importing cli.py, {1000 * build:.1f} ms typer building the commands' "
            f"click objects (the named command's alone), {1000 * lazy:.1f} ms importing what the command needs "
            f"on its first run (first run − second), {1000 * work:.1f} ms the command's own work (second run)"
        )
    large = by_n.get(100000)
    if large is not None:
        folder = root / "n100000"
        env = _env(folder / "cache")
        if (ratio(large, "check", "ledger-cli bal") or 0) > CHECK_LIMIT:
            read, chain, rules = _probe(CHECK_PROBE, ["ledger.toml"], env, folder, rounds)
            found["check-100000"] = (
                f"reading and building the entries {read:.2f} s, hashing the chain {chain:.2f} s, every other rule "
                f"{rules:.2f} s (in-process); ledger-cli parses a journal with no hash chain and no rules in C++"
            )
        if ratio(large, "import N rows", IMPORTED) >= IMPORT_LIMIT:
            found["import-100000"] = f"in-process, by step: {_import_steps(folder, env, rounds)}"
    return found


def machine() -> dict[str, str]:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"python": platform.python_version(), "platform": platform.platform(), "cpu": cpu, "cores": str(os.cpu_count())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated N")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds per size (default 5)")
    parser.add_argument("--no-peers", action="store_true", help="time this tool only")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "results.json", help="where to write the JSON")
    parser.add_argument("--work", type=Path, default=None, help="folder for the generated ledgers (default: a temporary one)")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    compile_package()
    with tempfile.TemporaryDirectory(prefix="kvinnofrid-bench-") as temporary:
        root = args.work or Path(temporary)
        peers = {} if args.no_peers else find_or_install_peers(root)
        results = [run_size(n, root, peers, args.repeat) for n in sizes]
        say("measuring what the gaps are made of ...")
        found = causes(results, root, max(3, args.repeat))
    verdicts = targets(results, found)
    report = {"machine": machine(), "repeat": args.repeat, "peers": peers, "results": results, "targets": verdicts, "causes": found}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\nmedians of {args.repeat} interleaved rounds ({3 * args.repeat} at N ≤ 1 000); {report['machine']['cpu']} ({report['machine']['cores']} cores), "
          f"Python {report['machine']['python']}; JSON in {args.out}\n")
    print("\n".join(verdicts))
    return 0


def compile_package() -> None:
    """Byte-compile the package as `pip install` does, so that no timed run compiles it."""
    subprocess.run(
        [str(BIN / "python"), "-c", "import compileall, os, kvinnofrid_ledger as k; compileall.compile_dir(os.path.dirname(k.__file__), quiet=1)"],
        check=True, env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    )


if __name__ == "__main__":
    raise SystemExit(main())
