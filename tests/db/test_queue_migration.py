"""Migration 0002 on a database that already holds tickets: the new ``queue_service_id`` is
filled from the issuing service before it becomes required."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from station.store.db import alembic_config, current_revision, head_revision, migrate_to_head


def test_upgrade_fills_the_queue_of_existing_tickets(db_url: str) -> None:
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            config = alembic_config(db_url)
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO office (id, code, name, kecamatan, kota, provinsi, address, "
                    "postal_code, lurah_name, lurah_nip, lurah_rank, unit_code, verify_base_url, "
                    "timezone) VALUES (1, '53.71.03.1010', 'Oesapa', 'Kelapa Lima', 'Kota Kupang', "
                    "'NTT', '', '', '', '', '', 'KEL.OSP', '', 'Asia/Makassar')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO service (id, office_id, prefix, name, active, typical_minutes, "
                    "documents, sort_order) VALUES (7, 1, 'A', 'Surat', true, 10, '[]', 0)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO ticket (id, office_id, service_id, day, sequence, number, "
                    "priority, status, issued_at, call_count) VALUES "
                    "(1, 1, 7, '2026-11-30', 1, 'A-001', false, 'waiting', "
                    "'2026-11-30 00:00:00', 0)"
                )
            )
        assert migrate_to_head(db_url) is True
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT queue_service_id, target_counter_id FROM ticket WHERE id = 1")
            ).one()
        assert tuple(row) == (7, None)
    finally:
        engine.dispose()
