"""Who signs a letter (issue 14, point 5): never the "(isi nama lurah)" placeholder, the lurah
of the ``station.toml`` the program was started with, degrees as typed, and officials of
``[signers.KEY]`` signing "a.n." the lurah (docs/domain.md, letter conventions)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from station.home.config import ConfigError, load_config
from station.home.context import init_station, open_station
from station.letters.formats import format_official_name
from station.store.models import AuditEvent, Letter, Office
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import HEAD, WIFE, add_residents, issue_args, run_cli
from tests.helpers.office import LURAH_NAME, fill_lurah

SECRETARY = """
[signers.sekretaris]
name = "Maria Goreti Seran, S.H., M.Si."
nip = "198105122006042003"
rank = "Penata (III/c)"
position = "Sekretaris Kelurahan"
"""


def _fresh(home: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``station init`` as a new office runs it: the lurah left as its placeholders."""
    if not db_url.startswith("sqlite"):
        monkeypatch.setenv("STATION_DATABASE_URL", db_url)
    init_station(home)
    station = open_station(home)
    add_residents(station.db, station.office_id)
    add_operators(station, "ani")  # --operator asks their PIN (STATION_PIN)
    station.close()


def _letters(home: Path) -> int:
    station = open_station(home)
    try:
        with station.db.read() as session:
            return int(session.scalar(select(func.count(Letter.id))) or 0)
    finally:
        station.close()


def test_a_fresh_init_refuses_to_issue_naming_what_to_fill(
    home: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh(home, db_url, monkeypatch)
    result, refused = run_cli(*issue_args())
    assert result.exit_code == 1
    message = refused["error"]
    assert "belum diisi" in message
    for words in ("nama lurah", "NIP lurah", "pangkat/golongan lurah", "station.toml"):
        assert words in message, message
    for key in ("lurah_name", "lurah_nip", "lurah_rank"):
        assert key in message
    assert _letters(home) == 0  # nothing numbered, nothing sealed


def test_a_lurah_typed_into_station_toml_after_init_signs_cli_letters(
    home: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh(home, db_url, monkeypatch)
    fill_lurah(home)  # the admin edits station.toml, as it says, and runs the next command
    result, issued = run_cli(*issue_args())
    assert result.exit_code == 0, result.output
    _, shown = run_cli("letter", "show", issued["number"], "--text")
    # The name upper case, the degree as typed: "YOHANES B. MANAFE, S.Sos." not "S.SOS."
    assert "YOHANES B. MANAFE, S.Sos." in shown["text"]
    assert "S.SOS." not in shown["text"] and "(ISI NAMA LURAH)" not in shown["text"]
    assert "NIP 19700315 199503 1 002" in shown["text"]
    station = open_station(home)
    try:
        with station.db.read() as session:
            office = session.scalars(select(Office)).one()
            assert office.lurah_name == LURAH_NAME
            follow = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "office.settings")
            ).all()
    finally:
        station.close()
    assert follow and "office.lurah_name" in follow[-1].details["changed"]


def test_a_nip_that_is_not_18_digits_is_refused(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh(home, "sqlite", monkeypatch)
    fill_lurah(home)
    path = home / "station.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("197003151995031002", "1970"), encoding="utf-8"
    )
    result, refused = run_cli(*issue_args())
    assert result.exit_code == 1
    assert "NIP lurah (18 angka)" in refused["error"]
    assert "nama lurah" not in refused["error"]


