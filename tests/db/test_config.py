"""Config: defaults written by init, environment overrides, and errors that name file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.home.config import ConfigError, load_config, write_default_config


def test_default_config_round_trips(home: Path) -> None:
    path, created = write_default_config(home)
    assert created and path == home / "station.toml"
    config = load_config()
    assert config.home == home.resolve()
    assert config.office.code == "53.71.03.1010"
    assert config.office.name == "Oesapa"
    assert config.office.kecamatan == "Kelapa Lima"
    assert config.timezone == "Asia/Makassar"
    assert config.printer.paper_width == 58
    assert config.database_url == f"sqlite:///{home.resolve() / 'station.db'}"
    assert write_default_config(home) == (path, False)


def test_environment_overrides(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_default_config(home)
    monkeypatch.setenv("STATION_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("STATION_PRINTER", "tcp:192.0.2.10:9100")
    config = load_config()
    assert config.database_url == "postgresql+psycopg://u@h/db"
    assert config.printer.uri == "tcp:192.0.2.10:9100"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[printer]\npaper_width = 57\n", "printer.paper_width"),
        ('[printer]\npaper_width = "80"\n', "printer.paper_width"),
        ('[station]\ntimezone = "Mars/Olympus"\n', "station.timezone"),
        ("[station]\nidle_lock_minutes = 0\n", "station.idle_lock_minutes"),
        ("[queue]\nno_show_calls = 0\n", "queue.no_show_calls"),
        ('[printer]\nqr_mode = "laser"\n', "printer.qr_mode"),
        ('[queue]\nstale_minutes = "5"\n', "queue.stale_minutes"),
        ('[office]\ncode = "5371031010"\n', "office.code"),
        ('[office]\nlurah = "x"\n', "office.lurah"),
        ("[kantor]\nx = 1\n", "[kantor]"),
    ],
)
def test_broken_config_names_file_and_key(home: Path, text: str, key: str) -> None:
    home.mkdir(parents=True)
    (home / "station.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config()
    assert str(home / "station.toml") in str(error.value)
    assert key in str(error.value)


def test_unparseable_config(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "station.toml").write_text("[office\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"station\.toml: berkas konfigurasi rusak"):
        load_config()


def test_queue_policy_comes_from_the_config(home: Path) -> None:
    from station.queue.rules import policy_from_config

    home.mkdir(parents=True)
    (home / "station.toml").write_text("[queue]\nno_show_calls = 2\nstale_minutes = 9\n")
    policy = policy_from_config(load_config())
    assert (policy.no_show_calls, policy.stale_minutes) == (2, 9)
    write_default_config(home / "fresh")
    text = (home / "fresh" / "station.toml").read_text(encoding="utf-8")
    assert "no_show_calls = 3" in text and "stale_minutes = 5" in text


def test_the_box_section_is_read_checked_and_written(home: Path) -> None:
    """``[box]`` (the Service Box, docs/box.md): read, range-checked, and kept by the writer."""
    from station.home.config import render_config

    home.mkdir(parents=True, exist_ok=True)
    path = home / "station.toml"
    path.write_text('[box]\nidle_seconds = 30\nphone = "0380-821234"\n', encoding="utf-8")
    config = load_config(home)
    assert config.box.idle_seconds == 30 and config.box.phone == "0380-821234"
    assert config.box.daily_limit == 3 and config.box.voice is False
    path.write_text(render_config(config), encoding="utf-8")
    assert load_config(home).box == config.box
    path.write_text("[box]\nidle_seconds = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"box\.idle_seconds"):
        load_config(home)


def test_the_city_servers_reader_url(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``[database] city_url`` (docs/city.md): the mayor's view's URL, also from the
    environment; a wrong type names the key."""
    home.mkdir(parents=True)
    config_path = home / "station.toml"
    config_path.write_text(
        '[database]\nurl = "postgresql+psycopg://adm@h/kota"\n'
        'city_url = "postgresql+psycopg://station_kota@h/kota"\n',
        encoding="utf-8",
    )
    config = load_config()
    assert config.database_url == "postgresql+psycopg://adm@h/kota"
    assert config.city_database_url == "postgresql+psycopg://station_kota@h/kota"
    monkeypatch.setenv("STATION_CITY_DATABASE_URL", "postgresql+psycopg://other@h/kota")
    assert load_config().city_database_url == "postgresql+psycopg://other@h/kota"
    config_path.write_text("[database]\ncity_url = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"database\.city_url"):
        load_config()
