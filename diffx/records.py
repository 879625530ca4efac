"""`dataclass` and `field` as the standard library has them, minus their start-up cost.

`dataclasses.dataclass` writes the source of `__init__`, `__repr__`,
`__eq__`, `__hash__` and a frozen class's `__setattr__` for every class
and compiles it: about 0.7 ms a class, and the command line creates some
twenty classes before it prints anything. This decorator makes the same
class from closures instead, with nothing compiled: the same
`__dataclass_fields__` (so `dataclasses.replace`, `fields`, `asdict` and
`is_dataclass` work on it), the same constructor arguments and errors, the
same repr, equality (a tuple of the compared fields, as Python 3.11's),
hashing rules and frozen-ness (`FrozenInstanceError`), `__post_init__` and
`__match_args__`. A class it does not cover (`slots`, `order`,
`unsafe_hash`, its own `__slots__`, a dataclass base, annotations that are
not strings, `ClassVar`/`InitVar`/`KW_ONLY` ones) is handed to
`dataclasses.dataclass` unchanged. Instances cost a little more to make
(about 1 µs): it is for classes made a few times a run, not per node.
"""
from __future__ import annotations

import dataclasses
import reprlib
from dataclasses import MISSING, Field, FrozenInstanceError, field  # noqa: F401 - field is this module's API too

_COVERED = {"init", "repr", "eq", "frozen", "kw_only"}


def dataclass(cls=None, /, **settings):
    """`@dataclass` or `@dataclass(frozen=True, kw_only=True, ...)`, as `dataclasses.dataclass`."""
    def wrap(c):
        if not _covered(c, settings):
            return dataclasses.dataclass(c, **settings)
        return _build(c, settings.get("init", True), settings.get("repr", True), settings.get("eq", True),
                      settings.get("frozen", False), settings.get("kw_only", False))
    return wrap if cls is None else wrap(cls)


def _covered(cls, settings) -> bool:
    if not set(settings) <= _COVERED or "__slots__" in cls.__dict__ or \
            any(hasattr(b, "__dataclass_fields__") for b in cls.__mro__[1:]):
        return False
    notes = cls.__dict__.get("__annotations__", {}).values()
    return all(isinstance(t, str) and not any(w in t for w in ("ClassVar", "InitVar", "KW_ONLY")) for t in notes)


def _fields(cls, kw_only: bool) -> dict[str, Field]:
    out = {}
    for name, kind in cls.__dict__.get("__annotations__", {}).items():
        default = cls.__dict__.get(name, MISSING)
        f = default if isinstance(default, Field) else field(default=default)
        f.name, f.type, f._field_type = name, kind, dataclasses._FIELD
        if f.kw_only is MISSING:
            f.kw_only = kw_only
        if f.default.__class__.__hash__ is None:     # a list, dict or set shared by every instance: refused
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed: use default_factory")
        if isinstance(default, Field):           # the class attribute is the default, as dataclasses leaves it
            if f.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        out[name] = f
    return out


def _build(cls, init: bool, repr_: bool, eq: bool, frozen: bool, kw_only: bool):
    fields = _fields(cls, kw_only)
    own = cls.__dict__

    def new(name, fn):                           # a method the class body wrote itself is kept
        if name not in own:
            fn.__qualname__ = f"{cls.__qualname__}.{name}"
            setattr(cls, name, fn)

    if init:
        new("__init__", _init(cls, fields, frozen))
        if "__init__" not in own or own["__init__"].__module__ == __name__:
            signature = _signature(fields)
            cls.__init__.__signature__ = signature
            if cls.__doc__ is None:              # as dataclasses: the class's call, for help()
                cls.__doc__ = cls.__name__ + str(signature.replace(parameters=list(
                    signature.parameters.values())[1:])).replace(" -> None", "")
    if repr_:
        shown = tuple(n for n, f in fields.items() if f.repr)

        def __repr__(self):
            return f"{self.__class__.__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in shown)})"
        new("__repr__", reprlib.recursive_repr()(__repr__))
    compared = tuple(n for n, f in fields.items() if f.compare)
    if eq:
        def __eq__(self, other):
            if other.__class__ is self.__class__:
                return tuple(getattr(self, n) for n in compared) == tuple(getattr(other, n) for n in compared)
            return NotImplemented
        new("__eq__", __eq__)
    if frozen:
        def __setattr__(self, name, value):
            if type(self) is cls or name in fields:
                raise FrozenInstanceError(f"cannot assign to field {name!r}")
            super(cls, self).__setattr__(name, value)

        def __delattr__(self, name):
            if type(self) is cls or name in fields:
                raise FrozenInstanceError(f"cannot delete field {name!r}")
            super(cls, self).__delattr__(name)
        for name, fn in (("__setattr__", __setattr__), ("__delattr__", __delattr__)):
            if name in own:
                raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
            new(name, fn)
    if eq and "__hash__" not in own:
        if frozen:
            hashed = tuple(n for n, f in fields.items() if (f.compare if f.hash is None else f.hash))

            def __hash__(self):
                return hash(tuple(getattr(self, n) for n in hashed))
            new("__hash__", __hash__)
        else:
            cls.__hash__ = None                  # mutable and compared by value: unhashable, as dataclasses does
    cls.__dataclass_fields__ = fields
    cls.__dataclass_params__ = _params(init=init, repr=repr_, eq=eq, frozen=frozen, kw_only=kw_only)
    if "__match_args__" not in own:
        cls.__match_args__ = tuple(n for n, f in fields.items() if f.init and not f.kw_only)
    return cls


