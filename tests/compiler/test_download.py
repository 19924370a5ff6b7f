"""fetch_part against a loopback HTTP server laid out like NEMA's tree."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conformance.compiler import download
from conformance.compiler.download import cached_meta, cached_path, fetch_part, part_url
from conformance.errors import DownloadError, UsageError
from tests.conftest import shared_file

FAST = {"backoff": 0.0, "timeout": 5.0, "progress": False}


def tiny_part(part: int, edition: str, rows: int = 50) -> bytes:
    """A small synthetic DocBook part (not NEMA text)."""
    body = "".join(f"<para>row {i}</para>\n" for i in range(rows))
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<book xmlns="http://docbook.org/ns/docbook" version="5.0">\n'
            f"<title>PS3.{part}</title>\n"
            f"<subtitle>DICOM PS3.{part} {edition} - Synthetic Test Part</subtitle>\n"
            f"<chapter><title>Body</title>\n{body}</chapter>\n</book>\n").encode()


@dataclass
class Server:
    root: Path
    base_url: str = ""
    requests: list[str] = field(default_factory=list)
    # path -> remaining 503 answers before the file is served
    fail: dict[str, int] = field(default_factory=dict)
    half: set[str] = field(default_factory=set)  # serve half, honest Content-Length
    lie: set[str] = field(default_factory=set)  # full Content-Length, half the body
    slow: dict[str, float] = field(default_factory=dict)

    def put(self, edition: str, part: int, data: bytes | Path) -> str:
        """Place a file (bytes, or a symlink to ``data``) where NEMA would have it."""
        rel = f"medical/dicom/{edition}/source/docbook/part{part:02d}/part{part:02d}.xml"
        dest = self.root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, Path):
            dest.symlink_to(data)
        else:
            dest.write_bytes(data)
        return "/" + rel

    def count(self, path: str) -> int:
        return sum(1 for p in self.requests if p == path)


def _handler(state: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path
            state.requests.append(path)
            if path in state.slow:
                time.sleep(state.slow[path])
            if state.fail.get(path, 0) > 0:
                state.fail[path] -= 1
                self.send_error(503, "try later")
                return
            file = state.root / path.lstrip("/")
            if not file.is_file():
                self.send_error(404)
                return
            data = file.read_bytes()
            length = len(data)
            if path in state.half:
                data = data[: len(data) // 2]
                length = len(data)
            elif path in state.lie:
                data = data[: len(data) // 2]
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(length))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    state = Server(root=tmp_path / "www")
    state.root.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/medical/dicom"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def leftovers(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []


# --- self-contained (no ../shared) -----------------------------------------------------

def test_good_file_then_cache_hit(server: Server, tmp_path: Path) -> None:
    data = tiny_part(6, "2099a")
    web = server.put("2099a", 6, data)
    cache = tmp_path / "cache"
    got = fetch_part("2099a", 6, cache_dir=cache, base_url=server.base_url, **FAST)
    assert got == cache / "docbook" / "2099a" / "part06.xml" == cached_path("2099a", 6, cache)
    assert hashlib.sha256(got.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    meta = cached_meta("2099a", 6, cache)
    assert meta is not None
    assert (meta["edition"], meta["part"], meta["size"]) == ("2099a", 6, len(data))
    assert meta["url"] == part_url("2099a", 6, server.base_url)
    assert server.count(web) == 1
    # cached and valid: no network
    again = fetch_part("2099a", 6, cache_dir=cache, base_url="http://127.0.0.1:9/none", **FAST)
    assert again == got and server.count(web) == 1
    assert sorted(p.name for p in leftovers(cache)) == ["part06.json", "part06.xml"]


def test_progress_bar_enabled(server: Server, tmp_path: Path) -> None:
    server.put("2099a", 5, tiny_part(5, "2099a", rows=5000))
    got = fetch_part("2099a", 5, cache_dir=tmp_path / "c", base_url=server.base_url,
                     timeout=5, backoff=0, progress=True)
    assert got.stat().st_size > 100_000


def test_404_names_url_and_does_not_retry(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    url = part_url("2099b", 3, server.base_url)
    with pytest.raises(DownloadError, match="not found") as info:
        fetch_part("2099b", 3, cache_dir=cache, base_url=server.base_url, retries=3, **FAST)
    assert url in str(info.value)
    assert server.count("/medical/dicom/2099b/source/docbook/part03/part03.xml") == 1
    assert leftovers(cache) == []


def test_truncated_body_is_rejected(server: Server, tmp_path: Path) -> None:
    web = server.put("2099a", 4, tiny_part(4, "2099a"))
    server.half.add(web)
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match="truncated"):
        fetch_part("2099a", 4, cache_dir=cache, base_url=server.base_url, **FAST)
    assert server.count(web) == 1  # a file cut at the source does not improve on retry
    assert leftovers(cache) == []


def test_content_length_mismatch_retries_then_fails(server: Server, tmp_path: Path) -> None:
    web = server.put("2099a", 4, tiny_part(4, "2099a"))
    server.lie.add(web)
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match=r"2 attempts"):
        fetch_part("2099a", 4, cache_dir=cache, base_url=server.base_url, retries=1, **FAST)
    assert server.count(web) == 2
    assert leftovers(cache) == []


def test_wrong_part(server: Server, tmp_path: Path) -> None:
    server.put("2099a", 6, tiny_part(4, "2099a"))  # PS3.4 where PS3.6 belongs
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match=r"PS3\.4, expected PS3\.6"):
        fetch_part("2099a", 6, cache_dir=cache, base_url=server.base_url, **FAST)
    assert leftovers(cache) == []


def test_wrong_edition(server: Server, tmp_path: Path) -> None:
    server.put("2099b", 6, tiny_part(6, "2099a"))
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match="edition 2099a, expected 2099b"):
        fetch_part("2099b", 6, cache_dir=cache, base_url=server.base_url, **FAST)
    assert leftovers(cache) == []


def test_server_error_then_success(server: Server, tmp_path: Path) -> None:
    web = server.put("2099a", 6, tiny_part(6, "2099a"))
    server.fail[web] = 2
    got = fetch_part("2099a", 6, cache_dir=tmp_path / "c", base_url=server.base_url,
                     retries=2, **FAST)
    assert got.is_file() and server.count(web) == 3


def test_server_errors_exhaust_retries(server: Server, tmp_path: Path) -> None:
    web = server.put("2099a", 6, tiny_part(6, "2099a"))
    server.fail[web] = 10
    with pytest.raises(DownloadError, match=r"HTTP 503.*3 attempts"):
        fetch_part("2099a", 6, cache_dir=tmp_path / "c", base_url=server.base_url,
                   retries=2, **FAST)
    assert server.count(web) == 3


def test_timeout(server: Server, tmp_path: Path) -> None:
    web = server.put("2099a", 6, tiny_part(6, "2099a"))
    server.slow[web] = 1.0
    with pytest.raises(DownloadError, match="(?i)timed? ?out"):
        fetch_part("2099a", 6, cache_dir=tmp_path / "c", base_url=server.base_url,
                   timeout=0.2, retries=0, backoff=0, progress=False)


def test_connection_refused(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match="2 attempts"):
        fetch_part("2099a", 6, cache_dir=tmp_path / "c", base_url=f"http://127.0.0.1:{port}",
                   retries=1, **FAST)
    assert leftovers(tmp_path / "c") == []


def test_current_records_subtitle_edition(server: Server, tmp_path: Path) -> None:
    server.put("current", 6, tiny_part(6, "2099c"))
    cache = tmp_path / "cache"
    got = fetch_part("current", 6, cache_dir=cache, base_url=server.base_url, **FAST)
    assert got == cache / "docbook" / "current" / "part06.xml"
    meta = cached_meta("current", 6, cache)
    assert meta is not None
    assert (meta["requested"], meta["edition"]) == ("current", "2099c")


def test_broken_cached_copy_is_replaced(server: Server, tmp_path: Path) -> None:
    web = server.put("2099a", 6, tiny_part(6, "2099a"))
    cache = tmp_path / "cache"
    stale = cached_path("2099a", 6, cache)
    stale.parent.mkdir(parents=True)
    stale.write_bytes(tiny_part(6, "2099a")[:100])
    got = fetch_part("2099a", 6, cache_dir=cache, base_url=server.base_url, **FAST)
    assert got.read_bytes() == tiny_part(6, "2099a") and server.count(web) == 1


def test_env_var_sets_the_cache(server: Server, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    server.put("2099a", 6, tiny_part(6, "2099a"))
    monkeypatch.setenv(download.CACHE_ENV, str(tmp_path / "envcache"))
    got = fetch_part("2099a", 6, base_url=server.base_url, **FAST)
    assert got == tmp_path / "envcache" / "docbook" / "2099a" / "part06.xml"


def test_default_cache_is_per_user(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv(download.CACHE_ENV, raising=False)
    assert download.cache_root() == Path(platformdirs.user_cache_dir("dicom-conformance"))


@pytest.mark.parametrize("edition", ["", "../x", "2024z", "latest", "24b"])
def test_bad_edition(edition: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        fetch_part(edition, 6, cache_dir=tmp_path)


def test_url_layout() -> None:
    assert part_url("2024b", 3) == (
        "https://dicom.nema.org/medical/dicom/2024b/source/docbook/part03/part03.xml")
    assert part_url("current", 15, "http://h/x/") == (
        "http://h/x/current/source/docbook/part15/part15.xml")


# --- the real parts (../shared, symlinked into the served tree) -------------------------

README_SHA = {
    ("2015b", 6): "24c0444e85b5216f06756dbc615a2d5a772f14ddb4e09453001e7cfa6345979b",
    ("2013", 4): "2b26bf984421410839baec44e6839631436acba2fbed3bbf1652d5eaf5bfcbc0",
}


@pytest.mark.shared
@pytest.mark.parametrize(("edition", "part"), sorted(README_SHA))
def test_real_part(server: Server, tmp_path: Path, edition: str, part: int) -> None:
    src = shared_file("nema-docbook", edition, f"part{part:02d}.xml")
    server.put(edition, part, src)
    got = fetch_part(edition, part, cache_dir=tmp_path / "c", base_url=server.base_url, **FAST)
    assert hashlib.sha256(got.read_bytes()).hexdigest() == README_SHA[(edition, part)]
    meta = json.loads(got.with_suffix(".json").read_text())
    assert meta["sha256"] == README_SHA[(edition, part)]


@pytest.mark.shared
def test_real_truncated_half(server: Server, tmp_path: Path) -> None:
    src = shared_file("nema-docbook", "2015b", "part06.xml")
    web = server.put("2015b", 6, src)
    server.half.add(web)
    with pytest.raises(DownloadError, match="truncated"):
        fetch_part("2015b", 6, cache_dir=tmp_path / "c", base_url=server.base_url, **FAST)
    assert leftovers(tmp_path / "c") == []


@pytest.mark.shared
def test_real_wrong_edition_and_part(server: Server, tmp_path: Path) -> None:
    server.put("2014a", 6, shared_file("nema-docbook", "2013", "part06.xml"))
    server.put("2013", 3, shared_file("nema-docbook", "2013", "part04.xml"))
    with pytest.raises(DownloadError, match="edition 2013, expected 2014a"):
        fetch_part("2014a", 6, cache_dir=tmp_path / "c", base_url=server.base_url, **FAST)
    with pytest.raises(DownloadError, match=r"PS3\.4, expected PS3\.3"):
        fetch_part("2013", 3, cache_dir=tmp_path / "c", base_url=server.base_url, **FAST)
    assert leftovers(tmp_path / "c") == []
    assert not os.listdir(tmp_path / "c" / "docbook" / "2013")
