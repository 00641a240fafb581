"""poll indexes: today's ticket counts per service and status from an index of today's rows
(the board and every operator app read them twice a second; without it SQLite walked all of an
office's tickets to avoid sorting, so the poll grew with history)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 15:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_ticket_day_counts", "ticket", ["office_id", "day", "queue_service_id", "status"]
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_day_counts", table_name="ticket")
