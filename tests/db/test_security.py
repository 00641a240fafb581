"""The security claims of docs/security.md, each checked against the real code.

PINs (argon2id, salted, never stored in clear; lockout kept in the database), file modes
under a permissive umask, restore refusing archives that would write outside the target,
SQL only through bound parameters, and what the public verification answer contains.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import stat
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from station.home.backup import BackupError, backup, restore
from station.home.context import Station, init_station, open_station
from station.letters.seal import parse_qr
from station.office.operators import add_operator
from station.office.sign_in import MAX_FAILED_PINS, LoginError, sign_in
from station.store.models import Operator
from station.web.verify_page import create_app
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import HEAD, add_residents, issue_args, run_cli
from tests.helpers.office import signed_template

ROOT = Path(__file__).resolve().parents[2]


# --- PINs -----------------------------------------------------------------------------------


def test_pins_are_salted_argon2id_and_never_stored_in_clear(station: Station) -> None:
    pin = "739164285017"  # long enough that no hash or salt holds it by chance
    with station.db.write() as session:
        for username in ("budi", "nona"):
            add_operator(session, station.office_id, username=username, display_name=username,
                         role="operator", pin=pin)  # fmt: skip
    with station.db.read() as session:
        hashes = dict(session.execute(select(Operator.username, Operator.pin_hash)).all())
    assert all(h.startswith("$argon2id$") for h in hashes.values())
    assert hashes["budi"] != hashes["nona"]  # same PIN, different salt
    database = Path(station.db.url.split(":///", 1)[1])
    station.db.dispose()
    raw = b"".join(p.read_bytes() for p in database.parent.glob("station.store.db*"))
    assert pin.encode() not in raw


def test_lockout_survives_a_restart_and_refuses_the_right_pin(station: Station) -> None:
    for _ in range(MAX_FAILED_PINS):
        with pytest.raises(LoginError):
            sign_in(station, "sari", "0000")
    home = station.config.home
    station.close()
    again = open_station(home)  # another process, another PC: the count is in the database
    try:
        with pytest.raises(LoginError) as error:
            sign_in(again, "sari", "2468")
        assert error.value.code == "locked"
    finally:
        again.close()


def test_unknown_user_and_wrong_pin_read_the_same(station: Station) -> None:
    with pytest.raises(LoginError) as unknown:
        sign_in(station, "tidakada", "2468")
    with pytest.raises(LoginError) as wrong:
        sign_in(station, "sari", "1357")
    assert str(unknown.value) in str(wrong.value)  # the wrong-PIN text adds only the count


# --- files under a permissive umask ----------------------------------------------------------


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keys_and_home_are_private_even_with_umask_0(home: Path, open_umask: None) -> None:
    result = init_station(home, template=signed_template(home))
    keys = home / "keys"
    assert _mode(home) == 0o700 and _mode(keys) == 0o700
    assert _mode(keys / f"{result.key_id}.pem") == 0o600
    assert _mode(home / "station.db") == 0o600
    add_operators(home, "kepala", role="admin")
    _, rotated = run_cli("keys", "rotate", "--operator", "kepala")
    assert _mode(keys / f"{rotated['key_id']}.pem") == 0o600
    station = open_station(home)
    try:
        archive = backup(station, home.parent)
    finally:
        station.close()
    assert _mode(archive) == 0o600
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert not any(name.endswith(".pem") or "keys" in name for name in names)


def test_a_readable_key_file_is_refused_for_signing(station: Station) -> None:
    add_residents(station.db, station.office_id)
    add_operators(station, "ani")
    (key,) = (station.config.home / "keys").glob("*.pem")
    key.chmod(0o644)
    result, data = run_cli(*issue_args())
    assert result.exit_code == 1 and "0600" in data["error"]


# --- restore never writes outside its target -------------------------------------------------


def _evil_archive(path: Path, build: Any) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        build(tar)
    return path


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, **kw: Any) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in kw.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data))


def _link(tar: tarfile.TarFile, name: str, target: str, kind: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    tar.addfile(info)


MANIFEST = json.dumps({"format": 1, "dialect": "sqlite", "files": {}}).encode()


@pytest.mark.parametrize(
    "build",
    [
        lambda t: _add_bytes(t, "../outside.txt", b"x"),
        lambda t: _add_bytes(t, "/tmp/station-evil-absolute.txt", b"x"),
        lambda t: _add_bytes(t, "sub/../../outside.txt", b"x"),
        lambda t: _link(t, "station.db", "/etc/passwd", tarfile.SYMTYPE),
        lambda t: _link(t, "station.db", "../outside.txt", tarfile.LNKTYPE),
        lambda t: (_add_bytes(t, "manifest.json", MANIFEST),
                   _link(t, "station.toml", "../../outside.txt", tarfile.SYMTYPE)),
        lambda t: _add_bytes(t, "station.db", b"", type=tarfile.CHRTYPE),
        lambda t: _add_bytes(t, "station.db", b"", type=tarfile.FIFOTYPE),
        lambda t: _add_bytes(t, "station.db", b"", type=tarfile.DIRTYPE),
    ],
    ids=["dotdot", "absolute", "nested-dotdot", "symlink", "hardlink", "symlink-config",
         "device", "fifo", "directory"],
)  # fmt: skip
def test_restore_refuses_members_that_escape(tmp_path: Path, build: Any) -> None:
    work = tmp_path / "work"
    work.mkdir()
    archive = _evil_archive(work / "evil.tar.gz", build)
    before = {p for p in tmp_path.rglob("*")}
    with pytest.raises(BackupError, match="anggota asing"):
        restore(archive, work / "restored")
    assert {p for p in tmp_path.rglob("*")} == before  # nothing written, no staging left
    assert not Path("/tmp/station-evil-absolute.txt").exists()


def test_restore_refuses_a_manifest_naming_another_file(tmp_path: Path) -> None:
    manifest = json.dumps({"format": 1, "dialect": "sqlite", "files": {"../x": "0"}}).encode()
    archive = _evil_archive(tmp_path / "m.tar.gz", lambda t: _add_bytes(t, "manifest.json",
                                                                        manifest))  # fmt: skip
    with pytest.raises(BackupError, match="tidak cocok"):
        restore(archive, tmp_path / "restored")
    assert not (tmp_path / "restored").exists()


# --- SQL only through the ORM or bound parameters ---------------------------------------------

# Every raw-SQL call in station/ and migrations/, reviewed in docs/security.md: none takes
# text from a user; values travel as bound parameters.
RAW_SQL_CALLS = {
    ("station/store/db.py", "_on_connect"),  # PRAGMAs; busy_timeout is an int from the environment
    ("station/store/db.py", "_on_begin"),  # BEGIN DEFERRED|IMMEDIATE from our own execution option
    ("station/store/db.py", "migrate_to_head"),  # pg_advisory_xact_lock(:k)
    ("station/store/db.py", "bulk_insert"),  # SQLAlchemy's compiled INSERT with bound rows
    ("station/store/db.py", "_stored_revisions"),  # SELECT version_num FROM alembic_version
    ("station/register/residents.py", "index_names"),  # FTS5 insert, ? parameters
    ("station/register/residents.py", "reindex_names"),  # FTS5 delete, ? parameters
    ("station/register/residents.py", "_next_ids"),  # constant SELECT max(id)
    ("station/register/residents.py", "_matching_ids"),  # MATCH :q / to_tsquery(:q), bound
    ("station/home/backup.py", "_copy_sqlite"),  # constant PRAGMAs
    ("station/home/backup.py", "_check_sqlite_file"),  # constant PRAGMAs
    ("station/home/backup.py", "_sqlite_objects"),  # constant SELECT from sqlite_master
    ("station/home/backup.py", "_pg_objects"),  # catalog SELECTs, the schema name bound (:s)
    ("station/home/backup.py", "_pg_outside_public"),  # constant catalog SELECT
    ("station/home/backup.py", "_pg_compare"),  # constant CREATE/DROP SCHEMA of the reference
    ("migrations/versions/0001_initial_schema.py", "_drop_name_search"),  # constant DDL
    ("migrations/versions/0002_queue.py", "upgrade"),  # constant UPDATE
    # The city's row security (PostgreSQL DDL cannot bind identifiers): table, view and
    # policy names from the module's own constant lists, each checked by _check_name; values
    # (role name, office id) travel as bound parameters (:r, :o).
    ("station/store/rowsecurity.py", "protect_office_table"),
    ("station/store/rowsecurity.py", "_protect_child_table"),
    ("station/store/rowsecurity.py", "_protect_office"),
    ("station/store/rowsecurity.py", "install_views"),
    ("station/store/rowsecurity.py", "install_figures"),  # constant DDL, schema checked
    ("station/store/rowsecurity.py", "uninstall_figures"),  # constant DROP FUNCTION
    ("station/store/rowsecurity.py", "has_figures"),  # to_regprocedure(:f), bound
    ("station/reports/city.py", "_figures_rows"),  # constant SELECT, the period bound
    ("station/store/rowsecurity.py", "uninstall"),
    ("station/store/rowsecurity.py", "role_prefix"),  # constant SELECT current_database()
    ("station/store/rowsecurity.py", "_schema"),  # constant SELECT current_schema()
    ("station/store/rowsecurity.py", "_role_exists"),  # pg_roles, :r bound
    ("station/store/rowsecurity.py", "_login_role"),  # constant SELECT current_database()
    ("station/store/rowsecurity.py", "grant_office"),  # INSERT office_role, :r :o bound
    ("station/store/rowsecurity.py", "revoke_office"),  # DELETE office_role, :r bound
    ("station/store/rowsecurity.py", "protected_tables"),  # constant catalog SELECT
    ("station/store/rowsecurity.py", "reinstall_policies"),  # pg_policies, :p bound
    ("station/store/rowsecurity.py", "install_trend"),  # constant DDL, schema checked
    ("station/store/rowsecurity.py", "uninstall_trend"),  # constant DROP FUNCTION
    ("station/store/rowsecurity.py", "_has_function"),  # to_regprocedure(:f), bound
    ("station/store/rowsecurity.py", "grant_office_columns"),  # GRANT, names checked
    ("station/reports/city.py", "_trend_from_function"),  # constant SELECTs, values bound
}
# Identifiers (not values) a file may splice into DDL: module constants and names from its
# own constant lists, validated before use (station/store/rowsecurity.py: _check_name).
IDENTIFIER_SPLICES = {
    "station/store/rowsecurity.py": {
        "POLICY", "table", "mine", "own", "admin", "mine_id", "name", "columns", "query",
        "s", "statement", "FIGURES_SIGNATURE", "extra", "TREND_SIGNATURE", "signature",
        "quoted", "rights", "listed",
    },
}  # fmt: skip
_RAW = {"text", "exec_driver_sql", "execute", "executemany", "executescript"}


def _raw_sql_calls() -> Iterator[tuple[str, str, ast.Call]]:
    """(file, innermost function, call) for every call that passes SQL text."""
    files = [*(ROOT / "station").rglob("*.py"), *(ROOT / "migrations").rglob("*.py")]
    for path in sorted(files):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found: list[tuple[str, ast.Call]] = []
        _visit(tree, "<module>", found)
        for func, call in found:
            yield str(path.relative_to(ROOT)), func, call


def _visit(node: ast.AST, func: str, found: list[tuple[str, ast.Call]]) -> None:
    for child in ast.iter_child_nodes(node):
        inner = func
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            inner = child.name
        elif isinstance(child, ast.Call) and child.args:
            name = getattr(child.func, "attr", getattr(child.func, "id", ""))
            if name in _RAW and _looks_like_sql(child.args[0]):
                found.append((func, child))
        _visit(child, inner, found)


def _looks_like_sql(node: ast.expr) -> bool:
    parts = [node.value] if isinstance(node, ast.Constant) else []
    if isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
    words = ("SELECT", "INSERT", "UPDATE", "DELETE", "PRAGMA", "BEGIN", "DROP", "CREATE")
    return any(isinstance(p, str) and p.lstrip().upper().startswith(words) for p in parts) or (
        isinstance(node, ast.Attribute) and node.attr == "string"
    )


def test_raw_sql_is_only_where_it_was_reviewed() -> None:
    found = {(path, func) for path, func, _ in _raw_sql_calls()}
    assert found <= RAW_SQL_CALLS, f"new raw SQL, review it: {found - RAW_SQL_CALLS}"
    assert ("station/register/residents.py", "_matching_ids") in found  # the scan does see them


def test_no_raw_sql_splices_a_value_in() -> None:
    """An f-string in raw SQL may only hold module constants or the engine's own settings."""
    allowed = {"busy_timeout_ms", "SQLITE_CACHE_KIB", "mode"}
    for path, func, call in _raw_sql_calls():
        sql = call.args[0]
        if isinstance(sql, ast.JoinedStr):
            names = {n.id for v in sql.values if isinstance(v, ast.FormattedValue)
                     for n in ast.walk(v.value) if isinstance(n, ast.Name)}  # fmt: skip
            assert names <= allowed | IDENTIFIER_SPLICES.get(path, set()), (path, func, names)


