"""The lurah's report screen in one read: a period's statistics, the e-KTP backlog and the
satisfaction index (IKM). The screen calls this in a thread worker and only draws."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from station.register.ektp import unrecorded_count
from station.reports.skm import period_report
from station.reports.statistics import Period, build_report

if TYPE_CHECKING:
    from station.home.context import Station


@dataclass(frozen=True)
class PeriodOverview:
    report: dict[str, Any]  # ``statistics.build_report``
    ektp_unrecorded: int  # residents obliged to hold an e-KTP who have not recorded it, today
    skm: dict[str, Any]  # ``skm.period_report``


def period_overview(station: Station, start: dt.date, end: dt.date) -> PeriodOverview:
    office_id = station.office_id
    with station.db.read() as session:
        return PeriodOverview(
            report=build_report(
                session,
                office_id,
                station.config.tz,
                Period(start, end),
                hours=station.config.kiosk.hours(),
                today=station.clock.today(),
            ),
            ektp_unrecorded=unrecorded_count(session, office_id, station.clock.today()),
            skm=period_report(session, office_id, start, end),
        )