def _signature(fields: dict[str, Field]):
    """`(self, a: 'int', b: 'str' = 'x', *, c: 'list' = <factory>) -> None`, the generated `__init__`'s."""
    import inspect                               # dataclasses has loaded it already
    P = inspect.Parameter
    taken = [f for f in fields.values() if f.init]
    params = [P("self", P.POSITIONAL_OR_KEYWORD)]
    for f in sorted(taken, key=lambda f: bool(f.kw_only)):
        default = f.default if f.default is not MISSING else \
            dataclasses._HAS_DEFAULT_FACTORY if f.default_factory is not MISSING else P.empty
        params.append(P(f.name, P.KEYWORD_ONLY if f.kw_only else P.POSITIONAL_OR_KEYWORD, default=default,
                        annotation=f.type))
    return inspect.Signature(params, return_annotation=None)


def _params(**given):
    made = dataclasses._DataclassParams
    code = made.__init__.__code__
    wanted = code.co_varnames[1:code.co_argcount]
    return made(*(given.get(n, n == "match_args") for n in wanted))


def _init(cls, fields: dict[str, Field], frozen: bool):
    """An `__init__(self, a, b=1, *, c)` that binds its arguments as the generated one would."""
    taken = [f for f in fields.values() if f.init]
    positional = tuple(f.name for f in taken if not f.kw_only)
    accepted = frozenset(f.name for f in taken)
    # (name, default, factory, init) for every field, in order; a non-init field takes its default or factory
    plan = tuple((f.name, f.default, f.default_factory, f.init) for f in fields.values())
    post = getattr(cls, "__post_init__", None) is not None
    # values go straight into the instance's __dict__ where that is what assignment would do (no __setattr__ of
    # the class's own, no property named like a field); else one assignment each, as the generated code does
    direct = not any(hasattr(type(getattr(cls, n, None)), "__set__") for n in fields) and (
        frozen or cls.__setattr__ is object.__setattr__)
    put = object.__setattr__ if frozen else setattr
    name = cls.__qualname__

    def __init__(self, *args, **kwargs):
        if args:
            if len(args) > len(positional):
                raise TypeError(f"{name}.__init__() takes {len(positional) + 1} positional arguments "
                                f"but {len(args) + 1} were given")
            for key, value in zip(positional, args):
                if key in kwargs:
                    raise TypeError(f"{name}.__init__() got multiple values for argument {key!r}")
                kwargs[key] = value
        if not accepted.issuperset(kwargs):
            key = next(k for k in kwargs if k not in accepted)
            raise TypeError(f"{name}.__init__() got an unexpected keyword argument {key!r}")
        values = {}
        for key, default, make, init in plan:
            if init and key in kwargs:
                values[key] = kwargs[key]
            elif default is not MISSING:
                values[key] = default
            elif make is not MISSING:
                values[key] = make()
            elif init:
                missing = [k for k, d, m, i in plan if i and k not in kwargs and d is MISSING and m is MISSING]
                raise TypeError(f"{name}.__init__() missing {len(missing)} required argument"
                                f"{'s' if len(missing) > 1 else ''}: {', '.join(repr(k) for k in missing)}")
        if direct:
            self.__dict__.update(values)
        else:
            for key, value in values.items():
                put(self, key, value)
        if post:
            self.__post_init__()
    return __init__
