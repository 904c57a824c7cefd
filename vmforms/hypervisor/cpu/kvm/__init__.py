"""Hardware-assisted x86-64 virtualization through /dev/kvm: the VM, its vCPUs, the board."""
