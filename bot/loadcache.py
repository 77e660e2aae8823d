"""A cache on disk of a loaded knowledge base, so a restart with an unchanged base starts quickly.

Parsing, validating and indexing 10,000 entries takes seconds; reading them back from one file
takes a fraction of that. What is cached is whatever the engine keeps per base, pickled whole, so
an index added to the engine later is cached without this module knowing about it.

A cache file is only ever trusted when all of this holds, and is otherwise ignored (one log line)
and rewritten after a normal load:

- it was made for the same base (the fingerprint of its YAML files), the same folder, the same
  syncdoc version, the same code (a digest of syncdoc's own source and schemas) and the same
  Python;
- its HMAC-SHA256, keyed by a random secret kept beside it (`secret.key`, mode 0600, owned by
  the user), matches: a file written by anyone without the secret, or changed, or cut short, is
  never unpickled.

A base may be kept in parts, each in a file of its own (the search index, which the first lookup
reads back rather than every start); a part refers to objects of the base it belongs to (`shared`)
by name, so that it neither holds a second copy of them nor can be read back into another base.

Files are written to a temporary name and renamed over the old one, so a reader (another process)
sees the old file or the new one, never half of one. A folder that cannot be written only means
no cache: syncdoc loads the base as it would without one.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import hmac
import io
import json
import logging
import os
import pickle
import secrets
import sys
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot import __version__
from bot.collector import collector_paused

log = logging.getLogger(__name__)

FORMAT = 2
MAGIC = b"syncdoc load cache\n"
SECRET_FILE = "secret.key"
_SECRET_BYTES = 32
BASE = "base"
"""The part every start reads: the knowledge base and the matcher's index."""
_TAG_BYTES = hashlib.sha256().digest_size


def default_cache_dir() -> Path:
    """The per-user cache folder, by each OS's convention (~/.cache/syncdoc on Linux)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("syncdoc", appauthor=False))


class LoadCache:
    """Loaded knowledge bases kept in `folder`, one file per knowledge base folder."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def file_for(self, kb_path: Path, part: str = BASE) -> Path:
        digest = hashlib.sha256(str(kb_path.resolve()).encode()).hexdigest()[:24]
        return self.folder / (
            f"kb-{digest}.pickle" if part == BASE else f"kb-{digest}.{part}.pickle"
        )

    def get(
        self,
        kb_path: Path,
        fingerprint: str,
        *,
        part: str = BASE,
        shared: Mapping[str, object] | None = None,
    ) -> Any | None:
        """What `put` stored for this base at this fingerprint, or None (never an untrusted
        object). A part's references to `shared` objects are given these objects."""
        file = self.file_for(kb_path, part)
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            log.debug("load cache: no cache file for %s yet", kb_path)
            return None
        except OSError as exc:
            log.info("load cache: cannot read %s (%s); loading the base", file, exc.strerror)
            return None
        value, reason = self._open(raw, _header(kb_path, fingerprint, part), shared or {})
        what = "knowledge base" if part == BASE else f"{part} of knowledge base"
        if reason:
            log.info("load cache: ignoring %s (%s); building the %s", file, reason, what)
            return None
        log.info("load cache: %s %s read from %s", what, kb_path, file)
        return value

    def put(
        self,
        kb_path: Path,
        fingerprint: str,
        value: Any,
        *,
        part: str = BASE,
        shared: Mapping[str, object] | None = None,
    ) -> None:
        """Keep `value` for this base; a folder that cannot be written is logged and skipped.
        Objects of `shared` that `value` refers to are stored by name, not pickled."""
        file = self.file_for(kb_path, part)
        header = _header(kb_path, fingerprint, part)
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            key = self._secret(create=True)
            if key is None:
                return
            body = _dumps(value, shared or {})
            _write_atomically(file, (MAGIC, header, _tag(key, header, body), body))
        except OSError as exc:
            log.info("load cache: cannot write in %s (%s); running without it", self.folder, exc)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            log.info("load cache: the loaded base cannot be cached (%s)", exc)

    def _open(
        self, raw: bytes, header: bytes, shared: Mapping[str, object]
    ) -> tuple[Any, str | None]:
        view = memoryview(raw)  # Slices of a view share the file's bytes instead of copying them.
        if not raw.startswith(MAGIC):
            return None, "not a syncdoc load cache"
        start = len(MAGIC)
        if view[start : start + len(header)] != header:
            return None, "made for another base or part of one, another version or Python"
        start += len(header)
        tag, body = view[start : start + _TAG_BYTES], view[start + _TAG_BYTES :]
        key = self._secret(create=False)
        if key is None:
            return None, f"no usable {SECRET_FILE} beside it"
        if not hmac.compare_digest(tag, _tag(key, header, body)):
            return None, "it fails its integrity check: changed, cut short or not ours"
        try:
            with collector_paused(freeze=True):
                if not shared:
                    return pickle.loads(body), None  # Reads the file's bytes without a copy.
                return _Unpickler(io.BytesIO(body), shared).load(), None
        except Exception as exc:  # Authentic yet unreadable (a bug of ours): rebuild all the same.
            return None, f"it cannot be read back ({type(exc).__name__})"

    def _secret(self, *, create: bool) -> bytes | None:
        file = self.folder / SECRET_FILE
        if create and not file.exists():
            # Made under a temporary name and linked into place, so that two processes starting
            # together agree on one secret (link never replaces an existing file).
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".secret-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(secrets.token_bytes(_SECRET_BYTES))
                with contextlib.suppress(FileExistsError):
                    os.link(temporary, file)
            finally:
                os.unlink(temporary)
        try:
            with file.open("rb") as handle:
                status = os.fstat(handle.fileno())
                key = handle.read(_SECRET_BYTES + 1)
        except FileNotFoundError:
            return None
        if os.name == "posix" and (status.st_uid != os.geteuid() or status.st_mode & 0o077):
            log.info("load cache: %s is not private to this user; not using the cache", file)
            return None
        return key if len(key) == _SECRET_BYTES else None


