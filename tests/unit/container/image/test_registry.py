"""Registry names, WWW-Authenticate challenges, credentials, error bodies and platform
choice: everything of pull and push that needs no network."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from vmforms.container.errors import InvalidOption
from vmforms.container.image.reference import parse_reference
from vmforms.container.image.registry import choose_platform
from vmforms.container.image.registry_http import (
    Challenge,
    RegistryError,
    RemoteName,
    Transport,
    error_text,
    find_credentials,
    is_local_host,
    parse_challenges,
    split_domain,
)


@pytest.mark.parametrize(("text", "domain", "path", "tag"), [
    ("busybox", "docker.io", "library/busybox", "latest"),
    ("busybox:1.36", "docker.io", "library/busybox", "1.36"),
    ("docker.io/library/busybox", "docker.io", "library/busybox", "latest"),
    ("index.docker.io/library/busybox:x", "docker.io", "library/busybox", "x"),
    ("someone/app:2", "docker.io", "someone/app", "2"),
    ("localhost/app", "localhost", "app", "latest"),
    ("localhost:5000/app:v1", "localhost:5000", "app", "v1"),
    ("127.0.0.1:5000/team/app", "127.0.0.1:5000", "team/app", "latest"),
    ("quay.io/org/app/sub:tag", "quay.io", "org/app/sub", "tag"),
    ("Registry/app", "Registry", "app", "latest"),
])
def test_reference_to_registry_and_repository(text: str, domain: str, path: str,
                                               tag: str) -> None:
    ref = parse_reference(text)
    assert ref.tag == tag
    assert split_domain(ref.name) == RemoteName(domain, path)


def test_docker_hub_is_reached_at_its_registry_host() -> None:
    assert split_domain("busybox").endpoint == "registry-1.docker.io"
    assert split_domain("busybox").full == "docker.io/library/busybox"
    assert split_domain("localhost:5000/x").endpoint == "localhost:5000"


def test_digest_reference_keeps_the_name() -> None:
    digest = "sha256:" + "ab" * 32
    ref = parse_reference(f"localhost:5000/app@{digest}")
    assert (ref.name, ref.digest) == ("localhost:5000/app", digest)


@pytest.mark.parametrize(("domain", "local"), [
    ("localhost", True), ("localhost:5000", True), ("127.0.0.1:5000", True),
    ("127.1.2.3", True), ("[::1]:5000", True), ("docker.io", False),
    ("example.com:5000", False), ("10.0.0.1:5000", False), ("localhost.example", False),
])
def test_plain_http_only_for_loopback(domain: str, local: bool) -> None:
    assert is_local_host(domain) is local
    transport = Transport(RemoteName(domain, "x"))
    assert transport.plain_http_ok is local
    assert Transport(RemoteName(domain, "x"), tls_verify=False).plain_http_ok


def test_plain_http_refused_before_connecting() -> None:
    transport = Transport(RemoteName("registry.example", "x"))
    with pytest.raises(RegistryError, match="refusing plain HTTP; use --tls-verify=false"):
        transport.request("GET", "http://registry.example/v2/")


def test_docker_hub_challenge() -> None:
    header = ('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
              'scope="repository:library/busybox:pull"')
    assert parse_challenges(header) == [Challenge("bearer", {
        "realm": "https://auth.docker.io/token", "service": "registry.docker.io",
        "scope": "repository:library/busybox:pull"})]


def test_several_challenges_quoted_commas_and_escapes() -> None:
    header = ('Basic realm="Registry Realm", BEARER Realm="https://a/t?x=1",'
              'scope="repository:a:pull,push" , error=insufficient_scope, '
              'Other title="say \\"hi\\""')
    assert parse_challenges(header) == [
        Challenge("basic", {"realm": "Registry Realm"}),
        Challenge("bearer", {"realm": "https://a/t?x=1", "scope": "repository:a:pull,push",
                             "error": "insufficient_scope"}),
        Challenge("other", {"title": 'say "hi"'}),
    ]


@pytest.mark.parametrize("header", ["", "   ", ","])
def test_empty_challenge(header: str) -> None:
    assert parse_challenges(header) == []


def test_scheme_without_parameters() -> None:
    assert parse_challenges("Negotiate") == [Challenge("negotiate", {})]


def _auth(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def test_credentials_from_auth_files(tmp_path: Path) -> None:
    podman = tmp_path / "auth.json"
    podman.write_text(json.dumps({"auths": {
        "localhost:5000": {"auth": _auth("alice", "s3:cret")},
        "broken.example": {"auth": "%%%not base64"},
    }}))
    docker = tmp_path / "config.json"
    docker.write_text(json.dumps({"auths": {
        "https://index.docker.io/v1/": {"auth": _auth("bob", "hub")},
        "https://quay.io": {"username": "carol", "password": "q"},
        "localhost:5000": {"auth": _auth("ignored", "later file")},
    }}))
    files = [tmp_path / "missing.json", podman, docker]
    assert find_credentials("localhost:5000", files) == ("alice", "s3:cret")
    assert find_credentials("docker.io", files) == ("bob", "hub")
    assert find_credentials("quay.io", files) == ("carol", "q")
    assert find_credentials("broken.example", files) is None
    assert find_credentials("elsewhere:1", files) is None


def test_auth_file_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vmforms.container.image.registry_http import auth_files

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("DOCKER_CONFIG", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(tmp_path / "explicit.json"))
    assert auth_files() == [tmp_path / "explicit.json",
                            tmp_path / ".config" / "containers" / "auth.json",
                            tmp_path / ".docker" / "config.json"]
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text(
        json.dumps({"auths": {"localhost:5000": {"auth": _auth("u", "p")}}}))
    assert find_credentials("localhost:5000") == ("u", "p")


def test_registry_error_bodies() -> None:
    body = json.dumps({"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown",
                                   "detail": {"Tag": "x"}}]}).encode()
    assert error_text(body, 404, "Not Found") == "manifest unknown: manifest unknown"
    assert error_text(b"<html>oops</html>", 502, "Bad Gateway") == \
        "unexpected status 502 Bad Gateway"
    assert error_text(b'{"errors": "nonsense"}', 500, "") == "unexpected status 500"


def _index(*platforms: dict[str, str]) -> bytes:
    return json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json",
         "digest": "sha256:" + f"{i:x}" * 64, "size": 1, "platform": p}
        for i, p in enumerate(platforms, start=1)]}).encode()


def test_choose_platform() -> None:
    index = _index({"os": "linux", "architecture": "arm", "variant": "v6"},
                   {"os": "linux", "architecture": "arm", "variant": "v7"},
                   {"os": "windows", "architecture": "amd64"},
                   {"os": "linux", "architecture": "amd64"},
                   {"os": "unknown", "architecture": "unknown"})
    assert choose_platform(index, "i", "amd64").digest == "sha256:" + "4" * 64
    assert choose_platform(index, "i", "arm", "v7").digest == "sha256:" + "2" * 64
    assert choose_platform(index, "i", "arm").digest == "sha256:" + "1" * 64
    with pytest.raises(RegistryError, match="no matching manifest for linux/s390x"):
        choose_platform(index, "i", "s390x")


def test_tls_verify_flag_values() -> None:
    from vmforms.cli.container import _tls_verify

    assert _tls_verify("true") and not _tls_verify("false")
    with pytest.raises(InvalidOption, match="--tls-verify"):
        _tls_verify("maybe")


def test_run_path_does_not_import_the_registry_client() -> None:
    code = ("import sys, vmforms.cli.container, vmforms.container.image.store; "
            "print(sorted(m for m in sys.modules if 'registry' in m or m in "
            "('http.client', 'ssl', 'urllib.request')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
