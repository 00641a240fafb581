"""Backups: consistent while another OS process writes, restored only after the checks pass,
never half-written, and the daily backups keep 14."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from station.cli import cli
from station.home.backup import BackupError, backup, daily_backup_if_due, restore
from station.home.context import open_station
from station.queue.facade import Queue
from station.store import audit
from station.store.models import AuditEvent, SigningKey, Ticket

WRITER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from station.home.context import open_station
    from station.queue.facade import Queue

    station = open_station()
    queue = Queue.for_station(station)
    stop = Path(sys.argv[1])
    count = 0
    while not stop.exists():
        queue.take_ticket("A" if count % 2 else "B")
        count += 1
    print(count)
    station.close()
    """
)


def _tickets(home: Path) -> int:
    station = open_station(home)
    try:
        with station.db.read() as session:
            return int(session.scalar(select(func.count(Ticket.id))) or 0)
    finally:
        station.close()


def test_backup_while_another_process_writes(home: Path, tmp_path: Path) -> None:
    from station.home.context import init_station

    init_station(home)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop)],
        env={**os.environ, "STATION_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _tickets(home) < 20:  # the writer is really writing
            assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.05)
        result = CliRunner().invoke(cli, ["backup", str(tmp_path), "--json"])
        assert result.exit_code == 0, result.output
        path = Path(json.loads(result.stdout)["path"])
        written_during = _tickets(home)
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    total = int(out.strip())
    assert _tickets(home) == total and total > written_during - 1
    assert path.parent == tmp_path and path.name.endswith(".tar.gz")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp leftovers
    with tarfile.open(path) as archive:
        names = set(archive.getnames())
        assert names == {"manifest.json", "station.db", "station.toml"}
        assert not any(n.endswith(".pem") for n in names)  # private keys stay home
    restored = tmp_path / "restored"
    done = CliRunner().invoke(
        cli, ["restore", str(path), "--home", str(restored), "--yes", "--json"]
    )
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["checks"]["integrity_check"] == "ok"
    assert report["checks"]["foreign_key_check"] == "ok"
    assert report["keys_missing"]
    station = open_station(restored)
    try:
        with station.db.read() as session:
            copied = int(session.scalar(select(func.count(Ticket.id))) or 0)
            assert audit.verify_chain(session, station.office_id).ok
            assert session.scalar(select(func.count(SigningKey.key_id))) == 1  # verify letters
        assert 20 <= copied <= total
        assert Queue.for_station(station).check() == []  # every ticket has its events
    finally:
        station.close()
    assert (restored / "station.toml").exists() and not (restored / "keys").exists()
    assert oct(restored.stat().st_mode & 0o777) == "0o700"


@pytest.fixture
def archive(station: object, tmp_path: Path) -> Path:
    return backup(station, tmp_path / "b.tar.gz")


def test_restore_refuses_an_existing_home(archive: Path, tmp_path: Path) -> None:
    existing = tmp_path / "taken"
    existing.mkdir()
    (existing / "station.toml").write_text("x")
    with pytest.raises(BackupError, match="tidak kosong"):
        restore(archive, existing)
    assert (existing / "station.toml").read_text() == "x"
    restore(archive, tmp_path / "empty-ok")  # a missing home is fine


def test_restore_refuses_a_corrupted_file(archive: Path, tmp_path: Path) -> None:
    data = bytearray(archive.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(16)
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(bytes(data))
    target = tmp_path / "new-home"
    with pytest.raises(BackupError):
        restore(broken, target)
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".new-home")]
    code = CliRunner().invoke(cli, ["restore", str(broken), "--home", str(target), "--json"])
    assert code.exit_code == 1 and "ditolak" in json.loads(code.stdout)["error"]


def test_restore_refuses_a_tampered_audit_trail(station: object, tmp_path: Path) -> None:
    with station.db.write() as session:  # type: ignore[attr-defined]
        session.execute(update(AuditEvent).values(operator="mallory"))
    path = backup(station, tmp_path)
    target = tmp_path / "new-home"
    with pytest.raises(BackupError, match="Jejak audit"):
        restore(path, target)
    assert not target.exists()


def test_daily_backups_keep_fourteen(station: object) -> None:
    tz = station.config.tz  # type: ignore[attr-defined]
    start = dt.datetime(2026, 3, 1, 7, 30, tzinfo=tz)
    made = []
    for offset in range(16):
        now = start + dt.timedelta(days=offset)
        made.append(daily_backup_if_due(station, now=now))
        assert daily_backup_if_due(station, now=now + dt.timedelta(hours=3)) is None  # same day
    folder = station.config.backups_dir  # type: ignore[attr-defined]
    kept = sorted(p.name for p in folder.glob("station-daily-*"))
    assert len(kept) == 14
    assert kept[0] == "station-daily-2026-03-03.tar.gz"
    assert kept[-1] == "station-daily-2026-03-16.tar.gz"
    assert all(p is not None for p in made)