def _tag(key: bytes, header: bytes, body: bytes | memoryview) -> bytes:
    mac = hmac.new(key, header, hashlib.sha256)
    mac.update(body)
    return mac.digest()


def _header(kb_path: Path, fingerprint: str, part: str) -> bytes:
    identity = {
        "format": FORMAT,
        "part": part,
        "syncdoc": __version__,
        "code": code_fingerprint(),
        "python": sys.version,
        # Entries remember their file as the folder was named, so the spelling counts too.
        "path": str(kb_path),
        "folder": str(kb_path.resolve()),
        "base": fingerprint,
    }
    return json.dumps(identity, sort_keys=True).encode() + b"\n"


@cache
def code_fingerprint() -> str:
    """A digest of syncdoc's source and schemas: a cache made by other code is not reused."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for file in sorted(package.rglob("*")):
        if file.suffix in (".py", ".json") and file.is_file():
            digest.update(str(file.relative_to(package)).encode() + b"\0" + file.read_bytes())
    from bot.kb_schema import SCHEMA_FILE, SETTINGS_SCHEMA_FILE
    from bot.paths import bundled_kb_path

    for name in (SCHEMA_FILE, SETTINGS_SCHEMA_FILE):
        schema = bundled_kb_path() / name
        if schema.is_file():
            digest.update(name.encode() + b"\0" + schema.read_bytes())
    return digest.hexdigest()


def _mapping_proxy(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


# The loaded base is immutable throughout, including read-only mappings, which pickle cannot
# handle by itself.
_DISPATCH: dict[type, Any] = {
    **copyreg.dispatch_table,
    MappingProxyType: lambda proxy: (_mapping_proxy, (dict(proxy),)),
}


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.dispatch_table = _DISPATCH


class _SharingPickler(_Pickler):
    """Pickles the objects of `shared` as their names. (A separate class: a `persistent_id`
    method is called for every object pickled.)"""

    def __init__(self, file: io.BytesIO, shared: Mapping[str, object]) -> None:
        super().__init__(file)
        self._shared = {id(value): name for name, value in shared.items()}

    def persistent_id(self, obj: Any) -> str | None:
        return self._shared.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, shared: Mapping[str, object]) -> None:
        super().__init__(file)
        self._shared = shared

    def persistent_load(self, pid: Any) -> object:
        try:
            return self._shared[pid]
        except (KeyError, TypeError):
            raise pickle.UnpicklingError(f"refers to {pid!r}, which it was not given") from None


def _dumps(value: Any, shared: Mapping[str, object]) -> bytes:
    buffer = io.BytesIO()
    with collector_paused():
        (_SharingPickler(buffer, shared) if shared else _Pickler(buffer)).dump(value)
    return buffer.getvalue()


def _write_atomically(file: Path, parts: tuple[bytes, ...]) -> None:
    fd, temporary = tempfile.mkstemp(dir=file.parent, prefix=".kb-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                out.write(part)
        os.replace(temporary, file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
