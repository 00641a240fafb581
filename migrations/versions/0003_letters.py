"""letters: each letter keeps its rendered Document (with the digest salt), its seal token
and its reprint count ("SALINAN n")

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 13:44:51.414712
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("token", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("copies", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.drop_column("copies")
        batch_op.drop_column("token")
        batch_op.drop_column("document")
