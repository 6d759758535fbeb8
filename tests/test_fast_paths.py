"""Each fast path against the slow reference it stands in for, on generated input."""

import datetime
import hashlib

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kvinnofrid_ledger.dialects import _QUOTED, unclosed_quote
from kvinnofrid_ledger.models import Entry, TermsPin

from kvinnofrid_ledger.ledger import (
    GENESIS, _plain_canonical_form, _reference_build_entry, _reference_entry_table, build_entry, canonical_form, entry_hash, entry_table,
)
from kvinnofrid_ledger.ledger_text import RawEntry
from kvinnofrid_ledger.ledger_text import KEY_ORDER, _plain_entry_toml, _reference_entries_toml, entries_toml, parse_ledger_text

FIELDS = {
    "id": st.integers(), "kind": st.text(), "date": st.dates(), "year": st.integers(), "line": st.text(),
    "county": st.text(), "recipient": st.text(), "amount": st.integers(), "reference": st.text(), "note": st.text(),
    "reverses": st.integers(), "hash": st.text(),
}
# what a damaged or hand-edited file may hold instead: other types, other keys
ODD_VALUES = st.one_of(st.booleans(), st.none(), st.floats(allow_nan=False), st.datetimes(), st.lists(st.integers(), max_size=2), st.text(), st.integers())
PLAIN_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\', min_codepoint=0x20))


@st.composite
def tables(draw, odd: bool):
    keys = draw(st.lists(st.sampled_from(sorted(FIELDS)), unique=True))
    table = {key: draw(ODD_VALUES if odd and draw(st.booleans()) else FIELDS[key]) for key in keys}
    if odd:
        table.update(draw(st.dictionaries(st.sampled_from(["prev", "extra", "Kind"]), ODD_VALUES, max_size=2)))
    return table


def reference(table, prev):
    try:
        return canonical_form(table, prev)
    except (TypeError, ValueError) as error:  # a value JSON cannot hold, a lone surrogate
        return type(error)


@given(tables(odd=False) | tables(odd=True), st.one_of(st.just(GENESIS), st.text(), st.integers()))
def test_plain_canonical_form_is_canonical_form(table, prev):
    fast = _plain_canonical_form(table, prev)
    if fast is not None:
        assert fast == reference(table, prev)


@given(
    st.fixed_dictionaries({"id": st.integers(1), "kind": PLAIN_TEXT, "date": st.dates(), "year": st.integers(), "line": PLAIN_TEXT,
                           "amount": st.integers(1), "reference": PLAIN_TEXT, "note": PLAIN_TEXT},
                          optional={"county": PLAIN_TEXT, "recipient": PLAIN_TEXT, "reverses": st.integers(), "hash": PLAIN_TEXT}),
    st.text("0123456789abcdef", min_size=64, max_size=64),
)
def test_the_usual_entry_takes_the_fast_path(table, prev):
    assert _plain_canonical_form(table, prev) == canonical_form(table, prev)
    assert entry_hash(table, prev) == hashlib.sha256(canonical_form(table, prev)).hexdigest()


def test_what_it_leaves_to_the_reference():
    table = {"id": 1, "kind": "disbursement", "date": datetime.date(2019, 1, 2), "year": 2019, "line": "rss",
             "amount": 5, "reference": "", "note": "", "hash": ""}
    assert _plain_canonical_form(table, GENESIS) == canonical_form(table, GENESIS)
    for changed in ({"note": 'a "quoted" note'}, {"note": "tab\there"}, {"note": "back\\slash"}, {"amount": True},
                    {"date": datetime.datetime(2019, 1, 2, 3, 4)}, {"extra": 1}, {"prev": "x"}):
        assert _plain_canonical_form({**table, **changed}, GENESIS) is None
        assert entry_hash({**table, **changed}, GENESIS) == hashlib.sha256(canonical_form({**table, **changed}, GENESIS)).hexdigest()


# --- writing entries: the direct writer against tomli-w ------------------------------------------

