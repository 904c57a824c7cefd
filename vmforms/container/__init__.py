"""Form 1: containers. The host kernel, partitioned with namespaces and cgroups."""
