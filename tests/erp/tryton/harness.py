"""A real ``trytond`` server for the tests: an activated, seeded template database built once and cached,
copied per test session, served on a free loopback port.

Activating the modules and seeding takes about a minute here, so the template is built once per key
(trytond version, module list, the seed script's text, the month: the seeded fiscal year is around
"today") under ``$B2BGW_TRYTON_CACHE`` or the system temp dir, with a file lock so two sessions never
build it at once, and copied (SQLite backup API, so no half-written WAL is copied) for each session.
The server runs as a child process; :meth:`TrytonServer.stop` and :meth:`TrytonServer.start` let a test
take Tryton away in the middle of an order and bring it back on the same port.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

from tests.erp.tryton.seed import API_LOGIN, API_PASSWORD, MODULES

DATABASE = "b2bgw"
ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


class TrytonHarnessError(RuntimeError):
    """The Tryton server could not be prepared or started; the message says what and shows its log."""


def tryton_installed() -> bool:
    """Whether trytond and the modules the adapter needs are installed (the ``tryton`` extra)."""
    try:
        metadata.version("trytond")
        metadata.version("trytond-sale-price-list")
        metadata.version("trytond-sale-credit-limit")
        metadata.version("proteus")
    except metadata.PackageNotFoundError:
        return False
    return (BIN / "trytond").exists() and (BIN / "trytond-admin").exists()


def _tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _env(directory: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "TRYTOND_DATABASE__URI": "sqlite://",
        "TRYTOND_DATABASE__PATH": str(directory),
        "TRYTONPASSFILE": str(directory / "admin.pass"),
        "PYTHONPATH": str(ROOT),
    })
    return env


def _cache_key() -> str:
    seed = (Path(__file__).parent / "seed.py").read_bytes()
    parts = [metadata.version("trytond"), ",".join(sorted(MODULES)), hashlib.sha256(seed).hexdigest(),
             dt.date.today().strftime("%Y-%m")]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def cache_root() -> Path:
    """Where activated templates are kept between runs."""
    return Path(os.environ.get("B2BGW_TRYTON_CACHE", Path(tempfile.gettempdir()) / "b2bgw-tryton-cache"))


def _run(args: list[str], env: dict[str, str], log: Path, what: str) -> None:
    with log.open("ab") as out:
        done = subprocess.run(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, timeout=900,
                              check=False)
    if done.returncode != 0:
        raise TrytonHarnessError(f"{what} failed (exit {done.returncode}); log {log}:\n{_tail(log)}")


def _build(directory: Path) -> None:
    (directory / "admin.pass").write_text("admin\n")
    (directory / f"{DATABASE}.sqlite").touch()
    env, log = _env(directory), directory / "build.log"
    _run([str(BIN / "trytond-admin"), "-d", DATABASE, "--all", "--email", "admin@example.com"], env, log,
         "initialising the Tryton database")
    _run([sys.executable, "-m", "tests.erp.tryton.seed", DATABASE], env, log, "activating modules and seeding")


def template() -> Path:
    """The activated, seeded template database file, built now if not cached."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    key = _cache_key()
    final = root / key / f"{DATABASE}.sqlite"
    with (root / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if final.exists():
            return final
        work = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=root))
        try:
            _build(work)
            built = root / key
            built.mkdir()
            _copy_database(work / f"{DATABASE}.sqlite", final)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return final


def _copy_database(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _die_with_parent() -> None:
    """In the server's child process: ask Linux to stop it when pytest goes (even killed), so none is left over."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TrytonServer:
    """``trytond`` on loopback over a copy of the template; start/stop keep the same port and data."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        _copy_database(template(), directory / f"{DATABASE}.sqlite")
        self.port = free_port()
        self.log = directory / "trytond.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base URL (the adapter adds ``/<database>/``)."""
        return f"http://127.0.0.1:{self.port}"

    database = DATABASE
    login = API_LOGIN
    password = API_PASSWORD

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until it answers; TrytonHarnessError with its log otherwise."""
        env = _env(self.directory)
        env["TRYTOND_WEB__LISTEN"] = f"127.0.0.1:{self.port}"
        env["TRYTOND_SESSION__TIMEOUT"] = "3600"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([str(BIN / "trytond"), "-d", DATABASE], env=env, stdout=out,
                                            stderr=subprocess.STDOUT, cwd=self.directory,
                                            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise TrytonHarnessError(f"trytond exited with {self.process.returncode}; log {self.log}:\n"
                                         f"{_tail(self.log)}")
            if self._answers():
                return
            time.sleep(0.2)
        self.stop()
        raise TrytonHarnessError(f"trytond did not answer on {self.url} within {timeout:.0f} s; log:\n"
                                 f"{_tail(self.log)}")

    def _answers(self) -> bool:
        body = b'{"id": 0, "method": "common.server.version", "params": []}'
        request = urllib.request.Request(f"{self.url}/rpc/", data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:
                return answer.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Stop the server (the data stays; :meth:`start` serves it again)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self.process = None


__all__ = ["DATABASE", "TrytonHarnessError", "TrytonServer", "cache_root", "template", "tryton_installed"]