def test_a_delegate_signs_on_behalf_of_the_lurah(
    home: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh(home, db_url, monkeypatch)
    fill_lurah(home)
    with (home / "station.toml").open("a", encoding="utf-8") as file:
        file.write(SECRETARY)
    result, issued = run_cli(*issue_args("SKD", HEAD, "--signer", "sekretaris"))
    assert result.exit_code == 0, result.output
    assert issued["signer"] == {
        "on_behalf": "a.n. LURAH OESAPA",
        "position": "SEKRETARIS KELURAHAN",
        "name": "MARIA GORETI SERAN, S.H., M.Si.",
    }
    _, shown = run_cli("letter", "show", issued["number"], "--text")
    text = shown["text"]
    # a.n. LURAH OESAPA over the delegate's position, then her name, rank and NIP
    order = [
        text.index("a.n. LURAH OESAPA"),
        text.index("SEKRETARIS KELURAHAN"),
        text.index("MARIA GORETI SERAN, S.H., M.Si."),
        text.index("NIP 19810512 200604 2 003"),
    ]
    assert order == sorted(order)
    assert "YOHANES B. MANAFE" not in text
    # The verification names the signer (the stored letter's text is the one the seal's
    # digest binds: text_matches).
    result, check = run_cli("letter", "verify", issued["qr"])
    assert result.exit_code == 0 and check["text_matches"] is True
    assert check["signer"] == "MARIA GORETI SERAN, S.H., M.Si."
    assert check["signer_position"] == "SEKRETARIS KELURAHAN"
    assert check["signer_on_behalf"] == "a.n. LURAH OESAPA"
    plain = run_cli_text("letter", "verify", issued["qr"])
    assert "Ditandatangani: a.n. LURAH OESAPA / SEKRETARIS KELURAHAN / MARIA GORETI" in plain
    # Without --signer the lurah signs, with no a.n.
    _, own = run_cli(*issue_args("SKD", WIFE))
    assert own["signer"] == {
        "on_behalf": "",
        "position": "LURAH OESAPA",
        "name": "YOHANES B. MANAFE, S.Sos.",
    }
    # An unknown key is refused with the keys there are, and nothing is numbered.
    before = _letters(home)
    result, refused = run_cli(*issue_args("SKD", WIFE, "--signer", "camat"))
    assert result.exit_code == 1
    assert "lurah, sekretaris" in refused["error"]
    assert _letters(home) == before
    station = open_station(home)
    try:
        with station.db.read() as session:
            details = [
                e.details
                for e in session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "letter.issue")
                )
            ]
    finally:
        station.close()
    assert [d["signer"] for d in details] == ["sekretaris", "lurah"]


def run_cli_text(*args: str) -> str:
    from click.testing import CliRunner

    from station.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False).stdout


def test_a_signer_table_without_position_stops_the_start(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "station.toml").write_text(
        '[signers.sekretaris]\nname = "Maria"\nnip = "198105122006042003"\nrank = "III/c"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"signers\.sekretaris\.position"):
        load_config(home)


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Yohanes B. Manafe, S.Sos.", "YOHANES B. MANAFE, S.Sos."),
        ("Drs. Yakobus Ndun, M.Si.", "Drs. YAKOBUS NDUN, M.Si."),
        ("Dr. Ir. Ana Lay, S.H., M.H.", "Dr. Ir. ANA LAY, S.H., M.H."),
        ("petrus laka", "PETRUS LAKA"),
    ],
)
def test_degrees_keep_their_case(typed: str, printed: str) -> None:
    assert format_official_name(typed) == printed


def test_init_says_what_to_fill_in_before_letters(home: Path) -> None:
    result, data = run_cli("init")
    assert result.exit_code == 0
    assert data["lurah_missing"] == ["lurah_name", "lurah_nip", "lurah_rank"]
    plain = run_cli_text("init")
    assert "Surat belum dapat diterbitkan: isi lurah_name, lurah_nip, lurah_rank" in plain
    fill_lurah(home)
    _, again = run_cli("init")
    assert again["lurah_missing"] == []


def test_the_admin_screen_refuses_a_nip_that_is_not_18_digits(home: Path) -> None:
    from station.home.config_edit import save_settings

    init_station(home)
    station = open_station(home)
    add_operators(station, "kepala", role="admin")  # office settings are an admin's
    try:
        with pytest.raises(ConfigError, match="18 angka"):
            save_settings(station, {("office", "lurah_nip"): "1970 0315"}, by="kepala")
    finally:
        station.close()
