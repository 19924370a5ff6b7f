"""Download NEMA's DocBook parts into a per-user cache, verified before use.

``{base_url}/{edition}/source/docbook/partNN/partNN.xml`` is fetched with urllib into a
temporary file beside its cache place and renamed only when it is complete (the
Content-Length arrived and the file ends with ``</book>``) and is the requested part and
edition. A valid cached copy is used without touching the network. Next to each part a
``partNN.json`` records the URL, size, sha256 and the edition its subtitle names (what
``current`` was on the day).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from conformance import progress as _progress
from conformance.compiler.readers.docbook import PartInfo, check_complete, identify
from conformance.errors import DownloadError, SourceError, UsageError

DEFAULT_BASE_URL = "https://dicom.nema.org/medical/dicom"
CACHE_ENV = "DICOM_CONFORMANCE_CACHE"
_EDITION_RE = re.compile(r"current|\d{4}[a-e]?")
_CHUNK = 1 << 16


class _Transient(Exception):
    """A failure worth another try: connection trouble, 5xx, a short body."""


def cache_root(cache_dir: Path | None = None) -> Path:
    """``cache_dir``, else ``$DICOM_CONFORMANCE_CACHE``, else the per-user cache folder."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("dicom-conformance"))


def cached_path(edition: str, part: int, cache_dir: Path | None = None) -> Path:
    """Where ``fetch_part`` keeps a part: ``<cache>/docbook/<edition>/partNN.xml``."""
    return cache_root(cache_dir) / "docbook" / edition / f"part{part:02d}.xml"


def part_url(edition: str, part: int, base_url: str = DEFAULT_BASE_URL) -> str:
    return f"{base_url.rstrip('/')}/{edition}/source/docbook/part{part:02d}/part{part:02d}.xml"


def fetch_part(edition: str, part: int, *, cache_dir: Path | None = None,
               base_url: str = DEFAULT_BASE_URL, timeout: float = 60, retries: int = 3,
               progress: bool | None = None, backoff: float = 1.0,
               refresh: bool = False) -> Path:
    """Return the path of a verified copy of PS3.``part`` of ``edition``, downloading it
    if the cache has no valid copy (or ``refresh``).

    ``retries`` further attempts follow a transient failure (connection error, timeout,
    HTTP 5xx, short body), ``backoff * 2**n`` seconds apart. An HTTP 4xx, or a file that
    is truncated, of another part or of another edition raises DownloadError at once.
    Nothing is left in the cache after a failure.
    """
    edition = edition.strip()
    if not _EDITION_RE.fullmatch(edition):
        raise UsageError(f"edition {edition!r}: expected 'current' or like '2024b'")
    if not 1 <= part <= 99:
        raise UsageError(f"part {part}: expected a DICOM part number")
    target = cached_path(edition, part, cache_dir)
    if target.is_file() and not refresh:
        try:
            _verify(target, edition, part)
            return target
        except SourceError:
            target.unlink(missing_ok=True)  # a broken copy is replaced, not trusted
    target.parent.mkdir(parents=True, exist_ok=True)
    url = part_url(edition, part, base_url)
    for attempt in range(retries + 1):
        try:
            tmp = _download(url, target, part, edition, timeout, progress)
            break
        except _Transient as exc:
            if attempt >= retries:
                raise DownloadError(f"{url}: {exc} (gave up after {attempt + 1} "
                                    f"attempt{'s' if attempt else ''})") from None
            time.sleep(backoff * 2**attempt)
    try:
        info = _verify(tmp, edition, part)
    except SourceError as exc:
        tmp.unlink(missing_ok=True)
        raise DownloadError(f"{url}: download rejected: {_reason(exc, tmp)}") from None
    os.replace(tmp, target)
    _write_meta(target, url, edition, info)
    return target


def _download(url: str, target: Path, part: int, edition: str, timeout: float,
              progress: bool | None) -> Path:
    """One attempt: stream ``url`` into a temporary file beside ``target``."""
    from conformance import __version__

    request = urllib.request.Request(url, headers={"User-Agent": f"dicom-conformance/"
                                                                 f"{__version__}"})
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request,
                                                                timeout=timeout) as resp:
            length = _content_length(resp.headers.get("Content-Length"))
            got = 0
            with _progress.progress(f"download PS3.{part} {edition}", total=length,
                                    enabled=progress) as bar:
                while chunk := resp.read(_CHUNK):
                    out.write(chunk)
                    got += len(chunk)
                    bar.advance(len(chunk))
            if length is not None and got != length:
                raise _Transient(f"truncated download: {got} of {length} bytes")
        return tmp
    except urllib.error.HTTPError as exc:
        tmp.unlink(missing_ok=True)
        if exc.code >= 500:
            raise _Transient(f"HTTP {exc.code} {exc.reason}") from None
        what = "not found" if exc.code == 404 else f"HTTP {exc.code} {exc.reason}"
        raise DownloadError(f"{url}: {what}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        tmp.unlink(missing_ok=True)
        reason = getattr(exc, "reason", None) or exc
        raise _Transient(f"{type(exc).__name__}: {reason}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _content_length(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _verify(path: Path, edition: str, part: int) -> PartInfo:
    """Complete, PS3.``part``, and (unless ``current``) of ``edition``; else SourceError."""
    check_complete(path)
    info = identify(path, expected_part=part)
    if edition != "current" and info.edition.lower() != edition.lower():
        raise SourceError(f"{path}: is edition {info.edition}, expected {edition}")
    return info


def _reason(exc: SourceError, tmp: Path) -> str:
    """The error without the temporary file's name, which is gone."""
    return str(exc).replace(f"{tmp}: ", "").replace(str(tmp), "the file")


def _write_meta(target: Path, url: str, requested: str, info: PartInfo) -> None:
    meta = {"url": url, "requested": requested, "edition": info.edition,
            "subtitle": info.subtitle, "part": info.part, "sha256": info.sha256,
            "size": info.size}
    tmp = target.with_name(f".{target.stem}.json.tmp")
    tmp.write_text(json.dumps(meta, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, target.with_suffix(".json"))


def cached_meta(edition: str, part: int, cache_dir: Path | None = None) -> dict | None:
    """The ``partNN.json`` written beside a cached part, or None."""
    path = cached_path(edition, part, cache_dir).with_suffix(".json")
    with contextlib.suppress(OSError, ValueError):
        return json.loads(path.read_text(encoding="utf-8"))
    return None
