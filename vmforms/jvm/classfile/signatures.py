"""Descriptors (JVMS 17 4.3) and generic signatures (JVMS 17 4.7.9.1) as Java source types.

The renderings follow javap: `java/util/List<? extends T>`, `int[]`, nested classes of
generic outers as `Outer<T>.Inner`, type parameters with `extends` bounds (an Object
class bound is left out). Class names keep their slashes; javap turns them into dots
everywhere but in a generic throws clause, so callers do that with `java_name`.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmforms.jvm.errors import JvmError

BASE_TYPES = {
    "B": "byte", "C": "char", "D": "double", "F": "float", "I": "int", "J": "long",
    "S": "short", "Z": "boolean", "V": "void",
}


class SignatureError(JvmError):
    """A descriptor or signature string that breaks the grammar of JVMS 4.3 or 4.7.9.1."""

    def __init__(self, text: str, pos: int, problem: str) -> None:
        super().__init__(f"bad signature {text!r} at character {pos}: {problem}")


@dataclass(frozen=True, slots=True)
class MethodSignature:
    """A method descriptor or signature rendered piecewise, in Java source form."""

    type_parameters: tuple[str, ...]
    parameters: tuple[str, ...]
    return_type: str
    throws: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClassSignature:
    type_parameters: tuple[str, ...]
    superclass: str
    superclass_is_object: bool
    interfaces: tuple[str, ...]


_MAX_DEPTH = 100  # nesting of type arguments; JVMS 4.3.2 caps array dimensions at 255


class _Parser:
    __slots__ = ("s", "i", "depth", "keep_object")

    def __init__(self, s: str, keep_object: bool = False) -> None:
        self.s = s
        self.i = 0
        self.depth = 0
        self.keep_object = keep_object  # javap -v shows `T extends java.lang.Object`

    def fail(self, problem: str) -> SignatureError:
        return SignatureError(self.s, self.i, problem)

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            raise self.fail(f"expected {ch!r}")
        self.i += 1

    def identifier(self, stops: str) -> str:
        s, start = self.s, self.i
        n = len(s)
        i = start
        while i < n and s[i] not in stops:
            i += 1
        if i == start:
            raise self.fail("empty identifier")
        self.i = i
        return s[start:i]

    def field_type(self, void_ok: bool = False) -> str:
        c = self.peek()
        if c in BASE_TYPES and c and (c != "V" or void_ok):
            self.i += 1
            return BASE_TYPES[c]
        if c == "[":
            dims = 0
            while self.peek() == "[":
                self.i += 1
                dims += 1
            if dims > 255:
                raise self.fail("more than 255 array dimensions")
            return self.field_type() + "[]" * dims
        if c == "L":
            return self.class_type()[0]
        if c == "T":
            self.i += 1
            name = self.identifier(";<>.:/[")
            self.expect(";")
            return name
        raise self.fail("expected a type")

    def class_type(self) -> tuple[str, bool]:
        """Return the rendering and whether it is plain java.lang.Object."""
        self.expect("L")
        name = self.identifier(";<.")
        out = [name]
        plain = True
        while True:
            c = self.peek()
            if c == "<":
                out.append(self.type_arguments())
                plain = False
                c = self.peek()
            if c == ".":
                self.i += 1
                out.append("." + self.identifier(";<."))
                plain = False
                continue
            self.expect(";")
            break
        text = "".join(out)
        return text, plain and text == "java/lang/Object"

    def type_arguments(self) -> str:
        self.expect("<")
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.fail("type arguments nested too deeply")
        args = []
        while self.peek() != ">":
            c = self.peek()
            if c == "*":
                self.i += 1
                args.append("?")
            elif c == "+":
                self.i += 1
                args.append("? extends " + self.field_type())
            elif c == "-":
                self.i += 1
                args.append("? super " + self.field_type())
            elif c in ("L", "T", "["):
                args.append(self.field_type())
            else:
                raise self.fail("expected a type argument")
        self.i += 1
        self.depth -= 1
        if not args:
            raise self.fail("empty type arguments")
        return "<" + ", ".join(args) + ">"

    def type_parameters(self) -> tuple[str, ...]:
        if self.peek() != "<":
            return ()
        self.i += 1
        params = []
        while self.peek() != ">":
            name = self.identifier(":>;")
            self.expect(":")
            bounds = []
            if self.peek() not in (":", ""):
                text = self.field_type()
                if text != "java/lang/Object" or self.keep_object:
                    bounds.append(text)
            while self.peek() == ":":
                self.i += 1
                bounds.append(self.field_type())
            params.append(name + (" extends " + " & ".join(bounds) if bounds else ""))
        self.i += 1
        if not params:
            raise self.fail("empty type parameters")
        return tuple(params)

    def end(self) -> None:
        if self.i != len(self.s):
            raise self.fail("trailing characters")


def java_name(text: str) -> str:
    return text.replace("/", ".")


def field_type(descriptor_or_signature: str) -> str:
    """`[Ljava/lang/String;` -> `java.lang.String[]`; also a field's generic signature."""
    p = _Parser(descriptor_or_signature)
    text = p.field_type()
    p.end()
    return text.replace("/", ".")


def method_signature(text: str, keep_object: bool = False) -> MethodSignature:
    """A method descriptor or generic method signature, piece by piece; only the throws
    clause keeps slashes in class names. `keep_object` keeps Object class bounds."""
    p = _Parser(text, keep_object)
    tparams = p.type_parameters()
    p.expect("(")
    params = []
    while p.peek() != ")":
        if not p.peek():
            raise p.fail("unterminated parameter list")
        params.append(p.field_type())
    p.i += 1
    ret = p.field_type(void_ok=True)
    throws = []
    while p.peek() == "^":
        p.i += 1
        throws.append(p.field_type())
    p.end()
    return MethodSignature(tuple(java_name(t) for t in tparams),
                           tuple(java_name(t) for t in params), java_name(ret), tuple(throws))


def class_signature(text: str, keep_object: bool = False) -> ClassSignature:
    p = _Parser(text, keep_object)
    tparams = p.type_parameters()
    sup, is_object = p.class_type()
    interfaces = []
    while p.peek():
        interfaces.append(p.class_type()[0])
    return ClassSignature(tuple(java_name(t) for t in tparams), java_name(sup), is_object,
                          tuple(java_name(t) for t in interfaces))
