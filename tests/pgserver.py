"""A throw-away PostgreSQL server that the test suite starts and stops itself.

Why a real server and not a mock or SQLite: nazorg runs on PostgreSQL in production, and the
things that break there (transactional DDL in migrations, locking, time zones, constraint names)
only show on the real thing. Why the suite starts its own instead of using a configured one: a
developer or CI then needs nothing but the server binaries (``make test`` installs Debian's
``postgresql`` package where it may, see ``scripts/ensure-postgres.sh``), never touches a server
holding real data, and every run starts from the same empty, known state.

How it is done, and why:

* One server per test session (``postgres_server``), one fresh database per test (``pg_url``).
  ``initdb`` plus start takes about a second; ``CREATE DATABASE`` from ``template1`` takes a few
  tens of milliseconds, so every test gets its own empty database and tests cannot leak state
  into each other. Each database is dropped ``WITH (FORCE)`` afterwards, which also ends
  connections a test forgot to close.
* Binaries: ``NAZORG_PG_BIN`` (a ``bin`` directory, or the ``initdb`` in it) when set; else the
  highest version under ``/usr/lib/postgresql/*/bin`` (Debian and Ubuntu keep the server
  binaries there, off ``PATH``); else ``initdb`` found on ``PATH``, with symlinks resolved so that
  ``pg_ctl`` finds the ``postgres`` of the same version next to it.
* Root: ``initdb`` and ``pg_ctl`` refuse to run as root, and tests run as root here and in CI.
  So as root the server runs as the ``postgres`` system user (``NAZORG_PG_USER`` overrides; as a
  last resort ``nobody``), started through ``subprocess``'s ``user=``/``group=`` (no dependence on
  ``su``/``runuser``). Its whole temporary directory is created with ``tempfile.mkdtemp`` in a
  directory that user can traverse (pytest's own tmp dirs are 0700 root, which it cannot) and
  is chowned to it. Without root everything runs as the current user.
* Speed over durability: ``fsync=off``, ``synchronous_commit=off``, ``full_page_writes=off`` and
  ``initdb --no-sync``. A crash loses the data, which for a throw-away test server does not
  matter, and they make DDL-heavy tests (migrations, CREATE DATABASE) several times faster.
* Isolation from the machine: the server listens on 127.0.0.1 only, on a free port picked at
  start (retried when another process takes it first), with its Unix socket and lock file in its
  own directory instead of ``/var/run/postgresql``, so it never collides with a system cluster or
  a parallel test run. ``PG*`` environment variables are not passed to the server tools.
  Authentication is ``trust`` for the superuser ``nazorg``; only local processes can reach it.
  The server's time zone is UTC, so results do not depend on the machine's zone.
* Stopping: ``pg_ctl -m immediate stop`` (no checkpoint: the data is thrown away anyway), then
  the directory is removed. The session fixture stops it in its teardown, which pytest runs also
  when tests fail or the run is interrupted with Ctrl-C; an ``atexit`` hook is the backstop, and
  killing the postmaster via its pid file is the fallback when ``pg_ctl`` fails. SIGTERM (from
  ``timeout`` or a cancelled CI job) and SIGKILL end pytest without any of that, so a small
  watchdog process, started with the server, kills the postmaster and removes the directory as
  soon as the test process is gone, however it ended. No server outlives its test run.

Environment variables:

* ``NAZORG_PG_BIN``: directory with ``initdb``, ``pg_ctl`` and ``postgres``.
* ``NAZORG_PG_USER``: system user the server runs as when the tests run as root.
* ``NAZORG_TEST_POSTGRES``: ``0`` skips the PostgreSQL tests; ``1`` makes missing binaries a
  failure instead of a skip, as it always is in CI (``CI=true``).

Load the fixtures with ``pytest_plugins = ["tests.pgserver"]`` (in ``tests/conftest.py`` or in a
test module); loading the plugin twice is harmless and still starts one server per session.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pathlib
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

__all__ = [
    "PostgresServer",
    "PostgresServerError",
    "find_pg_bin",
    "pg_url",
    "postgres_server",
]

SUPERUSER = "nazorg"
HOST = "127.0.0.1"
DEBIAN_PG_ROOT = pathlib.Path("/usr/lib/postgresql")
MISSING_BINARIES = (
    "PostgreSQL server binaries not found: install them with `apt-get install postgresql` "
    "(make test does this where it may) or set NAZORG_PG_BIN"
)
# Settings that trade durability for speed, and keep the server to itself (see module docstring).
SERVER_SETTINGS: dict[str, str] = {
    "listen_addresses": HOST,
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "timezone": "UTC",
}
_TOOLS = ("initdb", "pg_ctl", "postgres")
_START_ATTEMPTS = 3
_START_TIMEOUT_S = 60
_LOG_TAIL_LINES = 40
_MAX_IDENTIFIER_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1


class PostgresServerError(RuntimeError):
    """The test server could not be initialised, started or stopped."""


def _has_tools(bin_dir: pathlib.Path) -> bool:
    return all(os.access(bin_dir / tool, os.X_OK) for tool in _TOOLS)


def _version_key(bin_dir: pathlib.Path) -> tuple[int, ...]:
    """``/usr/lib/postgresql/9.6/bin`` -> (9, 6); ``.../16/bin`` -> (16,); unknown sorts first."""
    parts = bin_dir.parent.name.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else (-1,)


def find_pg_bin() -> pathlib.Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``, or None when there is none.

    ``NAZORG_PG_BIN`` wins when set (a directory, or one of the binaries in it); when it does not
    hold the binaries the answer is None rather than a silent fallback to another version.
    """
    configured = os.environ.get("NAZORG_PG_BIN", "").strip()
    if configured:
        path = pathlib.Path(configured).expanduser()
        bin_dir = path.parent if path.is_file() else path
        return bin_dir.resolve() if _has_tools(bin_dir) else None
    debian = [d for d in DEBIAN_PG_ROOT.glob("*/bin") if _has_tools(d)]
    if debian:
        return max(debian, key=_version_key)
    found = shutil.which("initdb")
    if found:
        # /usr/local/bin/initdb may be a symlink: pg_ctl looks for `postgres` in its own directory.
        bin_dir = pathlib.Path(found).resolve().parent
        if _has_tools(bin_dir):
            return bin_dir
    return None