# --- what the public verification answer contains --------------------------------------------


def test_public_answer_has_no_full_nik_and_no_birth_date(station: Station) -> None:
    add_residents(station.db, station.office_id)
    add_operators(station, "ani")
    _, letter = run_cli(*issue_args())
    client = TestClient(create_app(station))
    token = parse_qr(letter["qr"])
    for response in (client.get(f"/v/{token}"), client.get(f"/api/v/{token}")):
        text = response.text
        assert response.status_code == 200
        assert not re.search(r"\d{16}", text), "a 16-digit number (NIK or KK) on the page"
        assert "5371********0001" in text  # masked: first 4 and last 4 digits
        assert "YOH. EMA. KEB." in text and "EMANUEL" not in text  # the name, masked
        assert (
            "17-08-1990" not in text and "1990-08-17" not in text and "17 Agustus 1990" not in text
        )
        assert HEAD[6:12] not in text.replace("5371********0001", "")
    assert HEAD not in letter["qr"] and HEAD[4:12] not in letter["qr"]


def test_a_second_init_without_the_key_file_refuses_instead_of_replacing_the_key(
    home: Path,
) -> None:
    """The second PC of an office (same database, keys/ not copied yet) must not silently
    make a new active key that the first PC cannot sign with."""
    from click.testing import CliRunner

    from station.cli import cli
    from station.home.context import init_station

    first = init_station(home, template=signed_template(home))
    key_file = home / "keys" / f"{first.key_id}.pem"
    moved = key_file.read_bytes()
    key_file.unlink()
    result = CliRunner().invoke(cli, ["init", "--json"])
    assert result.exit_code == 1
    assert "keys rotate" in json.loads(result.stdout)["error"]
    key_file.write_bytes(moved)  # copied over from the first PC
    assert init_station(home).key_id == first.key_id
