"""Form 3, Ruby: CRuby 3.1's binary instruction sequences loaded, disassembled and run.

Debian's `ruby` is only the compiler (source -> binary iseq); the loader, the
disassembler, the interpreter and the core library are this package.
"""