def _server_account() -> pwd.struct_passwd | None:
    """The account to run the server tools as: None for "as we are" (we are not root)."""
    if os.geteuid() != 0:
        return None
    wanted = os.environ.get("NAZORG_PG_USER", "").strip()
    for name in [wanted] if wanted else ["postgres", "nobody"]:
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            continue
        if account.pw_uid == 0:
            raise PostgresServerError(f"NAZORG_PG_USER={name} is root; initdb refuses root")
        return account
    raise PostgresServerError(
        f"running as root and no user {wanted or 'postgres'!r} to run the PostgreSQL server as "
        "(initdb refuses root): create it (`useradd --system postgres`) or set NAZORG_PG_USER"
    )


def _traversable_by_others(directory: pathlib.Path) -> bool:
    """Whether a user other than the owner can reach entries below ``directory``."""
    for part in [directory, *directory.parents]:
        try:
            if not part.stat().st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


# Run by a separate interpreter (see PostgresServer._start_watchdog); standard library only.
_WATCHDOG = """
import os, pathlib, shutil, signal, sys, time
pipe, base = int(sys.argv[1]), pathlib.Path(sys.argv[2])
while os.read(pipe, 1):
    pass
try:
    pid = int((base / "data" / "postmaster.pid").read_text().split()[0])
except (OSError, ValueError, IndexError):
    pid = 0
for sig in (signal.SIGQUIT, signal.SIGKILL) if pid else ():
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        break
    for _ in range(100):
        try:
            os.kill(pid, 0)
            state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
        except ProcessLookupError:
            break
        except (OSError, IndexError):
            state = "?"
        if state in ("Z", "X"):
            break
        time.sleep(0.1)
    else:
        continue
    break
shutil.rmtree(base, ignore_errors=True)
"""


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs; a zombie does not (PID 1 may be slow to reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in {"Z", "X"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One private PostgreSQL server in a temporary directory; see the module docstring."""

    def __init__(self, bin_dir: pathlib.Path | None = None) -> None:
        found = bin_dir or find_pg_bin()
        if found is None:
            raise PostgresServerError(MISSING_BINARIES)
        self.bin_dir: pathlib.Path = found
        self.user: str = SUPERUSER
        self.host: str = HOST
        self.port: int | None = None
        self.base_dir: pathlib.Path | None = None
        self._account: pwd.struct_passwd | None = None
        self._admin: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()
        self._owner_pid = os.getpid()
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._watchdog_pipe: int | None = None

    # -- paths and URLs ---------------------------------------------------------------------

    @property
    def data_dir(self) -> pathlib.Path:
        return self._base() / "data"

    @property
    def log_path(self) -> pathlib.Path:
        return self._base() / "server.log"

    @property
    def running(self) -> bool:
        return self.port is not None

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the server's ``postgres`` database."""
        return self.url_for("postgres")

    def url_for(self, dbname: str) -> str:
        """SQLAlchemy URL (psycopg 3 driver) of database ``dbname`` on this server."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self._port()}/{dbname}"

    def conninfo(self, dbname: str = "postgres") -> str:
        """libpq connection string, for ``psycopg.connect``."""
        return psycopg.conninfo.make_conninfo(
            host=self.host, port=self._port(), user=self.user, dbname=dbname
        )

    def _base(self) -> pathlib.Path:
        if self.base_dir is None:
            raise PostgresServerError("the server has not been started")
        return self.base_dir

    def _port(self) -> int:
        if self.port is None:
            raise PostgresServerError("the server is not running")
        return self.port

    # -- start and stop ---------------------------------------------------------------------

    def start(self) -> None:
        """initdb a fresh cluster and start it; raises PostgresServerError with the log tail."""
        if self.running:
            return
        self._account = _server_account()
        self.base_dir = self._make_base_dir()
        atexit.register(self._stop_at_exit)
        try:
            self._start_watchdog()
            self._initdb()
            self._start_on_free_port()
            self._admin_connection()  # fail here, with the log, rather than in the first test
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server at once (``-m immediate``) and remove its directory. Idempotent."""
        atexit.unregister(self._stop_at_exit)
        with self._lock:
            if self._admin is not None:
                with contextlib.suppress(Exception):
                    self._admin.close()
                self._admin = None
        if self.base_dir is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            try:
                stopped = (
                    self._run_tool(
                        "pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"
                    ).returncode
                    == 0
                )
            except (OSError, subprocess.SubprocessError):
                stopped = False
            if not stopped:
                self._kill_postmaster()
        self.port = None
        shutil.rmtree(self.base_dir, ignore_errors=True)
        self.base_dir = None
        self._stop_watchdog()

    def _stop_at_exit(self) -> None:
        # A forked child (multiprocessing, os.fork) inherits atexit hooks: only the process that
        # started the server may stop it.
        if os.getpid() == self._owner_pid:
            self.stop()

    def _start_watchdog(self) -> None:
        """Clean up after this process also when it dies without running any Python code.

        SIGTERM (``timeout``, a cancelled CI job) and SIGKILL end pytest without teardown or
        atexit. The watchdog, in its own session so that Ctrl-C does not reach it, waits for EOF
        on a pipe whose only write end this process holds; the kernel closes it however this
        process ends. After a normal stop it finds nothing left to do.
        """
        read_end, write_end = os.pipe()
        try:
            self._watchdog = subprocess.Popen(  # the running interpreter, a fixed script
                [sys.executable, "-I", "-S", "-c", _WATCHDOG, str(read_end), str(self._base())],
                pass_fds=(read_end,),
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except BaseException:
            os.close(write_end)
            raise
        finally:
            os.close(read_end)
        self._watchdog_pipe = write_end

    def _stop_watchdog(self) -> None:
        if self._watchdog_pipe is not None:
            os.close(self._watchdog_pipe)  # EOF: the watchdog looks, finds nothing, exits
            self._watchdog_pipe = None
        if self._watchdog is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._watchdog.wait(timeout=10)
            self._watchdog = None

    def _make_base_dir(self) -> pathlib.Path:
        parent = pathlib.Path(tempfile.gettempdir())
        if self._account is not None and not _traversable_by_others(parent):
            parent = pathlib.Path("/tmp")  # the one place every user can reach
        base = pathlib.Path(tempfile.mkdtemp(prefix="nazorg-pg-", dir=parent))
        if self._account is not None:
            os.chown(base, self._account.pw_uid, self._account.pw_gid)
        return base

    def _initdb(self) -> None:
        result = self._run_tool(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        if result.returncode != 0:
            raise PostgresServerError(
                f"initdb failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
            )

    def _start_on_free_port(self) -> None:
        failure = ""
        for _attempt in range(_START_ATTEMPTS):
            port = _free_port()
            log_size = self.log_path.stat().st_size if self.log_path.exists() else 0
            result = self._run_tool(
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_path),
                "-o",
                self._server_options(port),
                "-w",
                "-t",
                str(_START_TIMEOUT_S),
                "start",
            )
            if result.returncode == 0:
                self.port = port
                return
            failure = (
                f"pg_ctl start failed (exit {result.returncode}): {result.stdout}{result.stderr}"
            )
            if (self.data_dir / "postmaster.pid").exists():
                # Started but not ready in time: do not leave it behind, do not try again.
                self._run_tool("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "stop")
                break
            if "already in use" not in self._log_text(since=log_size):
                break  # not a lost race for the port: retrying will not help
        raise PostgresServerError(f"{failure.strip()}\n{self.log_tail()}")

    def _server_options(self, port: int) -> str:
        # pg_ctl hands -o to /bin/sh, hence the quoting.
        options = ["-p", str(port), "-k", str(self._base())]
        for name, value in SERVER_SETTINGS.items():
            options += ["-c", f"{name}={value}"]
        return shlex.join(options)

    def _kill_postmaster(self) -> None:
        """Fallback when pg_ctl cannot stop the server: SIGQUIT (immediate), then SIGKILL."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        for sig in (signal.SIGQUIT, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if not _alive(pid):
                    return
                time.sleep(0.05)

    def _run_tool(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one of the server tools, as the server account; the caller checks the result."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"  # English messages in the log, whatever the machine's locale
        account = self._account
        result = subprocess.run(  # fixed binaries, arguments built here: no shell
            [str(self.bin_dir / tool), *args],
            cwd=self._base(),  # must be readable by the server user: initdb calls getcwd()
            env=env,
            capture_output=True,
            text=True,
            timeout=_START_TIMEOUT_S + 30,
            check=False,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
        )
        return result

    def _log_text(self, since: int = 0) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(since)
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """The last lines of the server log, for error messages."""
        text = self._log_text() if self.base_dir is not None else ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- server log ({self.base_dir}/server.log) ---\n{tail or '(empty)'}"

    # -- databases --------------------------------------------------------------------------

    def _admin_connection(self) -> psycopg.Connection[Any]:
        if self._admin is None or self._admin.closed:
            try:
                self._admin = psycopg.connect(self.conninfo(), autocommit=True, connect_timeout=10)
            except psycopg.Error as exc:
                raise PostgresServerError(
                    f"cannot connect to the test server: {exc}\n{self.log_tail()}"
                ) from exc
        return self._admin

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create an empty database (or a copy of ``template``) and return its SQLAlchemy URL."""
        _check_identifier(name)
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            _check_identifier(template)
            statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
        with self._lock:
            self._admin_connection().execute(statement)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` if it exists, ending any connections still open to it."""
        _check_identifier(name)
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        with self._lock:
            self._admin_connection().execute(statement)

    def database_names(self) -> list[str]:
        """Names of the databases that are not templates (``postgres`` included)."""
        with self._lock:
            rows = (
                self._admin_connection()
                .execute("SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1")
                .fetchall()
            )
        return [str(row[0]) for row in rows]

    @contextlib.contextmanager
    def temporary_database(self, label: str = "db") -> Iterator[str]:
        """A fresh database with a unique name derived from ``label``, dropped on exit."""
        name = _database_name(label)
        url = self.create_database(name)
        try:
            yield url
        finally:
            self.drop_database(name)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


_database_counter = itertools.count(1)


def _database_name(label: str) -> str:
    """``t<n>_<label>``: unique in this process, readable in ``\\l``, within 63 bytes."""
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "db"
    return f"t{next(_database_counter)}_{slug}"[:_MAX_IDENTIFIER_BYTES]


def _check_identifier(name: str) -> None:
    if not name or len(name.encode()) > _MAX_IDENTIFIER_BYTES:
        raise ValueError(f"not a usable database name (1 to 63 bytes): {name!r}")


def _env_flag(name: str) -> bool | None:
    value = os.environ.get(name, "").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    return None


# -- pytest fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole session (skipped, or failed in CI, without binaries)."""
    wanted = _env_flag("NAZORG_TEST_POSTGRES")
    if wanted is False:
        pytest.skip("PostgreSQL tests disabled by NAZORG_TEST_POSTGRES=0")
    bin_dir = find_pg_bin()
    if bin_dir is None:
        reason = MISSING_BINARIES
        if os.environ.get("NAZORG_PG_BIN", "").strip():
            reason += f" (NAZORG_PG_BIN={os.environ['NAZORG_PG_BIN']} has no {', '.join(_TOOLS)})"
        if _env_flag("CI"):
            pytest.fail(f"{reason}; in CI the PostgreSQL tests must run", pytrace=False)
        if wanted:
            pytest.fail(f"{reason}; NAZORG_TEST_POSTGRES=1 requires them", pytrace=False)
        pytest.skip(reason)
    server = PostgresServer(bin_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty database for one test; dropped (FORCE) afterwards."""
    with postgres_server.temporary_database(request.node.name) as url:
        yield url
