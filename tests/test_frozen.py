"""`@frozen` (the fast path) against `@dataclass(frozen=True, slots=True)` (the reference it
replaces): the same class, built both ways, must behave the same on any values."""

import copy
import dataclasses
import inspect
import pickle
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kvinnofrid_ledger.frozen import frozen
from kvinnofrid_ledger.models import AllocationRule, Amendment, County, Kronor


def twins(body: dict, doc: Optional[str] = "A record.", names=("Record", "Record")) -> tuple[type, type]:
    """The class `body` describes, made by the reference and by `frozen`."""
    made = []
    for decorate, name in zip((dataclass(frozen=True, slots=True), frozen), names):
        namespace = {"__module__": __name__, "__qualname__": name, **body}
        if doc is not None:
            namespace["__doc__"] = doc
        made.append(decorate(type(name, (), namespace)))
    return made[0], made[1]


def _freeze_extra(self) -> None:
    object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))


BODY = {
    "__annotations__": {"code": "str", "amount": "int", "note": "Optional[str]", "extra": "Mapping[str, int]"},
    "note": None,
    "extra": field(default_factory=dict),
    "__post_init__": _freeze_extra,
}
Reference, Fast = twins(BODY, names=("Reference", "Fast"))  # module attributes, so that pickle finds them
PlainReference, PlainFast = twins({"__annotations__": {"code": "str", "amount": "int"}}, names=("PlainReference", "PlainFast"))
values = st.tuples(
    st.text(max_size=5), st.integers(), st.none() | st.text(max_size=5), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)
)


@given(values, values)
def test_instances_behave_as_the_standard_dataclass(a, b):
    ref_a, ref_b, fast_a, fast_b = Reference(*a), Reference(*b), Fast(*a), Fast(*b)
    assert repr(fast_a) == repr(ref_a).replace("Reference", "Fast")
    assert (fast_a == fast_b) == (ref_a == ref_b) and (fast_a != fast_b) == (ref_a != ref_b)
    assert fast_a == Fast(*a) and fast_a != ref_a  # another class is never equal
    assert isinstance(fast_a.extra, MappingProxyType)  # __post_init__ ran
    assert dataclasses.replace(fast_a, amount=b[1]) == Fast(a[0], b[1], a[2], a[3])
    for duplicate in (copy.copy, copy.deepcopy, lambda obj: pickle.loads(pickle.dumps(obj)), dataclasses.asdict, dataclasses.astuple):
        assert outcome(duplicate, fast_a) == outcome(duplicate, ref_a)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast_a.code = "x"
    with pytest.raises(dataclasses.FrozenInstanceError):
        del fast_a.amount
    with pytest.raises(TypeError):  # an unhashable field makes the instance unhashable, as in the reference
        hash(fast_a)


def outcome(duplicate, obj):
    """What copying, pickling or asdict gives (a mappingproxy field cannot be copied: not by either)."""
    try:
        copied = duplicate(obj)
    except TypeError as error:
        return str(error)
    if dataclasses.is_dataclass(copied):
        return (copied == obj, type(copied) is type(obj), repr(copied).replace("Fast", "Reference"))
    return copied


@given(st.text(max_size=5), st.integers(), st.text(max_size=5), st.integers())
def test_hash_and_keyword_arguments(code, amount, other_code, other_amount):
    reference, fast = PlainReference, PlainFast
    assert hash(fast(code, amount)) == hash(reference(code, amount)) == hash(fast(amount=amount, code=code))
    for duplicate in (copy.copy, copy.deepcopy, lambda obj: pickle.loads(pickle.dumps(obj)), dataclasses.asdict):
        assert outcome(duplicate, fast(code, amount)) == outcome(duplicate, reference(code, amount))
    assert (hash(fast(code, amount)) == hash(fast(other_code, other_amount))) == (
        hash(reference(code, amount)) == hash(reference(other_code, other_amount))
    )


def test_class_looks_the_same():
    for doc in ("A record.", None):
        reference, fast = twins(BODY, doc)
        assert fast.__doc__ == reference.__doc__
        assert str(inspect.signature(fast)) == str(inspect.signature(reference))
        assert fast.__slots__ == reference.__slots__ and fast.__match_args__ == reference.__match_args__
        assert [(f.name, f.type, f.default, f.default_factory) for f in dataclasses.fields(fast)] == [
            (f.name, f.type, f.default, f.default_factory) for f in dataclasses.fields(reference)
        ]
        assert dataclasses.is_dataclass(fast) and fast.__dataclass_params__.frozen
    with pytest.raises(TypeError):
        Fast()  # required fields are required
    with pytest.raises(TypeError):
        Fast("01", 1, unknown=2)
    assert Fast("01", 1).extra is not Fast("01", 1).extra  # the factory runs per instance


def test_pydantic_validates_and_describes_them_as_before():
    from pydantic import TypeAdapter, ValidationError

    reference, fast = twins({"__annotations__": {"code": "str", "amount": Kronor}, "__pydantic_config__": {"extra": "forbid"}})
    for cls in (reference, fast):
        assert TypeAdapter(cls).validate_python({"code": "01", "amount": 5}) == cls("01", 5)
    errors = []
    for cls in (reference, fast):
        with pytest.raises(ValidationError) as caught:
            TypeAdapter(cls).validate_python({"code": 1, "amount": -1.5, "other": 0})
        errors.append([(e["type"], e["loc"]) for e in caught.value.errors()])
    assert errors[0] == errors[1] and len(errors[0]) == 3
    assert TypeAdapter(fast).json_schema() == TypeAdapter(reference).json_schema()


def test_the_models_are_made_with_it():
    rule = AllocationRule(line="rss", county=1, metropolitan=2, counties={"01": 3})
    assert isinstance(rule.counties, MappingProxyType)
    assert Amendment(year=2019).allocation.counties == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        County("01", "Stockholm", True).name = "x"


@given(values, st.sets(st.sampled_from(["code", "amount", "note", "extra", "other"])))
def test_build_makes_what_the_class_makes(a, names):
    from kvinnofrid_ledger.frozen import build

    given_values = {name: value for name, value in zip(("code", "amount", "note", "extra"), a) if name in names}
    if "other" in names:
        given_values["other"] = 1
    try:
        expected = Fast(**given_values)
    except TypeError:  # a field without a value, or a name that is no field: refused alike
        with pytest.raises(TypeError):
            build(Fast, given_values)
        return
    made = build(Fast, given_values)
    assert made == expected and type(made) is Fast and isinstance(made.extra, MappingProxyType)