TOML_VALUES = {
    "id": st.integers(0, 10**12), "kind": st.sampled_from(["disbursement", "repayment", "reversal"]) | st.text(),
    "date": st.dates(), "year": st.integers(1900, 2999), "line": st.text(), "county": st.text(), "recipient": st.text(),
    "amount": st.integers(1, 10**12), "reference": st.text(), "note": st.text(), "reverses": st.integers(1, 10**6),
    "hash": st.text("0123456789abcdef", min_size=64, max_size=64),
}
ODD_TOML = st.one_of(st.booleans(), st.none(), st.integers(-(10**20), 10**20), st.text(max_size=3))


PIN_VALUES = {"agreement": st.text(), "digest": st.text("0123456789abcdef", min_size=64, max_size=64), "source": st.text()}


@st.composite
def entry_tables(draw):
    if draw(st.booleans()):  # a money entry
        required = ["id", "kind", "date", "year", "line", "amount", "reference", "note", "hash"]
        keys = required + draw(st.lists(st.sampled_from(["county", "recipient", "reverses"]), unique=True))
    else:  # a terms entry
        keys = ["id", "kind", "date", "agreement", "digest", "source", "hash"]
    if draw(st.booleans()):  # as a hand edit or another version might leave it: keys missing, in other orders
        keys = draw(st.permutations(keys))[: draw(st.integers(1, len(keys)))]
    values = {**TOML_VALUES, **PIN_VALUES}
    table = {key: draw(ODD_TOML if draw(st.integers(0, 9)) == 0 else values[key]) for key in keys}
    if draw(st.integers(0, 9)) == 0:
        table["extra"] = draw(ODD_TOML)
    return table


def written(write, tables):
    try:
        return write(tables)
    except (ValueError, TypeError) as error:
        return type(error)


@given(st.lists(entry_tables(), max_size=5))
def test_entries_toml_writes_what_tomli_w_writes(tables):
    assert written(entries_toml, tables) == written(_reference_entries_toml, tables)


@given(st.lists(entry_tables(), min_size=1, max_size=5))
def test_written_entries_read_back(tables):
    text = written(entries_toml, tables)
    if isinstance(text, str):
        raw, problems = parse_ledger_text(text)
        assert problems == [] and [r.table for r in raw] == [
            {key: table[key] for key in KEY_ORDER if table.get(key) is not None} for table in tables
        ]


TOML_PLAIN = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\\x7f', min_codepoint=0x20))


@given(
    st.fixed_dictionaries({"id": st.integers(1), "kind": TOML_PLAIN, "date": st.dates(), "year": st.integers(), "line": TOML_PLAIN,
                           "amount": st.integers(1), "reference": TOML_PLAIN, "note": TOML_PLAIN,
                           "hash": st.text("0123456789abcdef", min_size=64, max_size=64)},
                          optional={"county": TOML_PLAIN, "recipient": TOML_PLAIN, "reverses": st.integers()}),
)
def test_the_usual_entry_is_written_directly(table):
    assert _plain_entry_toml(table) == _reference_entries_toml([table])


OPTIONAL = st.one_of(st.none(), st.text())


@given(st.builds(Entry, st.integers(), st.text(), st.dates(), st.integers(), st.text(), st.integers(), st.text(), st.text(),
                 OPTIONAL, OPTIONAL, st.one_of(st.none(), st.integers()), st.text(), st.integers())
       | st.builds(TermsPin, st.integers(), st.just("terms"), st.dates(), st.text(), st.text(), st.text(), st.text(), st.integers()))
def test_entry_table_is_the_reference(entry):
    fast, slow = entry_table(entry), _reference_entry_table(entry)
    assert fast == slow and list(fast) == list(slow)  # the same keys in the same order: the order is written


# --- the hashes the fast reader takes from the text, against canonical_form -------------------

