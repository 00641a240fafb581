"""Hypothesis: whatever ``station.toml`` holds (any TOML, any bytes), ``load_config`` either
returns a config or raises ``ConfigError`` naming the file; never another exception.

A station that cannot start must say which file to fix, in words an admin can act on; a raw
traceback from deep inside a parser helps nobody at a kelurahan office.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station.home.config import ConfigError, StationConfig, load_config, render_config

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# The real sections and keys, so that generated documents reach the deep checks
# (time zone, opening hours, number pattern, call phrase ...) and not only "unknown key".
_SECTIONS = {
    "office": ["code", "name", "unit_code", "lurah_nip"],
    "printer": ["uri", "paper_width", "qr_mode", "profile", "preview_dir"],
    "letters": ["number_pattern", "number_scope"],
    "queue": ["no_show_calls", "stale_minutes"],
    "kiosk": ["opening_hours", "show_seconds", "fault_show_seconds"],
    "board": ["running_text"],
    "voice": ["enabled", "phrase", "voice", "speed", "chime"],
    "station": ["verify_base_url", "timezone", "idle_lock_minutes"],
    "database": ["url"],
    "web": ["trusted_proxies"],
}
_NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "a" * 300,
        "a/" * 200,
        "\x00",
        "../../etc/passwd",
        "/etc/localtime",
        "Asia/Makassar",
        "UTC",
        "{nomor}",
        "{nomor:03d}/{tahun}",
        "{{",
        "}",
        "{0.__class__}",
        "{nomor!r:>99999999}",
        "{kode}/{nomor:03d}/{unit}/{bulan_romawi}/{tahun}",
        "senin-kamis",
        "minggu-senin",
        "08:00",
        "25:99",
        "https://verifikasi.oesapa.example/",
        "HTTPS://X/",
        "javascript:alert(1)",
        "53.71.03.1010",
        "\u202e",
        "\ud7ff",
    ]
)
_SCALAR = st.one_of(
    _NASTY_TEXT,
    st.text(max_size=40),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, 58, 80, 300, 301, -1, 2**62]),
    st.booleans(),
    st.floats(allow_nan=True),
    st.dates(),
    st.times(),
)
_VALUE = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["days", "open", "close", "x"]) | st.text(max_size=6),
                        inner, max_size=4),
    ),
    max_leaves=12,
)  # fmt: skip


@st.composite
def _documents(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for section in draw(st.lists(st.sampled_from([*_SECTIONS, "kantor"]), max_size=4)):
        if draw(st.integers(0, 9)) == 0:
            doc[section] = draw(_SCALAR)  # a section that is not a table
            continue
        keys = _SECTIONS.get(section, ["x"])
        table = {}
        for key in draw(st.lists(st.sampled_from([*keys, "unknown"]), max_size=4)):
            table[key] = draw(_VALUE)
        doc[section] = table
    return doc


def _toml(value: Any) -> str:
    """A TOML value (inline tables for nested dicts); our own writer keeps the fuzzer free of
    extra dependencies."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    escaped = "".join(
        ch if ch.isprintable() and ch not in '"\\' else f"\\U{ord(ch):08x}" for ch in str(value)
    )
    return f'"{escaped}"'


def _key(key: str) -> str:
    return _toml(key)


def _render(doc: dict[str, Any]) -> str:
    lines = []
    for section, table in doc.items():
        if isinstance(table, dict):
            lines.append(f"[{_key(section)}]")
            lines += [f"{_key(k)} = {_toml(v)}" for k, v in table.items()]
        else:
            lines.append(f"{_key(section)} = {_toml(table)}")
    return "\n".join(lines) + "\n"


def _load(home: Path) -> StationConfig | None:
    try:
        return load_config(home)
    except ConfigError as exc:
        assert str(home / "station.toml") in str(exc)
        return None


@pytest.fixture
def fuzz_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("STATION_DATABASE_URL", "STATION_PRINTER", "STATION_PRINTER_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("STATION_PRINTER_QR", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    return home


@SETTINGS
@given(doc=_documents())
def test_any_toml_document_loads_or_names_the_file(fuzz_home: Path, doc: dict[str, Any]) -> None:
    text = _render(doc)
    tomllib.loads(text)  # the generator writes valid TOML: this is the loader's test
    (fuzz_home / "station.toml").write_text(text, encoding="utf-8")
    config = _load(fuzz_home)
    if config is not None:
        assert config.tz.key == config.timezone  # a config that loaded can be used
        assert config.printer.paper_width in (58, 80)


@SETTINGS
@given(raw=st.binary(max_size=300) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
def test_any_bytes_load_or_name_the_file(fuzz_home: Path, raw: bytes) -> None:
    (fuzz_home / "station.toml").write_bytes(raw)
    _load(fuzz_home)


@SETTINGS
@given(prefix=st.sampled_from(["\ufeff", "\xff\xfe", ""]), tail=st.binary(max_size=40))
def test_odd_encodings_are_refused_with_the_file_name(
    fuzz_home: Path, prefix: str, tail: bytes
) -> None:
    text = render_config(StationConfig(home=fuzz_home))
    (fuzz_home / "station.toml").write_bytes(prefix.encode("utf-8") + text.encode() + tail)
    _load(fuzz_home)
    (fuzz_home / "station.toml").write_bytes(text.encode("utf-16"))
    assert _load(fuzz_home) is None


# --- regressions found by the fuzzer ---------------------------------------------------------


def test_overlong_time_zone_name_is_a_config_error(fuzz_home: Path) -> None:
    """ZoneInfo raises OSError (ENAMETOOLONG) for a very long key, not ValueError."""
    (fuzz_home / "station.toml").write_text(f'[station]\ntimezone = "{"a" * 300}"\n')
    with pytest.raises(ConfigError, match=r"station\.timezone"):
        load_config(fuzz_home)


def test_config_path_that_is_a_folder_is_a_config_error(fuzz_home: Path) -> None:
    (fuzz_home / "station.toml").mkdir()
    with pytest.raises(ConfigError) as error:
        load_config(fuzz_home)
    assert str(fuzz_home / "station.toml") in str(error.value)
