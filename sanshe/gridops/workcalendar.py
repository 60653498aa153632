"""Working time in China: statutory holidays and 调休 working days (chinese-calendar), local overrides
(:class:`~sanshe.gridops.models.WorkdayOverride`), and the deadline arithmetic of a 小类's time limit.

* urgent hours and calendar days run around the clock;
* working hours run only inside the working day (09:00–17:00 by default, per district) of working days;
* N working days are N working days' worth of working time: dispatched on Friday at 10:00 with one working
  day, the deadline is Monday at 10:00; dispatched on a holiday, the clock starts at the next working
  day's opening.

Years that chinese-calendar does not know fall back to Monday–Friday (add the year's holidays as overrides).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from django.utils import timezone

from .choices import LimitUnit

DEFAULT_START = dt.time(9, 0)
DEFAULT_END = dt.time(17, 0)
MAX_DAYS = 3660  # never loop for ever on a misconfigured calendar


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from .models import WorkdayOverride

    return dict(WorkdayOverride.objects.filter(date__range=(start, end)).values_list("date", "is_workday"))


@lru_cache(maxsize=4096)
def _package_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not cover yet
        return day.weekday() < 5


class Calendar:
    """Working days and hours of one district, with its overrides loaded once for a span of days."""

    def __init__(self, *, start: dt.time = DEFAULT_START, end: dt.time = DEFAULT_END,
                 overrides: dict[dt.date, bool] | None = None):
        if end <= start:
            raise ValueError("the working day must end after it starts")
        self.start, self.end = start, end
        self._fixed = overrides is not None  # given (tests): never read from the database
        self.overrides = overrides or {}
        self._loaded: tuple[dt.date, dt.date] | None = None

    @classmethod
    def for_district(cls, district_id: int | None) -> Calendar:
        from .models import EventSettings

        settings = EventSettings.objects.filter(district_id=district_id).first() if district_id else None
        if settings is None:
            return cls()
        return cls(start=settings.workday_start, end=settings.workday_end)

    def is_workday(self, day: dt.date) -> bool:
        if not self._fixed and (self._loaded is None or not self._loaded[0] <= day <= self._loaded[1]):
            self._loaded = (day - dt.timedelta(days=7), day + dt.timedelta(days=400))
            self.overrides = _overrides(*self._loaded)
        if day in self.overrides:
            return self.overrides[day]
        return _package_workday(day)

    @property
    def day_seconds(self) -> int:
        return (dt.datetime.combine(dt.date.min, self.end) - dt.datetime.combine(dt.date.min, self.start)).seconds

    def add_working_seconds(self, when: dt.datetime, seconds: int) -> dt.datetime:
        """``when`` (aware) plus ``seconds`` of working time, in the current time zone."""
        local = timezone.localtime(when)
        tz = local.tzinfo
        day = local.date()
        clock = local.time().replace(tzinfo=None)
        remaining = seconds
        for _i in range(MAX_DAYS):
            if self.is_workday(day):
                begin = max(clock, self.start) if clock is not None else self.start
                if begin < self.end:
                    available = (dt.datetime.combine(day, self.end) - dt.datetime.combine(day, begin)).seconds
                    if remaining <= available:
                        return dt.datetime.combine(day, begin, tzinfo=tz) + dt.timedelta(seconds=remaining)
                    remaining -= available
            day += dt.timedelta(days=1)
            clock = None
        raise ValueError("no working day found")

    def deadline(self, start: dt.datetime, value: int, unit: str) -> dt.datetime:
        """The deadline of a time limit of ``value`` ``unit`` starting at ``start``."""
        if value <= 0:
            raise ValueError("a time limit is positive")
        if unit == LimitUnit.URGENT_HOURS:
            return start + dt.timedelta(hours=value)
        if unit == LimitUnit.NATURAL_DAYS:
            return start + dt.timedelta(days=value)
        if unit == LimitUnit.WORKING_HOURS:
            return self.add_working_seconds(start, value * 3600)
        if unit == LimitUnit.WORKING_DAYS:
            return self.add_working_seconds(start, value * self.day_seconds)
        raise ValueError(f"unknown time-limit unit {unit!r}")

    def working_seconds_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working time from ``start`` to ``end`` (aware; 0 when ``end`` is not after ``start``): how long a
        clock that counts working time ran, or stood still."""
        if end <= start:
            return 0
        a = timezone.localtime(start).replace(tzinfo=None)
        b = timezone.localtime(end).replace(tzinfo=None)
        total, day = 0, a.date()
        while day <= b.date():
            if self.is_workday(day):
                lo = max(dt.datetime.combine(day, self.start), a)
                hi = min(dt.datetime.combine(day, self.end), b)
                if hi > lo:
                    total += int((hi - lo).total_seconds())
            day += dt.timedelta(days=1)
        return total

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in [start, end] (for reports)."""
        n, day = 0, start
        while day <= end:
            n += self.is_workday(day)
            day += dt.timedelta(days=1)
        return n
