"""Office settings edited from the admin screen: only the changed lines of station.toml move,
the result must load, and the office row (which letters print from) follows, audited."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from textual.widgets import Input, TabbedContent

from station.home.config import ConfigError, load_config
from station.home.config_edit import _rewrite, update_settings
from station.home.context import Station
from station.screens.operator.admin import AdminScreen
from station.screens.operator.app import OperatorApp
from station.store.models import Office
from tests.helpers.operator_pilot import add_admin, audit_actions, run, settle, to_admin


def test_changed_lines_only_and_comments_kept(station: Station) -> None:
    add_admin(station)
    path = station.config.config_path
    before = path.read_text(encoding="utf-8").splitlines()
    with station.db.write() as session:
        config, changed = update_settings(
            station.home,
            session,
            station.office_id,
            {("office", "lurah_name"): "Drs. Yakobus Ndun", ("office", "address"): "Jl. Baru 1"},
            by="admin",
        )
    after = path.read_text(encoding="utf-8").splitlines()
    assert sorted(changed) == ["office.address", "office.lurah_name"]
    assert len(after) == len(before)
    differing = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert [b for _, b in differing] == [
        'address = "Jl. Baru 1"',
        'lurah_name = "Drs. Yakobus Ndun"',
    ]
    assert config.office.lurah_name == "Drs. Yakobus Ndun"
    with station.db.read() as session:
        office = session.get(Office, station.office_id)
        assert office is not None and office.lurah_name == "Drs. Yakobus Ndun"
    assert "office.settings" in audit_actions(station)


def test_a_refused_value_writes_nothing(station: Station) -> None:
    add_admin(station)
    path = station.config.config_path
    before = path.read_bytes()
    for edits in (
        {("station", "idle_lock_minutes"): "0"},
        {("station", "idle_lock_minutes"): "sepuluh"},
        {("office", "lurah_name"): "baris\nbaru"},
        {("office", "lurah_nip"): "   "},
    ):
        with pytest.raises(ConfigError), station.db.write() as session:
            update_settings(station.home, session, station.office_id, edits, by="admin")
        assert path.read_bytes() == before
    assert "office.settings" not in audit_actions(station)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60
    ).filter(lambda v: v.strip() == v and v)
)
def test_any_printable_value_round_trips_through_the_file(value: str) -> None:
    text = '[office]\nname = "Oesapa" # nama\nlurah_name = "x"\n\n[printer]\nuri = "dummy"\n'
    out = _rewrite(text, {("office", "lurah_name"): value, ("station", "idle_lock_minutes"): 7})
    data = tomllib.loads(out)
    assert data["office"] == {"name": "Oesapa", "lurah_name": value}
    assert data["printer"] == {"uri": "dummy"}
    assert data["station"] == {"idle_lock_minutes": 7}
    assert "# nama" in out


def test_admin_edits_the_lurah_name_on_screen(station: Station) -> None:
    add_admin(station)

    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=(120, 40)) as pilot:
            await to_admin(app, pilot)
            assert isinstance(app.screen, AdminScreen)
            app.screen.query_one("#admin-tabs", TabbedContent).active = "tab-office"
            await pilot.pause()
            field = app.screen.query_one("#set-office-lurah_name", Input)
            field.value = "Maria Goreti Seran, S.Sos"
            field.focus()
            await pilot.press("f2")
            await settle(app, pilot)
            assert app.station.config.office.lurah_name == "Maria Goreti Seran, S.Sos"

    run(scenario())
    assert load_config(station.home).office.lurah_name == "Maria Goreti Seran, S.Sos"
    with station.db.read() as session:
        names = list(session.scalars(select(Office.lurah_name)))
    assert names == ["Maria Goreti Seran, S.Sos"]
