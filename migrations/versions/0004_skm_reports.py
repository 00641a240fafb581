"""skm and reports: survey responses (SKM, one per finished ticket) and an index for letters
per period (reports and the end-of-day summary read a date range, never the whole register)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 14:33:11.883401
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("ticket_number", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(f"q{i}", sa.Integer(), nullable=False) for i in range(1, 10)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_survey_response_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_survey_response_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_survey_response_ticket_id")),
    )
    op.create_index("ix_survey_response_day", "survey_response", ["office_id", "day"])
    op.create_index("ix_letter_office_issued", "letter", ["office_id", "issued_at"])


def downgrade() -> None:
    op.drop_index("ix_letter_office_issued", table_name="letter")
    op.drop_index("ix_survey_response_day", table_name="survey_response")
    op.drop_table("survey_response")
