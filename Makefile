# vmforms: `make demo` and `make test` each do all set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Debian's CPython: an optimised build with libpython inside the executable. The software
# CPU and the JVM interpreter run 5-10% faster on it than on a source build of 3.11 with a
# shared libpython (as pyenv makes them), where calls inside the interpreter go via the PLT.
PYTHON ?= /usr/bin/python3

# Debian packages the project needs: the JDK, busybox for the built-in image, the
# RISC-V cross tool chain and kernel source for the guest, QEMU and podman as peers.
APT_PACKAGES := python3 python3-venv libseccomp2 busybox-static openjdk-17-jdk-headless clojure scala kotlin groovy ruby gcc libc6-dev e2fsprogs cpio \
	podman crun runc skopeo docker-registry containerd uidmap slirp4netns nftables iptables iproute2 \
	linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross binutils-riscv64-linux-gnu make flex bison bc \
	libssl-dev libelf-dev xz-utils device-tree-compiler qemu-system-misc qemu-user qemu-system-x86 opensbi libslirp0

.PHONY: setup apt venv assets test unit lint bench demo clean conformance

setup: apt venv assets

apt:
	@# the built-in busybox's linux/386 manifest comes from Debian's i386 archive (apt-get
	@# download busybox-static:i386 in `vmforms setup`): the architecture must be known to
	@# apt before its package lists are fetched
	@if [ "$$(dpkg --print-architecture)" = amd64 ] && ! dpkg --print-foreign-architectures | grep -qx i386; then \
	  if [ "$$(id -u)" != 0 ]; then echo "make setup: run as root to add the i386 architecture" >&2; exit 1; fi; \
	  echo "adding the i386 architecture to dpkg"; \
	  dpkg --add-architecture i386 && apt-get update -qq; \
	fi
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make setup: run as root to install:$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv --clear $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]' --config-settings editable_mode=compat
	touch $@

# Byte-compile up front: start-up time matters (container start is benchmarked), and
# PYTHONDONTWRITEBYTECODE may keep Python from caching the compiled modules itself.
assets: venv
	$(PY) -m compileall -q -j0 vmforms
	$(VENV)/bin/vmforms setup

# pytest's temporary directories in a directory of this run's own: other pytest sessions
# on the same host prune the shared /tmp/pytest-of-USER, under a running test too.
# The container tests (and the host cgroup tests) run one at a time: they check the whole
# host for what they might leave. The rest run on every core, a test file per worker
# (pytest-xdist): the VM boots, the JVM and Ruby corpora are CPU-bound.
SERIAL_TESTS := tests/integration/container tests/integration/test_cgroups_v1.py \
	tests/integration/test_cgroup_v2_devices.py
test: setup
	@tmp=$$(mktemp -d /tmp/vmforms-pytest-XXXXXX); rc=0; \
	$(VENV)/bin/pytest -q --durations=15 --basetemp=$$tmp/serial $(SERIAL_TESTS) || rc=1; \
	$(VENV)/bin/pytest -q --durations=20 -n $$(nproc) --dist loadfile --basetemp=$$tmp/parallel \
	  $(addprefix --ignore=,$(SERIAL_TESTS)) tests || rc=1; \
	rm -rf --one-file-system $$tmp; exit $$rc

unit: venv
	$(VENV)/bin/pytest -q tests/unit

lint: venv
	$(VENV)/bin/ruff check vmforms tests bench tools
	$(VENV)/bin/mypy

# The OCI runtime-tools validation suite, vmforms-runc beside runc and crun (opt-in: needs
# Go and a checkout of opencontainers/runtime-tools, see docs/containers.md "Conformance").
conformance: venv
	@test -n "$(RUNTIME_TOOLS)" || { echo "usage: make conformance RUNTIME_TOOLS=DIR" >&2; exit 2; }
	$(PY) tools/conformance.py $(RUNTIME_TOOLS)

bench: setup
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

demo: setup
	$(VENV)/bin/vmforms demo

clean:
	rm -rf $(VENV) build *.egg-info