LEDGER_TEXTS = st.one_of(st.text(), TOML_PLAIN, st.sampled_from(["", "rss", "01", "Mottagare", "å ä\tö", "disbursement", "reversal"]))
ENTRY_TABLES = st.fixed_dictionaries(
    {"id": st.integers(0, 10**20), "kind": LEDGER_TEXTS, "date": st.dates(), "year": st.integers(0, 10**5), "line": LEDGER_TEXTS,
     "amount": st.integers(0, 10**20), "reference": LEDGER_TEXTS, "note": LEDGER_TEXTS,
     "hash": st.text("0123456789abcdef", min_size=64, max_size=64) | LEDGER_TEXTS},
    optional={"county": LEDGER_TEXTS, "recipient": LEDGER_TEXTS, "reverses": st.integers(0, 10**6)},
) | st.fixed_dictionaries({"id": st.integers(1, 10**6), "kind": st.just("terms"), "date": st.dates(), **PIN_VALUES,
                           "hash": st.text("0123456789abcdef", min_size=64, max_size=64)})


def assert_chained_as_canonical_form(raws):
    prev = GENESIS
    for raw in raws:
        if raw.chained is not None:
            assert raw.prev == prev
            assert raw.chained == hashlib.sha256(canonical_form(raw.table, prev)).hexdigest()
        stored = raw.table.get("hash")
        prev = stored if isinstance(stored, str) else ""


@given(st.lists(ENTRY_TABLES, max_size=6), st.booleans())
def test_the_fast_readers_hashes_are_canonical_forms(tables, header):
    from kvinnofrid_ledger.ledger_text import LEDGER_HEADER, _fast_parse

    texts = [entries_toml([table]) for table in tables]
    raws = _fast_parse((LEDGER_HEADER if header else "") + "".join(texts))
    assert raws is not None and len(raws) == len(tables)
    assert_chained_as_canonical_form(raws)
    # every entry's hash (a money entry's or a terms entry's) is taken from its text, unless it or
    # the entry before it (whose hash is its prev) holds an escape or a tab
    odd = [False] + ["\\" in text or "\t" in text for text in texts]
    assert [raw.chained is None for raw in raws] == [odd[i] or odd[i + 1] for i, table in enumerate(tables)]


@settings(max_examples=300, deadline=None)
@given(st.lists(ENTRY_TABLES, min_size=1, max_size=3), st.data())
def test_the_fast_readers_hashes_of_an_edited_file(tables, data):
    from kvinnofrid_ledger.ledger_text import LEDGER_HEADER, _fast_parse

    text = LEDGER_HEADER + entries_toml(tables)
    position = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.sampled_from(['"', "\\", "\n", " ", "#", "=", "x", "1", "0", "\t", "-", "[", "é", "\\t", "\\u00e9"]))
    edited = text[:position] + insert + text[position + data.draw(st.integers(0, 3)):]
    raws = _fast_parse(edited)
    if raws is not None:
        assert_chained_as_canonical_form(raws)


def _reference_unclosed_quote(text, separator):
    for match in _QUOTED[separator].finditer(text):
        if not match.group(1):
            return text.count("\n", 0, match.start()) + 1
    return None


@given(st.text(st.sampled_from(['"', ",", ";", "\t", "\n", "\r", "a", "1"])), st.sampled_from([",", ";", "\t"]))
def test_unclosed_quote_is_the_reference(text, separator):
    assert unclosed_quote(text, separator) == _reference_unclosed_quote(text, separator)


BUILD_VALUES = {**FIELDS, "id": st.integers(-2, 5), "amount": st.integers(-2, 5), "kind": st.sampled_from(["disbursement", "repayment", "reversal", "other"]),
                "hash": st.text("0123456789abcdef", min_size=64, max_size=64) | st.text()}


@st.composite
def money_tables(draw):
    keys = ["id", "kind", "date", "year", "line", "amount", "reference", "note", "hash"]
    keys += draw(st.lists(st.sampled_from(["county", "recipient", "reverses"]), unique=True))
    if draw(st.booleans()):
        keys = draw(st.permutations(keys))[: draw(st.integers(1, len(keys)))]
    table = {key: draw(ODD_VALUES if draw(st.integers(0, 9)) == 0 else BUILD_VALUES[key]) for key in keys}
    if draw(st.integers(0, 9)) == 0:
        table["extra"] = draw(ODD_VALUES)
    return table


