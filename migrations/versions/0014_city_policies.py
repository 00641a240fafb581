"""the city: row-security checks once per statement; the city role runs the mayor's view;
Service Box letters outside opening hours in the city figures

- Re-makes every ``station_office`` policy (and the ``office`` table's) with the two checks
  inside the policy as uncorrelated subqueries, which PostgreSQL runs once per statement (an
  InitPlan), instead of two SQL functions with ``SET search_path`` planned again at every
  call; the ``counter_service`` policy reads the visible counters once per statement instead
  of once per row. What the policies allow is unchanged (tests/db/test_city.py sends raw SQL
  as one office against another).
- ``office.opening_hours`` (both dialects): the office's ``[kiosk] opening_hours``, kept in
  step by its station like the other office columns; existing office roles may update it.
- ``city_office_figures`` gains ``box_outside`` (letters from the Service Box issued outside
  the office's hours); ``city_office_days`` gives one kelurahan's trend to the city role.
- The city's read-only role, if it exists, is granted again (a re-made function loses its
  grants): the functions, ``alembic_version`` and its staff's ``city_user`` rows, so
  ``station city report`` and ``/kota`` run with its URL (station/store/rowsecurity.py,
  docs/city.md).

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-05 00:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from station.store import rowsecurity
from station.store.models import DEFAULT_OPENING_HOURS_STORED

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "office",
        sa.Column(
            "opening_hours", sa.Text(), nullable=False, server_default=DEFAULT_OPENING_HOURS_STORED
        ),
    )
    conn = op.get_bind()
    rowsecurity.reinstall_policies(conn)
    rowsecurity.grant_office_columns(conn, ("opening_hours",))
    rowsecurity.install_figures(conn, rowsecurity.FIGURES_SQL)
    rowsecurity.install_trend(conn)
    rowsecurity.regrant_city(conn)


def downgrade() -> None:
    conn = op.get_bind()
    rowsecurity.uninstall_trend(conn)
    rowsecurity.install_figures(conn, rowsecurity.FIGURES_SQL_0012)
    rowsecurity.regrant_city(conn)
    rowsecurity.reinstall_policies(conn, legacy=True)
    with op.batch_alter_table("office") as batch:
        batch.drop_column("opening_hours")
