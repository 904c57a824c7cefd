"""Refinements (CRuby vm_method.c, eval.c rb_mod_refine / rb_mod_using): Module#refine
makes a refinement module of a class's methods, `using` activates a module's refinements
in the lexical scope (the Cref) it runs in, for the code after it. A call whose Cref chain
has active refinements looks up, at each class of the receiver's ancestors, the active
refinements of that class first; `super` in a refined method reaches the class's own
method. Only call sites under an active refinement pay for it (they bypass the call-site
cache); Kernel#send sees refinements too, as ruby's."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.interp.frame import Cref
from vmforms.yarv.interp.objects import Method, RClass

REFINED = "__refined_class__"  # a refinement module's constant: the class it refines
OWN = "__refinements__"  # a module's constant: its refinement modules


# Methods the interpreter's opt_* shortcuts call without a lookup (ops.py, fastops.py,
# translate.py): refining one of them would be silently ignored, so it is refused.
_SHORTCUT = {
    "Integer": "+ - * / % < <= > >= == != succ", "Float": "+ - * / % < <= > >= == !=",
    "Array": "[] []= << size length empty?", "Hash": "[] []= size length empty?",
    "String": "<< == empty?", "Symbol": "==", "NilClass": "== ! nil?",
    "TrueClass": "== ! nil?", "FalseClass": "== ! nil?",
}


def active(cref: Cref | None) -> list[RClass]:
    """Refinement modules active in a lexical scope, innermost and latest first."""
    out: list[RClass] = []
    while cref is not None:
        if cref.refinements:
            out.extend(reversed(cref.refinements))
        cref = cref.parent
    return out


def find(vm: Any, cls: RClass, name: str, refs: list[RClass]) -> Method | None:
    for k in vm.ancestors(cls):
        for r in refs:
            if r.consts.get(REFINED) is k:
                m = r.methods.get(name)
                if m is not None and (m.fn is not None or m.iseq is not None):
                    return m  # type: ignore[no-any-return]
        m = k.methods.get(name)
        if m is not None:
            return m if m.fn is not None or m.iseq is not None else None
    return None


def refined_class(method: Method) -> RClass | None:
    """The class a refinement's method refines (for its `super`), else None."""
    owner = method.owner
    found = owner.consts.get(REFINED) if isinstance(owner, RClass) else None
    return found if isinstance(found, RClass) else None


def m_refine(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.core.objectmethods import _with_cref
    from vmforms.yarv.interp.loop import invoke_block

    if not s.is_module or s.is_singleton:
        vm.raise_error("NoMethodError", f"undefined method `refine' for {vm.inspect(s)}")
    if b is None:
        vm.raise_error("ArgumentError", "no block given")
    target = a[0] if a else None
    if not isinstance(target, RClass):
        vm.raise_error("TypeError", f"wrong argument type {vm.real_class(target).name} "
                       "(expected Class or Module)")
    assert isinstance(target, RClass)
    own: list[RClass] = s.consts.setdefault(OWN, [])
    r = next((x for x in own if x.consts.get(REFINED) is target), None)
    if r is None:
        r = RClass(None, None, is_module=True, meta=vm.cModule)
        r.name = f"#<refinement:{target.name}@{s.name}>"
        r.consts[REFINED] = target
        own.append(r)
    _with_cref(vm, r, b, lambda: invoke_block(vm, b, [], None, self_=r))
    return r


def using(vm: Any, mod: Any, where: str) -> None:
    from vmforms.yarv.interp.evals import caller_frame

    if not isinstance(mod, RClass) or not mod.is_module:
        vm.raise_error("TypeError", f"wrong argument type {vm.real_class(mod).name} "
                       "(expected Module)")
    f = caller_frame(vm)
    cref = f.cref
    if where == "main.using" and (f.method is not None or cref.parent is not None):
        vm.raise_error("RuntimeError", "main.using is permitted only at toplevel")
    if f.method is not None:
        vm.raise_error("RuntimeError", f"{where} is not permitted in methods")
    refs = list(mod.consts.get(OWN, []))
    for r in refs:
        target = r.consts.get(REFINED)
        shortcut = _SHORTCUT.get(getattr(target, "name", None) or "", "").split()
        for name in r.methods:
            if name in shortcut:
                vm.raise_error("NotImplementedError", f"refining {target.name}#{name} is not "
                               "supported: the interpreter calls it without a lookup")
    if cref.refinements is None:
        cref.refinements = []
    cref.refinements.extend(r for r in refs if r not in cref.refinements)
    vm.refined = True
    vm.serial += 1  # call-site caches filled before this no longer hold


def install(vm: Any) -> None:
    def mod_using(vm: Any, s: Any, a: list[Any], blk: Any) -> Any:
        using(vm, a[0], "Module#using")
        return s

    def main_using(vm: Any, s: Any, a: list[Any], blk: Any) -> Any:
        using(vm, a[0], "main.using")
        return s
    vm.builtin(vm.cModule, "refine", m_refine, visibility="private")
    vm.builtin(vm.cModule, "using", mod_using, 1, visibility="private")
    vm.builtin(vm.singleton_class(vm.main), "using", main_using, 1, visibility="private")
