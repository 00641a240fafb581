"""the Service Box's guard against NIK guessing in the database: ``box_guard``

One row per office and box (``terminal``): the refused PINs counted in the current window and
the pause they caused. It was kept in the box process's memory, so restarting the box
cleared it (docs/box.md §6). Protected by row security like every office table
(docs/architecture.md §The city database).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from station.store import rowsecurity

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "box_guard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("terminal", sa.String(length=50), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=True),
        sa.Column("paused_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_box_guard_office_id_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_box_guard")),
        sa.UniqueConstraint("office_id", "terminal", name=op.f("uq_box_guard_office_id")),
    )
    rowsecurity.protect_office_table(op.get_bind(), "box_guard")


def downgrade() -> None:
    op.drop_table("box_guard")
