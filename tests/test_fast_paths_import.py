"""The fast paths of `ledger import` against the slow references they stand in for, on generated input
(as tests/test_fast_paths.py does for reading, hashing and writing a ledger)."""

import datetime
import os
import unicodedata

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from kvinnofrid_ledger.importing import Row, Table, _plain_reader, _reference_typed, _row, _typed, read_rows
from kvinnofrid_ledger.ledger import GENESIS, build_record, entry_hash, entry_table, parse_ledger
from kvinnofrid_ledger.ledger_text import RawEntry, _keyed_entry_toml, _plain_entry_toml
from kvinnofrid_ledger.models import Entry, TermsPin
from kvinnofrid_ledger.record import Draft, PinDraft, _chained, _read_back, _with_known_line, _with_known_lines, chain_drafts, extended
from kvinnofrid_ledger.reports import CSV_FIELDS
from kvinnofrid_ledger.terms import load_terms

TERMS = load_terms()
HEX = "0123456789abcdef"
REQUIRED = ["kind", "date", "year", "line", "amount"]
OPTIONAL_COLUMNS = [column for column in CSV_FIELDS if column not in REQUIRED]


def number(low=-(10**20), high=10**20):
    return st.integers(low, high).map(str)


def mostly(usual, *odd):
    """Usual values nine times in ten, so that whole rows of them (which the fast path takes) are drawn often."""
    if not odd:
        return usual
    unusual = st.one_of(*odd)
    return st.sampled_from([True] * 9 + [False]).flatmap(lambda usual_one: usual if usual_one else unusual)


# What a cell of each column may hold: the usual forms, and (one in ten) the forms a spreadsheet or
# a person writes that the reference reads its own way (spaces, signs, names, apostrophes), or damage.
TEXT = st.text(max_size=6) | st.sampled_from(["", "'=SUM(A1)", "''x", "'", "Ska\u030ane", "Skåne", " x ", "a'b"])
PLAIN = st.sampled_from(["", "R-1", "Rekvisition 1", "Mottagare 3", "Skåne"])
CELLS = {
    "kind": mostly(st.sampled_from(["disbursement", "repayment", "reversal"]),
                   st.sampled_from(["terms", " disbursement", "'reversal", "Repayment", ""]), TEXT),
    "date": mostly(st.dates().map(str), st.sampled_from(["2019-3-1", " 2019-03-15", "20190315", "2019-W11-5", "2019-02-30", "２０１９-01-01"]), TEXT),
    "year": mostly(st.integers(2017, 2021).map(str), number(), st.sampled_from(["2019", " 2019", "٢٠١٩", "+2019", "-2019", "2019.0", "0" * 19 + "1"]), TEXT),
    "line": mostly(st.sampled_from(["rss", "samverkan", "RSS"]), st.sampled_from([" rss", "'rss", "'", "", "nope"]), TEXT),
    "amount": mostly(st.integers(-10**6, 10**6).map(str),
                     st.sampled_from(["0", "-0", "007", "-007", "1 000", "−50", "1e5", "50 kr", "5,00", "--5", "-", "+5", "1" * 19, "-" + "1" * 19]), TEXT),
    "county": mostly(st.sampled_from(["", "01", "03"]), st.sampled_from(["1", "99", "Skåne", "'01", " 01", "skane lan"]), TEXT),
    "recipient": mostly(PLAIN, TEXT), "reference": mostly(PLAIN, TEXT), "note": mostly(PLAIN, TEXT),
    "reverses": mostly(st.sampled_from(["", "1", "2"]), st.sampled_from([" 2", "-3", "x", "0", "1" * 19]), number()),
    "id": mostly(st.sampled_from(["", "1", "7"]), st.sampled_from([" 2", "-3", "x", "0", "٣", "1" * 19]), number()),
    "hash": mostly(st.sampled_from(["", "a" * 64]) | st.text(HEX, min_size=64, max_size=64), st.sampled_from(["A" * 64, " " + "b" * 64, "c" * 63]), TEXT),
    "agreement": mostly(st.just(""), st.just("S2018/01234"), TEXT),
    "digest": mostly(st.just(""), st.just("d" * 64), TEXT),
    "source": mostly(st.just(""), st.just("the agreement"), TEXT),
}


@st.composite
def tables(draw):
    header = REQUIRED + draw(st.lists(st.sampled_from(OPTIONAL_COLUMNS), unique=True))
    header = tuple(draw(st.permutations(header)))
    rows = tuple((line, tuple(draw(CELLS[column]) for column in header)) for line in range(2, 2 + draw(st.integers(1, 4))))
    return Table("in.csv", header, rows, sheet=draw(st.sampled_from([None, "Entries"])), neutralised=draw(st.booleans()))


