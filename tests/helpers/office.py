"""An office whose lurah is filled in: letters are refused while ``station init``'s
placeholders ("(isi nama lurah)" …) are left (station.letters.signers)."""

from __future__ import annotations

from pathlib import Path

from station.home.config import StationConfig

LURAH_NAME = "Yohanes B. Manafe, S.Sos."
LURAH_NIP = "197003151995031002"
LURAH_RANK = "Pembina (IV/a)"


def signed_template(home: Path) -> StationConfig:
    """The default config with the lurah set, for ``init_station(home, template=...)``."""
    config = StationConfig(home=home)
    config.office.lurah_name = LURAH_NAME
    config.office.lurah_nip = LURAH_NIP
    config.office.lurah_rank = LURAH_RANK
    return config


def fill_lurah(home: Path) -> None:
    """Fill the lurah into an initialised home's ``station.toml``, as the admin does after
    ``station init`` (the next ``open_station`` brings the office row up to date)."""
    from station.home.config_edit import _rewrite

    path = home / "station.toml"
    path.write_text(
        _rewrite(
            path.read_text(encoding="utf-8"),
            {
                ("office", "lurah_name"): LURAH_NAME,
                ("office", "lurah_nip"): LURAH_NIP,
                ("office", "lurah_rank"): LURAH_RANK,
            },
        ),
        encoding="utf-8",
    )
