"""Real mail and calendar servers on 127.0.0.1 for the delivery tests (issue 8).

Why real servers: the point of delivery is that Dovecot, an SMTP server and a CalDAV server
accept what nazorg sends, and what breaks in the field (TLS, login, folder names, literals, how a
server stores a calendar object) only shows against the real thing.

- Dovecot (Debian package `dovecot-imapd`; `scripts/ensure-test-servers.sh` installs it) runs
  in the foreground with a private configuration in a temporary directory: a passwd-file with
  plain-text test passwords (users are added per test, Dovecot rereads the file), maildirs in
  the directory, IMAP with STARTTLS and IMAPS on free ports of 127.0.0.1, and a certificate of a
  throw-away CA that the tests pass as `ca_file`. As root it runs like a packaged Dovecot (its
  own `dovecot`/`dovenull` accounts, mail as `nobody`); otherwise everything runs as the current
  user. One server per test session.
- Radicale (PyPI, in the `test` extra) runs as a subprocess with htpasswd authentication (plain
  passwords) and its storage in a temporary directory. One server per session; each test makes
  its own calendar collection.
- aiosmtpd (PyPI, in the `test` extra) runs in a thread per test, with STARTTLS and AUTH, and
  keeps every message as the exact bytes received, also written to a maildir-like folder.
- `CutProxy` sits between nazorg and a real server and drops the connection once the client
  has sent a given number of bytes: a connection that breaks mid-way, in the middle of an IMAP
  APPEND, an SMTP DATA or an HTTP PUT.

Servers die with the test process: they are started with PR_SET_PDEATHSIG (SIGTERM when the
process that started them ends, however it ends), and stopped in the fixtures' teardown.

Missing Dovecot: the tests that need it are skipped, except in CI (`CI=true`) or with
`NAZORG_TEST_MAILSERVERS=1`, where they fail; `NAZORG_TEST_MAILSERVERS=0` skips them.
"""

from __future__ import annotations

import contextlib
import ctypes
import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HOST = "127.0.0.1"
START_TIMEOUT_S = 30
USERS = 100  # Dovecot accounts made at start, one per test that needs a mailbox
MISSING_DOVECOT = (
    "Dovecot not found: install it with `apt-get install dovecot-imapd` "
    "(make test does this where it may, see scripts/ensure-test-servers.sh)"
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (a server that is down)."""
    return free_port()


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent ends (Linux prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.05)
    text = log.read_text(errors="replace") if log.exists() else ""
    _stop(process)
    raise RuntimeError(f"server did not start on port {port}:\n{text[-3000:]}")


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def _env_flag(name: str) -> bool | None:
    value = os.environ.get(name, "").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    return None


def require_or_skip(reason: str) -> None:
    """Skip a test whose server is missing, but fail in CI or when asked for."""
    if _env_flag("CI"):
        pytest.fail(f"{reason}; in CI the delivery tests must run", pytrace=False)
    if _env_flag("NAZORG_TEST_MAILSERVERS"):
        pytest.fail(f"{reason}; NAZORG_TEST_MAILSERVERS=1 requires it", pytrace=False)
    pytest.skip(reason)


def _private_dir(prefix: str) -> Path:
    """A temporary directory that a server running as another user can traverse."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    base.chmod(0o755)
    return base


# --- certificates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the throw-away CA: what the tests give nazorg as ca_file
    cert: Path  # the server's certificate for 127.0.0.1 and localhost, signed by the CA
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert), str(self.key))
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))


def make_certificates(directory: Path) -> Certificates:
    """A CA and a server certificate for 127.0.0.1/localhost, made with the openssl binary."""
    openssl = shutil.which("openssl")
    if openssl is None:
        require_or_skip("openssl not found: install it with `apt-get install openssl`")
    assert openssl is not None

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=directory, check=True, capture_output=True)

    run(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3", "-subj",
        "/CN=nazorg test CA", "-keyout", "ca.key", "-out", "ca.crt",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    run(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr",
    )  # fmt: skip
    (directory / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=CA:FALSE\n"
        "extendedKeyUsage=serverAuth\n"
    )
    run(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "3", "-extfile", "server.ext", "-out", "server.crt",
    )  # fmt: skip
    for name in ("ca.crt", "server.crt"):
        (directory / name).chmod(0o644)
    return Certificates(directory / "ca.crt", directory / "server.crt", directory / "server.key")


# --- Dovecot -------------------------------------------------------------------------------------


def find_dovecot() -> Path | None:
    found = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None
    )
    return Path(found) if found else None