@settings(max_examples=500)
@given(tables())
def test_plain_rows_are_the_reference_rows(table):
    plain = _plain_reader(table.header, TERMS)
    for line, cells in table.rows:
        problems = []
        reference = _row(table, line, dict(zip(table.header, cells)), TERMS, problems)
        fast = plain(line, cells)
        if fast is not None:
            assert problems == [] and fast == reference


def test_the_usual_rows_take_the_plain_path():
    header = tuple(CSV_FIELDS)
    usual = [
        ("", "disbursement", "2019-03-15", "2019", "rss", "01", "", "50", "R-1", "Rekvisition 1", "", "", "", "", ""),
        ("2", "repayment", "2019-03-16", "2019", "samverkan", "", "Mottagare", "-50", "", "", "", "a" * 64, "", "", ""),
        ("3", "reversal", "2019-03-16", "2019", "samverkan", "", "Mottagare", "-7", "", "a note", "1", "", "", "", ""),
    ]
    plain = _plain_reader(header, TERMS)
    table = Table("in.csv", header, ())
    for line, cells in enumerate(usual, 2):
        problems = []
        assert plain(line, cells) == _row(table, line, dict(zip(header, cells)), TERMS, problems) and problems == []
    assert _plain_reader(("kind", "kind", "date", "year", "line", "amount"), TERMS) is None  # refused anyway: a column twice


SPECIALS = {
    "kind": ["terms", " disbursement", "'reversal", "Repayment", "", "'"],
    "date": ["2019-3-1", " 2019-03-15", "20190315", "2019-W11-5", "2019-02-30", "２０１９-01-01", ""],
    "year": [" 2019", "٢٠١٩", "+2019", "-2019", "2019.0", "0" * 19 + "1", "", "x"],
    "line": [" rss", "'rss", "'", "", "nope", "RSS", "''rss"],
    "amount": ["0", "-0", "007", "-007", "1 000", "−50", "1e5", "50 kr", "5,00", "--5", "-", "+5", "1" * 19, "-" + "1" * 19, "-50", ""],
    "county": ["1", "99", "Skåne", "'01", " 01", "skane lan", "21", "'"],
    "recipient": ["'", "''x", "'=1", "Ska\u030ane"], "reference": ["'", "''x", "'=1", " x "], "note": ["'", "''x", "'=1", "Ska\u030ane"],
    "reverses": [" 2", "-3", "x", "0", "1" * 19, "٣"], "id": [" 2", "-3", "x", "0", "٣", "1" * 19],
    "hash": ["A" * 64, " " + "b" * 64, "c" * 63, "g" * 64],
    "agreement": ["S2018/01234", " "], "digest": ["d" * 64, " "], "source": ["the agreement", " "],
}


def test_each_unusual_cell_in_a_usual_row():
    header = tuple(CSV_FIELDS)
    usual = dict(zip(header, ("3", "disbursement", "2019-03-15", "2019", "rss", "01", "", "50", "R-1", "Rekvisition 1", "", "a" * 64, "", "", "")))
    plain = _plain_reader(header, TERMS)
    taken = 0
    for column, values in SPECIALS.items():
        for value in values:
            for kind in ("disbursement", "repayment", "reversal"):
                for neutralised in (True, False):
                    cells = {**usual, "kind": kind, column: value}
                    table = Table("in.csv", header, (), neutralised=neutralised)
                    problems = []
                    reference = _row(table, 2, cells, TERMS, problems)
                    fast = plain(2, tuple(cells[name] for name in header))
                    if fast is not None:
                        taken += 1
                        assert problems == [] and fast == reference, (column, value, kind, neutralised)
    assert taken > 20  # the cells it reads itself (a repayment's "-50", "007", county "21", ...) are among them


def test_read_rows_reads_a_damaged_table_as_the_reference():
    header = ("kind", "date", "year", "line", "amount", "note")
    rows = ((2, ("disbursement", "2019-13-01", "2019", "rss", "5", "")), (3, ("disbursement",)), (4, ("terms", "2019-01-01", "", "", "", "")),
            (5, ("disbursement", "2019-01-01", "2019", "rss", "5", "'=1+1")))
    table = Table("in.csv", header, rows, neutralised=True)
    read, problems = read_rows(table, TERMS)
    expected = []
    assert read[1] == Row(3, None, None, None, None)
    for (line, cells), row in zip(rows[::2] + rows[3:], read[::2] + read[3:]):
        assert row == _row(table, line, dict(zip(header, cells)), TERMS, expected)
    assert [p.text for p in problems if p.line != 3] == [p.text for p in expected]
    assert read[3].draft.note == "=1+1"


