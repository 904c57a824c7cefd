"""The one place that speaks the kernel's ABI: ctypes, ioctl numbers, raw syscalls.

Every function here wraps one system call once, retries EINTR, and raises OSError with
the errno, the operation and the object, so callers above never see ctypes.
"""
