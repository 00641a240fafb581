"""the city: each office sealed off by PostgreSQL row-level security; city aggregate views

The row security is PostgreSQL only (SQLite homes hold one office); the ``city_user`` table
(city staff for ``/kota``) is created on both. Creates the
``office_role`` mapping table, the ``station_office_id()`` / ``station_is_admin()`` functions,
ENABLE + FORCE row-level security with one policy per office table, and the ``city_*`` views
the city's read-only role may read (station/store/rowsecurity.py, docs/city.md).

Every later migration that creates a table with office rows must protect it in the same
migration: ``rowsecurity.protect_office_table(op.get_bind(), "new_table")`` (and add it to
``OFFICE_TABLES``); docs/architecture.md §The city database.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from station.store import rowsecurity

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The office tables at this revision (frozen here: a later table is protected by its own
# migration), including those of migrations 0009-0010.
TABLES = (
    "operator",
    "service",
    "counter",
    "ticket",
    "queue_event",
    "resident",
    "letter_type",
    "letter",
    "resident_pin",
    "signing_key",
    "audit_event",
    "sequence",
    "survey_response",
    "letter_self_service",
    "letter_request",
)


def upgrade() -> None:
    # City staff for the mayor's view (both dialects; no office owns them).
    op.create_table(
        "city_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=50), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_user")),
        sa.UniqueConstraint("username", name=op.f("uq_city_user_username")),
    )
    rowsecurity.install(op.get_bind(), TABLES)


def downgrade() -> None:
    rowsecurity.uninstall(op.get_bind(), TABLES)
    op.drop_table("city_user")
