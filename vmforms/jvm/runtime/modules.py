"""The module graph as the host sees it (JLS 7.7, JVMS 4.7.25, java.lang.module): each
module's declaration read from its module-info class, and which modules the boot layer
holds (JDK 17 ModuleBootstrap with DefaultRoots: the root modules, what they require,
and the providers of every service a resolved module uses)."""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass

from vmforms.jvm.classfile import parse_class
from vmforms.jvm.classfile.attributes import (
    ModuleMainClassAttribute,
    ModulePackagesAttribute,
    UnknownAttribute,
)
from vmforms.jvm.classfile.constants import ConstantModule, ConstantPackage, ConstantPool
from vmforms.jvm.classfile.module import ModuleAttribute
from vmforms.jvm.errors import JvmError

ACC_OPEN = 0x0020
ACC_TRANSITIVE = 0x0020
ACC_STATIC_PHASE = 0x0040
MAX_MODULE_INFO = 1 << 20  # bytes read of one module-info.class


@dataclass(frozen=True, slots=True)
class Requires:
    name: str
    flags: int
    version: str | None


@dataclass(frozen=True, slots=True)
class Export:
    """An `exports` or `opens` directive: the package (dotted) and its target modules."""

    package: str
    flags: int
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    name: str
    flags: int
    version: str | None
    requires: tuple[Requires, ...]
    exports: tuple[Export, ...]
    opens: tuple[Export, ...]
    uses: tuple[str, ...]
    provides: tuple[tuple[str, tuple[str, ...]], ...]  # service -> providers (dotted)
    packages: frozenset[str]
    main_class: str | None
    location: str  # jrt:/name, or the module path entry it came from

    @property
    def is_open(self) -> bool:
        return bool(self.flags & ACC_OPEN)

    def allows(self, package: str, other: str | None, open_only: bool) -> bool:
        """Whether the declaration exports (or opens) `package` to module `other`
        (None: an unnamed module)."""
        if self.is_open:
            return package in self.packages
        directives = self.opens if open_only else self.opens + self.exports
        for d in directives:
            if d.package == package and (not d.targets or other in d.targets):
                return True
        return False


def _dotted(name: str) -> str:
    return name.replace("/", ".")


def read_module_info(data: bytes, location: str,
                     packages: frozenset[str] | None = None) -> ModuleInfo:
    """A module's declaration from its module-info.class bytes; `packages` stands in when
    the class has no ModulePackages attribute (javac writes none: the packages are the
    directories holding classes)."""
    cf = parse_class(data, location)
    attr = cf.attribute(ModuleAttribute)
    if attr is None:
        raise JvmError(f"read module-info of {location}: no Module attribute")
    cp: ConstantPool = cf.constant_pool

    def module(i: int) -> str:
        return cp.utf8(cp.get(i, ConstantModule).name_index)

    def package(i: int) -> str:
        return _dotted(cp.utf8(cp.get(i, ConstantPackage).name_index))

    def opt(i: int) -> str | None:
        return cp.utf8(i) if i else None

    pk = cf.attribute(ModulePackagesAttribute)
    mc = cf.attribute(ModuleMainClassAttribute)
    found = frozenset(package(i) for i in pk.package_index) if pk is not None else None
    return ModuleInfo(
        name=module(attr.module_name_index), flags=attr.module_flags,
        version=opt(attr.module_version_index),
        requires=tuple(Requires(module(r.requires_index), r.requires_flags,
                                opt(r.requires_version_index)) for r in attr.requires),
        exports=tuple(Export(package(e.index), e.flags, tuple(module(t) for t in e.to_index))
                      for e in attr.exports),
        opens=tuple(Export(package(e.index), e.flags, tuple(module(t) for t in e.to_index))
                    for e in attr.opens),
        uses=tuple(_dotted(cp.class_name(u)) for u in attr.uses_index),
        provides=tuple((_dotted(cp.class_name(p.provides_index)),
                        tuple(_dotted(cp.class_name(w)) for w in p.provides_with_index))
                       for p in attr.provides),
        packages=found if found is not None else (packages or frozenset()),
        main_class=_dotted(cp.class_name(mc.main_class_index)) if mc is not None else None,
        location=location)


