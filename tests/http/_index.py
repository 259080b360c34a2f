"""A package index on 127.0.0.1 only, over https with a certificate made by the test.

It serves PEP 691 JSON and PEP 503 HTML project pages (by ``Accept``, gzip-encoded when the client
accepts it) and the distribution files the test built, with PyPI's caching headers
(``Cache-Control: max-age=600`` on pages, ``max-age=365000000, immutable, public`` on files, an
``ETag`` on both, ``304`` for a matching ``If-None-Match``), PEP 658 ``.metadata`` files (PEP 714's
``core-metadata`` key names only: pips 22.3-23.0 crash on the older one) and permanent redirects.
Every request is logged, so a test can tell what pip fetched and what it took from its cache.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import shutil
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from _dists import Dist

PAGE_CACHE = "max-age=600"
FILE_CACHE = "max-age=365000000, immutable, public"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"


def make_certificate(directory: Path) -> Tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: ``(cert.pem, key.pem)``, made with openssl."""
    if shutil.which("openssl") is None:
        raise RuntimeError("the openssl command is needed to make the test index's certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@dataclass(frozen=True)
class Request:
    """One request the index answered."""

    method: str
    path: str
    status: int
    accept: str
    agent: str = ""  # pip's User-Agent starts "pip/<version> "


@dataclass
class Served:
    """What the index knows about one URL path it serves."""

    kind: str  # wheel, sdist, metadata, index-page, redirect
    project: str
    version: Optional[str]
    filename: Optional[str]
    body: bytes = b""
    location: Optional[str] = None


@dataclass
class Index:
    """The running index. ``url`` is its ``/simple/`` root."""

    host: str
    port: int
    cert: Path
    served: Dict[str, Served]
    log: List[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: Optional[ThreadingHTTPServer] = None

    @property
    def base(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/simple/"

    def requests(self) -> List[Request]:
        with self.lock:
            return list(self.log)

    def env(self, base: Mapping[str, str], cache_dir: Path) -> Dict[str, str]:
        """``base`` for a pip that uses this index and ``cache_dir``, trusting its certificate.

        ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` would override ``PIP_CERT``; ``PIP_TRUSTED_HOST``
        would make pips < 21.3 cache nothing: both are dealt with here.
        """
        env = {k: v for k, v in base.items() if not k.lower().endswith("_proxy")}
        env.pop("PIP_TRUSTED_HOST", None)
        for name in ("PIP_CERT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
            env[name] = str(self.cert)
        env.pop("SSL_CERT_DIR", None)
        env.update({
            "PIP_CACHE_DIR": str(cache_dir),
            "PIP_INDEX_URL": self.url,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
            "PIP_DEFAULT_TIMEOUT": "30",
            "NO_PROXY": "127.0.0.1,localhost",
        })  # fmt: skip
        return env

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def build_index(dists: Sequence[Dist], redirected: Sequence[str], cert: Path, key: Path) -> Index:
    """Start an index serving ``dists``; the files named in ``redirected`` are linked through a
    ``301`` from ``/redirect/<filename>`` to ``/files/<filename>``.
    """
    index = Index("127.0.0.1", 0, cert, {})
    handler = _handler(index)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    index.port = server.server_address[1]
    index.server = server
    by_project: Dict[str, List[Dist]] = {}
    for dist in dists:
        by_project.setdefault(dist.project, []).append(dist)
        index.served[f"/files/{dist.filename}"] = Served(
            dist.kind, dist.project, dist.version, dist.filename, dist.data
        )
        if dist.kind == "wheel":
            index.served[f"/files/{dist.filename}.metadata"] = Served(
                "metadata", dist.project, dist.version, f"{dist.filename}.metadata", dist.metadata
            )
        if dist.filename in redirected:
            index.served[f"/redirect/{dist.filename}"] = Served(
                "redirect", dist.project, dist.version, dist.filename,
                location=f"{index.base}/files/{dist.filename}",
            )  # fmt: skip
    for project, files in by_project.items():
        page = json.dumps(files_json(index, project, files, redirected)).encode()
        index.served[f"/simple/{project}/"] = Served("index-page", project, None, None, page)
    thread = threading.Thread(target=server.serve_forever, name="test-index", daemon=True)
    thread.start()
    return index


def _link(index: Index, dist: Dist, redirected: Sequence[str], *, absolute: bool) -> str:
    folder = "redirect" if dist.filename in redirected else "files"
    if absolute:
        return f"{index.base}/{folder}/{dist.filename}"
    return f"../../{folder}/{dist.filename}"


def files_json(
    index: Index, project: str, dists: Sequence[Dist], redirected: Sequence[str]
) -> Dict[str, object]:
    """A PEP 691 page (absolute file URLs, as PyPI's)."""
    files = []
    for dist in dists:
        item: Dict[str, object] = {
            "filename": dist.filename,
            "url": _link(index, dist, redirected, absolute=True),
            "hashes": {"sha256": dist.sha256},
        }
        if dist.kind == "wheel" and dist.filename not in redirected:  # not for a redirect
            item["core-metadata"] = {"sha256": hashlib.sha256(dist.metadata).hexdigest()}
        files.append(item)
    return {"meta": {"api-version": "1.0"}, "name": project, "files": files}


def files_html(index: Index, page: Served, data: Dict[str, object]) -> bytes:
    """The same page as PEP 503 HTML (relative file URLs, as many private indexes write them)."""
    lines = [f"<!DOCTYPE html>\n<html><head><title>Links for {page.project}</title></head><body>"]
    lines.append(f"<h1>Links for {page.project}</h1>")
    for item in data["files"]:  # type: ignore[attr-defined]
        url = item["url"].replace(index.base, "../..")
        href = f"{url}#sha256={item['hashes']['sha256']}"
        extra = ""
        if "core-metadata" in item:
            extra = f' data-core-metadata="sha256={item["core-metadata"]["sha256"]}"'
        lines.append(
            f'<a href="{html.escape(href)}"{extra}>{html.escape(item["filename"])}</a><br/>'
        )
    lines.append("</body></html>\n")
    return "\n".join(lines).encode()


def _handler(index: Index) -> type:  # noqa: C901 - one handler class, its methods
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def _send(self, status: int, body: bytes, headers: Dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            with index.lock:
                accept, agent = self.headers.get("Accept", ""), self.headers.get("User-Agent", "")
                index.log.append(Request(self.command, self.path, status, accept, agent))

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            served = index.served.get(path)
            if served is None:
                self._send(404, b"not found\n", {"Content-Type": "text/plain"})
                return
            if served.kind == "redirect":
                assert served.location is not None
                self._send(301, b"", {"Location": served.location, "Cache-Control": FILE_CACHE})
                return
            if served.kind == "index-page":
                self._page(served)
                return
            body = served.body
            etag = _etag(body)
            headers = {
                "Content-Type": "application/octet-stream",
                "ETag": etag,
                "Cache-Control": FILE_CACHE,
            }
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", {"ETag": etag, "Cache-Control": FILE_CACHE})
                return
            self._send(200, body, headers)

        def _page(self, served: Served) -> None:
            data = json.loads(served.body)
            accept = self.headers.get("Accept", "")
            if JSON_TYPE in accept:
                body, kind = json.dumps(data).encode(), JSON_TYPE
            else:
                body, kind = files_html(index, served, data), "text/html"
            headers = {
                "Content-Type": kind,
                "Cache-Control": PAGE_CACHE,
                "Vary": "Accept, Accept-Encoding",
            }
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body, mtime=0)
                headers["Content-Encoding"] = "gzip"
            etag = _etag(body)
            headers["ETag"] = etag
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", {k: v for k, v in headers.items() if k != "Content-Type"})
                return
            self._send(200, body, headers)

    return Handler