def drafts(kinds=st.sampled_from(["disbursement", "repayment", "reversal"])):
    return st.builds(
        Draft, kinds, st.dates(), st.integers(2018, 2020), st.sampled_from(["rss", "RSS", " Samverkan ", "nope", "samverkan"]),
        st.integers(1, 10**6), TEXT, TEXT, st.sampled_from([None, "01", "03"]), st.one_of(st.none(), TEXT), st.one_of(st.none(), st.integers(1, 9)),
    )


@given(drafts(), st.one_of(st.none(), st.text(HEX, min_size=64, max_size=64)), st.one_of(st.none(), st.integers(1, 9)))
def test_typed_is_the_reference(draft, exported_hash, ident):
    row = Row(2, draft, draft.amount, ident, exported_hash)
    assert _typed(row) == _reference_typed(row)
    assert unicodedata.normalize("NFC", "Ska\u030ane") != "Ska\u030ane"  # TEXT draws what NFC changes


PIN = st.builds(PinDraft, st.dates(), st.text(max_size=3), st.text(HEX, min_size=64, max_size=64), st.text(max_size=3))


@given(st.lists(st.one_of(st.none(), drafts(), PIN), max_size=6))
def test_known_lines_are_the_reference(items):
    assert _with_known_lines(TERMS, items) == [None if item is None else _with_known_line(TERMS, item) for item in items]


@given(st.lists(st.one_of(st.none(), drafts(), PIN), max_size=6))
def test_chained_tables_are_the_entries_tables(items):
    ledger = parse_ledger(b"", "ledger.toml")
    entries, tables = _chained(ledger, items)
    assert entries == chain_drafts(ledger, items)
    prev = GENESIS
    for entry, table in zip(entries, tables):
        assert list(table.items()) == list(entry_table(entry).items())  # the same keys in the same order: the order is written
        assert table["hash"] == entry.hash == entry_hash(table, prev)
        prev = entry.hash
    assert extended(ledger, entries, tables) == extended(ledger, entries)


ODD = st.one_of(st.none(), st.booleans(), st.text(max_size=3), st.integers(-2, 3), st.dates(), st.datetimes())


def odd_or(strategy):
    return mostly(strategy, ODD)


ENTRIES = st.builds(
    Entry, odd_or(st.integers(-1, 5)), odd_or(st.sampled_from(["disbursement", "repayment", "reversal", "terms", "other"])), odd_or(st.dates()),
    odd_or(st.integers()), odd_or(st.text(max_size=3)), odd_or(st.integers(-1, 5)), odd_or(st.text(max_size=3)), odd_or(st.text(max_size=3)),
    odd_or(st.sampled_from([None, "01"])), odd_or(st.sampled_from([None, "x"])), odd_or(st.sampled_from([None, 1])),
    odd_or(st.text(HEX, min_size=64, max_size=64) | st.text("0123456789abcdefA", min_size=63, max_size=65)), st.integers(1, 99),
)
PINS = st.builds(TermsPin, st.integers(1, 3), st.just("terms"), st.dates(), st.text(max_size=2), st.text(HEX, min_size=64, max_size=64),
                 st.text(max_size=2), st.text(HEX, min_size=64, max_size=64), st.integers(1, 99))


@settings(max_examples=400)
@given(st.lists(ENTRIES | PINS, max_size=4))
def test_read_back_is_build_record(entries):
    if _read_back(entries):
        for entry in entries:
            assert build_record(RawEntry(entry.lineno, entry_table(entry))) == (entry, [])


@given(st.lists(drafts(), max_size=6))
def test_chained_drafts_read_back_at_once(items):
    entries = chain_drafts(parse_ledger(b"", "ledger.toml"), items)
    expected = all(build_record(RawEntry(entry.lineno, entry_table(entry))) == (entry, []) for entry in entries)
    assert _read_back(entries) == expected  # not only sound: the usual batch is proven at once


def test_a_usual_batch_is_proven_at_once():
    usual = [Draft("disbursement", datetime.date(2019, 3, 15), 2019, "rss", 50, "R-1", "", county="01"),
             Draft("reversal", datetime.date(2019, 3, 16), 2019, "rss", 50, "", "wrong county", county="01", reverses=1)]
    assert _read_back(chain_drafts(parse_ledger(b"", "ledger.toml"), usual))


