"""The real Airflow 3 deployment, for tests: a throw-away PostgreSQL cluster, the four components on it, a REST client.

- :func:`postgres` — Debian's ``postgresql`` binaries (``initdb``/``pg_ctl``; found on ``PATH`` or under
  ``/usr/lib/postgresql/<version>/bin``): a cluster in a temporary folder, listening only on a Unix socket there,
  ``fsync`` off; as root, it runs as the ``postgres`` user (``nobody`` without one) — ``initdb`` refuses root.
  Stopped with ``pg_ctl stop`` and removed on exit.
- :class:`Airflow` — ``AIRFLOW_HOME`` in a temporary folder, the environment of ``docker-compose.yml`` (LocalExecutor,
  PostgreSQL, the simple auth manager's ``admin`` user, one JWT secret for every component) with free local ports;
  ``db migrate``, the pool, then ``api-server``, ``scheduler``, ``dag-processor`` and ``triggerer``, each a process
  in a session of its own. On exit every process of those sessions (task runners are put in process groups of their
  own, not sessions) is stopped by process group: SIGTERM, then SIGKILL.
- :class:`Api` — the REST API v2 with a JWT from the api-server's ``/auth/token``.

Nothing here imports Airflow: the test process stays free of its configuration (tests/conftest.py, ``airflow_home``).
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ground.settings import PROJECT_ROOT

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
# The compose file's values a machine of its own needs instead: more cores there, a database, a secret and folders here.
LOCAL = {
    "AIRFLOW__CORE__PARALLELISM",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE",
}


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def compose_environment() -> dict[str, str]:
    """The environment every Airflow service of docker-compose.yml gets (``x-airflow-common``), ``${VAR:-default}``
    read as its default (``CWH_HOME`` is the test's own)."""
    env = compose()["x-airflow-common"]["environment"]
    interpolate = re.compile(r"\$\{\w+(?::?-([^}]*))?\}")
    return {k: interpolate.sub(lambda m: m.group(1) or "", str(v)) for k, v in env.items() if k != "CWH_HOME"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(
    what: str, check: Callable[[], Any], timeout: float, every: float = 1.0, on_timeout: Callable[[], str] = str
) -> Any:
    """``check()`` until it returns something true (returned), or AssertionError after ``timeout`` seconds with
    ``on_timeout()`` (what was running, log tails)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except (OSError, urllib.error.URLError, ValueError) as exc:  # not up yet
            last = exc
        time.sleep(every)
    raise AssertionError(f"{what}：{timeout:.0f} 秒内未完成（最后的错误：{last!r}）{on_timeout()}")


# --- PostgreSQL -------------------------------------------------------------------------------------------------


def pg_bin_dir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: on PATH (resolved), else Debian's newest versioned folder."""
    if found := shutil.which("pg_ctl"):
        folder = Path(found).resolve().parent
        if (folder / "initdb").exists():
            return folder
    versions = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")]
    versions.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


@dataclass(frozen=True)
class Postgres:
    root: Path  # data/, the socket, postgres.log
    port: int
    bin: Path
    user: str | None  # runs the server (as root); None: the current user

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "airflow") -> str:
        return f"postgresql+psycopg2://airflow@/{database}?host={self.root}&port={self.port}"

    def run(self, program: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / program), *args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode:
            raise RuntimeError(f"{program} {' '.join(args)} → {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def log_tail(self, lines: int = 20) -> str:
        path = self.root / "postgres.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("以 root 运行时需要一个非特权用户（postgres 或 nobody）来运行 PostgreSQL")


@contextmanager
def postgres(bin_dir: Path) -> Iterator[Postgres]:
    """A fresh cluster with database ``airflow`` owned by superuser ``airflow`` (trust authentication, socket only)."""
    root = Path(tempfile.mkdtemp(prefix="cwh-pg-"))  # short: a socket path has at most 107 bytes
    user = _server_user()
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    pg = Postgres(root, free_port(), bin_dir, user)
    started = False
    try:
        pg.run("initdb", "-D", str(pg.data), "-U", "airflow", "--auth=trust", "--encoding=UTF8", "--locale=C")
        options = f"-c listen_addresses='' -c unix_socket_directories='{root}' -c port={pg.port} -c fsync=off"
        started = True  # from here on, stop it whatever happens
        pg.run("pg_ctl", "-D", str(pg.data), "-l", str(root / "postgres.log"), "-o", options, "-w", "-t", "60", "start")
        pg.run("createdb", "-h", str(root), "-p", str(pg.port), "-U", "airflow", "airflow")
        yield pg
    finally:
        try:
            if started and (pg.data / "postmaster.pid").exists():
                pg.run("pg_ctl", "-D", str(pg.data), "-m", "fast", "-w", "-t", "60", "stop")
        finally:
            shutil.rmtree(root, ignore_errors=True)


# --- the REST API v2 ----------------------------------------------------------------------------------------------


@dataclass
class Api:
    base: str  # http://127.0.0.1:<port>
    token: str = ""

    def call(self, method: str, path: str, body: dict | None = None, *, timeout: float = 30) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path} → {exc.code}: {exc.read().decode(errors='replace')[:500]}") from None
        return json.loads(text) if text else None

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def login(self, username: str, password: str) -> None:
        """A JWT from the simple auth manager's token endpoint (``POST /auth/token``)."""
        self.token = self.call("POST", "/auth/token", {"username": username, "password": password})["access_token"]


# --- the Airflow components ---------------------------------------------------------------------------------------


_GONE = (ProcessLookupError, ChildProcessError, subprocess.TimeoutExpired)  # exited already, or still exiting


def _sessions_members(sessions: set[int]) -> dict[int, int]:
    """Live (not zombie) processes whose session is one of ``sessions``: pid → process group."""
    members: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state ppid pgrp session …
        if fields[0] != "Z" and int(fields[3]) in sessions:
            members[int(entry.name)] = int(fields[2])
    return members


@dataclass
class Airflow:
    """One deployment in ``root``: ``airflow/`` (AIRFLOW_HOME, logs), ``components/<name>.log``."""

    root: Path
    env: dict[str, str]
    port: int
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @classmethod
    def configure(cls, root: Path, database_url: str, dags: Path, extra: dict[str, str]) -> Airflow:
        """The environment of docker-compose.yml's services, with :data:`LOCAL` values (and free ports) instead."""
        home = root / "airflow"
        (root / "components").mkdir(parents=True)
        home.mkdir()
        port = free_port()
        local = {
            "AIRFLOW__CORE__PARALLELISM": "2",  # two cores
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "simple_auth_manager_passwords.json"),
        }
        assert set(local) == LOCAL
        env = {
            **os.environ,
            **compose_environment(),
            **local,
            # what the image sets (Dockerfile ENV) and the compose file leaves to it
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # what each container has to itself: its ports
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            **extra,  # CWH_HOME, settings of the test
        }
        return cls(root, env, port)

    @property
    def user(self) -> str:
        """The simple auth manager's user (``name:role``); its password is written by the api-server at start."""
        return self.env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"].split(":")[0]

    def password(self) -> str:
        path = Path(self.env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
        return str(json.loads(path.read_text(encoding="utf-8"))[self.user])

    @property
    def home(self) -> Path:
        return Path(self.env["AIRFLOW_HOME"])

    @property
    def task_logs(self) -> Path:
        return self.home / "logs"

    @property
    def executable(self) -> str:
        return str(Path(sys.executable).with_name("airflow"))

    def cli(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [self.executable, *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode:
            raise AssertionError(
                f"airflow {' '.join(args)} → {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done.stdout

    def start(self, component: str) -> None:
        log = (self.root / "components" / f"{component}.log").open("ab")
        self.processes[component] = subprocess.Popen(
            [self.executable, component],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its session: every process it starts, found again at stop()
        )
        log.close()

    def check_alive(self) -> None:
        dead = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
        if dead:
            raise AssertionError(f"Airflow 组件已退出：{dead}{self.tails()}")

    def stop(self, grace: float = 30) -> list[int]:
        """SIGTERM each component's process group (the scheduler first: it lets running tasks finish), up to
        ``grace`` seconds for every process of their sessions to exit, then SIGKILL to every process group still in
        them (task runners have groups of their own); returns the pids alive afterwards (none expected)."""
        sessions = {p.pid for p in self.processes.values()}
        order = [
            self.processes[c].pid
            for c in ("scheduler", "triggerer", "dag-processor", "api-server")
            if c in self.processes
        ]
        for pgid in order:
            with suppress(*_GONE):
                os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and _sessions_members(sessions):
            for p in self.processes.values():
                with suppress(*_GONE):
                    p.wait(timeout=0.2)
        for pgid in set(_sessions_members(sessions).values()):
            with suppress(*_GONE):
                os.killpg(pgid, signal.SIGKILL)
        for p in self.processes.values():
            with suppress(*_GONE):
                p.wait(timeout=10)
        time.sleep(0.5)
        return sorted(_sessions_members(sessions))

    def tails(self, lines: int = 25) -> str:
        """The last lines of every component's output, for a failure message."""
        parts = []
        for log in sorted((self.root / "components").glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"\n----- {log.stem} (last {len(text)} lines) -----\n" + "\n".join(text))
        return "".join(parts)
