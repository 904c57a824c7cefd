"""Platforms: --platform parsing, index entry choice, what the host executes, and image
indexes in the store (resolve per platform, listing, removal, garbage collection)."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
from pathlib import Path

import pytest

from vmforms.container.errors import ContainerError, ImageError, ImageNotFound, InvalidOption
from vmforms.container.image import platform as plat
from vmforms.container.image.platform import Platform, choose, parse_platform
from vmforms.container.image.records import Descriptor, ImageConfig, ImageConfiguration
from vmforms.container.image.store import ImageStore

from .conftest import TarBuilder, store_contents


@pytest.mark.parametrize(("text", "want"), [
    ("linux/386", "linux/386"), ("linux/i386", "linux/386"), ("i686", "linux/386"),
    ("linux/amd64", "linux/amd64"), ("x86_64", "linux/amd64"), ("LINUX/AMD64", "linux/amd64"),
    ("linux/arm64/v8", "linux/arm64/v8"), ("linux/aarch64", "linux/arm64"),
    ("riscv64", "linux/riscv64"),
])
def test_platform_names_are_normalised(text: str, want: str) -> None:
    assert str(parse_platform(text)) == want


@pytest.mark.parametrize("text", ["", "/", "linux/", "windows/amd64", "linux/amd64/v1/x",
                                  "linux/../etc"])
def test_bad_platforms_are_refused(text: str) -> None:
    with pytest.raises(InvalidOption, match="invalid platform"):
        parse_platform(text)


def test_choose_prefers_the_exact_variant() -> None:
    entries = [{"os": "linux", "architecture": "arm64"},
               {"os": "linux", "architecture": "arm64", "variant": "v8"},
               {"os": "linux", "architecture": "386"}]
    assert choose(entries, Platform("linux", "arm64", "v8")) == 1
    assert choose(entries, Platform("linux", "arm64")) == 0
    assert choose(entries, Platform("linux", "386")) == 2
    assert choose(entries, Platform("linux", "riscv64")) is None
    assert choose([{"os": "linux", "architecture": "arm", "variant": "v6"}],
                  Platform("linux", "arm", "v7")) is None


def test_the_i386_probe_program_is_a_32_bit_elf() -> None:
    program = plat.i386_exit_program()
    assert program[:4] == b"\x7fELF" and program[4] == 1  # ELFCLASS32
    assert int.from_bytes(program[18:20], "little") == 3  # EM_386
    readelf = subprocess.run(["readelf", "-h", "/dev/stdin"], input=program,
                             capture_output=True, check=False)
    if readelf.returncode == 0:
        assert b"Intel 80386" in readelf.stdout and b"EXEC" in readelf.stdout


def _kernel_config() -> str | None:
    try:
        with gzip.open("/proc/config.gz", "rt") as f:
            return f.read()
    except OSError:
        return None


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="IA32 emulation is x86-64's")
def test_ia32_probe_agrees_with_the_kernel_config() -> None:
    config = _kernel_config()
    if config is None:
        pytest.skip("no /proc/config.gz to compare with")
    built = "CONFIG_IA32_EMULATION=y" in config
    off_by_default = "CONFIG_IA32_EMULATION_DEFAULT_DISABLED=y" in config
    cmdline = Path("/proc/cmdline").read_text()
    if "ia32_emulation=" in cmdline or off_by_default:
        pytest.skip("IA32 emulation switched at boot: the config alone does not say")
    assert plat.ia32_emulation() == built


def test_binfmt_handler_reads_enabled_entries(tmp_path: Path) -> None:
    (tmp_path / "qemu-riscv64").write_text("enabled\ninterpreter /usr/bin/qemu-riscv64\n")
    (tmp_path / "qemu-aarch64").write_text("disabled\ninterpreter /usr/bin/qemu-aarch64\n")
    assert plat.binfmt_handler("riscv64", str(tmp_path)) == "qemu-riscv64"
    assert plat.binfmt_handler("arm64", str(tmp_path)) is None
    assert plat.binfmt_handler("s390x", str(tmp_path)) is None


def test_a_platform_the_host_cannot_run_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plat, "host_platform", lambda: Platform("linux", "amd64"))
    monkeypatch.setattr(plat, "binfmt_handler", lambda arch: None)
    with pytest.raises(ContainerError, match="cannot execute it: no binfmt_misc handler for "
                                             "riscv64"):
        plat.check_executable(Platform("linux", "riscv64"), "busybox")
    monkeypatch.setattr(plat, "ia32_emulation", lambda: False)
    with pytest.raises(ContainerError, match="without CONFIG_IA32_EMULATION"):
        plat.check_executable(Platform("linux", "386"), "busybox")
    monkeypatch.setattr(plat, "ia32_emulation", lambda: True)
    plat.check_executable(Platform("linux", "386"), "busybox")
    plat.check_executable(Platform("linux", "amd64"), "busybox")


# -- indexes in the store ---------------------------------------------------------------

def _index_image(store: ImageStore, ref: str, arches: list[str]) -> list[Descriptor]:
    children = []
    with store.writing() as writer:
        for arch in arches:
            layer = TarBuilder().file(f"arch-{arch}", arch.encode()).tar_bytes()
            stored = writer.add_layer(io.BytesIO(layer), f"{arch} layer")
            conf = ImageConfiguration(architecture=arch, os="linux", config=ImageConfig(),
                                      diff_ids=(stored.diff_id,))
            desc = writer.add_image([stored], conf, None, listed=False)
            children.append(Descriptor(desc.media_type, desc.digest, desc.size,
                                       platform={"os": "linux", "architecture": arch}))
        writer.add_index(children, ref)
    return children


def test_an_index_resolves_per_platform(store: ImageStore) -> None:
    host = plat.host_platform().architecture
    arches = list(dict.fromkeys([host, "386", "riscv64"]))
    children = _index_image(store, "multi:1", arches)
    default = store.resolve("multi:1")
    assert default.architecture == host and default.manifest_digest == children[0].digest
    assert default.index is not None and default.platforms == tuple(
        f"linux/{a}" for a in arches)
    i386 = store.resolve("multi:1", parse_platform("linux/386"))
    assert i386.architecture == "386" and i386.entry_digest == default.entry_digest
    # by its own id, a platform's image is found inside the index
    assert store.resolve(i386.short_id).architecture == "386"
    with pytest.raises(ImageNotFound, match="no manifest for linux/s390x .*platforms present: "
                                            "linux/"):
        store.resolve("multi:1", parse_platform("linux/s390x"))
    [listed] = store.list()
    assert listed.reference == "multi:1" and listed.platforms == default.platforms
    inspect = default.inspect_json()
    assert inspect["Descriptor"]["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert inspect["Platforms"] == list(default.platforms)


def test_a_single_platform_image_refuses_another_platform(store: ImageStore,
                                                          tmp_path: Path) -> None:
    tarball = TarBuilder().file("x", b"1").write(tmp_path / "r.tar")
    store.import_rootfs(tarball, "single:1")
    with pytest.raises(ImageNotFound, match="does not match the specified platform: wanted "
                                            "linux/riscv64"):
        store.resolve("single:1", parse_platform("linux/riscv64"))
    assert store.resolve("single:1", plat.host_platform()).reference == "single:1"


def test_an_index_with_missing_platforms_lists_those_present(store: ImageStore) -> None:
    children = _index_image(store, "partial:1", ["riscv64", "386"])
    store.blob_path(children[0].digest).unlink()  # as a pull of one platform leaves it
    image = store.resolve("partial:1", parse_platform("linux/386"))
    assert image.platforms == ("linux/386",)
    with pytest.raises(ImageNotFound, match="platforms present: linux/386"):
        store.resolve("partial:1", parse_platform("linux/riscv64"))


def test_tag_and_remove_an_index(store: ImageStore) -> None:
    _index_image(store, "multi:1", ["386", "riscv64"])
    tagged = store.tag("multi:1", "other:2")
    assert tagged.index is not None and tagged.platforms == ("linux/386", "linux/riscv64")
    assert store.remove("multi:1") == ["Untagged: multi:1"]
    lines = store.remove("other:2")
    assert lines[0] == "Untagged: other:2" and len(lines) > 3
    assert store.list() == []
    contents = store_contents(store)
    assert contents["blobs/sha256"] == [] and contents["layers"] == []


def test_garbage_collection_keeps_every_platform(store: ImageStore) -> None:
    children = _index_image(store, "multi:1", ["386", "riscv64"])
    with store.writing() as writer:
        assert writer.collect_garbage() == []
    for child in children:
        image = store.image(child.digest, None)
        assert store.layer_dirs(image)


# -- save and load ----------------------------------------------------------------------

def test_save_and_load_keep_the_index(store: ImageStore, tmp_path: Path) -> None:
    import json
    import tarfile

    host = plat.host_platform().architecture
    arches = list(dict.fromkeys([host, "386", "riscv64"]))
    _index_image(store, "multi:1", arches)
    image = store.resolve("multi:1")
    archive = tmp_path / "multi.tar"
    store.save_docker_archive("multi:1", archive)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        layout = json.loads(tar.extractfile("index.json").read())  # type: ignore[union-attr]
        docker = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert {"oci-layout", "index.json", "manifest.json"} <= names
    assert image.index is not None
    assert layout["manifests"][0]["digest"] == image.index.digest
    assert docker[0]["RepoTags"] == ["multi:1"]  # the host's image, for docker-archive readers
    other = ImageStore(tmp_path / "other")
    [loaded] = other.load_archive(archive)
    assert loaded.index is not None and loaded.index.digest == image.index.digest
    assert loaded.platforms == image.platforms and loaded.id == image.id
    third = ImageStore(tmp_path / "third")
    [only] = third.load_archive(archive, parse_platform("linux/riscv64"))
    assert only.architecture == "riscv64" and only.platforms == ("linux/riscv64",)
    with pytest.raises(ImageNotFound):
        third.resolve("multi:1", parse_platform("linux/386"))


def test_save_with_platform_writes_that_image_only(store: ImageStore, tmp_path: Path) -> None:
    import tarfile

    _index_image(store, "multi:1", ["386", "riscv64"])
    archive = tmp_path / "one.tar"
    store.save_docker_archive("multi:1", archive, parse_platform("linux/386"))
    with tarfile.open(archive) as tar:
        assert "index.json" not in tar.getnames()
    other = ImageStore(tmp_path / "other")
    [loaded] = other.load_archive(archive)
    assert (loaded.reference, loaded.architecture, loaded.index) == ("multi:1", "386", None)
    with pytest.raises(ImageNotFound, match="no manifest for linux/arm64"):
        store.save_docker_archive("multi:1", archive, parse_platform("linux/arm64"))


def test_load_platform_of_a_docker_archive_is_checked_first(store: ImageStore,
                                                            tmp_path: Path) -> None:
    tarball = TarBuilder().file("x", b"1").write(tmp_path / "r.tar")
    store.import_rootfs(tarball, "single:1")
    archive = tmp_path / "single.tar"
    store.save_docker_archive("single:1", archive)
    other = ImageStore(tmp_path / "other")
    with pytest.raises(ImageError, match="not linux/riscv64"):
        other.load_archive(archive, parse_platform("linux/riscv64"))
    assert other.read_index().manifests == ()
    host = plat.host_platform()
    [loaded] = other.load_archive(archive, host)
    assert loaded.reference == "single:1"


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86-64 lacks sigreturn; others vary")
def test_seccomp_keeps_syscalls_only_i386_has() -> None:
    """A 32-bit container's seccomp filter must allow i386's sigreturn, a syscall x86-64
    does not have: libseccomp names it by a negative pseudo-number, not an error."""
    from vmforms.linux import seccomp

    try:
        flt = seccomp.Filter(seccomp.SCMP_ACT_KILL_PROCESS)
    except OSError:
        pytest.skip("libseccomp is not installed")
    try:
        number = flt.syscall_number("sigreturn")
        assert number is not None and number < -1  # __PNR_sigreturn
        assert flt.syscall_number("no_such_syscall") is None
        flt.add_arch("x86")
        assert flt.add_rule(seccomp.SCMP_ACT_ALLOW, "sigreturn")
    finally:
        flt.release()


def test_hostile_platform_names_are_shown_tamed() -> None:
    shown = plat.platform_of({"os": "linux", "architecture": "amd64\x1b[2J/../x" + "a" * 100})
    assert "\x1b" not in str(shown) and str(shown).count("/") == 1 and len(str(shown)) < 80
