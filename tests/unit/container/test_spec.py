"""OCI config.json <-> Spec: round trips, Docker's defaults, and field-naming errors."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from vmforms.container import spec as S
from vmforms.container.errors import InvalidOption


def test_default_spec_round_trips() -> None:
    spec = S.default_spec(["sh", "-c", "true"], env=["A=1"], cwd="/work")
    again = S.load(json.loads(json.dumps(S.dump(spec))))
    assert again == spec


def test_default_spec_is_dockers() -> None:
    spec = S.default_spec(["sh"])
    caps = spec.process.capabilities
    assert set(caps.bounding) == set(caps.effective) == set(S.DEFAULT_CAPABILITIES)
    assert len(S.DEFAULT_CAPABILITIES) == 14
    assert "/proc/kcore" in spec.linux.masked_paths
    assert "/proc/sys" in spec.linux.readonly_paths
    assert [ns.type for ns in spec.linux.namespaces] == list(S.DEFAULT_NAMESPACES)
    assert spec.process.no_new_privileges


def test_loads_the_config_runc_generates() -> None:
    runc = shutil.which("runc") or shutil.which("crun")
    if runc is None:
        pytest.skip("neither runc nor crun is installed (make setup installs runc)")
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        subprocess.run([runc, "spec"], cwd=d, check=True)
        with open(f"{d}/config.json") as f:
            raw = json.load(f)
    spec = S.load(raw)
    assert spec.process.args == tuple(raw["process"]["args"])
    assert spec.root_path == raw["root"]["path"]
    assert {m.destination for m in spec.mounts} == {m["destination"] for m in raw["mounts"]}
    assert set(spec.linux.masked_paths) == set(raw["linux"]["maskedPaths"])
    # Every path the reference runtime masks by default, we mask too.
    assert set(raw["linux"]["maskedPaths"]) <= set(S.DEFAULT_MASKED_PATHS)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c.pop("ociVersion"), "ociVersion: missing"),
        (lambda c: c.pop("process"), "process: missing"),
        (lambda c: c["process"].update(args=[]), "process.args: must name a command"),
        (lambda c: c["process"].update(args="sh"), "process.args: expected an array"),
        (lambda c: c["process"].update(cwd="relative"), "process.cwd"),
        (lambda c: c["process"]["user"].update(uid="0"), "process.user.uid: expected an integer"),
        (lambda c: c["process"]["capabilities"].update(bounding=["CAP_NOPE"]), "CAP_NOPE"),
        (lambda c: c["mounts"].append({"destination": "rel"}), "mounts[7].destination"),
        (lambda c: c["linux"]["namespaces"].append({"type": "bogus"}), "unknown 'bogus'"),
        (lambda c: c["linux"].update(resources={"memory": {"limit": "1g"}}),
         "linux.resources.memory.limit: expected an integer"),
    ],
)
def test_bad_config_names_the_field(mutate: object, message: str) -> None:
    raw = S.dump(S.default_spec(["sh"]))
    mutate(raw)  # type: ignore[operator]
    with pytest.raises(InvalidOption) as err:
        S.load(raw)
    assert message in str(err.value)
    assert str(err.value).startswith("config.json: ")


def test_not_an_object() -> None:
    with pytest.raises(InvalidOption, match="JSON object"):
        S.load([1, 2])


def test_idmapped_mount_fields_round_trip_and_come_in_pairs() -> None:
    raw = S.dump(S.default_spec(["true"]))
    mapping = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    raw["mounts"].append({"destination": "/data", "type": "bind", "source": "/srv",
                          "options": ["rbind", "ridmap"], "uidMappings": mapping,
                          "gidMappings": mapping})
    spec = S.load(raw)
    assert spec.mounts[-1].uid_mappings == spec.mounts[-1].gid_mappings == ((0, 100000, 65536),)
    assert S.dump(spec)["mounts"][-1] == raw["mounts"][-1]
    del raw["mounts"][-1]["gidMappings"]
    with pytest.raises(InvalidOption, match=r"mounts\[\d+\]\.uidMappings and gidMappings"):
        S.load(raw)
    raw["mounts"][-1]["gidMappings"] = [{"containerID": 0, "hostID": 1}]
    with pytest.raises(InvalidOption, match=r"mounts\[\d+\]\.gidMappings\[0\]"):
        S.load(raw)
