"""Deadline arithmetic with Chinese statutory holidays and 调休 working days (chinese-calendar)."""

import datetime as dt
import zoneinfo

import pytest

from sanshe.gridops.choices import LimitUnit
from sanshe.gridops.models import EventSettings, WorkdayOverride
from sanshe.gridops.workcalendar import Calendar

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(y, m, d, h=10, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ)


def test_working_days_across_golden_week_and_a_tiaoxiu_saturday():
    cal = Calendar()
    # 2025: Oct 1–8 off, Sat Oct 11 is a 调休 working day. Tue Sep 30 10:00 + 3 working days (24 working
    # hours): Sep 30 gives 7 h, Oct 9 and 10 give 16 h, the last hour falls on the Saturday Oct 11.
    assert cal.deadline(at(2025, 9, 30), 3, LimitUnit.WORKING_DAYS) == at(2025, 10, 11, 10)
    # Sun Sep 28 2025 is a 调休 working day too: dispatched on Saturday, the clock starts on Sunday at 09:00.
    assert cal.deadline(at(2025, 9, 27), 1, LimitUnit.WORKING_DAYS) == at(2025, 9, 28, 17)
    # Working hours: Fri Oct 10 15:00 + 4 h → 2 h on Friday, 2 h on the working Saturday.
    assert cal.deadline(at(2025, 10, 10, 15), 4, LimitUnit.WORKING_HOURS) == at(2025, 10, 11, 11)
    # After hours on a working day: the clock starts the next working morning.
    assert cal.deadline(at(2025, 10, 9, 20), 2, LimitUnit.WORKING_HOURS) == at(2025, 10, 10, 11)


def test_urgent_hours_and_calendar_days_run_through_holidays():
    cal = Calendar()
    assert cal.deadline(at(2025, 9, 30, 22), 4, LimitUnit.URGENT_HOURS) == at(2025, 10, 1, 2)
    assert cal.deadline(at(2025, 9, 30), 15, LimitUnit.NATURAL_DAYS) == at(2025, 10, 15)


def test_ordinary_weekends_and_the_2026_golden_week():
    cal = Calendar()
    assert cal.deadline(at(2026, 11, 20, 16), 1, LimitUnit.WORKING_DAYS) == at(2026, 11, 23, 16)  # Fri → Mon
    # 2026: Oct 1–7 off, Sat Oct 10 works. Wed Sep 30 10:00 + 2 working days: 7 h, Oct 8 8 h, Oct 9 1 h.
    assert cal.deadline(at(2026, 9, 30), 2, LimitUnit.WORKING_DAYS) == at(2026, 10, 9, 10)
    assert cal.working_days_between(dt.date(2026, 10, 1), dt.date(2026, 10, 11)) == 3  # Oct 8, 9 and the working Saturday 10


def test_overrides_and_district_working_hours():
    WorkdayOverride.objects.create(date=dt.date(2026, 11, 23), is_workday=False, name="地方假日")
    cal = Calendar()
    assert cal.deadline(at(2026, 11, 20, 16), 1, LimitUnit.WORKING_DAYS) == at(2026, 11, 24, 16)
    # a year the package does not know: Monday to Friday
    assert Calendar(overrides={}).deadline(at(2040, 1, 6, 10), 1, LimitUnit.WORKING_DAYS) == at(2040, 1, 9, 10)
    from sanshe.core.testing import build_node
    from sanshe.territory.choices import Level

    district = build_node(Level.DISTRICT, None, "工时区", "510196")
    EventSettings.objects.create(district=district, workday_start=dt.time(8, 30), workday_end=dt.time(17, 30))
    cal = Calendar.for_district(district.pk)
    assert cal.day_seconds == 9 * 3600
    assert cal.deadline(at(2026, 11, 19, 8), 1, LimitUnit.WORKING_DAYS) == at(2026, 11, 19, 17, 30)


def test_bad_limits_are_refused():
    with pytest.raises(ValueError):
        Calendar().deadline(at(2026, 1, 5), 0, LimitUnit.WORKING_DAYS)
    with pytest.raises(ValueError):
        Calendar(start=dt.time(17), end=dt.time(9))
