"""Ruby's core classes in Python: one module per class, holding its representation and,
for the interpreter, its methods."""
