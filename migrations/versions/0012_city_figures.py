"""the city report in one query: the ``city_office_figures`` function (PostgreSQL)

``station city report`` and ``/kota`` read every office's figures for a period from one
SECURITY DEFINER function grouped by office (station/store/rowsecurity.py: FIGURES_SQL)
instead of running each office's whole report in Python (issue 18: 38 s p95 at 51 offices).
EXECUTE goes to the city's read-only role (``station city grant --reader``), like the
``city_*`` views: counts and times only, never a resident. No table is created, so no new
row-security policy is needed (docs/architecture.md §The city database). SQLite homes hold
one office and keep the per-office report.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 23:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

from station.store import rowsecurity

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    rowsecurity.install_figures(op.get_bind())


def downgrade() -> None:
    rowsecurity.uninstall_figures(op.get_bind())
