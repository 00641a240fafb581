"""Service Box: the channel a letter was issued through, the lurah's self-service overrides

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("letter") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=10), nullable=False, server_default="counter")
        )
    op.create_table(
        "letter_self_service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("type_code", sa.String(length=10), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_letter_self_service_office_id_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_self_service")),
        sa.UniqueConstraint(
            "office_id", "type_code", name=op.f("uq_letter_self_service_office_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("letter_self_service")
    with op.batch_alter_table("letter") as batch:
        batch.drop_column("channel")
