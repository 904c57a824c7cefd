"""Reading class files into immutable records: JVMS 17 chapter 4.

`parse_class(data, source)` is the entry point; `source` names the file in errors.
"""

from vmforms.jvm.classfile.classfile import ClassFile, FieldInfo, MethodInfo, parse_class

__all__ = ["ClassFile", "FieldInfo", "MethodInfo", "parse_class"]
