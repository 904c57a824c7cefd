"""MethodHandle combinators (java.lang.invoke.MethodHandles and MethodHandle's own
adapters) over the host handles of methodhandles.py: each builds a new Handle whose
function calls the ones it combines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.heap import JArray, JavaThrowable, JObject
from vmforms.jvm.runtime.natives import override
from vmforms.jvm.runtime.natives.methodhandles import (
    MH,
    Handle,
    adapt,
    as_type,
    converter,
    descriptor_of,
    handle_of,
    invoke_with,
    new_handle,
    type_desc,
)
from vmforms.jvm.runtime.resolve import is_assignable

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JClass
    from vmforms.jvm.runtime.vm import JThread

MHS = "java/lang/invoke/MethodHandles"
_H = "Ljava/lang/invoke/MethodHandle;"


def _desc(args: list[str], ret: str) -> str:
    return f"({''.join(args)}){ret}"


def _iae(th: JThread, msg: str) -> None:
    th.vm.throw(th, "java/lang/IllegalArgumentException", msg)


def _value(th: JThread, d: str, v: Any) -> Any:
    """A boxed argument as a value of type `d` (the conversions of insertArguments)."""
    c = converter(th, "Ljava/lang/Object;", d)
    if c is False:
        th.vm.throw(th, "java/lang/ClassCastException", "Cannot cast to " + d)
    if d[0] in "L[":
        if v is not None and not is_assignable(v.klass, _class(th, d)):
            th.vm.throw(th, "java/lang/ClassCastException",
                        f"Cannot cast {v.klass.java_name} to {_class(th, d).java_name}")
        return v
    return c(th, v) if c is not None and c is not True else v  # type: ignore[operator]


def _class(th: JThread, d: str) -> JClass:
    from vmforms.jvm.runtime.natives.methodhandles import class_of

    return class_of(th, d)


def bind_to(th: JThread, h: Handle, x: Any) -> JObject:
    if not h.args or h.args[0][0] not in "L[":
        _iae(th, "no leading reference parameter: " + repr(x))
    v = _value(th, h.args[0], x)
    fn = h.fn
    return new_handle(th, lambda th, vals: fn(th, [v, *vals]), _desc(h.args[1:], h.ret))


@override(MH, "bindTo(Ljava/lang/Object;)" + _H)
def _bind_to(th: JThread, a: list[Any]) -> Any:
    return bind_to(th, handle_of(th, a[0]), a[1])


@override(MH, "asType(Ljava/lang/invoke/MethodType;)" + _H)
def _as_type(th: JThread, a: list[Any]) -> Any:
    h = handle_of(th, a[0])
    desc = type_desc(a[1])
    if desc == h.desc:
        return a[0]
    return new_handle(th, as_type(th, h, desc), desc, a[1])


@override(MH, "invokeWithArguments([Ljava/lang/Object;)Ljava/lang/Object;")
def _invoke_with_arguments(th: JThread, a: list[Any]) -> Any:
    return invoke_with(th, handle_of(th, a[0]), list(a[1].data) if a[1] is not None else [])


@override(MH, "invokeWithArguments(Ljava/util/List;)Ljava/lang/Object;")
def _invoke_with_list(th: JThread, a: list[Any]) -> Any:
    arr = th.vm.call_virtual(th, a[1], "toArray", "()[Ljava/lang/Object;")
    return invoke_with(th, handle_of(th, a[0]), list(arr.data))


def collect(th: JThread, h: Handle, pos: int, count: int) -> Handle:
    """`h` with its array parameter at `pos` fed by `count` separate arguments."""
    arr = h.args[pos]
    if arr[0] != "[":
        _iae(th, "not an array type: " + arr)
    elem = arr[1:]
    fn = h.fn
    vm = th.vm

    def call(th: JThread, xs: list[Any]) -> Any:
        packed = vm.new_array(arr, list(xs[pos:pos + count]))
        return fn(th, [*xs[:pos], packed, *xs[pos + count:]])
    return Handle(call, _desc(h.args[:pos] + [elem] * count + h.args[pos + 1:], h.ret))


def _spread(th: JThread, h: Handle, pos: int, arr: str, count: int) -> JObject:
    if arr[0] != "[" or not 0 <= pos <= len(h.args) - count:
        _iae(th, "bad spread array type or count")
    convs = [converter(th, arr[1:], d) for d in h.args[pos:pos + count]]
    if any(c is False for c in convs):
        _iae(th, "array elements do not convert to the parameters")
    fn = h.fn

    def call(th: JThread, xs: list[Any]) -> Any:
        packed = xs[pos]
        items = list(packed.data) if packed is not None else []
        if len(items) != count:
            _iae(th, f"array is not of length {count}")
        vals = [c(th, v) if c else v  # type: ignore[operator]
                for c, v in zip(convs, items, strict=True)]
        return fn(th, [*xs[:pos], *vals, *xs[pos + 1:]])
    return new_handle(th, call, _desc(h.args[:pos] + [arr] + h.args[pos + count:], h.ret))


@override(MH, f"asSpreader(Ljava/lang/Class;I){_H}")
def _as_spreader(th: JThread, a: list[Any]) -> Any:
    h = handle_of(th, a[0])
    return _spread(th, h, len(h.args) - a[2], descriptor_of(a[1].native), a[2])


@override(MH, f"asSpreader(ILjava/lang/Class;I){_H}")
def _as_spreader_at(th: JThread, a: list[Any]) -> Any:
    return _spread(th, handle_of(th, a[0]), a[1], descriptor_of(a[2].native), a[3])


@override(MH, f"asCollector(Ljava/lang/Class;I){_H}")
def _as_collector(th: JThread, a: list[Any]) -> Any:
    h = handle_of(th, a[0])
    c = collect(th, h, len(h.args) - 1, a[2])
    return new_handle(th, c.fn, c.desc)


@override(MH, f"asCollector(ILjava/lang/Class;I){_H}")
def _as_collector_at(th: JThread, a: list[Any]) -> Any:
    c = collect(th, handle_of(th, a[0]), a[1], a[3])
    return new_handle(th, c.fn, c.desc)


@override(MH, "isVarargsCollector()Z")
def _is_varargs(th: JThread, a: list[Any]) -> Any:
    return 1 if handle_of(th, a[0]).varargs else 0


def _with_varargs(th: JThread, mh: JObject, on: bool) -> JObject:
    h = handle_of(th, mh)
    if on == h.varargs:
        return mh
    if on and (not h.args or h.args[-1][0] != "["):
        _iae(th, "not an array class: " + (h.args[-1] if h.args else "()"))
    return new_handle(th, h.fn, h.desc, varargs=on)


override(MH, f"asVarargsCollector(Ljava/lang/Class;){_H}")(
    lambda th, a: _with_varargs(th, a[0], True))
override(MH, f"withVarargs(Z){_H}")(lambda th, a: _with_varargs(th, a[0], bool(a[1])))
override(MH, f"asFixedArity(){_H}")(lambda th, a: _with_varargs(th, a[0], False))


@override(MHS, f"insertArguments({_H}I[Ljava/lang/Object;){_H}")
def _insert_arguments(th: JThread, a: list[Any]) -> Any:
    h = handle_of(th, a[0])
    pos: int = a[1]
    values = list(a[2].data)
    if not 0 <= pos <= len(h.args) - len(values):
        _iae(th, "too many values to insert")
    vals = [_value(th, d, v) for d, v in zip(h.args[pos:pos + len(values)], values,
                                                strict=True)]
    fn = h.fn
    rest = h.args[:pos] + h.args[pos + len(values):]
    return new_handle(th, lambda th, xs: fn(th, [*xs[:pos], *vals, *xs[pos:]]),
                      _desc(rest, h.ret))


def _drop(th: JThread, mh: Any, pos: int, types: list[Any]) -> JObject:
    h = handle_of(th, mh)
    if not 0 <= pos <= len(h.args):
        _iae(th, f"bad argument count {pos}")
    added = [descriptor_of(t.native) for t in types]
    n = len(added)
    fn = h.fn
    return new_handle(th, lambda th, xs: fn(th, [*xs[:pos], *xs[pos + n:]]),
                      _desc(h.args[:pos] + added + h.args[pos:], h.ret))


@override(MHS, f"dropArguments({_H}I[Ljava/lang/Class;){_H}")
def _drop_arguments(th: JThread, a: list[Any]) -> Any:
    return _drop(th, a[0], a[1], list(a[2].data))


@override(MHS, f"dropArguments({_H}ILjava/util/List;){_H}")
def _drop_arguments_list(th: JThread, a: list[Any]) -> Any:
    arr = th.vm.call_virtual(th, a[2], "toArray", "()[Ljava/lang/Object;")
    return _drop(th, a[0], a[1], list(arr.data))


@override(MHS, f"filterReturnValue({_H}{_H}){_H}")
def _filter_return(th: JThread, a: list[Any]) -> Any:
    t, f = handle_of(th, a[0]), handle_of(th, a[1])
    want = [] if t.ret == "V" else [t.ret]
    if f.args != want:
        _iae(th, "target and filter types do not match")
    tf, ff = t.fn, f.fn
    if t.ret == "V":
        return new_handle(th, lambda th, xs: (tf(th, xs), ff(th, []))[1], _desc(t.args, f.ret))
    return new_handle(th, lambda th, xs: ff(th, [tf(th, xs)]), _desc(t.args, f.ret))


@override(MHS, f"filterArguments({_H}I[{_H}){_H}")
def _filter_arguments(th: JThread, a: list[Any]) -> Any:
    t = handle_of(th, a[0])
    pos: int = a[1]
    filters = [(pos + i, handle_of(th, f)) for i, f in enumerate(a[2].data) if f is not None]
    args = list(t.args)
    for i, f in filters:
        if i >= len(args) or len(f.args) != 1 or f.ret != args[i]:
            _iae(th, "target and filter types do not match")
        args[i] = f.args[0]
    tf = t.fn

    def call(th: JThread, xs: list[Any]) -> Any:
        xs = list(xs)
        for i, f in filters:
            xs[i] = f.fn(th, [xs[i]])
        return tf(th, xs)
    return new_handle(th, call, _desc(args, t.ret))


@override(MHS, f"constant(Ljava/lang/Class;Ljava/lang/Object;){_H}")
def _constant(th: JThread, a: list[Any]) -> Any:
    d = descriptor_of(a[0].native)
    if d == "V":
        _iae(th, "void type")
    v = _value(th, d, a[1])
    return new_handle(th, lambda th, xs: v, f"(){d}")


@override(MHS, f"identity(Ljava/lang/Class;){_H}")
def _identity(th: JThread, a: list[Any]) -> Any:
    d = descriptor_of(a[0].native)
    if d == "V":
        _iae(th, "void type")
    return new_handle(th, lambda th, xs: xs[0], f"({d}){d}")


@override(MHS, f"guardWithTest({_H}{_H}{_H}){_H}")
def _guard_with_test(th: JThread, a: list[Any]) -> Any:
    test, target, fallback = (handle_of(th, x) for x in a[:3])
    if test.ret != "Z" or target.desc != fallback.desc or \
            target.args[:len(test.args)] != test.args:
        _iae(th, "target, fallback and test types do not match")
    n = len(test.args)
    tf, gf, ff = test.fn, target.fn, fallback.fn
    return new_handle(th, lambda th, xs: gf(th, xs) if tf(th, xs[:n]) else ff(th, xs),
                      target.desc)


@override(MHS, f"permuteArguments({_H}Ljava/lang/invoke/MethodType;[I){_H}")
def _permute(th: JThread, a: list[Any]) -> Any:
    h = handle_of(th, a[0])
    desc = type_desc(a[1])
    order = list(a[2].data)
    if len(order) != len(h.args):
        _iae(th, "bad reorder array")
    fn = h.fn
    return new_handle(th, lambda th, xs: fn(th, [xs[i] for i in order]), desc, a[1])


def _fold(th: JThread, t: Handle, pos: int, c: Handle) -> JObject:
    keep = 0 if c.ret == "V" else 1
    n = len(c.args)
    if keep and (pos >= len(t.args) or t.args[pos] != c.ret):
        _iae(th, "target and combiner types do not match")
    rest = t.args[:pos] + t.args[pos + keep:]
    tf, cf = t.fn, c.fn

    def call(th: JThread, xs: list[Any]) -> Any:
        r = cf(th, xs[pos:pos + n])
        return tf(th, [*xs[:pos], r, *xs[pos:]] if keep else xs)
    return new_handle(th, call, _desc(rest, t.ret))


@override(MHS, f"foldArguments({_H}{_H}){_H}")
def _fold_arguments(th: JThread, a: list[Any]) -> Any:
    return _fold(th, handle_of(th, a[0]), 0, handle_of(th, a[1]))


@override(MHS, f"foldArguments({_H}I{_H}){_H}")
def _fold_arguments_at(th: JThread, a: list[Any]) -> Any:
    return _fold(th, handle_of(th, a[0]), a[1], handle_of(th, a[2]))


def _zero_of(d: str) -> Any:
    return None if d[0] in "L[" or d == "V" else 0.0 if d in "FD" else 0


@override(MHS, f"empty(Ljava/lang/invoke/MethodType;){_H}")
def _empty(th: JThread, a: list[Any]) -> Any:
    desc = type_desc(a[0])
    z = _zero_of(desc[desc.index(")") + 1:])
    return new_handle(th, lambda th, xs: z, desc, a[0])


@override(MHS, f"zero(Ljava/lang/Class;){_H}")
def _zero(th: JThread, a: list[Any]) -> Any:
    d = descriptor_of(a[0].native)
    z = _zero_of(d)
    return new_handle(th, lambda th, xs: z, f"(){d}")


@override(MHS, f"catchException({_H}Ljava/lang/Class;{_H}){_H}")
def _catch_exception(th: JThread, a: list[Any]) -> Any:
    t, ex, hd = handle_of(th, a[0]), a[1].native, handle_of(th, a[2])
    n = len(hd.args) - 1
    tf, hf = t.fn, hd.fn

    def call(th: JThread, xs: list[Any]) -> Any:
        try:
            return tf(th, xs)
        except JavaThrowable as exc:
            if not exc.obj.klass.is_subclass_of(ex):
                raise
            return hf(th, [exc.obj, *xs[:n]])
    return new_handle(th, call, t.desc)


@override(MHS, f"throwException(Ljava/lang/Class;Ljava/lang/Class;){_H}")
def _throw_exception(th: JThread, a: list[Any]) -> Any:
    def call(th: JThread, xs: list[Any]) -> Any:
        if xs[0] is None:
            th.vm.throw(th, "java/lang/NullPointerException")
        raise JavaThrowable(xs[0])
    return new_handle(th, call, f"({descriptor_of(a[1].native)}){descriptor_of(a[0].native)}")


def _array_class(th: JThread, mirror: Any) -> JClass:
    k: JClass = mirror.native
    if not k.is_array:
        _iae(th, f"not an array class: {k.java_name}")
    return k


def _element(th: JThread, arr: JArray | None, i: int) -> None:
    if arr is None:
        th.vm.throw(th, "java/lang/NullPointerException")
    assert arr is not None
    if not 0 <= i < len(arr.data):
        th.vm.throw(th, "java/lang/ArrayIndexOutOfBoundsException",
                    f"Index {i} out of bounds for length {len(arr.data)}")


@override(MHS, f"arrayElementGetter(Ljava/lang/Class;){_H}")
def _array_getter(th: JThread, a: list[Any]) -> Any:
    k = _array_class(th, a[0])

    def get(th: JThread, xs: list[Any]) -> Any:
        _element(th, xs[0], xs[1])
        return xs[0].data[xs[1]]
    return new_handle(th, get, f"({k.name}I){k.element}")


@override(MHS, f"arrayElementSetter(Ljava/lang/Class;){_H}")
def _array_setter(th: JThread, a: list[Any]) -> Any:
    k = _array_class(th, a[0])

    def put(th: JThread, xs: list[Any]) -> Any:
        _element(th, xs[0], xs[1])
        if xs[2] is not None and k.element[0] in "L[":
            from vmforms.jvm.interp.link import array_store_check

            array_store_check(th, xs[0], xs[2])
        xs[0].data[xs[1]] = xs[2]
    return new_handle(th, put, f"({k.name}I{k.element})V")


@override(MHS, f"arrayLength(Ljava/lang/Class;){_H}")
def _array_length(th: JThread, a: list[Any]) -> Any:
    k = _array_class(th, a[0])

    def length(th: JThread, xs: list[Any]) -> Any:
        if xs[0] is None:
            th.vm.throw(th, "java/lang/NullPointerException")
        return len(xs[0].data)
    return new_handle(th, length, f"({k.name})I")


@override(MHS, f"arrayConstructor(Ljava/lang/Class;){_H}")
def _array_constructor(th: JThread, a: list[Any]) -> Any:
    k = _array_class(th, a[0])

    def make(th: JThread, xs: list[Any]) -> Any:
        from vmforms.jvm.interp.link import new_array

        return new_array(th, k.name, [xs[0]])
    return new_handle(th, make, f"(I){k.name}")


def _invoker(exact: bool) -> Any:
    def make(th: JThread, a: list[Any]) -> Any:
        desc = type_desc(a[0])
        args, ret = desc[1:desc.index(")")], desc[desc.index(")") + 1:]

        def call(th: JThread, xs: list[Any]) -> Any:
            h = handle_of(th, xs[0])
            if h.desc == desc:
                return h.fn(th, xs[1:])
            if exact:
                from vmforms.jvm.runtime.natives.methodhandles import type_text, wrong_type

                wrong_type(th, f"expected {type_text(th, h.desc)} but found "
                               f"{type_text(th, desc)}")
            return as_type(th, h, desc)(th, xs[1:])
        return new_handle(th, call, f"({_H}{args}){ret}")
    return make


override(MHS, f"exactInvoker(Ljava/lang/invoke/MethodType;){_H}")(_invoker(True))
override(MHS, f"invoker(Ljava/lang/invoke/MethodType;){_H}")(_invoker(False))
__all__ = ["adapt"]
