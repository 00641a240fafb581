"""letter requests from the Service Box: type, fields, purpose, resident, pickup ticket

Revision ID: 0010
Revises: 0009 (chained after the Service Box's 0009 on merge)
Create Date: 2026-12-04 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "letter_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("type_code", sa.String(length=20), nullable=False),
        sa.Column("field_values", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ready_on", sa.Date(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("pickup_code", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("close_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_letter_request_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["resident.id"], name=op.f("fk_letter_request_resident_id_resident")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_letter_request_ticket_id_ticket")
        ),
        sa.ForeignKeyConstraint(
            ["letter_id"], ["letter.id"], name=op.f("fk_letter_request_letter_id_letter")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_request")),
        sa.UniqueConstraint("office_id", "pickup_code", name=op.f("uq_letter_request_office_id")),
    )
    op.create_index(
        "ix_letter_request_waiting", "letter_request", ["office_id", "status", "ready_on"]
    )
    op.create_index(
        op.f("ix_letter_request_resident_id"), "letter_request", ["resident_id"], unique=False
    )
    op.create_index(
        op.f("ix_letter_request_ticket_id"), "letter_request", ["ticket_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_letter_request_ticket_id"), table_name="letter_request")
    op.drop_index(op.f("ix_letter_request_resident_id"), table_name="letter_request")
    op.drop_index("ix_letter_request_waiting", table_name="letter_request")
    op.drop_table("letter_request")
