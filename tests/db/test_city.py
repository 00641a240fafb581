"""The city: two kelurahan on one PostgreSQL, each sealed off by row-level security
(docs/city.md). The database is owned by a non-superuser administrator, as on a real city
server (a superuser would bypass row security and prove nothing)."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from station.home.config import load_config
from station.home.context import CityServer, init_station, office_template, open_station
from station.letters.seal import parse_qr
from station.office.registry import add_office
from station.store import rowsecurity
from station.store.db import Database
from station.store.models import Base, Resident
from station.web.verify_page import create_app
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import HEAD, RESIDENTS, issue_args, run_cli
from tests.helpers.office import fill_lurah
from tests.helpers.pg import TempCluster

OESAPA = "53.71.03.1010"


def cli_root() -> Any:
    from station.cli import cli

    return cli


ALAK = "53.71.01.1008"
_n = itertools.count()


@dataclass
class Office:
    code: str
    id: int
    url: str
    home: Path
    letter: dict[str, Any]
    nik: str


@dataclass
class City:
    admin_url: str
    a: Office
    b: Office


def _admin_database(cluster: TempCluster) -> str:
    n = next(_n)
    role, database = f"cityadm_{os.getpid()}_{n}", f"city_{os.getpid()}_{n}"
    with psycopg.connect(
        host=str(cluster.dir), port=cluster.port, user="postgres", dbname="postgres",
        autocommit=True,
    ) as conn:  # fmt: skip
        conn.execute(f'CREATE ROLE "{role}" LOGIN CREATEROLE')
        conn.execute(f'CREATE DATABASE "{database}" OWNER "{role}"')
    return str(make_url(cluster.url(database)).set(username=role))


def _residents(office_id: int, prefix: str) -> list[Resident]:
    """The helper residents, their NIKs moved to ``prefix`` (a NIK is unique city-wide)."""
    found = []
    for data in RESIDENTS:
        moved = dict(data, nik=prefix + data["nik"][6:], kk_number=prefix + data["kk_number"][6:])
        found.append(Resident(office_id=office_id, **moved))
    return found


def _join(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, admin_url: str, code: str, prefix: str
) -> Office:
    admin = Database(admin_url)
    with admin.write() as session:
        office_id = add_office(
            session, code, verify_base_url="https://verifikasi.kupang.example/"
        ).id
        grant = rowsecurity.grant_office(session.connection(), office_id, code, admin_url)
    admin.dispose()
    home = tmp_path / code.replace(".", "")
    init_station(home, template=office_template(home, grant.url, code), join=True)
    fill_lurah(home)  # the city adds an office with placeholders; its admin names the lurah
    monkeypatch.setenv("STATION_HOME", str(home))
    station = open_station(home)
    with station.db.write() as session:
        session.add_all(_residents(station.office_id, prefix))
    add_operators(station, "ani")  # --operator asks their PIN (STATION_PIN)
    station.close()
    _, letter = run_cli(*issue_args("SKD", prefix + HEAD[6:]))
    assert letter.get("number"), letter
    _, ticket = run_cli("ticket", "take", "A")
    assert ticket.get("number"), ticket
    return Office(code, office_id, grant.url, home, letter, prefix + HEAD[6:])


@pytest.fixture
def city(
    pg_cluster: TempCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[City]:
    monkeypatch.delenv("STATION_DATABASE_URL", raising=False)
    admin_url = _admin_database(pg_cluster)
    a = _join(tmp_path, monkeypatch, admin_url, OESAPA, "537103")
    b = _join(tmp_path, monkeypatch, admin_url, ALAK, "537101")
    yield City(admin_url, a, b)


OFFICE_DATA = ("resident", "ticket", "letter", "audit_event", "signing_key", "sequence")


def _count(conn: Any, sql: str, **params: Any) -> int:
    return int(conn.execute(text(sql), params).scalar_one())


def test_an_office_url_never_reaches_another_office(city: City) -> None:
    a, b = city.a, city.b
    admin = create_engine(city.admin_url)
    with admin.connect() as conn:
        before = {t: _count(conn, f"SELECT count(*) FROM {t} WHERE office_id = :o", o=b.id)
                  for t in OFFICE_DATA}  # fmt: skip
    assert all(before[t] > 0 for t in OFFICE_DATA), before

    engine = create_engine(a.url)
    with engine.connect() as conn:
        for table in OFFICE_DATA:
            assert _count(conn, f"SELECT count(*) FROM {table} WHERE office_id = :o", o=b.id) == 0
            mine = _count(conn, f"SELECT count(*) FROM {table}")
            assert mine == _count(
                conn, f"SELECT count(*) FROM {table} WHERE office_id = :o", o=a.id
            )
            assert mine > 0, table
        assert _count(conn, "SELECT count(*) FROM resident WHERE nik = :n", n=b.nik) == 0
        # A session setting is no key: the role decides.
        conn.execute(text("SELECT set_config('station.office_id', :o, false)"), {"o": str(b.id)})
        assert _count(conn, "SELECT count(*) FROM letter WHERE office_id = :o", o=b.id) == 0
        # A temporary table cannot stand in for the role map either.
        conn.execute(text("CREATE TEMP TABLE office_role (role_name name, office_id integer)"))
        conn.execute(text("INSERT INTO office_role VALUES (current_user, :o)"), {"o": b.id})
        assert _count(conn, "SELECT count(*) FROM resident WHERE office_id = :o", o=b.id) == 0
        for table in ("resident", "ticket", "letter", "sequence"):
            column = "last_value" if table == "sequence" else "office_id"
            value = "last_value + 1" if table == "sequence" else "office_id"
            done = conn.execute(
                text(f"UPDATE {table} SET {column} = {value} WHERE office_id = :o"), {"o": b.id}
            )
            assert done.rowcount == 0, table
            done = conn.execute(text(f"DELETE FROM {table} WHERE office_id = :o"), {"o": b.id})
            assert done.rowcount == 0, table
        conn.rollback()

    for sql in (
        "UPDATE audit_event SET action = 'x' WHERE office_id = :o",
        "DELETE FROM audit_event WHERE office_id = :o",
        "UPDATE audit_event SET action = 'x'",  # not even its own audit: append-only
        "INSERT INTO resident (office_id, nik, kk_number, name, search_text, birth_place,"
        " birth_date, sex, blood_type, address, rt, rw, kelurahan, kecamatan, religion,"
        " marital_status, occupation, nationality, education, family_relationship,"
        " father_name, mother_name, ektp_recorded, status, created_at, updated_at) VALUES"
        " (:o, '5371010101010099', '5371010101010099', 'X', 'x', '', '2001-01-01', 'L', '',"
        " '', '', '', '', '', '', '', '', 'WNI', '', '', '', '', false, 'active', now(), now())",
        "UPDATE resident SET office_id = :o",  # moving its own rows to another office
        "INSERT INTO office_role VALUES (current_user, :o)",
        "UPDATE office SET code = '53.71.99.9999' WHERE id = :o",
    ):
        with engine.connect() as conn:
            with pytest.raises(Exception) as refused:
                conn.execute(text(sql), {"o": b.id})
            assert "permission denied" in str(refused.value) or "row-level security" in str(
                refused.value
            ), sql
    with engine.connect() as conn:  # another office's row of `office`: never updated
        done = conn.execute(text("UPDATE office SET name = 'X' WHERE id = :o"), {"o": b.id})
        assert done.rowcount == 0
        conn.rollback()
    engine.dispose()

    with admin.connect() as conn:
        after = {t: _count(conn, f"SELECT count(*) FROM {t} WHERE office_id = :o", o=b.id)
                 for t in OFFICE_DATA}  # fmt: skip
    admin.dispose()
    assert after == before


def test_the_city_role_counts_but_never_reads_a_resident(city: City) -> None:
    admin = Database(city.admin_url)
    with admin.write() as session:
        grant = rowsecurity.grant_city(session.connection(), city.admin_url)
    admin.dispose()
    engine = create_engine(grant.url)
    for table in ("resident", "letter", "ticket", "audit_event", "office_role"):
        with engine.connect() as conn, pytest.raises(Exception, match="permission denied"):
            conn.execute(text(f"SELECT count(*) FROM {table}"))
    with engine.connect() as conn:
        letters = dict(conn.execute(text("SELECT office_id, sum(letters) FROM city_letter_day "
                                         "GROUP BY office_id")).all())  # fmt: skip
        residents = dict(
            conn.execute(text("SELECT office_id, residents FROM city_resident_summary")).all()
        )
        tickets = dict(conn.execute(text("SELECT office_id, sum(taken) FROM city_ticket_day "
                                         "GROUP BY office_id")).all())  # fmt: skip
    engine.dispose()
    office = create_engine(city.a.url)  # an office role cannot count the others either
    for sql in ("SELECT * FROM city_letter_day", "SELECT * FROM city_resident_summary_rows()"):
        with office.connect() as conn, pytest.raises(Exception, match="permission denied"):
            conn.execute(text(sql))
    office.dispose()
    assert letters == {city.a.id: 1, city.b.id: 1}
    assert residents == {city.a.id: len(RESIDENTS), city.b.id: len(RESIDENTS)}
    assert tickets == {city.a.id: 1, city.b.id: 1}


def test_one_page_verifies_every_office(city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_DATABASE_URL", city.admin_url)
    config = load_config(city.a.home)  # any home: the city server needs only the database
    server = CityServer(config=config, db=Database(city.admin_url))
    client = TestClient(create_app(server, rate_limit_per_minute=0))
    for office, name in ((city.a, "Kelurahan Oesapa"), (city.b, "Kelurahan Alak")):
        token = parse_qr(office.letter["qr"])
        page = client.get(f"/v/{token}")
        assert page.status_code == 200
        assert "ASLI" in page.text and office.letter["number"] in page.text
        assert name in page.text
        api = client.get(f"/api/v/{token}").json()
        assert api["status"] == "valid" and api["office"]["code"] == office.code
    server.close()

    # Office A's own page (its role) knows only its keys: B's letter is not A's to vouch for.
    monkeypatch.delenv("STATION_DATABASE_URL")
    station = open_station(city.a.home)
    own = TestClient(create_app(station, rate_limit_per_minute=0))
    assert own.get(f"/api/v/{parse_qr(city.a.letter['qr'])}").json()["status"] == "valid"
    assert own.get(f"/api/v/{parse_qr(city.b.letter['qr'])}").json()["status"] == "unknown_key"
    station.close()


def test_every_office_table_is_protected_at_head(city: City) -> None:
    engine = create_engine(city.admin_url)
    with engine.connect() as conn:
        protected = rowsecurity.protected_tables(conn)
    engine.dispose()
    with_office = [t.name for t in Base.metadata.sorted_tables if "office_id" in t.c]
    assert with_office and set(with_office) <= set(rowsecurity.OFFICE_TABLES)
    for table in [*with_office, *rowsecurity.CHILD_TABLES, "office"]:
        assert protected[table] == (True, True), table


def test_joining_needs_the_office_first(
    pg_cluster: TempCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STATION_DATABASE_URL", raising=False)
    admin_url = _admin_database(pg_cluster)
    monkeypatch.setenv("STATION_HOME", str(tmp_path / "pc"))
    result, data = run_cli("init", "--office", OESAPA, "--database-url", admin_url)
    assert result.exit_code == 1 and "station office add" in data["error"]

    monkeypatch.setenv("STATION_HOME", str(tmp_path / "city"))
    monkeypatch.setenv("STATION_DATABASE_URL", admin_url)
    assert run_cli("office", "add", OESAPA)[0].exit_code == 0
    result, grant = run_cli("city", "grant", OESAPA)
    assert result.exit_code == 0 and grant["created"] is True
    result, again = run_cli("city", "grant", OESAPA, "--keep-password")
    assert result.exit_code == 0 and again["url"] == "" and again["created"] is False
    assert make_url(grant["url"]).username == grant["role"] != make_url(admin_url).username

    monkeypatch.delenv("STATION_DATABASE_URL")
    monkeypatch.setenv("STATION_HOME", str(tmp_path / "pc"))
    result, joined = run_cli("init", "--office", OESAPA, "--database-url", grant["url"])
    assert result.exit_code == 0, result.output
    key_file = tmp_path / "pc" / "keys" / f"{joined['key_id']}.pem"
    assert key_file.exists() and key_file.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "pc" / "station.toml").stat().st_mode & 0o777 == 0o600
    config = load_config(tmp_path / "pc")
    assert config.office.name == "Oesapa" and config.database_url == grant["url"]
    engine = create_engine(admin_url)
    with engine.connect() as conn:  # the public half only, in the city database
        public = conn.execute(
            text("SELECT public_key FROM signing_key WHERE key_id = :k"), {"k": joined["key_id"]}
        ).scalar_one()
    engine.dispose()
    assert len(bytes(public)) == 32 and bytes(public) not in key_file.read_bytes()


def test_offices_as_data_from_the_command_line(home: Path) -> None:
    from station.register.kota_kupang import KECAMATAN, KELURAHAN

    assert len(KECAMATAN) == 6 and len(KELURAHAN) == 51
    run_cli("init")
    result, added = run_cli("office", "add", "53.71.05.1005")
    assert result.exit_code == 0, result.output
    assert (added["name"], added["kecamatan"], added["kota"]) == (
        "Naikoten Dua",
        "Kota Raja",
        "Kota Kupang",
    )
    assert added["unit_code"] == "KEL.NKTND"
    result, again = run_cli("office", "add", "53.71.05.1005")
    assert result.exit_code == 1 and "sudah ada" in again["error"]
    result, wrong = run_cli("office", "add", "53.71.05.1099", "--name", "X", "--kecamatan", "Alak")
    assert result.exit_code == 1 and "Kota Raja" in wrong["error"]
    result, unknown = run_cli("office", "add", "53.71.07.1001")
    assert result.exit_code == 1 and "--name" in unknown["error"]
    result, edited = run_cli("office", "edit", "53.71.05.1005", "--name", "Naikoten II")
    assert result.exit_code == 0 and edited["changed"] == ["name"]
    _, shown = run_cli("office", "show", "53.71.05.1005")
    assert shown["name"] == "Naikoten II"
    _, listed = run_cli("office", "list")
    assert [o["code"] for o in listed["offices"]] == ["53.71.03.1010", "53.71.05.1005"]
    result, refused = run_cli("city", "grant", "53.71.05.1005")
    assert result.exit_code == 1 and "PostgreSQL" in refused["error"]


def test_the_city_report_is_the_sum_of_the_offices_reports(
    city: City, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station.reports.statistics import TICKET_KEYS

    own = {}
    for office in (city.a, city.b):
        monkeypatch.setenv("STATION_HOME", str(office.home))
        result, report = run_cli("report")
        assert result.exit_code == 0, result.output
        own[office.code] = report
    monkeypatch.setenv("STATION_HOME", str(tmp_path / "cityhome"))
    monkeypatch.setenv("STATION_DATABASE_URL", city.admin_url)
    result, report = run_cli("city", "report")
    assert result.exit_code == 0, result.output
    rows = {row["code"]: row for row in report["offices"]}
    assert set(rows) == {OESAPA, ALAK}
    for key in TICKET_KEYS:
        assert report["total"][key] == sum(r["tickets"]["total"][key] for r in own.values())
        for code, mine in own.items():
            assert rows[code][key] == mine["tickets"]["total"][key]
    assert report["total"]["letters"] == sum(r["letters"]["total"] for r in own.values()) == 2
    assert report["total"]["taken"] == 2
    assert rows[ALAK]["name"] == "Alak" and rows[ALAK]["ektp_missing"] >= 0
    result, _ = run_cli("city", "report", "--format", "csv", "--output", str(tmp_path / "k.csv"))
    assert result.exit_code == 0
    lines = (tmp_path / "k.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("code,name,kecamatan,taken") and len(lines) == 3
    result = CliRunner().invoke(cli_root(), ["city", "report"])
    assert result.exit_code == 0 and "JUMLAH KOTA" in result.output and "Alak" in result.output


def _history(admin: Database, office_id: int, seed: int, today: Any) -> None:
    """Varied tickets (every status, outcomes, none/one/two calls), survey answers and
    residents with and without an e-KTP over the last days, straight into the database."""
    import datetime as dt
    import random

    from station.store.models import QueueEvent, Service, SurveyResponse, Ticket

    rng = random.Random(seed)
    with admin.write() as session:
        service = session.query(Service).filter(Service.office_id == office_id).first()
        assert service is not None
        for d in range(1, 12):
            day = today - dt.timedelta(days=d)
            opening = dt.datetime.combine(day, dt.time(0, 30), dt.UTC)
            for i in range(rng.randrange(3, 9)):
                issued = opening + dt.timedelta(seconds=i * 97 + rng.randrange(60))
                status = rng.choice(("done", "done", "no_show", "cancelled", "not_served",
                                     "waiting", "serving"))  # fmt: skip
                outcome = rng.choice(("letter_issued", "information_given", "referred", None))
                ticket = Ticket(
                    office_id=office_id, service_id=service.id, queue_service_id=service.id,
                    day=day, sequence=100 + i, number=f"A-{100 + i}", status=status,
                    outcome=outcome if status == "done" else None, issued_at=issued,
                    started_at=issued + dt.timedelta(seconds=300),
                    finished_at=issued + dt.timedelta(seconds=700), call_count=1,
                )  # fmt: skip
                session.add(ticket)
                session.flush()
                for call in range(rng.randrange(3)):  # the first call counts, not a recall
                    at = issued + dt.timedelta(seconds=rng.randrange(30, 1500) + call * 2000)
                    session.add(QueueEvent(office_id=office_id, at=at, day=day, action="called",
                                           ticket_id=ticket.id, service_id=service.id,
                                           details={}))  # fmt: skip
                if status == "done" and rng.random() < 0.6:
                    scores = {f"q{q}": rng.randrange(1, 5) for q in range(1, 10)}
                    session.add(
                        SurveyResponse(
                            office_id=office_id,
                            ticket_id=ticket.id,
                            ticket_number=ticket.number,
                            day=day,
                            **scores,
                        )
                    )
        for resident in session.query(Resident).filter(Resident.office_id == office_id):
            resident.ektp_recorded = rng.random() < 0.5


def test_the_fast_city_report_equals_each_offices_own_report(city: City) -> None:
    """PostgreSQL computes every office's row in one query (migration 0012); each row equals
    the office's own report run in Python, figure by figure (waits, completion, e-KTP, IKM)."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from station.reports import city as city_reports
    from station.reports.statistics import Period
    from station.store.models import Office as OfficeRow

    today = dt.date.today()
    admin = Database(city.admin_url)
    for seed, office in enumerate((city.a, city.b)):
        _history(admin, office.id, seed, today)
    period = Period(today - dt.timedelta(days=9), today)
    with admin.read() as session:
        assert rowsecurity.has_figures(session.connection())
        fast = city_reports.city_report(session, period, today)
        offices = session.query(OfficeRow).order_by(OfficeRow.code).all()
        slow = [city_reports.office_row(session, o, period, today) for o in offices]
    with admin.write() as session:
        grant = rowsecurity.grant_city(session.connection(), city.admin_url)
    admin.dispose()
    assert fast["offices"] == slow
    assert sum(r["taken"] for r in slow) > 20 and all(r["wait_p90"] for r in slow)
    assert all(r["ikm"] is not None and r["ektp_missing"] for r in slow)
    reader = create_engine(grant.url)  # the city's read-only role gets the same figures
    with Session(reader) as session:
        assert city_reports.city_report(session, period, today) == fast
    reader.dispose()


CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)


def _kota_client(city: City) -> tuple[TestClient, Any, list[float]]:
    from station.office.city_staff import add_staff
    from station.web.city_page import Sessions

    admin = Database(city.admin_url)
    with admin.write() as session:
        add_staff(session, "walikota", "Staf Wali Kota", "kupang-kasih-2026")
        add_staff(session, "bappeda", "Staf Bappeda", "flobamora-2026!")
    now = [1000.0]
    server = CityServer(config=load_config(city.a.home), db=admin)
    app = create_app(server, rate_limit_per_minute=0, city_sessions=Sessions(lambda: now[0]))
    return TestClient(app, follow_redirects=False), server, now


def _login(client: TestClient, user: str, password: str) -> Any:
    return client.post("/kota/masuk", data={"username": user, "password": password})


def test_the_mayors_view(city: City, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_DATABASE_URL", city.admin_url)
    client, server, now = _kota_client(city)
    assert client.get("/kota").headers["location"] == "/kota/masuk"
    form = client.get("/kota/masuk")
    csp = form.headers.get_list("content-security-policy")
    assert len(csp) == 1 and "form-action 'self'" in csp[0] and "unsafe-inline" not in csp[0]
    assert "script-src" not in csp[0] and "default-src 'none'" in csp[0]

    for _ in range(4):
        assert _login(client, "walikota", "salah-sandi-123").status_code == 401
    locked = _login(client, "walikota", "salah-sandi-123")
    assert locked.status_code == 401 and "terkunci" in locked.text
    assert "terkunci" in _login(client, "walikota", "kupang-kasih-2026").text  # locked out
    assert _login(client, "siapa", "kupang-kasih-2026").status_code == 401
    assert "terkunci" not in _login(client, "bappeda", "salah").text

    signed = _login(client, "bappeda", "flobamora-2026!")
    assert signed.status_code == 303 and signed.headers["location"] == "/kota"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/kota" in cookie
    page = client.get("/kota")
    assert page.status_code == 200
    text = page.text
    assert "Oesapa" in text and "Alak" in text and text.count("<svg") == 2
    assert "<script" not in text and "KEBAN" not in text and city.a.nik not in text
    assert "Jumlah kota" in text
    # the period as people read it (office time, Indonesian months), not ISO dates
    assert re.search(r"<h1>Pandangan Kota \d{1,2} [A-Z][a-z]+ \d{4} s\.d\. \d{1,2} [A-Z]", text)
    assert "Pandangan Kota 20" not in text
    by_tickets = client.get("/kota?urut=taken&arah=turun")
    assert by_tickets.status_code == 200 and "Tiket ▼" in by_tickets.text
    trend = client.get(f"/kota/k/{ALAK}")
    assert trend.status_code == 200 and "Kelurahan Alak" in trend.text
    assert trend.text.count("<svg") == 3 and "<script" not in trend.text
    assert client.get("/kota/k/53.71.99.9999").status_code == 404
    # the verification page keeps its own stricter policy
    home = client.get("/")
    assert "form-action 'none'" in home.headers["content-security-policy"]

    if CHROMIUM is not None:
        _screenshots(text, tmp_path)

    now[0] += 31 * 60  # half an hour without a request: the session is over
    assert client.get("/kota").headers["location"] == "/kota/masuk"
    signed = _login(client, "bappeda", "flobamora-2026!")
    assert client.get("/kota").status_code == 200
    client.post("/kota/keluar")
    client.cookies.clear()
    assert client.get("/kota").status_code == 303
    server.close()


def _screenshots(page: str, tmp_path: Path) -> None:
    """The comparison table and charts at desktop and phone size (the page's HTML, saved:
    the headless browser cannot sign in from its command line)."""
    from PIL import Image

    source = tmp_path / "kota.html"
    source.write_text(page, encoding="utf-8")
    for width, height in ((1280, 800), (390, 844)):
        shot = tmp_path / f"kota-{width}x{height}.png"
        subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tmp_path / f'profile-{width}'}",
                f"--screenshot={shot}",
                f"--window-size={width},{height}",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        image = Image.open(shot).convert("RGB")
        assert image.size == (width, height)
        blue = sum(
            1
            for x in range(0, width, 4)
            for y in range(0, height, 4)
            if image.getpixel((x, y)) == (11, 87, 208)
        )
        assert blue > 20, (width, blue)  # the bars (and the buttons) were drawn
        if keep := os.environ.get("STATION_SCREENSHOT_DIR"):
            shutil.copy(shot, Path(keep) / shot.name)


