"""Talking to a registry: OCI distribution-spec spec.md over HTTP(S), the token flow of
Docker's registry token spec (WWW-Authenticate: Bearer ...) and Basic auth, redirects,
and the registry's JSON error bodies turned into Docker's one-line messages.

Only the standard library: http.client for the requests (a response stays a stream, so
a layer goes from the socket into the store's unpacker without touching the disk twice),
ssl for TLS, json and base64 for tokens and credentials.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import ssl
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

from vmforms.container.errors import ContainerError
from vmforms.record import record

DOCKER_HUB = "docker.io"
DOCKER_HUB_ENDPOINT = "registry-1.docker.io"
_MAX_REDIRECTS = 10
_MAX_ERROR_BODY = 64 << 10
_MAX_TOKEN_BODY = 1 << 20
_TIMEOUT = 60.0
USER_AGENT = "vmforms (container engine)"
_VERIFY_FAILED = "failed to verify certificate"


class RegistryError(ContainerError):
    """A registry refused, was unreachable, or sent something we will not store."""

    exit_code = 1


@record
class RemoteName:
    """Where a repository lives: `domain` as written ("docker.io", "localhost:5000") and
    its `path` on that registry ("library/busybox")."""

    domain: str
    path: str

    @property
    def endpoint(self) -> str:
        """host[:port] to connect to."""
        return DOCKER_HUB_ENDPOINT if self.domain == DOCKER_HUB else self.domain

    @property
    def full(self) -> str:
        return f"{self.domain}/{self.path}"


def split_domain(name: str) -> RemoteName:
    """distribution/reference's rule: the first component is a registry host when it has
    a dot or a colon, is `localhost`, or has upper case; otherwise the name is on Docker
    Hub, where one-component names live under `library/`."""
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        domain, path = first, rest
    else:
        domain, path = DOCKER_HUB, name
    if domain in ("index.docker.io", "registry-1.docker.io"):
        domain = DOCKER_HUB
    if domain == DOCKER_HUB and "/" not in path:
        path = "library/" + path
    return RemoteName(domain, path)


def is_local_host(domain: str) -> bool:
    """Docker trusts loopback registries over plain HTTP (127.0.0.0/8, ::1, localhost)."""
    host = domain
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return host == "localhost" or host == "::1" or host.startswith("127.")


# -- WWW-Authenticate (RFC 7235 section 4.1) -----------------------------------------------


@record
class Challenge:
    scheme: str  # lower case: "bearer", "basic"
    params: Mapping[str, str]


def parse_challenges(header: str) -> list[Challenge]:
    """`Bearer realm="https://a/token",service="reg",scope="repository:x:pull"` and the
    like, several challenges separated by commas; parameter names lower-cased."""
    challenges: list[Challenge] = []
    i, n = 0, len(header)

    def skip_space(j: int) -> int:
        while j < n and header[j] in " \t,":
            j += 1
        return j

    def token(j: int) -> tuple[str, int]:
        start = j
        while j < n and header[j] not in ' \t,="':
            j += 1
        return header[start:j], j

    i = skip_space(i)
    while i < n:
        scheme, i = token(i)
        if not scheme:
            break
        params: dict[str, str] = {}
        while True:
            j = i
            while j < n and header[j] in " \t":
                j += 1
            k = j
            while k < n and header[k] == ",":
                k += 1
            while k < n and header[k] in " \t":
                k += 1
            name, after = token(k)
            m = after
            while m < n and header[m] in " \t":
                m += 1
            if not name or m >= n or header[m] != "=":
                break  # not a parameter: the next challenge's scheme, or the end
            m += 1
            while m < n and header[m] in " \t":
                m += 1
            if m < n and header[m] == '"':
                value_chars: list[str] = []
                m += 1
                while m < n and header[m] != '"':
                    if header[m] == "\\" and m + 1 < n:
                        m += 1
                    value_chars.append(header[m])
                    m += 1
                value = "".join(value_chars)
                m += 1
            else:
                value, m = token(m)
            params[name.lower()] = value
            i = m
        challenges.append(Challenge(scheme.lower(), params))
        i = skip_space(i)
    return challenges


# -- credentials -------------------------------------------------------------------------


def auth_files() -> list[Path]:
    """Where podman and Docker keep `auths`, in podman's order of precedence."""
    files: list[Path] = []
    if os.environ.get("REGISTRY_AUTH_FILE"):
        files.append(Path(os.environ["REGISTRY_AUTH_FILE"]))
    if os.environ.get("XDG_RUNTIME_DIR"):
        files.append(Path(os.environ["XDG_RUNTIME_DIR"]) / "containers" / "auth.json")
    home = Path(os.environ.get("HOME") or Path.home())
    files.append(home / ".config" / "containers" / "auth.json")
    docker_dir = os.environ.get("DOCKER_CONFIG")
    files.append((Path(docker_dir) if docker_dir else home / ".docker") / "config.json")
    return files


def _auth_key_domain(key: str) -> str:
    """`https://index.docker.io/v1/` -> `index.docker.io`; `localhost:5000` stays."""
    if "://" in key:
        key = key.split("://", 1)[1]
    return key.split("/", 1)[0]