@given(money_tables(), st.integers(0, 100))
def test_build_entry_is_the_reference(table, lineno):
    assert build_entry(RawEntry(lineno, table)) == _reference_build_entry(RawEntry(lineno, table))


# nearly the usual entry: every field there and of its type, one rule or another broken now and then
NEARLY_USUAL = st.fixed_dictionaries(
    {"id": st.integers(-1, 3), "kind": st.sampled_from(["disbursement", "repayment", "reversal", "other", "terms"]), "date": st.dates(),
     "year": st.integers(2018, 2020), "line": st.text(max_size=3), "amount": st.integers(-1, 3), "reference": st.text(max_size=3),
     "note": st.text(max_size=3), "hash": st.sampled_from(["a" * 64, "A" * 64, "a" * 63, "g" * 64, "0123456789abcdef" * 4])},
    optional={"county": st.text(max_size=2), "recipient": st.text(max_size=2), "reverses": st.integers(-1, 3)},
)


@settings(max_examples=300)
@given(NEARLY_USUAL, st.integers(0, 100))
def test_build_entry_of_nearly_the_usual_entry_is_the_reference(table, lineno):
    assert build_entry(RawEntry(lineno, table)) == _reference_build_entry(RawEntry(lineno, table))


@given(st.lists(money_tables() | NEARLY_USUAL, max_size=6))
def test_a_ledgers_entries_are_built_as_build_record_builds_each(tables):
    from kvinnofrid_ledger.ledger import build_record, parse_ledger
    from kvinnofrid_ledger.ledger_text import torn_tail_start

    text = written(entries_toml, tables)
    assume(isinstance(text, str) and torn_tail_start(text) is None)
    ledger = parse_ledger(text.encode())
    raws, problems = parse_ledger_text(text)
    built = [build_record(raw) for raw in raws]
    assert ledger.entries == tuple(entry for entry, _ in built if type(entry) is Entry)
    assert ledger.problems == tuple(problems) + tuple(problem for _, found in built for problem in found)


# --- the totals: by groups, against entry by entry -------------------------------------------------

LINES = ["rss", "samverkan", "jamstalldhet", "skola", "no-such-line"]
TOTALLED = st.builds(
    Entry, st.integers(1, 8), st.sampled_from(["disbursement", "repayment", "reversal"]), st.dates(), st.integers(2018, 2020),
    st.sampled_from(LINES), st.integers(1, 10**6), st.text(max_size=2), st.text(max_size=2), st.sampled_from([None, "01", "03", "99"]),
    st.sampled_from([None, "Mottagare"]), st.one_of(st.none(), st.integers(0, 9)), st.just("f" * 64), st.integers(0, 10**4),
)


@given(st.lists(TOTALLED, max_size=30))
def test_net_totals_is_the_reference(entries):
    from kvinnofrid_ledger.balances import _reference_net_totals, net_totals
    from kvinnofrid_ledger.terms import load_terms

    terms = load_terms()
    fast, slow = net_totals(entries, terms), _reference_net_totals(entries, terms)
    assert fast == slow and list(fast) == list(slow)
    for year in fast:  # the same totals, made in the same order: rules and reports list them in it
        for name in ("counties", "lines", "pots"):
            assert list(getattr(fast[year], name).items()) == list(getattr(slow[year], name).items())


@given(st.text(st.sampled_from(["\n", "\r", "a", '"', ",", "å", "\u2028", "\x0b", "\U0001f600"])))
def test_lines_are_string_io_lines(text):
    import io

    from kvinnofrid_ledger.dialects import _lines

    assert list(_lines(text)) == list(io.StringIO(text, newline="\n"))


# --- cli.app_for: the app with the one command named, against the whole app ---------------------

from kvinnofrid_ledger import cli  # noqa: E402

