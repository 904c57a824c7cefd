"""vmforms: the three forms of virtual machine (containers, hypervisors, language VMs)."""

__version__ = "0.1.0"