def find_credentials(domain: str, files: list[Path] | None = None) -> tuple[str, str] | None:
    """(user, password) for `domain` from the first auth file that has it."""
    wanted = {domain}
    if domain == DOCKER_HUB:
        wanted |= {"index.docker.io", DOCKER_HUB_ENDPOINT}
    for path in auth_files() if files is None else files:
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            continue
        auths = data.get("auths") if isinstance(data, dict) else None
        if not isinstance(auths, dict):
            continue
        for key, entry in auths.items():
            if _auth_key_domain(str(key)) not in wanted or not isinstance(entry, dict):
                continue
            if isinstance(entry.get("auth"), str) and entry["auth"]:
                try:
                    user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
                except (ValueError, UnicodeDecodeError):
                    continue
                return user, password
            if isinstance(entry.get("username"), str) and isinstance(entry.get("password"), str):
                return entry["username"], entry["password"]
    return None


# -- errors ------------------------------------------------------------------------------


def error_text(body: bytes, status: int, reason: str) -> str:
    """The registry's error body as Docker's errcode prints it ("manifest unknown:
    manifest unknown"), or the HTTP status when the body is not the JSON of spec.md."""
    try:
        errors = json.loads(body).get("errors")
        parts = []
        for err in errors:
            code = str(err.get("code", "")).lower().replace("_", " ")
            message = str(err.get("message", ""))
            parts.append(f"{code}: {message}" if code and message else code or message)
        if parts:
            return "; ".join(parts)
    except (ValueError, AttributeError, TypeError):
        pass
    return f"unexpected status {status} {reason}".rstrip()


# -- the transport -----------------------------------------------------------------------


