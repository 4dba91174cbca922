"""The supervisors' console (监管控制台): a read-only web console over the serving snapshot each build publishes."""

from console.access import AccessError, TokenStore, UserStore, demo_users, load_roles
from console.app import create_app
from console.snapshot import SnapshotInfo, current_snapshot, publish_snapshot

__all__ = [
    "AccessError",
    "SnapshotInfo",
    "TokenStore",
    "UserStore",
    "create_app",
    "current_snapshot",
    "demo_users",
    "load_roles",
    "publish_snapshot",
]
