"""Business dates are local dates in Beijing time: as-of, release, receipt and feedback month all use this zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """Today's date in Beijing time (the default as-of date)."""
    return datetime.now(LOCAL_TZ).date()


def local_date(moment: datetime) -> date:
    """The Beijing date of an aware moment (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).date()