class Response:
    """A response whose body is read as a stream; closes its connection when closed."""

    def __init__(self, conn: http.client.HTTPConnection, resp: http.client.HTTPResponse,
                 url: str) -> None:
        self._conn = conn
        self.raw = resp
        self.status = resp.status
        self.reason = resp.reason
        self.url = url

    def header(self, name: str) -> str | None:
        return self.raw.getheader(name)

    def read(self, n: int = -1) -> bytes:
        return self.raw.read(n) if n >= 0 else self.raw.read()

    def read_limited(self, limit: int, what: str) -> bytes:
        """The whole body, refused when it is (or claims to be) larger than `limit`."""
        length = self.header("Content-Length")
        if length is not None and length.isdigit() and int(length) > limit:
            raise RegistryError(f"{what}: {length} bytes is more than the limit of {limit}")
        data = self.raw.read(limit + 1)
        if len(data) > limit:
            raise RegistryError(f"{what}: more than the limit of {limit} bytes")
        return data

    def close(self) -> None:
        self.raw.close()
        self._conn.close()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Transport:
    """Requests to one registry for one repository scope, authenticating on demand."""

    def __init__(self, remote: RemoteName, *, tls_verify: bool = True,
                 actions: str = "pull") -> None:
        self.remote = remote
        self.tls_verify = tls_verify
        self.scope = f"repository:{remote.path}:{actions}"
        self.plain_http_ok = not tls_verify or is_local_host(remote.domain)
        self.base = ""  # "https://host[:port]" once the /v2/ probe has answered
        self._authorization: str | None = None
        self._credentials = find_credentials(remote.domain)
        self._tried_auth = False

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    # -- the probe -----------------------------------------------------------------------
    def probe(self) -> None:
        """GET /v2/: choose https or (where allowed) http, and authenticate if asked to."""
        schemes = ["https", "http"] if self.plain_http_ok else ["https"]
        failures: list[RegistryError] = []
        for scheme in schemes:
            base = f"{scheme}://{self.remote.endpoint}"
            try:
                resp = self._send("GET", base + "/v2/", {}, None)
            except RegistryError as exc:
                failures.append(exc)
                continue
            self.base = base
            with resp:
                body = resp.read_limited(_MAX_ERROR_BODY, f"GET {base}/v2/") \
                    if resp.status != 200 else b""
            if resp.status == 401:
                self._authenticate(resp.header("WWW-Authenticate") or "")
                return
            if resp.status != 200:
                raise RegistryError(f"GET {base}/v2/: {error_text(body, resp.status, resp.reason)}")
            return
        # an HTTPS server whose certificate was refused says more than the http fallback
        refused = [exc for exc in failures if _VERIFY_FAILED in str(exc)]
        raise (refused or failures)[-1]

    # -- requests ------------------------------------------------------------------------
    def request(self, method: str, path: str, headers: Mapping[str, str] | None = None,
                body: bytes | IO[bytes] | None = None, *,
                follow_redirects: bool = False) -> Response:
        """`path` below the registry's base URL (or an absolute URL, as a Location is)."""
        url = path if "://" in path else self.base + path
        rewind = body.tell() if body is not None and not isinstance(body, bytes) else None
        for attempt in range(2):
            sent = dict(headers or {})
            if self._authorization:
                sent["Authorization"] = self._authorization
            resp = self._send(method, url, sent, body)
            if resp.status == 401 and attempt == 0:
                challenge = resp.header("WWW-Authenticate") or ""
                resp.close()
                self._authenticate(challenge, force=True)
                if rewind is not None and body is not None and not isinstance(body, bytes):
                    body.seek(rewind)
                continue
            hops = 0
            while follow_redirects and resp.status in (301, 302, 303, 307, 308):
                location = resp.header("Location")
                resp.close()
                hops += 1
                if not location or hops > _MAX_REDIRECTS:
                    raise RegistryError(f"{method} {url}: too many or broken redirects")
                target = urllib.parse.urljoin(url, location)
                same = urllib.parse.urlsplit(target).netloc == urllib.parse.urlsplit(url).netloc
                # credentials stay with the registry: a CDN gets a pre-signed URL instead
                resp = self._send(method, target, {k: v for k, v in sent.items()
                                                   if same or k != "Authorization"}, None)
                url = target
            return resp
        raise AssertionError("unreachable")

    def _send(self, method: str, url: str, headers: Mapping[str, str],
              body: bytes | IO[bytes] | None) -> Response:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.netloc, timeout=_TIMEOUT, context=self._context())
        elif parts.scheme == "http" and self.plain_http_ok:
            conn = http.client.HTTPConnection(parts.netloc, timeout=_TIMEOUT)
        else:
            raise RegistryError(f"{method} {url}: refusing plain HTTP; use --tls-verify=false")
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        sent = {"User-Agent": USER_AGENT, **headers}
        if body is None and method in ("PUT", "POST", "PATCH"):
            sent.setdefault("Content-Length", "0")
        try:
            conn.request(method, target, body=body, headers=sent)
            raw = conn.getresponse()
        except ssl.SSLCertVerificationError as exc:
            conn.close()
            raise RegistryError(f"{method.title()} \"{url}\": tls: {_VERIFY_FAILED}: "
                                f"{exc.verify_message}; --tls-verify=false skips the check")\
                from None
        except ssl.SSLError as exc:
            conn.close()
            raise RegistryError(f"{method.title()} \"{url}\": tls: {exc.reason or exc}") from None
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise RegistryError(f"{method.title()} \"{url}\": {_dial_error(parts, exc)}") from None
        return Response(conn, raw, url)

    # -- authentication ------------------------------------------------------------------
    def _authenticate(self, header: str, *, force: bool = False) -> None:
        if self._tried_auth and not force:
            return
        if self._tried_auth and force and self._authorization is not None:
            raise RegistryError(self._denied("the registry refused our credentials"))
        self._tried_auth = True
        challenges = {c.scheme: c for c in parse_challenges(header)}
        if "bearer" in challenges:
            self._authorization = "Bearer " + self._fetch_token(challenges["bearer"].params)
        elif "basic" in challenges:
            if self._credentials is None:
                raise RegistryError(self._denied("no basic auth credentials"))
            user, password = self._credentials
            self._authorization = "Basic " + base64.b64encode(
                f"{user}:{password}".encode()).decode()
        else:
            raise RegistryError(self._denied(f"unsupported authentication challenge {header!r}"))

    def _denied(self, detail: str) -> str:
        return (f"access to {self.remote.full} denied, repository does not exist or may "
                f"require login: {detail}")

    def _fetch_token(self, params: Mapping[str, str]) -> str:
        realm = params.get("realm", "")
        if not realm.startswith(("https://", "http://")):
            raise RegistryError(f"token realm {realm!r} of {self.remote.domain} is not a URL")
        query = {"scope": self.scope}
        if params.get("service"):
            query["service"] = params["service"]
        headers: dict[str, str] = {}
        if self._credentials is not None:
            user, password = self._credentials
            headers["Authorization"] = "Basic " + base64.b64encode(
                f"{user}:{password}".encode()).decode()
            query["account"] = user
        url = realm + ("&" if "?" in realm else "?") + urllib.parse.urlencode(query)
        resp = self._send("GET", url, headers, None)
        with resp:
            body = resp.read_limited(_MAX_TOKEN_BODY, f"GET {realm}")
        if resp.status != 200:
            raise RegistryError(
                f"get token from {realm}: {error_text(body, resp.status, resp.reason)}")
        try:
            data = json.loads(body)
            token = data.get("token") or data.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise RegistryError(f"get token from {realm}: no token in the answer")
        return token


def _dial_error(parts: urllib.parse.SplitResult, exc: BaseException) -> str:
    """Go's wording, which Docker users know: `dial tcp 127.0.0.1:1: connect: ...`."""
    if isinstance(exc, socket.gaierror):
        return f"dial tcp: lookup {parts.hostname}: {exc.strerror}"
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"dial tcp {parts.netloc}: i/o timeout"
    if isinstance(exc, OSError) and exc.strerror:
        return f"dial tcp {parts.netloc}: connect: {exc.strerror.lower()}"
    return str(exc) or type(exc).__name__


def chunks(stream: IO[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    while True:
        data = stream.read(size)
        if not data:
            return
        yield data
