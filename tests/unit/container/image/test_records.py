"""OCI image records: parsing, canonical JSON, and refusal of malformed documents."""

from __future__ import annotations

import json

import pytest

from vmforms.container.errors import ImageError
from vmforms.container.image.records import (
    Descriptor,
    ImageConfig,
    ImageConfiguration,
    Index,
    Manifest,
    canonical_json,
)

D1 = "sha256:" + "11" * 32
D2 = "sha256:" + "22" * 32


def test_configuration_round_trip_keeps_every_field() -> None:
    doc = {
        "created": "2024-05-01T10:00:00Z",
        "architecture": "arm64",
        "variant": "v8",
        "os": "linux",
        "config": {
            "User": "1000:1000",
            "ExposedPorts": {"80/tcp": {}, "53/udp": {}},
            "Env": ["PATH=/bin", "A=b=c"],
            "Entrypoint": ["/init"],
            "Cmd": [],
            "Volumes": {"/data": {}},
            "WorkingDir": "/srv",
            "Labels": {"org.example": "yes"},
            "StopSignal": "SIGQUIT",
        },
        "rootfs": {"type": "layers", "diff_ids": [D1, D2]},
        "history": [{"created_by": "step", "empty_layer": True}],
    }
    conf = ImageConfiguration.from_bytes(json.dumps(doc).encode())
    assert conf.config == ImageConfig(
        env=("PATH=/bin", "A=b=c"), cmd=(), entrypoint=("/init",), working_dir="/srv",
        user="1000:1000", exposed_ports=("53/udp", "80/tcp"), volumes=("/data",),
        labels={"org.example": "yes"}, stop_signal="SIGQUIT",
    )
    assert conf.diff_ids == (D1, D2) and conf.variant == "v8"
    assert json.loads(conf.to_bytes()) == doc
    assert ImageConfiguration.from_bytes(conf.to_bytes()) == conf
    # Cmd absent and Cmd empty are different things to the engine
    bare = ImageConfiguration.from_bytes(canonical_json(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}))
    assert bare.config.cmd is None and bare.config.entrypoint is None


def test_manifest_and_index_round_trip() -> None:
    manifest = Manifest(
        config=Descriptor("application/vnd.oci.image.config.v1+json", D1, 10),
        layers=(Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", D2, 20),),
    )
    assert Manifest.from_bytes(manifest.to_bytes()) == manifest
    index = Index((Descriptor("application/vnd.oci.image.manifest.v1+json", D1, 5,
                              {"org.opencontainers.image.ref.name": "a:b"}),))
    assert Index.from_bytes(index.to_bytes()) == index
    assert index.manifests[0].ref_name == "a:b"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[1]", "expected a JSON object"),
        (b"{", "invalid JSON"),
        (b'{"schemaVersion": 1}', "schemaVersion"),
        (canonical_json({"schemaVersion": 2, "config": {"digest": "md5:x", "size": 1},
                         "layers": []}), "digest"),
        (canonical_json({"schemaVersion": 2, "config": {"digest": D1, "size": -1},
                         "layers": []}), "size"),
        (canonical_json({"schemaVersion": 2, "mediaType":
                         "application/vnd.oci.image.index.v1+json", "manifests": []}), "index"),
    ],
)
def test_malformed_manifest(data: bytes, message: str) -> None:
    with pytest.raises(ImageError, match=message):
        Manifest.from_bytes(data)


def test_malformed_config() -> None:
    with pytest.raises(ImageError, match="rootfs.type"):
        ImageConfiguration.from_bytes(b'{"rootfs": {"type": "other"}}')
    with pytest.raises(ImageError, match="list of strings"):
        ImageConfiguration.from_bytes(canonical_json(
            {"config": {"Env": "PATH=/bin"}, "rootfs": {"type": "layers", "diff_ids": []}}))
    with pytest.raises(ImageError, match="expected an object"):
        ImageConfiguration.from_bytes(canonical_json(
            {"config": {"ExposedPorts": 80}, "rootfs": {"type": "layers", "diff_ids": []}}))
