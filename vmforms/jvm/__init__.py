"""Form 3, the language VM: a JVM that reads class files (JVMS 17) and runs their bytecode."""
