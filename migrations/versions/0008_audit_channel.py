"""audit events name the channel (app, cli, kiosk, board, box, web) and the OS user

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: events written before this revision have neither, and their hash (which
    # covers neither) stays valid (station.store.audit).
    op.add_column("audit_event", sa.Column("channel", sa.String(length=10), nullable=True))
    op.add_column("audit_event", sa.Column("os_user", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("os_user")
        batch.drop_column("channel")
