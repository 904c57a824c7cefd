"""Pull through a registry served on loopback by this test: the Bearer token flow with
credentials from an auth file, Basic auth, blob redirects to another host, and what a
hostile registry may send (an oversized manifest, a blob longer than its descriptor)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import shutil
import ssl
import subprocess
import tarfile
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from vmforms.container.errors import ContainerError, ImageError
from vmforms.container.image.registry import pull
from vmforms.container.image.registry_http import RegistryError
from vmforms.container.image.store import ImageStore
from vmforms.container.image.writer import host_architecture

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
TOKEN = "fake-token-123"
USER, PASSWORD = "alice", "wonder:land"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that stops reading (an oversized body refused) is expected here


class FakeRegistry:
    """Just enough of distribution's API to pull from, with switchable behaviour."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.auth = "none"  # "none", "bearer" or "basic"
        self.redirect_blobs = False
        self.claim_digest: str | None = None  # sent as Docker-Content-Digest when set
        self.blobs: dict[str, bytes] = {}
        self.manifests: dict[str, tuple[str, bytes]] = {}
        self.token_queries: list[dict[str, list[str]]] = []
        self.cdn_authorization: list[str | None] = []
        self.server = _Server(("127.0.0.1", 0), self._handler())
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    def add_image(self, repo: str, tag: str, files: dict[str, bytes]) -> tuple[str, str]:
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w") as tar:
            for name, content in files.items():
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(content), 0o644
                tar.addfile(info, io.BytesIO(content))
        layer = gzip.compress(raw.getvalue(), mtime=0)
        config = json.dumps({"architecture": host_architecture(), "os": "linux",
                             "rootfs": {"type": "layers",
                                        "diff_ids": [_digest(raw.getvalue())]}}).encode()
        self.blobs[_digest(layer)] = layer
        self.blobs[_digest(config)] = config
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": _digest(config), "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": _digest(layer), "size": len(layer)}],
        }).encode()
        self.manifests[f"{repo}:{tag}"] = (OCI_MANIFEST, manifest)
        self.manifests[f"{repo}:{_digest(manifest)}"] = (OCI_MANIFEST, manifest)
        return _digest(manifest), _digest(config)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes = b"",
                      headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _authorized(self) -> bool:
                got = self.headers.get("Authorization")
                if fake.auth == "bearer" and got != f"Bearer {TOKEN}":
                    realm = f"http://{fake.host}/token"
                    self._send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"no"}]}', {
                        "WWW-Authenticate": f'Bearer realm="{realm}",service="fake"'})
                    return False
                basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                if fake.auth == "basic" and got != basic:
                    self._send(401, b"", {"WWW-Authenticate": 'Basic realm="fake"'})
                    return False
                return True

            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                url = urllib.parse.urlsplit(self.path)
                parts = url.path.split("/")
                if url.path == "/token":
                    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                    fake.token_queries.append(urllib.parse.parse_qs(url.query))
                    if self.headers.get("Authorization") != expected:
                        self._send(401, b'{"errors":[{"code":"DENIED","message":"bad login"}]}')
                        return
                    self._send(200, json.dumps({"token": TOKEN}).encode())
                    return
                if parts[1] == "cdn":
                    fake.cdn_authorization.append(self.headers.get("Authorization"))
                    self._send(200, fake.blobs[parts[2]])
                    return
                if not self._authorized():
                    return
                if url.path == "/v2/":
                    self._send(200, b"{}")
                    return
                repo, kind, ref = "/".join(parts[2:-2]), parts[-2], parts[-1]
                if kind == "manifests" and f"{repo}:{ref}" in fake.manifests:
                    media_type, body = fake.manifests[f"{repo}:{ref}"]
                    headers = {"Content-Type": media_type}
                    if fake.claim_digest:
                        headers["Docker-Content-Digest"] = fake.claim_digest
                    self._send(200, body, headers)
                elif kind == "blobs" and ref in fake.blobs:
                    if fake.redirect_blobs:
                        port = fake.server.server_address[1]  # another host name
                        self._send(307, b"", {"Location": f"http://localhost:{port}/cdn/{ref}"})
                    else:
                        self._send(200, fake.blobs[ref])
                else:
                    self._send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN",'
                                    b'"message":"manifest unknown"}]}')

        return Handler


@pytest.fixture
def fake() -> Iterator[FakeRegistry]:
    registry = FakeRegistry()
    registry.thread.start()
    try:
        yield registry
    finally:
        registry.server.shutdown()
        registry.server.server_close()
        registry.thread.join()