def test_the_policies_check_once_per_statement(city: City) -> None:
    """Migration 0014: the policies hold their checks as uncorrelated subqueries (one InitPlan
    per statement), call no function, and still seal the child table ``counter_service``."""
    a, b = city.a, city.b
    admin = create_engine(city.admin_url)
    with admin.connect() as conn:
        quals = conn.execute(
            text(
                "SELECT tablename, coalesce(qual, '') || ' ' || coalesce(with_check, '') "
                "FROM pg_policies WHERE schemaname = current_schema() AND cmd <> 'SELECT'"
            )
        ).all()
        theirs = _count(
            conn,
            "SELECT count(*) FROM counter_service cs JOIN counter c ON c.id = cs.counter_id "
            "WHERE c.office_id = :o",
            o=b.id,
        )
        their_counter = _count(conn, "SELECT min(id) FROM counter WHERE office_id = :o", o=b.id)
        their_service = _count(conn, "SELECT min(id) FROM service WHERE office_id = :o", o=b.id)
    admin.dispose()
    assert len(quals) >= len(rowsecurity.OFFICE_TABLES) + 2 and theirs > 0
    for table, qual in quals:
        assert "station_office_id" not in qual and "station_is_admin" not in qual, table
        assert "office_role" in qual or "ARRAY" in qual or "pg_class" in qual, table

    engine = create_engine(a.url)
    with engine.connect() as conn:
        plan = "\n".join(
            conn.execute(
                text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT * FROM resident")
            ).scalars()
        )
        assert "InitPlan" in plan and "SubPlan" not in plan, plan
        mine = _count(conn, "SELECT count(*) FROM counter_service")
        assert mine > 0
        assert _count(conn, "SELECT count(*) FROM counter_service WHERE counter_id = :c",
                      c=their_counter) == 0  # fmt: skip
        done = conn.execute(
            text("DELETE FROM counter_service WHERE counter_id = :c"), {"c": their_counter}
        )
        assert done.rowcount == 0
        conn.rollback()
    with engine.connect() as conn, pytest.raises(Exception, match="row-level security"):
        conn.execute(
            text("INSERT INTO counter_service (counter_id, service_id) VALUES (:c, :s)"),
            {"c": their_counter, "s": their_service},
        )
    engine.dispose()


