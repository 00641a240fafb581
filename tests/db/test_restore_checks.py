"""A restore accepts only Station's own schema, each archive member once, and a configuration
the admin has seen and accepted (docs/backup.md)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from station.cli import cli
from station.home.backup import BackupError, RestoreDeclined, backup, restore
from station.home.context import open_station

UNDO_REVOKE = (
    "CREATE TRIGGER undo_revoke AFTER UPDATE OF status ON letter "
    "WHEN NEW.status = 'revoked' BEGIN UPDATE letter SET status = 'issued' "
    "WHERE id = NEW.id; END"
)
UNDO_LOCKOUT = (
    "CREATE TRIGGER undo_lockout AFTER UPDATE OF locked_until ON operator "
    "WHEN NEW.locked_until IS NOT NULL BEGIN UPDATE operator SET locked_until = NULL, "
    "failed_attempts = 0 WHERE id = NEW.id; END"
)


def _poison(station: Any, *statements: str) -> None:
    with station.db.write() as session:
        for statement in statements:
            session.execute(text(statement))


def _restore_cli(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, ["restore", *args], input=input)


def test_an_archive_with_triggers_that_undo_revocations_and_lockouts_is_refused(
    station: Any, tmp_path: Path
) -> None:
    _poison(station, UNDO_REVOKE, UNDO_LOCKOUT)
    made = backup(station, tmp_path / "poisoned.tar.gz")
    target = tmp_path / "restored"
    with pytest.raises(BackupError) as refused:
        restore(made, target)
    message = str(refused.value)
    assert "pemicu (trigger) tambahan 'undo_lockout'" in message
    assert "pemicu (trigger) tambahan 'undo_revoke'" in message
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".restored")]
    result = _restore_cli(str(made), "--home", str(target), "--yes", "--json")
    assert result.exit_code == 1 and "undo_revoke" in json.loads(result.stdout)["error"]
    assert not target.exists()


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("CREATE VIEW everyone AS SELECT nik, name FROM resident", "view tambahan 'everyone'"),
        ("DROP INDEX ix_audit_event_subject", "indeks 'ix_audit_event_subject' tidak ada"),
        ("CREATE TABLE loot (nik TEXT)", "tabel tambahan 'loot'"),
    ],
)
def test_any_other_schema_object_is_named_and_refused(
    station: Any, tmp_path: Path, statement: str, named: str
) -> None:
    _poison(station, statement)
    made = backup(station, tmp_path / "odd.tar.gz")
    with pytest.raises(BackupError, match="bukan skema Station") as refused:
        restore(made, tmp_path / "restored")
    assert named in str(refused.value)
    assert not (tmp_path / "restored").exists()


def _members(archive: Path) -> list[tuple[str, bytes]]:
    with tarfile.open(archive) as source:
        out = []
        for member in source.getmembers():
            handle = source.extractfile(member)
            assert handle is not None
            out.append((member.name, handle.read()))
        return out


def _write(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_a_duplicated_member_is_refused(station: Any, tmp_path: Path) -> None:
    members = _members(backup(station, tmp_path / "good.tar.gz"))
    database = next(m for m in members if m[0] == "station.db")
    doubled = _write(tmp_path / "doubled.tar.gz", [*members, database])
    with pytest.raises(BackupError, match=r"'station\.db' dua kali"):
        restore(doubled, tmp_path / "restored")
    assert not (tmp_path / "restored").exists()


def test_the_archive_config_is_shown_and_must_be_accepted(station: Any, tmp_path: Path) -> None:
    made = backup(station, tmp_path / "b.tar.gz")
    target = tmp_path / "restored"
    config = station.config.config_path.read_text()
    shown: list[str | None] = []

    def decline(text_: str | None) -> bool:
        shown.append(text_)
        return False

    with pytest.raises(RestoreDeclined):
        restore(made, target, confirm=decline)
    assert shown and 'code = "53.71.03.1010"' in (shown[0] or "")
    assert not target.exists()
    # The terminal: the config is printed and the answer asked; "n" restores nothing.
    result = _restore_cli(str(made), "--home", str(target), input="n\n")
    assert result.exit_code == 1
    assert "Konfigurasi dalam cadangan (station.toml)" in result.output
    assert 'verify_base_url = "https://verifikasi.oesapa.example/"' in result.output
    assert "dibatalkan" in result.output and not target.exists()
    # A script: --json without --yes refuses, with the config in the answer.
    result = _restore_cli(str(made), "--home", str(target), "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and "--yes" in data["error"]
    assert data["config"] == config.replace(
        next(line for line in config.splitlines() if line.startswith("url =")), 'url = ""'
    )
    assert not target.exists()
    # Accepted at the prompt, or with --yes: restored.
    result = _restore_cli(str(made), "--home", str(target), input="y\n")
    assert result.exit_code == 0, result.output
    assert (target / "station.toml").read_text() == data["config"]
    again = _restore_cli(str(made), "--home", str(tmp_path / "scripted"), "--yes", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["checks"]["schema"] == "sama dengan migrasi"


PG_UNDO_REVOKE = (
    "CREATE FUNCTION undo_revoke() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.status = 'revoked' THEN NEW.status := 'issued'; END IF; RETURN NEW; END $$",
    "CREATE TRIGGER undo_revoke BEFORE UPDATE ON letter FOR EACH ROW EXECUTE FUNCTION "
    "undo_revoke()",
)


def test_a_poisoned_postgresql_archive_is_refused(
    home: Path, pg_cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trigger and its function in the dump are refused before pg_restore runs them; an
    extra table (an entry kind Station's dump has) is found by comparing the restored catalog
    with a reference schema migrated to head in the same database."""
    from sqlalchemy import create_engine, inspect

    from station.home.context import init_station

    source = pg_cluster.create_database("poisoned_source")
    monkeypatch.setenv("STATION_DATABASE_URL", source)
    init_station(home)
    station = open_station(home)
    try:
        clean = backup(station, tmp_path / "clean.tar.gz")
        _poison(station, "CREATE TABLE loot (nik text)")
        looted = backup(station, tmp_path / "looted.tar.gz")
        _poison(station, *PG_UNDO_REVOKE)
        poisoned = backup(station, tmp_path / "poisoned.tar.gz")
    finally:
        station.close()
    target = pg_cluster.create_database("poisoned_target")
    with pytest.raises(BackupError) as refused:
        restore(poisoned, tmp_path / "restored", database_url=target)
    message = str(refused.value)
    assert "TRIGGER public letter undo_revoke" in message
    assert "FUNCTION public undo_revoke()" in message
    engine = create_engine(target)
    try:
        assert inspect(engine).get_table_names() == []  # nothing of it ran
    finally:
        engine.dispose()
    with pytest.raises(BackupError, match="bukan skema Station") as refused:
        restore(looted, tmp_path / "restored", database_url=target)
    assert "tabel tambahan 'loot'" in str(refused.value)
    assert not (tmp_path / "restored").exists()
    fresh = pg_cluster.create_database("clean_target")
    result = restore(clean, tmp_path / "clean", database_url=fresh)
    assert result.checks["schema"] == "sama dengan migrasi"


def test_a_backup_from_every_older_schema_is_still_station_s_after_migrating(
    tmp_path: Path,
) -> None:
    """No false refusal: a database made at any earlier revision and migrated to head has
    exactly the schema of a fresh one (batch migrations reorder a table's constraints)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from station.home.backup import schema_differences
    from station.store.db import alembic_config, migrate_to_head

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revisions = [script.revision for script in scripts.walk_revisions()]
    assert len(revisions) >= 6
    for revision in revisions:
        url = f"sqlite:///{tmp_path / f'at-{revision}.db'}"
        command.upgrade(alembic_config(url), revision)
        migrate_to_head(url)
        assert schema_differences(url) == [], revision