@pytest.fixture
def tls_fake(tmp_path: Path) -> Iterator[FakeRegistry]:
    """The fake registry over HTTPS, with a self-signed certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for the HTTPS registry")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    registry = FakeRegistry(context)
    registry.thread.start()
    try:
        yield registry
    finally:
        registry.server.shutdown()
        registry.server.server_close()
        registry.thread.join()


@pytest.fixture
def auth_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeRegistry) -> Path:
    path = tmp_path / "auth.json"
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    path.write_text(json.dumps({"auths": {fake.host: {"auth": auth}}}))
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(path))
    return path


@pytest.fixture(autouse=True)
def no_host_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "DOCKER_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def _pull(store: ImageStore, ref: str) -> list[str]:
    lines: list[str] = []
    pull(store, ref, out=lines.append)
    return lines


def _assert_empty(store: ImageStore) -> None:
    assert store.read_index().manifests == ()
    for sub in ("blobs/sha256", "layers", "tmp"):
        path = store.root / sub
        assert not path.exists() or list(path.iterdir()) == [], sub


def test_bearer_token_with_credentials_and_redirected_blobs(
        store: ImageStore, fake: FakeRegistry, auth_file: Path) -> None:
    fake.auth, fake.redirect_blobs = "bearer", True
    manifest_digest, image_id = fake.add_image("team/app", "v1", {"hello": b"hi\n"})
    lines = _pull(store, f"{fake.host}/team/app:v1")
    assert lines[0] == "v1: Pulling from team/app"
    assert f"Digest: {manifest_digest}" in lines
    image = store.resolve(f"{fake.host}/team/app:v1")
    assert image.id == image_id and image.manifest_digest == manifest_digest
    assert (store.layer_dirs(image)[0] / "hello").read_bytes() == b"hi\n"
    query = fake.token_queries[-1]
    assert query["scope"] == ["repository:team/app:pull"]
    assert query["service"] == ["fake"] and query["account"] == [USER]
    # the registry's token is not handed to the host a blob is redirected to
    assert fake.cdn_authorization and set(fake.cdn_authorization) == {None}


def test_bearer_token_with_wrong_credentials(store: ImageStore, fake: FakeRegistry,
                                             auth_file: Path) -> None:
    fake.auth = "bearer"
    fake.add_image("app", "v1", {"f": b"x"})
    auth_file.write_text(json.dumps({"auths": {fake.host: {"username": USER,
                                                           "password": "wrong"}}}))
    with pytest.raises(RegistryError, match="get token from .*: denied: bad login"):
        _pull(store, f"{fake.host}/app:v1")


def test_basic_auth_from_docker_config(store: ImageStore, fake: FakeRegistry, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    fake.auth = "basic"
    _, image_id = fake.add_image("app", "v1", {"f": b"basic\n"})
    with pytest.raises(RegistryError, match="no basic auth credentials"):
        _pull(store, f"{fake.host}/app:v1")
    config = tmp_path / "home" / ".docker" / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"auths": {f"https://{fake.host}": {
        "auth": base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}}}))
    _pull(store, f"{fake.host}/app:v1")
    assert store.resolve(f"{fake.host}/app:v1").id == image_id


def test_manifest_larger_than_the_limit_is_refused(store: ImageStore,
                                                   fake: FakeRegistry) -> None:
    fake.manifests["app:big"] = (OCI_MANIFEST, b'{"schemaVersion": 2, "pad": "'
                                 + b"x" * (4 << 20) + b'"}')
    with pytest.raises(RegistryError, match="more than the limit of 4194304"):
        _pull(store, f"{fake.host}/app:big")
    _assert_empty(store)


def test_blob_longer_than_its_descriptor_is_refused(store: ImageStore,
                                                    fake: FakeRegistry) -> None:
    fake.add_image("app", "v1", {"f": b"x" * 1000})
    _, manifest = fake.manifests["app:v1"]
    layer = json.loads(manifest)["layers"][0]["digest"]
    fake.blobs[layer] += b"\0" * 4096  # gzip ignores trailing zeros: only the size tells
    with pytest.raises(ImageError, match="more than the .* bytes its descriptor gives"):
        _pull(store, f"{fake.host}/app:v1")
    _assert_empty(store)


def test_manifest_not_matching_its_claimed_digest(store: ImageStore,
                                                  fake: FakeRegistry) -> None:
    fake.add_image("app", "v1", {"f": b"x"})
    media_type, manifest = fake.manifests["app:v1"]
    fake.manifests["app:v1"] = (media_type, manifest.replace(b'"schemaVersion": 2',
                                                             b'"schemaVersion":2'))
    fake.claim_digest = _digest(manifest)
    with pytest.raises(ImageError, match=f"digest mismatch: expected {_digest(manifest)}"):
        _pull(store, f"{fake.host}/app:v1")
    _assert_empty(store)


def test_https_certificate_is_verified_unless_told_not_to(store: ImageStore,
                                                         tls_fake: FakeRegistry) -> None:
    _, image_id = tls_fake.add_image("app", "v1", {"f": b"over tls\n"})
    ref = f"{tls_fake.host}/app:v1"
    with pytest.raises(RegistryError, match=r'Get "https://.*": tls: failed to verify '
                       r"certificate: self.signed certificate; --tls-verify=false skips"):
        _pull(store, ref)
    lines: list[str] = []
    pull(store, ref, tls_verify=False, out=lines.append)
    assert store.resolve(ref).id == image_id


def test_unknown_tag(store: ImageStore, fake: FakeRegistry) -> None:
    with pytest.raises(ContainerError) as caught:
        _pull(store, f"{fake.host}/app:nope")
    assert str(caught.value) == (f"manifest for {fake.host}/app:nope not found: "
                                 "manifest unknown: manifest unknown")
    assert caught.value.exit_code == 1