def test_the_mayors_view_runs_through_the_city_role(
    city: City, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``station city report`` and ``/kota`` with the city role's URL alone (``[database]
    city_url``): the same figures as the administrator's, staff sign in and are locked out,
    and that URL still cannot read a resident or touch anything but its staff's sign-in."""
    from station.home.context import open_city
    from station.office.city_staff import add_staff
    from station.web.city_page import Sessions

    admin = Database(city.admin_url)
    with admin.write() as session:
        grant = rowsecurity.grant_city(session.connection(), city.admin_url)
        add_staff(session, "walikota", "Staf Wali Kota", "kupang-kasih-2026")
    admin.dispose()

    reader = create_engine(grant.url)
    refused = (
        "SELECT count(*) FROM resident",
        "SELECT count(*) FROM letter",
        "SELECT count(*) FROM ticket",
        "SELECT count(*) FROM office_role",
        "SELECT count(*) FROM office",
        "UPDATE city_user SET password_hash = 'x'",
        "UPDATE city_user SET active = true",
        "INSERT INTO city_user (username, display_name, password_hash, failed_attempts,"
        " active, created_at) VALUES ('x', 'x', 'x', 0, true, now())",
        "DELETE FROM city_user",
        "UPDATE alembic_version SET version_num = 'x'",
        "SELECT * FROM city_office_days('53.71.03.1010', current_date, current_date)"
        " JOIN resident ON true",
    )
    for sql in refused:
        with reader.connect() as conn, pytest.raises(Exception, match="permission denied"):
            conn.execute(text(sql))
    reader.dispose()

    # the report from a home that names only the city role (the administrator's URL is bad)
    monkeypatch.setenv("STATION_HOME", str(tmp_path / "walikota"))
    monkeypatch.setenv("STATION_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    monkeypatch.setenv("STATION_CITY_DATABASE_URL", grant.url)
    result, report = run_cli("city", "report")
    assert result.exit_code == 0, result.output
    rows = {row["code"]: row for row in report["offices"]}
    assert rows[OESAPA]["letters"] == rows[ALAK]["letters"] == 1
    assert report["total"]["taken"] == 2

    # /kota on the city server: verification with the administrator's URL, /kota the city's
    monkeypatch.setenv("STATION_DATABASE_URL", city.admin_url)
    server = open_city(city.a.home)
    assert server.reader is not None and server.city_db.url == grant.url
    now = [1000.0]
    app = create_app(server, rate_limit_per_minute=0, city_sessions=Sessions(lambda: now[0]))
    client = TestClient(app, follow_redirects=False)
    for _ in range(4):
        assert _login(client, "walikota", "salah-sandi-123").status_code == 401
    assert "terkunci" in _login(client, "walikota", "salah-sandi-123").text
    assert "terkunci" in _login(client, "walikota", "kupang-kasih-2026").text
    admin = create_engine(city.admin_url)
    with admin.begin() as conn:  # the lockout was written through the city role
        assert conn.execute(text("SELECT locked_until IS NOT NULL FROM city_user")).scalar_one()
        conn.execute(text("UPDATE city_user SET locked_until = NULL"))
    admin.dispose()
    assert _login(client, "walikota", "kupang-kasih-2026").status_code == 303
    page = client.get("/kota")
    assert page.status_code == 200 and "Oesapa" in page.text and "Alak" in page.text
    assert city.a.nik not in page.text
    trend = client.get(f"/kota/k/{ALAK}")
    assert trend.status_code == 200 and "Kelurahan Alak" in trend.text
    assert trend.text.count("<svg") == 3
    assert client.get("/kota/k/53.71.99.9999").status_code == 404
    api = client.get(f"/api/v/{parse_qr(city.a.letter['qr'])}").json()
    assert api["status"] == "valid"  # the verification page still reads the letters
    server.close()


def test_box_letters_outside_opening_hours_in_the_city_report(
    city: City, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18 point 4: per kelurahan, letters from the Service Box outside that office's
    own opening hours; the city's count is the sum of each office's own report."""
    import datetime as dt
    import re

    # Alak is open every day 07:00-22:00; Oesapa keeps the default hours (Mon-Fri)
    config = city.b.home / "station.toml"
    source = config.read_text(encoding="utf-8")
    source = re.sub(
        r"opening_hours = \[.*?\n\]",
        'opening_hours = [\n    { days = "senin-minggu", open = "07:00", close = "22:00" },\n]',
        source,
        flags=re.S,
    )
    config.write_text(source, encoding="utf-8")
    saturday = dt.date(2026, 11, 28)  # a Saturday
    moments = [  # office-local (WITA, UTC+8) issue moments of box letters
        (city.a, [(saturday, "10:00"), (saturday + dt.timedelta(days=2), "09:00")]),
        (city.b, [(saturday, "10:00"), (saturday, "23:30")]),
    ]
    admin = create_engine(city.admin_url)
    with admin.begin() as conn:
        for office, times in moments:
            letter_id = _count(conn, "SELECT id FROM letter WHERE office_id = :o", o=office.id)
            row = conn.execute(
                text("SELECT * FROM letter WHERE id = :i"), {"i": letter_id}
            ).mappings().one()  # fmt: skip
            for n, (day, clock) in enumerate(times):
                local = dt.datetime.combine(day, dt.time.fromisoformat(clock))
                at = local - dt.timedelta(hours=8)  # stored as naive UTC
                if n == 0:
                    conn.execute(
                        text("UPDATE letter SET channel = 'box', issued_at = :t WHERE id = :i"),
                        {"t": at, "i": letter_id},
                    )
                    continue
                changed = {
                    "channel": "'box'",
                    "issued_at": ":t",
                    "number": f"number || '-{n}'",
                    "sequence": f"sequence + {100 + n}",
                    "token": f"token || '{n}'",
                }
                columns = [k for k in row if k != "id"]
                chosen = ", ".join(changed.get(k, k) for k in columns)
                conn.execute(
                    text(
                        f"INSERT INTO letter ({', '.join(columns)}) SELECT {chosen} "
                        "FROM letter WHERE id = :i"
                    ),
                    {"t": at, "i": letter_id},
                )
    admin.dispose()

    span = ("--from", "2026-11-23", "--to", "2026-12-06")
    own = {}
    for office in (city.a, city.b):
        monkeypatch.setenv("STATION_HOME", str(office.home))
        result, report = run_cli("report", *span)
        assert result.exit_code == 0, result.output
        own[office.code] = report["channels"]["letters"]["outside_hours"]["box"]
    assert own == {OESAPA: 1, ALAK: 1}  # Saturday at Oesapa; 23:30 at Alak

    monkeypatch.setenv("STATION_HOME", str(tmp_path / "cityhome"))
    monkeypatch.setenv("STATION_DATABASE_URL", city.admin_url)
    result, report = run_cli("city", "report", *span)
    assert result.exit_code == 0, result.output
    rows = {row["code"]: row for row in report["offices"]}
    assert {code: rows[code]["box_outside"] for code in rows} == own
    assert report["total"]["box_outside"] == sum(own.values()) == 2
    result = CliRunner().invoke(cli_root(), ["city", "report", *span])
    assert "Surat mesin mandiri di luar jam" in result.output

    from station.reports import city as city_reports
    from station.reports.statistics import Period

    db = Database(city.admin_url)  # the one-query figures equal the per-office path
    with db.read() as session:
        from station.store.models import Office as OfficeRow

        period = Period(dt.date(2026, 11, 23), dt.date(2026, 12, 6))
        offices = session.query(OfficeRow).order_by(OfficeRow.code).all()
        slow = [city_reports.box_outside_hours(session, o, period) for o in offices]
    db.dispose()
    assert slow == [rows[o.code]["box_outside"] for o in offices]


def test_migration_0014_goes_down_and_up(city: City) -> None:
    """Downgrading 0014 makes the policies of 0011 and the figures of 0012 again, upgrading
    makes the checks inside the policies again; an office sees only its rows either way."""
    from alembic import command

    from station.store.db import alembic_config

    def state() -> tuple[bool, bool, int]:
        engine = create_engine(city.admin_url)
        with engine.connect() as conn:
            legacy = _count(
                conn,
                "SELECT count(*) FROM pg_policies WHERE schemaname = current_schema() "
                "AND qual LIKE '%station_office_id%'",
            )
            box = _count(
                conn,
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'office' "
                "AND column_name = 'opening_hours'",
            )
        engine.dispose()
        office = create_engine(city.a.url)
        with office.connect() as conn:
            theirs = _count(conn, "SELECT count(*) FROM resident WHERE office_id = :o", o=city.b.id)
        office.dispose()
        return legacy > 0, box == 1, theirs

    assert state() == (False, True, 0)
    command.downgrade(alembic_config(city.admin_url), "-1")  # 0014 is the head
    assert state() == (True, False, 0)
    command.upgrade(alembic_config(city.admin_url), "head")
    assert state() == (False, True, 0)

    # an office granted before 0014 keeps its row's new column in step with its config
    import re

    config = city.a.home / "station.toml"
    config.write_text(
        re.sub(
            r"opening_hours = \[.*?\n\]",
            'opening_hours = [\n    { days = "senin-sabtu", open = "07:30", close = "16:00" },\n]',
            config.read_text(encoding="utf-8"),
            flags=re.S,
        ),
        encoding="utf-8",
    )
    open_station(city.a.home).close()
    engine = create_engine(city.admin_url)
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT opening_hours FROM office WHERE id = :o"), {"o": city.a.id}
        ).scalar_one()
    engine.dispose()
    assert '"days": [0, 1, 2, 3, 4, 5], "open": "07:30", "close": "16:00"' in stored


def test_station_city_serve_is_the_mayors_view_alone(
    city: City, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``station city serve``'s app: ``/kota`` through the city role alone, in a process
    that opened no other URL; no verification page (it would need to read letters)."""
    from station.home.context import open_city_view
    from station.office.city_staff import add_staff
    from station.web.kota_server import kota_app

    admin = Database(city.admin_url)
    with admin.write() as session:
        grant = rowsecurity.grant_city(session.connection(), city.admin_url)
        add_staff(session, "walikota", "Staf Wali Kota", "kupang-kasih-2026")
    admin.dispose()
    monkeypatch.setenv("STATION_HOME", str(tmp_path / "walikota"))
    monkeypatch.delenv("STATION_DATABASE_URL", raising=False)
    monkeypatch.setenv("STATION_CITY_DATABASE_URL", grant.url)
    server = open_city_view()
    assert server.db is server.reader and server.db.url == grant.url
    client = TestClient(kota_app(server, rate_limit_per_minute=0), follow_redirects=False)
    assert client.get("/").headers["location"] == "/kota"
    assert client.get(f"/v/{parse_qr(city.a.letter['qr'])}").status_code == 404
    assert client.get("/kota").headers["location"] == "/kota/masuk"
    assert _login(client, "walikota", "kupang-kasih-2026").status_code == 303
    page = client.get("/kota")
    assert page.status_code == 200 and "Oesapa" in page.text and "Alak" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/kota/k/{OESAPA}").status_code == 200
    server.close()
    result = CliRunner().invoke(cli_root(), ["city", "serve", "--help"])
    assert result.exit_code == 0 and "city_url" in result.output
