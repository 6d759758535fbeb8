"""Each fast path against the slow reference it stands in for, on generated input."""

import datetime
import hashlib

from hypothesis import given
from hypothesis import strategies as st

from kvinnofrid_ledger.ledger import GENESIS, _plain_canonical_form, canonical_form, entry_hash

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
