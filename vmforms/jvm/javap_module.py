"""javap's rendering of a module-info class (JVMS 17 4.7.25) as a module declaration."""

from __future__ import annotations

from vmforms.jvm.classfile.classfile import ClassFile
from vmforms.jvm.classfile.constants import ConstantModule, ConstantPackage
from vmforms.jvm.classfile.module import ModuleAttribute, ModuleExports

ACC_OPEN = 0x0020
ACC_TRANSITIVE = 0x0020
ACC_STATIC_PHASE = 0x0040


def module_declaration(cf: ClassFile) -> str:
    cp = cf.constant_pool
    mod = cf.attribute(ModuleAttribute)
    if mod is None:
        return "module {\n}\n"

    def module_name(index: int) -> str:
        return cp.utf8(cp.get(index, ConstantModule).name_index)

    def package_name(index: int) -> str:
        return cp.utf8(cp.get(index, ConstantPackage).name_index).replace("/", ".")

    def class_name(index: int) -> str:
        return cp.class_name(index).replace("/", ".")

    version = f"@{cp.utf8(mod.module_version_index)}" if mod.module_version_index else ""
    opened = "open " if mod.module_flags & ACC_OPEN else ""
    out = [f"{opened}module {module_name(mod.module_name_index)}{version} {{\n"]
    for r in mod.requires:
        mods = ("transitive " if r.requires_flags & ACC_TRANSITIVE else "") + (
            "static " if r.requires_flags & ACC_STATIC_PHASE else "")
        out.append(f"  requires {mods}{module_name(r.requires_index)};\n")

    def targets(word: str, entries: tuple[ModuleExports, ...]) -> None:
        for e in entries:
            if e.to_index:
                names = ",\n    ".join(module_name(i) for i in e.to_index)
                out.append(f"  {word} {package_name(e.index)} to\n    {names};\n")
            else:
                out.append(f"  {word} {package_name(e.index)};\n")

    targets("exports", mod.exports)
    targets("opens", mod.opens)
    out += [f"  uses {class_name(i)};\n" for i in mod.uses_index]
    for p in mod.provides:
        impls = ",\n    ".join(class_name(i) for i in p.provides_with_index)
        out.append(f"  provides  {class_name(p.provides_index)} with\n    {impls};\n")
    out.append("}\n")
    return "".join(out)


def module_header(cf: ClassFile) -> str:
    """The declaration line -v prints above the constant pool: `open module name@version`."""
    cp = cf.constant_pool
    mod = cf.attribute(ModuleAttribute)
    mods = "".join(word for bit, word in ((0x0001, "public "), (0x0010, "final "),
                                         (0x0400, "abstract ")) if cf.access_flags & bit)
    if mod is None:
        return mods + "class " + cf.name.replace("/", ".")
    entry = cp.entry(mod.module_name_index)
    name = cp.utf8(entry.name_index if isinstance(entry, ConstantModule)
                   else mod.module_name_index).replace("/", ".")
    opened = "open " if mod.module_flags & ACC_OPEN else ""
    version = f"@{cp.utf8(mod.module_version_index)}" if mod.module_version_index else ""
    return f"{mods}{opened}module {name}{version}"