def test_open_station_backs_up_only_when_asked(station: object) -> None:
    home = station.home  # type: ignore[attr-defined]
    open_station(home).close()
    folder = station.config.backups_dir  # type: ignore[attr-defined]
    assert not list(folder.glob("station-daily-*")) if folder.exists() else True
    open_station(home, daily_backup=True).close()
    assert len(list(folder.glob("station-daily-*"))) == 1


DISK_FULL = textwrap.dedent(
    """
    import resource, signal, sys
    from station.home.backup import BackupError, backup
    from station.home.context import open_station

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-big write fails with EFBIG instead
    station = open_station()
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    try:
        backup(station, sys.argv[1])
    except BackupError as exc:
        print(exc)
        sys.exit(3)
    sys.exit(0)
    """
)


def test_disk_full_leaves_no_half_backup(station: object, tmp_path: Path) -> None:
    target = tmp_path / "dest"
    target.mkdir()
    env = {**os.environ, "STATION_HOME": str(station.home)}  # type: ignore[attr-defined]
    done = subprocess.run(
        [sys.executable, "-c", DISK_FULL, str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert "penuh" in done.stdout
    assert list(target.iterdir()) == []


def test_postgresql_backup_and_restore(
    home: Path, pg_cluster: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pg_dump (custom format) and pg_restore into a fresh, empty database, then the checks."""
    from station.home.context import init_station

    source = pg_cluster.create_database("backup_source")  # type: ignore[attr-defined]
    monkeypatch.setenv("STATION_DATABASE_URL", source)
    init_station(home)
    station = open_station(home)
    try:
        Queue.for_station(station).take_ticket("A")
        path = backup(station, tmp_path)
    finally:
        station.close()
    with tarfile.open(path) as archive:
        assert "station.pgdump" in archive.getnames()
        toml = archive.extractfile("station.toml")
        assert toml is not None and "backup_source" not in toml.read().decode()
    target = pg_cluster.create_database("backup_target")  # type: ignore[attr-defined]
    with pytest.raises(BackupError, match="database-url"):
        restore(path, tmp_path / "no-url")
    result = restore(path, tmp_path / "restored", database_url=target)
    assert result.dialect == "postgresql" and result.checks["audit_events"]
    with pytest.raises(BackupError, match="tidak kosong"):
        restore(path, tmp_path / "again", database_url=target)  # never over live data
    monkeypatch.setenv("STATION_DATABASE_URL", target)
    assert _tickets(tmp_path / "restored") == 1


def test_a_backup_is_audited(station: Any, tmp_path: Path) -> None:
    from station.store.models import AuditEvent

    made = backup(station, tmp_path)
    with station.db.read() as session:
        events = session.query(AuditEvent).filter(AuditEvent.action == "station.backup").all()
    assert [e.subject for e in events] == [made.name]


def test_no_automatic_daily_backup_on_postgresql(station_home: Path) -> None:
    from station.home.backup import daily_backup_if_due
    from station.home.context import open_station

    opened = open_station(station_home)
    try:
        made = daily_backup_if_due(opened)
        if opened.db.url.startswith("sqlite"):
            assert made is not None and made.exists()
        else:
            assert made is None
            assert not list(opened.config.backups_dir.glob("*.tar.gz"))
    finally:
        opened.close()


def test_a_trailing_slash_names_a_folder(station: Any, tmp_path: Path) -> None:
    """`station backup DIR/` puts a dated archive in DIR, made 0700 when missing (the old
    CLI lost the slash and wrote a file named DIR); without the slash a missing DIR is the
    archive's own name; a missing folder is made only inside one that exists."""
    runner = CliRunner()
    folder = tmp_path / "cadangan"
    done = runner.invoke(cli, ["backup", f"{folder}/", "--json"])
    assert done.exit_code == 0, done.output
    made = Path(json.loads(done.stdout)["path"])
    assert folder.is_dir() and made.parent == folder and made.name.endswith(".tar.gz")
    assert (folder.stat().st_mode & 0o777) == 0o700 and (made.stat().st_mode & 0o777) == 0o600
    existing = tmp_path / "ada"
    existing.mkdir()
    again = runner.invoke(cli, ["backup", str(existing), "--json"])  # a folder, no slash
    assert again.exit_code == 0, again.output
    assert Path(json.loads(again.stdout)["path"]).parent == existing

    named = tmp_path / "hari-ini.tar.gz"
    done = runner.invoke(cli, ["backup", str(named), "--json"])
    assert done.exit_code == 0 and named.is_file()

    unmounted = tmp_path / "media" / "usb" / "cadangan"
    refused = runner.invoke(cli, ["backup", f"{unmounted}/", "--json"])
    assert refused.exit_code == 1
    message = json.loads(refused.stdout)["error"]
    assert "tidak ada" in message and "media cadangan sudah terpasang" in message
    assert not (tmp_path / "media").exists()  # nothing made on the office PC's own disk

    not_a_folder = tmp_path / "berkas"
    not_a_folder.write_text("x")
    refused = runner.invoke(cli, ["backup", f"{not_a_folder}/", "--json"])
    assert refused.exit_code == 1 and "bukan folder" in json.loads(refused.stdout)["error"]