class Dovecot:
    """A private Dovecot IMAP server (see the module docstring)."""

    def __init__(self, binary: Path, certificates: Certificates) -> None:
        self.binary = binary
        self.certificates = certificates
        self.base = _private_dir("nazorg-dovecot-")
        self.passwd = self.base / "passwd"
        self.log = self.base / "dovecot.log"
        self.imap_port = free_port()  # STARTTLS
        self.imaps_port = free_port()  # TLS from the first byte
        self.process: subprocess.Popen[bytes] | None = None
        self._users = 0

    def _accounts(self) -> tuple[str, str, str, str]:
        """(internal user, internal group, login user, mail user) for the configuration."""
        if os.geteuid() != 0:
            me = pwd.getpwuid(os.geteuid())
            import grp

            group = grp.getgrgid(me.pw_gid).gr_name
            return me.pw_name, group, me.pw_name, me.pw_name
        mail = pwd.getpwnam("nobody")
        os.chown(self.base / "mail", mail.pw_uid, mail.pw_gid)
        return "dovecot", "dovecot", "dovenull", "nobody"

    def _config(self) -> str:
        internal, internal_group, login, mail = self._accounts()
        mail_account = pwd.getpwnam(mail)
        rootless = os.geteuid() != 0
        chroot = (
            "\nservice imap-login {\n  chroot =\n}\nservice anvil {\n  chroot =\n}\n"
            if rootless
            else ""
        )
        return f"""
base_dir = {self.base}/run
state_dir = {self.base}/state
log_path = {self.log}
protocols = imap
listen = {HOST}
ssl = yes
ssl_cert = <{self.certificates.cert}
ssl_key = <{self.certificates.key}
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 1
auth_mechanisms = plain login
auth_failure_delay = 0
disable_plaintext_auth = yes
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd}
}}
userdb {{
  driver = static
  args = uid={mail_account.pw_uid} gid={mail_account.pw_gid} home={self.base}/mail/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    auto = create
    special_use = \\Drafts
  }}
  mailbox Concepten {{
    auto = create
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {self.imaps_port}
    ssl = yes
  }}
}}
{chroot}"""

    def start(self) -> None:
        (self.base / "mail").mkdir()
        self.passwd.write_text(
            "".join(f"leider{n}:{{PLAIN}}geheim-{n}\n" for n in range(1, USERS + 1))
        )
        self.passwd.chmod(0o644)
        config = self.base / "dovecot.conf"
        config.write_text(self._config())
        self.process = subprocess.Popen(
            [str(self.binary), "-F", "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
            preexec_fn=_die_with_parent,
        )
        _wait_for_port(self.imaps_port, self.process, self.log)
        _wait_for_port(self.imap_port, self.process, self.log)

    def add_user(self) -> tuple[str, str]:
        """A fresh mail account (its own maildir): (username, password). The accounts are
        written before the server starts: Dovecot rereads its passwd-file at most once a
        second, so a user added just now might not log in yet."""
        self._users += 1
        assert self._users <= USERS, "raise mailservers.USERS"
        return f"leider{self._users}", f"geheim-{self._users}"

    def messages(self, user: str, password: str, folder: str = "Drafts") -> list[Message]:
        """Every message in `folder`, read back over IMAPS: flags and the exact bytes."""
        with imaplib.IMAP4_SSL(
            HOST, self.imaps_port, ssl_context=self.certificates.client_context(), timeout=10
        ) as conn:
            conn.login(user, password)
            typ, _ = conn.select(f'"{folder}"', readonly=True)
            assert typ == "OK", folder
            typ, data = conn.search(None, "ALL")
            found = []
            for number in data[0].split():
                typ, parts = conn.fetch(number, "(FLAGS BODY.PEEK[])")
                assert typ == "OK"
                head, raw = parts[0]  # type: ignore[misc]
                flags = imaplib.ParseFlags(head)
                found.append(Message(flags={f.decode() for f in flags}, raw=raw))
            return found

    def stop(self) -> None:
        _stop(self.process)
        shutil.rmtree(self.base, ignore_errors=True)


@dataclass(frozen=True)
class Message:
    flags: set[str]
    raw: bytes


# --- Radicale ------------------------------------------------------------------------------------


class Radicale:
    """A private Radicale CalDAV server (see the module docstring)."""

    def __init__(self) -> None:
        self.base = _private_dir("nazorg-radicale-")
        self.port = free_port()
        self.htpasswd = self.base / "htpasswd"
        self.log = self.base / "radicale.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._calendars = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        self.htpasswd.write_text("")
        config = self.base / "config"
        config.write_text(
            f"""[server]
hosts = {HOST}:{self.port}
[auth]
type = htpasswd
htpasswd_filename = {self.htpasswd}
htpasswd_encryption = plain
delay = 0
[rights]
type = owner_only
[storage]
filesystem_folder = {self.base}/collections
[logging]
level = warning
"""
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("RADICALE")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
            env=env,
            preexec_fn=_die_with_parent,
        )
        _wait_for_port(self.port, self.process, self.log)

    def add_user(self, name: str, password: str) -> None:
        with self.htpasswd.open("a") as handle:
            handle.write(f"{name}:{password}\n")

    def _request(
        self,
        method: str,
        path: str,
        auth: tuple[str, str],
        body: bytes | None = None,
        **headers: str,
    ) -> tuple[int, bytes]:
        import base64

        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request = urllib.request.Request(
            self.url + path,
            data=body,
            method=method,
            headers={"Authorization": f"Basic {token}", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def make_calendar(self, user: str, password: str) -> str:
        """A new, empty calendar collection of `user`; returns its URL (ending in /)."""
        self._calendars += 1
        path = f"/{user}/nazorg{self._calendars}/"
        status, body = self._request(
            "MKCALENDAR",
            path,
            (user, password),
            b'<?xml version="1.0" encoding="utf-8"?>'
            b'<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set>'
            b"<D:prop><D:displayname>nazorg</D:displayname></D:prop></D:set></C:mkcalendar>",
            **{"Content-Type": "application/xml"},
        )
        assert status == 201, (status, body)
        return self.url + path

    def resources(self, collection: str, user: str, password: str) -> dict[str, bytes]:
        """Every calendar object in a collection: href -> the body a client GETs."""
        import re

        path = collection.removeprefix(self.url)
        status, body = self._request(
            "PROPFIND",
            path,
            (user, password),
            b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop>'
            b"</D:propfind>",
            Depth="1",
            **{"Content-Type": "application/xml"},
        )
        assert status == 207, (status, body)
        hrefs = [h for h in re.findall(r"<(?:\w+:)?href>([^<]+)</", body.decode()) if h != path]
        found = {}
        for href in hrefs:
            status, data = self._request("GET", href, (user, password))
            assert status == 200, (href, status)
            found[href] = data
        return found

    def stop(self) -> None:
        _stop(self.process)
        shutil.rmtree(self.base, ignore_errors=True)


# --- SMTP ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes  # exactly what came after DATA, before the final dot (unstuffed)


@dataclass
class SmtpSink:
    """An aiosmtpd server on 127.0.0.1 with STARTTLS and AUTH (LOGIN/PLAIN, only after TLS)."""

    certificates: Certificates
    mailbox: Path
    users: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    port: int = 0
    controller: Any = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        sink = self
        (self.mailbox / "new").mkdir(parents=True, exist_ok=True)

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                data = bytes(envelope.original_content)
                number = len(sink.received) + 1
                (sink.mailbox / "new" / f"{number}.eml").write_bytes(data)
                sink.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), data))
                return "250 2.0.0 Ok: queued as nazorg-" + str(number)

        def authenticator(
            server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
        ) -> Any:
            ok = (
                isinstance(auth_data, LoginPassword)
                and sink.users.get(auth_data.login.decode()) == auth_data.password.decode()
            )
            return AuthResult(success=ok, handled=False)

        self.port = free_port()
        self.controller = Controller(
            Handler(),
            hostname=HOST,
            port=self.port,
            tls_context=self.certificates.server_context(),
            require_starttls=True,
            authenticator=authenticator,
            auth_required=True,
            auth_require_tls=True,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()


# --- a connection that breaks mid-way ------------------------------------------------------------


class CutProxy:
    """A TCP proxy to `upstream` that closes both sides as soon as the client has sent more
    than `cut_after` bytes on a connection (0: right after accepting, before any byte)."""

    def __init__(self, upstream_port: int, cut_after: int) -> None:
        self.upstream_port = upstream_port
        self.cut_after = cut_after
        self.connections = 0
        self.cuts = 0
        self._listener = socket.create_server((HOST, 0))
        self.port = int(self._listener.getsockname()[1])
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        if self.cut_after == 0:
            self.cuts += 1
            client.close()
            return
        upstream = socket.create_connection((HOST, self.upstream_port))
        sent = 0
        done = threading.Event()

        def back() -> None:
            with contextlib.suppress(OSError):
                while chunk := upstream.recv(65536):
                    client.sendall(chunk)
            done.set()

        threading.Thread(target=back, daemon=True).start()
        with contextlib.suppress(OSError):
            while not done.is_set():
                chunk = client.recv(65536)
                if not chunk:
                    break
                if sent + len(chunk) > self.cut_after:
                    upstream.sendall(chunk[: self.cut_after - sent])
                    self.cuts += 1
                    break
                upstream.sendall(chunk)
                sent += len(chunk)
        for sock in (client, upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()
        self._thread.join(5)


# --- pytest fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    directory = _private_dir("nazorg-certs-")
    try:
        yield make_certificates(directory)  # type: ignore[misc]
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot(certificates: Certificates) -> Iterator[Dovecot]:
    if _env_flag("NAZORG_TEST_MAILSERVERS") is False:
        pytest.skip("delivery server tests disabled by NAZORG_TEST_MAILSERVERS=0")
    binary = find_dovecot()
    if binary is None:
        require_or_skip(MISSING_DOVECOT)
    assert binary is not None
    server = Dovecot(binary, certificates)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def radicale() -> Iterator[Radicale]:
    if _env_flag("NAZORG_TEST_MAILSERVERS") is False:
        pytest.skip("delivery server tests disabled by NAZORG_TEST_MAILSERVERS=0")
    server = Radicale()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_sink(certificates: Certificates, tmp_path: Path) -> Iterator[SmtpSink]:
    sink = SmtpSink(certificates, tmp_path / "smtp-mailbox", users={"nazorg": "smtp-geheim"})
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()
