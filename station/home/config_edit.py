"""Changing a few office settings from the admin screen, in ``station.toml`` itself.

The file stays the admin's: only the lines of the changed keys are rewritten, so comments and
the other keys survive. The result is loaded back with the normal checks before it replaces
the old file; a change that does not load is refused and nothing is written. The office row
in the database follows (``office.sync_office``), because letters take the lurah's name and
the address from there, in every process.

Core module: no Textual import (docs/architecture.md §Import contracts).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from station.home.config import CONFIG_NAME, ConfigError, StationConfig, _toml_value, load_config
from station.office.identity import sync_office
from station.store import audit

if TYPE_CHECKING:
    from station.home.context import Station

# (section, key) -> the label the admin sees
EDITABLE: dict[tuple[str, str], str] = {
    ("office", "address"): "Alamat kantor",
    ("office", "postal_code"): "Kode pos",
    ("office", "lurah_name"): "Nama lurah",
    ("office", "lurah_nip"): "NIP lurah",
    ("office", "lurah_rank"): "Pangkat/golongan lurah",
    ("station", "idle_lock_minutes"): "Kunci layar setelah (menit)",
}
_SECTION = re.compile(r"^\s*\[([A-Za-z0-9_.-]+)\]\s*(#.*)?$")  # [signers.KEY] too
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def current_values(config: StationConfig) -> dict[tuple[str, str], str]:
    def value(section: str, key: str) -> str:
        holder = config if section == "station" else getattr(config, section)
        return str(getattr(holder, key))

    return {(section, key): value(section, key) for section, key in EDITABLE}


def _typed(section: str, key: str, text: str) -> str | int:
    label = EDITABLE[(section, key)]
    text = text.strip()
    if _CONTROL.search(text):
        raise ConfigError(f"{label}: tidak boleh berisi karakter kendali.")
    if key == "idle_lock_minutes":
        if not text.isdigit():
            raise ConfigError(f"{label}: harus angka menit.")
        return int(text)
    if not text:
        raise ConfigError(f"{label}: wajib diisi.")
    if key == "lurah_nip" and not (len(text) == 18 and text.isascii() and text.isdigit()):
        raise ConfigError(f"{label}: harus 18 angka (NIP PNS), tanpa spasi.")
    if len(text) > 200:
        raise ConfigError(f"{label}: terlalu panjang (maks 200 karakter).")
    return text


def _rewrite(text: str, changes: Mapping[tuple[str, str], str | int]) -> str:
    """Replace ``key = ...`` lines inside their sections; add missing keys and sections."""
    lines = text.splitlines()
    pending = dict(changes)
    section = ""
    out: list[str] = []
    for line in lines:
        match = _SECTION.match(line)
        if match:
            _append_missing(out, section, pending)
            section = match.group(1)
            out.append(line)
            continue
        key = (
            line.split("=", 1)[0].strip()
            if "=" in line and not line.lstrip().startswith("#")
            else ""
        )
        if key and (section, key) in pending:
            out.append(f"{key} = {_toml_value(pending.pop((section, key)))}")
            continue
        out.append(line)
    _append_missing(out, section, pending)
    missing_sections: dict[str, list[str]] = {}  # sections the file does not have yet
    for (sec, key), value in sorted(pending.items()):
        missing_sections.setdefault(sec, []).append(f"{key} = {_toml_value(value)}")
    for sec, entries in missing_sections.items():
        out += ["", f"[{sec}]", *entries]
    return "\n".join(out) + "\n"


def _append_missing(
    out: list[str], section: str, pending: dict[tuple[str, str], str | int]
) -> None:
    """Keys of the section just ended that were not in the file: add them at its end."""
    for sec, key in [k for k in pending if k[0] == section]:
        while out and not out[-1].strip():
            out.pop()  # keep them before the blank line that separates sections
        out.append(f"{key} = {_toml_value(pending.pop((sec, key)))}")
        out.append("")


def update_settings(
    home: Path, session: Session, office_id: int, edits: Mapping[tuple[str, str], str], *, by: str
) -> tuple[StationConfig, list[str]]:
    """Write the changed settings to ``station.toml``, checked, and bring the office row up
    to date in the caller's write transaction (audited). Returns the new config and what
    changed; raises ConfigError (Indonesian) and writes nothing when a value is refused.
    Only an admin (``by``) may (``NotAdmin``)."""
    from station.office.operators import require_admin

    require_admin(session, office_id, by, act="mengubah pengaturan kantor")
    path = home / CONFIG_NAME
    before = load_config(home)
    old = current_values(before)
    changes = {
        key: _typed(*key, text)
        for key, text in edits.items()
        if key in EDITABLE and str(text).strip() != old[key]
    }
    if not changes:
        return before, []
    original = path.read_text(encoding="utf-8") if path.exists() else ""
    tmp = path.with_suffix(".toml.new")
    tmp.write_text(_rewrite(original, changes), encoding="utf-8")
    try:
        tmp.replace(path)
        after = load_config(home)
    except ConfigError:
        path.write_text(original, encoding="utf-8")
        raise
    sync_office(session, after)
    names = [f"{section}.{key}" for section, key in changes]
    audit.record(
        session,
        office_id=office_id,
        action="office.settings",
        subject=after.office.code,
        details={"changed": names},
        operator=by,
    )
    return after, names


def save_settings(
    station: Station, edits: Mapping[tuple[str, str], str], *, by: str
) -> tuple[StationConfig, list[str]]:
    """:func:`update_settings` for an open station, in a write transaction of its own."""
    with station.db.write() as session:
        return update_settings(station.config.home, session, station.office_id, edits, by=by)