COMMAND_NAMES = sorted(info.name or info.callback.__name__.replace("_", "-") for info in cli.app.registered_commands)
# Tokens a command line may hold; each drawn line ends in one that stops it at parsing (help, or a
# usage error), so that no command's body runs. Not "--": after it the stop is an argument, and a
# body may run (`init -- --help` writes a folder named --help); an option that takes a value may
# still swallow the stop, so every line also runs in an empty folder of its own.
TOKENS = st.sampled_from(["2019", "json", "csv", "--format", "nonsense", "--ledger", "x.toml", "--year", "-1", "--dry-run", "--data-dir", "é\u202e"])
STOPS = st.sampled_from(["--help", "-h", "--no-such-option", "--format", "--format=nonsense", "--year=x"])


def _outcome(application, args):
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            application(args=args, prog_name="ledger")
            status = None
        except SystemExit as stop:
            status = stop.code
    return status, out.getvalue(), err.getvalue()


def test_app_for_picks_the_named_command_alone():
    def defined(app):
        return [(info.name, info.callback.__qualname__) for info in app.registered_commands]

    for name in COMMAND_NAMES:
        assert defined(cli.app_for([name])) == [named for named in defined(cli.app) if named[0] == name]
    assert [name for name, _ in defined(cli.app)] == list(cli.COMMANDS) == COMMAND_NAMES_IN_ORDER
    for first in ([], ["--help"], ["--version"], ["no-such-command"], ["Check"]):
        assert cli.app_for(first) is cli.app


# What `ledger --help` lists, in its order: every command, each defined once.
COMMAND_NAMES_IN_ORDER = ["allocate", "terms", "init", "record", "reverse", "check", "list", "status", "report", "export", "import", "amend", "repair", "schema"]


@given(st.sampled_from(COMMAND_NAMES), st.lists(TOKENS, max_size=4), STOPS)
def test_app_for_parses_helps_and_refuses_as_the_whole_app(name, tokens, stop):
    import os
    import tempfile

    args = [name, *tokens, stop]
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            assert _outcome(cli.app_for([name]), args) == _outcome(cli.app, args)
        finally:
            os.chdir(here)


# --- plain_toml.loads: the terms' TOML without tomllib, against tomllib --------------------------

import datetime as _datetime  # noqa: E402
import tomllib  # noqa: E402

from kvinnofrid_ledger import plain_toml  # noqa: E402

_KEYS = st.sampled_from(["a", "b", "year", "09", "first_year", "x-y", "a.b", '"q"', "å"])
_NAMES = st.sampled_from(["period", "pot", "line", "a", "a.b", " pot "])
_SCALARS = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=6).map(lambda t: f'"{t}"'),
    st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=6).map(lambda t: f"'{t}'"),
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(["1_000", "1__0", "_1", "1_", "01", "+5", "-0", "0x1f", "1e3", "1.5", "inf", "9" * 5000]),
    st.sampled_from(["true", "false", "True", "2019-06-30", "2019-02-30", "2019-6-30", "1979-05-27T07:32:00", "1979-05-27 07:32:00", "07:32:00"]),
    st.dates(min_value=_datetime.date(1, 1, 1)).map(lambda d: d.isoformat()),
)
_SPACE = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def _toml_values(draw, depth=0):
    kind = draw(st.integers(0, 3 if depth == 0 else 0))
    if kind <= 1:
        return draw(_SCALARS)
    items = draw(st.lists(_toml_values(depth=1) if kind == 2 else st.tuples(_KEYS, _SPACE, _toml_values(depth=1)), max_size=3))
    if kind == 3:
        items = [f"{key}{space}={space}{value}" for key, space, value in items]
    sep = draw(st.sampled_from([",", ", ", " ,"]))
    inner = sep.join(items) + draw(st.sampled_from(["", ",", " "]))
    return ("[" if kind == 2 else "{") + draw(_SPACE) + inner + draw(_SPACE) + ("]" if kind == 2 else "}")


_TOML_LINES = st.one_of(
    st.just(""),
    st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=8).map(lambda t: "# " + t),
    st.tuples(_SPACE, _NAMES, _SPACE).map(lambda p: f"{p[0]}[{p[1]}]{p[2]}"),
    st.tuples(_SPACE, _NAMES).map(lambda p: f"{p[0]}[[{p[1]}]]"),
    st.tuples(_SPACE, _KEYS, _SPACE, _toml_values(), st.sampled_from(["", " # note", "# x"])).map(
        lambda p: f"{p[0]}{p[1]}{p[2]}={p[2]}{p[3]}{p[4]}"
    ),
)


