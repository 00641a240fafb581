"""The ``[letters]`` section of station.toml and the verification address: checked at load,
used when issuing."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.home.config import ConfigError, load_config, write_default_config
from station.home.context import init_station, open_station
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import HEAD, WIFE, add_residents, issue_args, run_cli
from tests.helpers.office import fill_lurah


def test_default_config_has_the_default_numbering(home: Path) -> None:
    write_default_config(home)
    text = (home / "station.toml").read_text(encoding="utf-8")
    assert "[letters]" in text
    config = load_config()
    assert config.letters.number_pattern == "{kode}/{nomor:03d}/{unit}/{bulan_romawi}/{tahun}"
    assert config.letters.number_scope == "office"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[letters]\nnumber_pattern = "{kode}/{unit}/{tahun}"\n', "letters.number_pattern"),
        ('[letters]\nnumber_pattern = "{kode}/{nomor}/{bulan}"\n', "letters.number_pattern"),
        ('[letters]\nnumber_pattern = "{nomor}/{tahun}/{x}"\n', "letters.number_pattern"),
        ('[letters]\nnumber_scope = "day"\n', "letters.number_scope"),
        ('[letters]\nnumber_scope = "type"\nnumber_pattern = "{nomor}/{tahun}"\n', "letters"),
        ("[letters]\nnumber_pattern = 7\n", "letters.number_pattern"),
        ('[letters]\nprefix = "x"\n', "letters.prefix"),
        ('[station]\nverify_base_url = "ftp://x.example"\n', "station.verify_base_url"),
        ('[station]\nverify_base_url = "https://a_b.example"\n', "station.verify_base_url"),
    ],
)
def test_bad_letters_config_names_file_and_key(home: Path, text: str, key: str) -> None:
    home.mkdir(parents=True)
    (home / "station.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config()
    assert str(home / "station.toml") in str(error.value)
    assert key in str(error.value)


def test_numbering_per_type(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "station.toml").write_text(
        '[letters]\nnumber_pattern = "{jenis}/{nomor:04d}/{unit}/{tahun}"\nnumber_scope = "type"\n',
        encoding="utf-8",
    )
    init_station(home)
    fill_lurah(home)
    station = open_station(home)
    add_residents(station.db, station.office_id)
    add_operators(station, "ani")
    station.close()
    _, first = run_cli(*issue_args("SKD", HEAD))
    _, second = run_cli(*issue_args("SP", WIFE, "--field", "jenis=Umum", "--purpose", "Uji"))
    _, third = run_cli(*issue_args("SKD", WIFE))
    assert first["number"].startswith("SKD/0001/KEL.OSP/")
    assert second.get("number", "").startswith("SP/0001/"), second
    assert third["number"].startswith("SKD/0002/")
