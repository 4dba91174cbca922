"""Who may use the console, and what each role may see.

    $CWH_HOME/console/users.json     users: name → role and Argon2id password hash (argon2-cffi), mode 0600
    $CWH_HOME/console/tokens.json    registration systems: name → SHA-256 of its API token, mode 0600
    $CWH_HOME/console/session.secret the key that signs session cookies, when $CWH_CONSOLE_SECRET is not set
    console/roles.yml                role → permissions (the one place they are defined)

Tokens are 256-bit random strings shown once when made; a fast hash is the right one for them (nothing to guess),
while passwords, which people choose, get Argon2id. Neither a password nor a token is ever stored or logged.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from ground.errors import ActionableError
from ground.files import atomic_write_text
from ground.settings import Workspace, console_secret_from_env

ROLES_FILE = Path(__file__).resolve().parent / "roles.yml"
NAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,40}$")
MIN_PASSWORD_LENGTH = 12


class AccessError(ActionableError):
    """A user or token request that cannot be done as asked (unknown role, bad name, short password)."""


def console_folder(ws: Workspace) -> Path:
    return ws.home / "console"


@dataclass(frozen=True)
class Role:
    name: str
    title: str
    description: str
    permissions: frozenset[str]


@dataclass(frozen=True)
class Roles:
    permissions: dict[str, str]  # permission → what it shows (Chinese)
    roles: dict[str, Role]

    def role(self, name: str) -> Role:
        if name not in self.roles:
            raise AccessError(f"未知的角色 {name!r}；可用角色：{', '.join(self.roles)}（见 console/roles.yml）")
        return self.roles[name]


@cache
def load_roles(path: Path = ROLES_FILE) -> Roles:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    permissions = dict(data["permissions"])
    roles = {}
    for name, spec in data["roles"].items():
        unknown = set(spec["permissions"]) - set(permissions)
        if unknown:
            raise AccessError(f"{path.name}：角色 {name} 使用了未定义的权限 {sorted(unknown)}")
        roles[name] = Role(name, spec["title"], spec.get("description", ""), frozenset(spec["permissions"]))
    return Roles(permissions, roles)


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # Argon2id with the library's current RFC 9106 parameters


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _write_private(path: Path, data: dict) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    path.chmod(0o600)


def _check_name(name: str, what: str) -> None:
    if not NAME.match(name):
        raise AccessError(f"{what}名 {name!r} 不合规：2–40 个字符，仅限字母、数字、汉字、点、下划线与连字符")


@dataclass(frozen=True)
class User:
    name: str
    role: str


# Password guessing: after this many failed sign-ins of one user name within the window, the name is refused for the
# lock time (also with the right password), and every failure is in the audit log. In memory, per console process.
SIGN_IN_MAX_FAILURES = 5
SIGN_IN_WINDOW_SECONDS = 15 * 60
SIGN_IN_LOCK_SECONDS = 15 * 60


class SignInThrottle:
    """Failed sign-ins per user name (:data:`SIGN_IN_MAX_FAILURES` within :data:`SIGN_IN_WINDOW_SECONDS` lock the
    name for :data:`SIGN_IN_LOCK_SECONDS`)."""

    def __init__(self, clock: Callable[[], float]):
        self.clock = clock
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked(self, name: str) -> bool:
        with self._lock:
            until = self._locked_until.get(name)
            if until is not None and self.clock() >= until:
                del self._locked_until[name]
                until = None
            return until is not None

    def failed(self, name: str) -> None:
        now = self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(name, []) if now - t < SIGN_IN_WINDOW_SECONDS] + [now]
            if len(recent) >= SIGN_IN_MAX_FAILURES:
                self._locked_until[name] = now + SIGN_IN_LOCK_SECONDS
                recent = []
            self._failures[name] = recent

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)


class UserStore:
    """Console users and their Argon2id password hashes, in one small JSON file."""

    def __init__(self, ws: Workspace, roles: Roles | None = None):
        self.path = console_folder(ws) / "users.json"
        self.roles = roles or load_roles()

    def add(self, name: str, role: str, password: str, *, replace: bool = False) -> User:
        _check_name(name, "用户")
        self.roles.role(role)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccessError(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符")
        users = _read(self.path)
        if name in users and not replace:
            raise AccessError(f"用户 {name} 已存在；要重设密码或角色请加 --replace")
        users[name] = {"role": role, "password_hash": _hasher().hash(password)}
        _write_private(self.path, users)
        return User(name, role)

    def remove(self, name: str) -> bool:
        users = _read(self.path)
        if users.pop(name, None) is None:
            return False
        _write_private(self.path, users)
        return True

    def names(self) -> list[User]:
        return [User(n, u["role"]) for n, u in sorted(_read(self.path).items())]

    def verify(self, name: str, password: str) -> User | None:
        """The user when the password is theirs, else None (an unknown name costs a hash too: no timing oracle)."""
        from argon2.exceptions import VerificationError

        entry = _read(self.path).get(name)
        hasher = _hasher()
        if entry is None:
            with contextlib.suppress(VerificationError):
                hasher.verify(_dummy_hash(), password)
            return None
        try:
            hasher.verify(entry["password_hash"], password)
        except VerificationError:
            return None
        if entry["role"] not in self.roles.roles:
            return None
        return User(name, entry["role"])

    def role_of(self, name: str) -> str | None:
        """The user's role now (None when removed): a session of a removed user ends at its next request."""
        entry = _read(self.path).get(name)
        return entry["role"] if entry and entry["role"] in self.roles.roles else None


@cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def demo_users(ws: Workspace) -> dict[str, str]:
    """One account per role with a random password (returned once, to be printed once); existing ones are reset."""
    store = UserStore(ws)
    made = {}
    for role in store.roles.roles:
        password = secrets.token_urlsafe(12)
        store.add(f"demo-{role}", role, password, replace=True)
        made[f"demo-{role}"] = password
    return made


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """API tokens of the systems that call the interception endpoint (the registration system), stored hashed."""

    def __init__(self, ws: Workspace):
        self.path = console_folder(ws) / "tokens.json"

    def add(self, system: str, *, replace: bool = False) -> str:
        """A new token for ``system`` (shown once; only its hash is kept)."""
        _check_name(system, "系统")
        tokens = _read(self.path)
        if system in tokens and not replace:
            raise AccessError(f"系统 {system} 已有令牌；要换发新令牌请加 --replace（旧令牌随即失效）")
        token = secrets.token_urlsafe(32)
        tokens[system] = {"sha256": _token_hash(token)}
        _write_private(self.path, tokens)
        return token

    def system_of(self, token: str | None) -> str | None:
        """Which system holds this token (None for a missing or unknown one); compared in constant time."""
        if not token:
            return None
        digest = _token_hash(token)
        found = None
        for system, entry in _read(self.path).items():
            if hmac.compare_digest(entry["sha256"], digest):
                found = system
        return found


def session_secret(ws: Workspace) -> str:
    """``$CWH_CONSOLE_SECRET``, else the workspace's generated secret file (created once, mode 0600)."""
    from_env = console_secret_from_env()
    if from_env:
        return from_env
    path = console_folder(ws) / "session.secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