def _typed(value):
    """The value with every scalar's type beside it: True == 1 in Python, but not in TOML."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return (type(value).__name__, value)


@given(st.lists(_TOML_LINES, max_size=8), st.sampled_from(["\n", "\r\n", "\r"]))
def test_plain_toml_reads_as_tomllib_or_leaves_it_to_tomllib(lines, end):
    text = end.join(lines)
    fast = plain_toml.loads(text)
    try:
        reference = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        reference = None
        assert fast is None, f"read {text!r}, which tomllib refuses"
    if fast is not None:
        assert _typed(fast) == _typed(reference)


def test_plain_toml_reads_the_shipped_terms_and_every_construct_they_may_use():
    from kvinnofrid_ledger.terms import shipped_data_dir

    for name in ("agreement.toml", "counties.toml"):
        text = (shipped_data_dir() / name).read_text(encoding="utf-8")
        assert plain_toml.loads(text) == tomllib.loads(text) != {}
    amended = (
        '# terms\r\nname = "Överenskommelse #1" # note\n[period]\nfirst_year = 2018\nfinal_payment_date = 2021-06-30\n'
        "[[amendment]]\nyear = 2019\nceilings = { total = 25_000_000, kvinnofrid = 20_000_000 }\n"
        "[allocation]\ncounties = { \"09\" = 450_000 }\nparties = ['A', \"B, C\",]\nok = true\n"
    )
    assert plain_toml.loads(amended) == tomllib.loads(amended)


@given(st.binary(max_size=300))
def test_the_builtin_sha256_is_hashlibs(data):
    import hashlib

    from kvinnofrid_ledger.digests import LARGE, sha256, sha256_for

    assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    for size in (0, LARGE - 1, LARGE):  # the reader's choice of implementation by the ledger's size
        assert sha256_for(size)(data).hexdigest() == hashlib.sha256(data).hexdigest()


# --- render's characters to escape: a set first, the regular expression when needed ---------------

_ESCAPABLE = st.text(st.sampled_from(["a", "å", " ", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\u200b", "\u2028", "\u202e", "\u2066", "\ufeff", "\u2070"]), max_size=40)


@given(_ESCAPABLE, st.booleans())
def test_characters_are_escaped_as_their_regular_expression_escapes_them(text, long):
    import re

    from kvinnofrid_ledger import render

    text = text * (render._Characters.SHORT // max(len(text), 1) + 1) if long else text
    for characters in (render._JSON_INVISIBLE, render._UNSAFE, render._UNSAFE_IN_DOCUMENT):
        fresh = render._Characters(characters.pattern, characters.chars)  # not yet compiled
        assert fresh.sub(render._escape, text) == re.sub(characters.pattern, render._escape, text)


def test_the_models_field_types_are_get_type_hints():
    import dataclasses
    from typing import get_type_hints

    from kvinnofrid_ledger import models

    made = [value for value in vars(models).values() if dataclasses.is_dataclass(value)]
    assert len(made) >= 10
    for model in made:
        assert models._hints(model) == get_type_hints(model, include_extras=True), model


# --- canonical_json without the json module, against the json module's encoder -------------------

_TOML_LEAVES = st.one_of(
    st.text(), st.integers(min_value=-(2**70), max_value=2**70), st.booleans(), st.none(), st.dates(),
    st.datetimes(), st.times(), st.floats(allow_nan=False),
)
_TOML_VALUES = st.recursive(
    _TOML_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@given(_TOML_VALUES)
def test_canonical_json_is_the_json_modules(value):
    import pytest

    from kvinnofrid_ledger.canonical import CANONICAL, canonical_json

    try:
        expected = CANONICAL.encode(value).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: refused by both
        with pytest.raises(UnicodeEncodeError):
            canonical_json(value)
        return
    assert canonical_json(value) == expected
