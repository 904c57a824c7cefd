"""`run`'s (and `create`'s) flags beyond the first ones: Docker's names, kinds and help."""

from __future__ import annotations

from vmforms.cli.flags import LIST, VALUE, Flag

F = Flag
RUN_MORE = (
    F(None, "env-file", LIST, "read in a file of environment variables", metavar="list"),
    F("l", "label", LIST, "set meta data on a container", metavar="list"),
    F(None, "mount", LIST, "attach a filesystem mount to the container (type=bind|volume|"
      "tmpfs,source=...,target=...[,readonly])", metavar="mount"),
    F(None, "tmpfs", LIST, "mount a tmpfs directory (PATH[:OPTIONS])", metavar="list"),
    F(None, "cap-add", LIST, "add Linux capabilities", metavar="list"),
    F(None, "cap-drop", LIST, "drop Linux capabilities", metavar="list"),
    F(None, "ulimit", LIST, "ulimit options (NAME=SOFT[:HARD])", metavar="ulimit"),
    F(None, "group-add", LIST, "add additional groups to join", metavar="list"),
    F(None, "sysctl", LIST, "sysctl options (KEY=VALUE)", metavar="map"),
    F("c", "cpu-shares", VALUE, "CPU shares (relative weight)", metavar="int"),
    F(None, "cpuset-cpus", VALUE, "CPUs in which to allow execution (0-3, 0,1)",
      metavar="string"),
    F(None, "stop-signal", VALUE, "signal to stop the container", metavar="string"),
    F(None, "stop-timeout", VALUE, "timeout (in seconds) to stop a container", metavar="int"),
    F(None, "device", LIST, "add a host device to the container (HOST[:CONTAINER][:rwm])",
      metavar="list"),
    F(None, "shm-size", VALUE, "size of /dev/shm", metavar="bytes"),
    F(None, "health-cmd", VALUE, "command to run to check health", metavar="string"),
    F(None, "health-interval", VALUE, "time between running the check (ms|s|m|h)",
      metavar="duration"),
    F(None, "health-timeout", VALUE, "maximum time to allow one check to run (ms|s|m|h)",
      metavar="duration"),
    F(None, "health-retries", VALUE, "consecutive failures needed to report unhealthy",
      metavar="int"),
    F(None, "health-start-period", VALUE, "start period for the container to initialize "
      "before failures count (ms|s|m|h)", metavar="duration"),
    F(None, "no-healthcheck", help="disable any container-specified HEALTHCHECK"),
    F(None, "memory-reservation", VALUE, "memory soft limit", metavar="bytes"),
    F(None, "oom-kill-disable", help="disable OOM Killer"),
    F(None, "privileged", help="give extended privileges to this container: every "
      "capability and host device, no seccomp filter, no masked paths, /sys writable"),
    F(None, "restart", VALUE, "restart policy to apply when a container exits (no, "
      "on-failure[:max-retries], always, unless-stopped)", default="no", metavar="string"),
    F(None, "isolation", VALUE, "container isolation technology: process (the host's kernel), "
      "vm or hyperv (inside the RISC-V virtual machine) or default (vm for a linux/riscv64 "
      "image the host cannot execute)", metavar="string"),
    F(None, "pull", VALUE, "pull image before running (always, missing, never; default: "
      "never reach a registry)", metavar="string"),
)
