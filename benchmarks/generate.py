"""Write equivalent ledgers of N disbursements for kvinnofrid-ledger, hledger/ledger-cli and beancount.

    python benchmarks/generate.py N OUTDIR

writes OUTDIR/ledger.toml (through the library, with a correct hash chain, passing `ledger check`;
its first entry pins the shipped terms, as `ledger init` writes it),
OUTDIR/ledger.csv (the same entries as `ledger import` takes them), OUTDIR/journal.ledger (for hledger
and ledger-cli) and OUTDIR/ledger.beancount. One transaction per disbursement, spread over the 21
counties and the other budget lines, 2018–2020, each small enough that no ceiling is reached.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from kvinnofrid_ledger.ledger import parse_ledger, serialize_entries
from kvinnofrid_ledger.ledger_text import LEDGER_HEADER
from kvinnofrid_ledger.pins import pin_draft
from kvinnofrid_ledger.record import Draft, chain_drafts
from kvinnofrid_ledger.terms import load_terms

OTHER_LINES = ("samverkan", "uppfoljning", "socialtjanst", "halso-sjukvard", "skola", "jamstalldhet")


def drafts(n: int) -> list[Draft]:
    terms = load_terms()
    codes = [county.code for county in terms.counties]
    out = []
    for i in range(n):
        year = 2018 + i % 3
        day = datetime.date(year, 1, 1) + datetime.timedelta(days=(i // 3) % 365)
        amount = 50 + i % 97
        if i % 4:
            code = codes[i % len(codes)]
            out.append(Draft("disbursement", day, year, "rss", amount, f"R-{i}", f"Rekvisition {i}", county=code))
        else:
            line = OTHER_LINES[(i // 4) % len(OTHER_LINES)]
            out.append(Draft("disbursement", day, year, line, amount, f"U-{i}", "", recipient=f"Mottagare {i % 50}"))
    return out


def account(d: Draft) -> str:
    return f"Expenses:{d.line}:{d.county}" if d.county else f"Expenses:{d.line}"


def write_all(n: int, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    items = drafts(n)
    # the ledger begins with a terms entry, as `ledger init` begins one, then the N disbursements
    pin = pin_draft(load_terms(), "benchmarks/generate.py: the terms shipped with kvinnofrid-ledger", datetime.date(2018, 1, 1))
    entries = chain_drafts(parse_ledger(LEDGER_HEADER.encode()), [pin, *items])
    (folder / "ledger.toml").write_bytes(LEDGER_HEADER.encode() + serialize_entries(entries))
    with open(folder / "ledger.csv", "w", encoding="utf-8", newline="") as csv:
        csv.write("kind,date,year,line,county,recipient,amount,reference,note\r\n")
        for d in items:
            csv.write(f"{d.kind},{d.date},{d.year},{d.line},{d.county or ''},{d.recipient or ''},{d.amount},{d.reference},{d.note}\r\n")
    with open(folder / "journal.ledger", "w", encoding="utf-8") as journal:
        for d in items:
            journal.write(f"{d.date} {d.reference}\n    {account(d)}  {d.amount} SEK\n    Assets:SKL\n\n")
    with open(folder / "ledger.beancount", "w", encoding="utf-8") as bean:
        bean.write('option "operating_currency" "SEK"\n2018-01-01 open Assets:SKL SEK\n')
        for name in sorted({beancount_account(d) for d in items}):
            bean.write(f"2018-01-01 open {name} SEK\n")
        for d in items:
            bean.write(f'{d.date} * "{d.reference}"\n  {beancount_account(d)}  {d.amount} SEK\n  Assets:SKL\n\n')


def beancount_account(d: Draft) -> str:
    # beancount account components start with a capital letter or digit, and have no '-'
    line = d.line.replace("-", "").capitalize()
    return f"Expenses:{line}:C{d.county}" if d.county else f"Expenses:{line}"


if __name__ == "__main__":
    write_all(int(sys.argv[1]), Path(sys.argv[2]))
