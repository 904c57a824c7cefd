"""Run-time support of the JVM: finding class bytes in jimage files, jars and directories."""
