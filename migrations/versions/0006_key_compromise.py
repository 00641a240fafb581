"""signing keys can be declared compromised: when and why (issue "Trust under attack")

A compromised key's seals are never trusted again; a retired key's seals dated after its
retirement are invalid (``retired_at`` already exists).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("signing_key") as batch:
        batch.add_column(sa.Column("compromised_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("compromise_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signing_key") as batch:
        batch.drop_column("compromise_reason")
        batch.drop_column("compromised_at")