class ModuleGraph:
    """The system modules of a jimage plus the modules of a module path, read on first
    use; `layer` is the set of names the boot layer resolves."""

    def __init__(self, image: object, module_path: list[str] | None = None,
                 add_modules: list[str] | None = None, main_module: str | None = None) -> None:
        self.image = image
        self.infos: dict[str, ModuleInfo] = {}
        self.user: dict[str, str] = {}  # module path module -> its directory or jar
        self.user_packages: dict[str, str] = {}  # package (internal) -> module path module
        self.add_modules = list(add_modules or [])
        self.main_module = main_module
        self._layer: frozenset[str] | None = None
        self.missing: str | None = None  # the resolution failure, as FindException says it
        self._system: list[str] | None = None
        for entry in module_path or []:
            self._scan(entry)

    # -- the module path ------------------------------------------------------------------
    def _scan(self, entry: str) -> None:
        """A module path entry: an exploded module (a directory with module-info.class),
        a modular jar, or a directory of those."""
        if os.path.isfile(os.path.join(entry, "module-info.class")):
            self._add_exploded(entry)
        elif os.path.isdir(entry):
            for child in sorted(os.listdir(entry)):
                path = os.path.join(entry, child)
                if os.path.isfile(os.path.join(path, "module-info.class")):
                    self._add_exploded(path)
                elif child.endswith(".jar") and os.path.isfile(path):
                    self._add_jar(path)
        elif entry.endswith(".jar") and os.path.isfile(entry):
            self._add_jar(entry)

    def _add(self, info: ModuleInfo, where: str) -> None:
        if info.name in self.user:
            return  # the first of a name on the module path wins
        self.infos[info.name] = info
        self.user[info.name] = where
        for p in info.packages:
            self.user_packages.setdefault(p.replace(".", "/"), info.name)

    def _add_exploded(self, path: str) -> None:
        with open(os.path.join(path, "module-info.class"), "rb") as f:
            data = f.read(MAX_MODULE_INFO)
        pkgs: set[str] = set()
        for root, _dirs, files in os.walk(path):
            if any(n.endswith(".class") for n in files) and root != path:
                pkgs.add(os.path.relpath(root, path).replace(os.sep, "."))
        self._add(read_module_info(data, f"file://{os.path.abspath(path)}/",
                                   frozenset(pkgs)), path)

    def _add_jar(self, path: str) -> None:
        try:
            with zipfile.ZipFile(path) as z:
                info = z.getinfo("module-info.class")
                if info.file_size > MAX_MODULE_INFO:
                    return
                data = z.read(info)
                pkgs = {n.rpartition("/")[0].replace("/", ".") for n in z.namelist()
                        if n.endswith(".class") and "/" in n and not n.startswith("META-INF/")}
        except (OSError, KeyError, zipfile.BadZipFile):
            return  # not a modular jar: automatic modules are not supported
        self._add(read_module_info(data, f"file://{os.path.abspath(path)}",
                                   frozenset(pkgs)), path)

    # -- the system modules ---------------------------------------------------------------
    def system_names(self) -> list[str]:
        if self._system is None:
            from vmforms.jvm.runtime.natives.services import system_module_names

            self._system = system_module_names(self.image)
        return self._system

    def info(self, name: str) -> ModuleInfo | None:
        found = self.infos.get(name)
        if found is None and self.image is not None and name not in self.user:
            loc = self.image.find(f"/{name}/module-info.class")  # type: ignore[attr-defined]
            if loc is None:
                return None
            data = self.image.read(loc)  # type: ignore[attr-defined]
            found = self.infos[name] = read_module_info(data, f"jrt:/{name}")
        return found

    def module_of_user_class(self, internal_name: str) -> str:
        """The module path module of the boot layer that holds a class, or ""."""
        name = self.user_packages.get(internal_name.rpartition("/")[0], "")
        return name if name and name in self.layer() else ""

    def layer(self) -> frozenset[str]:
        """The names of the boot layer's modules: the roots (the main module and
        --add-modules, or, for a class-path application, every system module that exports
        an API and is not marked do-not-resolve), what they require, and the providers
        of the services they use (ModuleBootstrap binds services)."""
        if self._layer is not None:
            return self._layer
        roots: list[str] = []
        if self.main_module is None or "ALL-DEFAULT" in self.add_modules:
            for n in self.system_names():
                info = self.info(n)
                if info is not None and any(not e.targets for e in info.exports) \
                        and not self._do_not_resolve(n):
                    roots.append(n)
        if self.main_module is not None:
            roots.append(self.main_module)
        for n in self.add_modules:
            if n == "ALL-MODULE-PATH":
                roots.extend(self.user)
            elif n == "ALL-SYSTEM":
                roots.extend(self.system_names())
            elif n != "ALL-DEFAULT":
                roots.append(n)
        done: set[str] = set()
        for root in roots:
            if self.info(root) is None and self.missing is None:
                self.missing = f"Module {root} not found"
        todo = [root for root in roots if self.info(root) is not None]
        while todo:
            while todo:
                n = todo.pop()
                if n in done:
                    continue
                done.add(n)
                info = self.info(n)
                assert info is not None
                for r in info.requires:
                    if r.flags & ACC_STATIC_PHASE:
                        continue
                    if self.info(r.name) is None:
                        if self.missing is None:
                            self.missing = f"Module {r.name} not found, required by {n}"
                        continue
                    todo.append(r.name)
            todo.extend(self._providers(done) - done)
        self._layer = frozenset(done)
        return self._layer

    def _providers(self, resolved: set[str]) -> set[str]:
        used = {s for n in resolved for s in self.info(n).uses}  # type: ignore[union-attr]
        out: set[str] = set()
        for n in [*self.system_names(), *self.user]:
            info = self.info(n)
            if info is not None and any(s in used for s, _ in info.provides) \
                    and not self._do_not_resolve(n):
                out.add(n)
        return out

    def _do_not_resolve(self, name: str) -> bool:
        """The ModuleResolution attribute's DO_NOT_RESOLVE_BY_DEFAULT (jlink sets it on
        incubator and JVMCI modules); read from the raw class bytes."""
        if name in self.user or self.image is None:
            return False
        loc = self.image.find(f"/{name}/module-info.class")  # type: ignore[attr-defined]
        if loc is None:
            return False
        cf = parse_class(self.image.read(loc), name)  # type: ignore[attr-defined]
        for a in cf.attributes:
            if isinstance(a, UnknownAttribute) and a.name == "ModuleResolution":
                return bool(int.from_bytes(a.info[:2], "big") & 0x1)
        return False
