"""`@frozen`: a frozen, slotted dataclass, built about five times faster than the standard one.

`@dataclass(frozen=True, slots=True)` compiles six methods for each class (`__init__`, `__repr__`,
`__eq__`, `__hash__`, `__setattr__`, `__delattr__`) with one exec() each: about 0.5 ms a class,
and the records of terms, ledger and reports are about thirty classes that `ledger check` or
`allocate` must build before they read a byte (Python 3.13 batches the compiles; 3.11 does not).
Here only `__init__` is compiled, in the standard library's own way, and only when the class is
first instantiated (a run makes few of the classes it imports: `check` never makes most of the
report records); the other five are shared functions over the class's field names. The result
is a real dataclass: `dataclasses.fields`, `replace`, `asdict`, `is_dataclass` and pydantic
(which validates the terms and describes the reports through it) see what they see of the
standard one, and instances behave the same (tests/test_frozen.py compares the two on
generated values).
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import MISSING, FrozenInstanceError
from operator import attrgetter
from types import MemberDescriptorType


class _Factory:
    """The default shown for a field with a default_factory, as the standard library shows it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def frozen(cls: type) -> type:
    """The class as `dataclass(frozen=True, slots=True)` would make it."""
    documented = bool(cls.__dict__.get("__doc__"))
    if not documented:  # else dataclasses would work out object.__init__'s signature (7 ms, tokenize)
        cls.__doc__ = cls.__name__
    cls = dataclasses.dataclass(cls, init=False, repr=False, eq=False, slots=True)  # no method compiled
    fields = dataclasses.fields(cls)
    cls.__init__ = _init_on_first_call(cls, fields)
    shown = [f.name for f in fields if f.repr]
    compared = _values([f.name for f in fields if f.compare])
    hashed = _values([f.name for f in fields if (f.compare if f.hash is None else f.hash)])
    names = frozenset(f.name for f in fields)

    def __repr__(self) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in shown)})"

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(hashed(self))

    def __setattr__(self, name, value):
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self, name):
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    def __getstate__(self):
        return [getattr(self, f.name) for f in fields]

    def __setstate__(self, state):
        for f, value in zip(fields, state):
            object.__setattr__(self, f.name, value)  # as in __init__: the fields are frozen

    for method in (__repr__, __eq__, __hash__, __setattr__, __delattr__, __getstate__, __setstate__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)
    params = cls.__dataclass_params__
    params.init = params.repr = params.eq = params.frozen = True
    if not documented:  # what the standard library writes for a class without a docstring
        import inspect

        cls.__doc__ = cls.__name__ + str(inspect.signature(cls)).replace(" -> None", "")
    return cls


def _values(names: list[str]):
    """A function of an instance to the tuple of these fields, as the standard methods compare."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        (name,) = names
        return lambda obj: (getattr(obj, name),)
    return lambda obj: ()


def _init_on_first_call(cls: type, fields: tuple[dataclasses.Field, ...]):
    """A stand-in `__init__` that compiles the real one on the class's first instantiation, puts it
    in its own place and calls it: compiling is about 0.1 ms a class, and most classes a run
    imports are never instantiated in it. It shows the real one's signature (inspect, help)."""

    def __init__(self, *args, **kwargs) -> None:
        init = _init(cls, fields)
        type.__setattr__(cls, "__init__", init)
        init(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__signature__ = _signature(fields)
    return __init__


def _signature(fields: tuple[dataclasses.Field, ...]):
    """The signature `_init` compiles, made without compiling it."""
    from inspect import Parameter, Signature

    kind = Parameter.POSITIONAL_OR_KEYWORD
    parameters = [Parameter("self", kind)]
    for f in fields:
        default = f.default if f.default is not MISSING else _FACTORY if f.default_factory is not MISSING else Parameter.empty
        parameters.append(Parameter(f.name, kind, default=default, annotation=f.type))
    return Signature(parameters, return_annotation=None, __validate_parameters__=False)


def _init(cls: type, fields: tuple[dataclasses.Field, ...]):
    """`__init__`, compiled as dataclasses does it: positional-or-keyword parameters in field
    order, defaults, default factories called per instance, `__post_init__` last; each field
    set through its slot's own setter (an import makes 200 000 records: 1.2 -> 0.6 µs for ten)."""
    local = {"__dataclass_builtins_object__": object, "__dataclass_factory__": _FACTORY}
    parameters, body = [], []
    for f in fields:
        local[f"__dataclass_type_{f.name}__"] = f.type
        value = f.name
        if f.default is not MISSING:
            local[f"__dataclass_dflt_{f.name}__"] = f.default
            parameters.append(f"{f.name}:__dataclass_type_{f.name}__=__dataclass_dflt_{f.name}__")
        elif f.default_factory is not MISSING:
            local[f"__dataclass_dflt_{f.name}__"] = f.default_factory
            parameters.append(f"{f.name}:__dataclass_type_{f.name}__=__dataclass_factory__")
            value = f"__dataclass_dflt_{f.name}__() if {f.name} is __dataclass_factory__ else {f.name}"
        else:
            parameters.append(f"{f.name}:__dataclass_type_{f.name}__")
        slot = cls.__dict__.get(f.name)
        if type(slot) is MemberDescriptorType:  # the field's slot set directly: what object.__setattr__
            local[f"__dataclass_set_{f.name}__"] = slot.__set__  # finds and calls, at half its cost
            body.append(f"  __dataclass_set_{f.name}__(self,{value})")
        else:
            body.append(f"  __dataclass_builtins_object__.__setattr__(self,{f.name!r},{value})")
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    source = (
        f"def __create_fn__({', '.join(local)}):\n"
        f" def __init__(self, {', '.join(parameters)}) -> None:\n" + ("\n".join(body) or "  pass") + "\n"
        " return __init__\n"
    )
    module = sys.modules.get(cls.__module__)
    namespace: dict = {}
    # Globals as dataclasses gives them; no `from __future__` flag of this module inherited.
    exec(compile(source, "<frozen>", "exec", dont_inherit=True), module.__dict__ if module else {}, namespace)
    init = namespace["__create_fn__"](**local)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def build(cls: type, values: dict):
    """`cls(**values)` for a class made by `frozen`, without compiling its `__init__`: the same
    fields set, defaults and factories filled in, `__post_init__` run last, and the TypeError
    `__init__` raises for a name that is no field or a field without a value. For data read in
    bulk (the terms, a dozen classes made once each per run: 0.1 ms a compile); tests/test_frozen.py
    holds it to `cls(**values)`."""
    obj = object.__new__(cls)
    used = 0
    for f in dataclasses.fields(cls):
        if f.name in values:
            value = values[f.name]
            used += 1
        elif f.default is not MISSING:
            value = f.default
        elif f.default_factory is not MISSING:
            value = f.default_factory()
        else:
            raise TypeError(f"{cls.__qualname__}.__init__() missing 1 required argument: {f.name!r}")
        object.__setattr__(obj, f.name, value)
    if used < len(values):
        unknown = next(name for name in values if name not in cls.__dataclass_fields__)
        raise TypeError(f"{cls.__qualname__}.__init__() got an unexpected keyword argument {unknown!r}")
    if hasattr(cls, "__post_init__"):
        obj.__post_init__()
    return obj