def test_each_broken_rule_is_left_to_the_reference():
    usual = chain_drafts(parse_ledger(b"", "ledger.toml"), [Draft("disbursement", datetime.date(2019, 3, 15), 2019, "rss", 50, "R-1", "", county="01")] * 2)
    assert _read_back(usual)
    first, second = usual
    for changed in ([first._replace(hash="a" * 63), second._replace(hash="b" * 65)], [first._replace(hash="A" * 64), second],
                    [first._replace(id=0), second], [first, second._replace(amount=0)], [first._replace(kind="terms"), second],
                    [first._replace(reverses=1), second], [first, second._replace(kind="reversal")], [first._replace(year=True), second],
                    [first._replace(date=datetime.datetime(2019, 3, 15)), second], [first, second._replace(county=1)]):
        assert not _read_back(changed)
        assert any(build_record(RawEntry(entry.lineno, entry_table(entry))) != (entry, []) for entry in changed)


# --- writing: the %-template per key set against the key-by-key writer ------------------------------

TOML_KEYS = ["id", "kind", "date", "agreement", "digest", "source", "year", "line", "county", "recipient", "amount", "reference", "note", "reverses", "hash"]
TOML_VALUE = st.one_of(st.integers(-5, 10**6), st.text(max_size=8), st.dates(), st.sampled_from(['a "quote"', "tab\there", "back\\slash", "\x7f", "\u2028"]),
                       st.none(), st.booleans(), st.floats(allow_nan=False))


@settings(max_examples=300)
@given(st.lists(st.sampled_from(TOML_KEYS + ["extra"]), unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({key: TOML_VALUE for key in keys})) | st.builds(entry_table, ENTRIES))
def test_toml_template_is_the_keyed_writer(table):
    assert _plain_entry_toml(table) == _keyed_entry_toml(table)


# --- the CSV's rows read as the import reaches them ---------------------------------------------------


def test_csv_rows_read_lazily_are_read_csv_rows(tmp_path):
    from kvinnofrid_ledger.dialects import read_csv, read_csv_rows

    data = 'kind;date;note\r\ndisbursement;2019-01-01;"two\r\nlines"\r\n\r\nrepayment;2019-01-02;\r\n'.encode()
    separator, header, rows = read_csv_rows(data, "in.csv", CSV_FIELDS)
    assert (separator, header, list(rows)) == read_csv(data, "in.csv", CSV_FIELDS)
    assert read_csv(data, "in.csv", CSV_FIELDS)[2] == [(2, ("disbursement", "2019-01-01", "two\r\nlines")), (5, ("repayment", "2019-01-02", ""))]


def test_a_row_that_is_not_csv_is_refused_before_the_header(tmp_path):
    """A file with an unknown column and, further down, a cell over the csv module's limit: the
    row that is not CSV is the one error, as when every row was read before the header was
    looked at; the ledger is left as it was."""
    from conftest import assert_one_line_error, run

    ledger = tmp_path / "ledger.toml"
    ledger.write_bytes(b"")
    csv_file = tmp_path / "in.csv"
    csv_file.write_text("kind,date,year,line,amount,bogus\ndisbursement,2019-01-01,2019,rss,5,x\ndisbursement,2019-01-01,2019,rss,5," + "y" * 200_000 + "\n")
    result = run("import", csv_file, "--ledger", ledger)
    assert_one_line_error(result, 2, f"{csv_file}:3: not CSV: field larger than field limit")
    assert len(result.stderr.splitlines()) == 1 and "bogus" not in result.stderr
    assert result.stdout == "" and ledger.read_bytes() == b""


# --- writing in pieces: the pieces against the whole -------------------------------------------------


@given(st.lists(st.builds(entry_table, ENTRIES | PINS), max_size=7), st.integers(1, 4))
def test_text_pieces_are_the_whole_text(tables, size):
    from kvinnofrid_ledger.ledger_text import entries_toml
    from kvinnofrid_ledger.record import _text_pieces

    try:
        whole = entries_toml(tables)
    except (ValueError, TypeError) as error:
        whole = type(error)
    try:
        pieces = b"".join(_text_pieces(tables, size))
    except (ValueError, TypeError) as error:  # the same refusal as the whole batch's, before anything is written
        assert whole is type(error)
    else:
        assert pieces == whole.encode("utf-8")


def test_a_failure_while_making_a_piece_takes_back_what_was_written(tmp_path):
    from kvinnofrid_ledger import journal

    ledger = tmp_path / "ledger.toml"
    ledger.write_bytes(b"before\n")

    def pieces():
        yield b"one piece\n"
        raise ValueError("a piece that cannot be made")

    fd = os.open(ledger, os.O_RDWR)
    try:
        with pytest.raises(ValueError):
            journal.append(fd, ledger, b"before\n", pieces())
    finally:
        os.close(fd)
    assert ledger.read_bytes() == b"before\n" and not os.path.exists(journal.journal_path(ledger))
