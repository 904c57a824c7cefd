"""`vmforms demo --json`: the measurements show where each form draws its line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

VMFORMS = str(Path(sys.executable).with_name("vmforms"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, object]], Path]:
    if os.geteuid() != 0:
        pytest.skip("the container column needs root")
    svg = tmp_path_factory.mktemp("demo") / "stacks.svg"
    proc = subprocess.run([VMFORMS, "demo", "--json", "--diagram", str(svg)], text=True,
                          capture_output=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["forms"], svg


def test_container_shares_the_host_kernel(demo: tuple[dict[str, dict[str, object]], Path]) -> None:
    forms, _ = demo
    host, ctr = forms["host"], forms["container"]
    assert host["kernel"] == os.uname().release
    assert ctr["available"] is True
    assert ctr["kernel"] == host["kernel"]
    assert ctr["kernel_is_host"] is True
    assert ctr["machine"] == host["machine"]
    assert str(ctr["pid1"]).startswith("sh -c")
    assert ctr["hostname"] != host["hostname"]
    assert isinstance(ctr["call_ns"], float) and ctr["call_ns"] > 0


def test_vm_brings_its_own_kernel(demo: tuple[dict[str, dict[str, object]], Path]) -> None:
    from vmforms.hypervisor.boot.assets import guest_assets

    forms, _ = demo
    vm = forms["vm"]
    assert vm["available"] is True, vm.get("reason")
    assert vm["kernel"] != os.uname().release
    assert vm["kernel"] == guest_assets().release
    assert vm["machine"] == "riscv64"
    assert vm["kernel_is_host"] is False
    assert isinstance(vm["guest_instructions"], int) and vm["guest_instructions"] > 1_000_000
    assert str(vm["pid1"]).startswith("/init") or "init" in str(vm["pid1"])


def test_container_in_a_vm_sees_the_guests_kernel(
        demo: tuple[dict[str, dict[str, object]], Path]) -> None:
    from vmforms.hypervisor.boot.assets import guest_assets

    forms, _ = demo
    nested = forms["vmcontainer"]
    assert nested["available"] is True, nested.get("reason")
    assert nested["kernel"] == guest_assets().release and nested["machine"] == "riscv64"
    assert nested["kernel_is_host"] is False
    assert str(nested["pid1"]).startswith("sh -c")
    resumed, booted = nested["guest_instructions"], nested["boot_instructions"]
    assert isinstance(resumed, int) and isinstance(booted, int) and 0 < resumed < booted
    assert isinstance(nested["startup_s"], float) and isinstance(nested["cold_s"], float)
    assert nested["startup_s"] < nested["cold_s"]
    # no kernel code from a container: the host's refuses it, and so does the guest's
    assert str(forms["container"]["module"]).startswith("fails")
    assert str(nested["module"]).startswith("fails")
    # while the VM's own root loads a driver into the guest's kernel
    assert "(lsmod: dummy" in str(forms["vm"]["module"]), forms["vm"]["module"]


def test_jvm_column(demo: tuple[dict[str, dict[str, object]], Path]) -> None:
    forms, _ = demo
    jvm = forms["jvm"]
    if jvm["available"]:
        assert isinstance(jvm["bytecodes"], int) and jvm["bytecodes"] > 0
        assert jvm["kernel"] == os.uname().release  # os.version is the host's
        assert "invokestatic" in str(jvm["bytecode"])
    else:
        assert "vmforms java" in str(jvm["reason"])


def test_diagram_is_well_formed_svg(demo: tuple[dict[str, dict[str, object]], Path]) -> None:
    _, svg = demo
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert any("guest kernel" in t for t in texts)
    assert any(os.uname().release in t for t in texts)
