"""Time kvinnofrid-ledger against hledger, ledger-cli and beancount on equivalent ledgers.

    python benchmarks/run.py [--sizes 1000,10000,100000] [--repeat 5] [--no-peers] [--out FILE]

For each N, benchmarks/generate.py writes a valid ledger of N disbursements for this tool and the
equivalent hledger/ledger-cli journal and beancount file. The runner then times, interleaved
round by round (so that a slow moment of the machine hits every command alike), each command
as a whole process, the way a user or a CI script runs it:

  ours:   check, check of a hand-edited ledger (a comment added, so tomllib reads it), status
          --format json, export --format csv, list (the register as a table), record (one append
          onto the N-entry ledger, read and verified whole), import of N rows into an empty
          ledger, allocate 2019 --format json, --help
  peers:  hledger check, ledger-cli bal, bean-check

It prints a table of medians with the ratio of our `check` to each peer's, reports the peak RSS of
our `check`, and writes the same as JSON. Peers missing from the machine are installed (Debian's
hledger and ledger packages with apt-get, beancount from PyPI into a venv of its own) or skipped
with a line saying why. Timing lives here, never in the test suite.
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
        "check": ([ours, "check", "--ledger", str(ledger)], None),
        "check (hand-edited)": ([ours, "check", "--ledger", str(edited)], None),
        "status --format json": ([ours, "status", "--format", "json", "--ledger", str(ledger)], None),
        "export --format csv": ([ours, "export", "--format", "csv", "--ledger", str(ledger)], None),
        "list (table)": ([ours, "list", "--ledger", str(ledger)], None),
        "record": ([ours, *record], fresh_copy),
        "import N rows": ([ours, "import", str(folder / "ledger.csv"), "--ledger", str(empty)], empty_ledger),
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


def _env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KVINNOFRID_LEDGER")}
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


def table(results: list[dict]) -> str:
    names: list[str] = []
    for result in results:
        names += [name for name in result["median_seconds"] if name not in names]
    header = ["command"] + [f"N = {r['n']}" for r in results]
    rows = [header]
    for name in names:
        rows.append([name] + [f"{r['median_seconds'][name]:.3f} s" if name in r["median_seconds"] else "–" for r in results])
    for peer in ("hledger check", "ledger-cli bal", "bean-check"):
        if any(peer in r["median_seconds"] for r in results):
            rows.append([f"check ÷ {peer}"] + [
                f"{r['median_seconds']['check'] / r['median_seconds'][peer]:.2f}×" if peer in r["median_seconds"] else "–" for r in results
            ])
    rows.append(["peak RSS of check (median)"] + [f"{r['peak_rss_kib']['check'] / 1024:.0f} MiB" for r in results])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["| " + " | ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


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
    with tempfile.TemporaryDirectory(prefix="kvinnofrid-bench-") as temporary:
        root = args.work or Path(temporary)
        peers = {} if args.no_peers else find_or_install_peers(root)
        results = [run_size(n, root, peers, args.repeat) for n in sizes]
    report = {"machine": machine(), "repeat": args.repeat, "peers": peers, "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\nmedians of {args.repeat} interleaved rounds; {report['machine']['cpu']} ({report['machine']['cores']} cores), "
          f"Python {report['machine']['python']}; JSON in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
