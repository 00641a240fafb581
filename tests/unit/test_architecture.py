"""The house keeps its shape (docs/architecture.md): parts as packages, contracts on who may
import what, no import cycle, and the command line unchanged by the move into packages."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import grimp
from click.testing import CliRunner

import station
from station.cli import cli

ROOT = Path(station.__file__).resolve().parents[1]
SURFACE = Path(__file__).with_name("data") / "cli_surface.json"


def _lint_imports() -> Path:
    return Path(sys.executable).with_name("lint-imports")


def test_the_import_contracts_hold() -> None:
    result = subprocess.run(
        [str(_lint_imports()), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph.modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_not_even_a_type_only_one() -> None:
    graph = grimp.build_graph("station", exclude_type_checking_imports=False, cache_dir=None)
    assert _cycles(graph) == []


def test_screens_never_touch_the_database() -> None:
    """A screen calls a core function that takes the station (in a thread worker); it never
    opens a session nor hands the ``Database`` around: no ``.db`` anywhere under screens."""
    found = []
    for path in sorted((ROOT / "station" / "screens").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [
            f"{path.relative_to(ROOT)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "db"
        ]
    assert found == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The check above must be able to fail: a graph with a loop through three modules."""
    graph = grimp.ImportGraph()
    for name in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(name)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.d")
    graph.add_import(importer="a.d", imported="a.b")
    assert _cycles(graph) == [["a.b", "a.c", "a.d"]]


def test_the_top_level_shows_the_parts() -> None:
    entries = sorted(p.name for p in (ROOT / "station").iterdir() if p.name != "__pycache__")
    assert len(entries) <= 13, entries
    loose = [name for name in entries if name.endswith(".py")]
    assert loose == ["__init__.py", "__main__.py"], "every module lives in its part's package"


def _surface(command: click.Command, path: list[str]) -> dict[str, list[dict[str, object]]]:
    params = [
        {
            "name": p.name,
            "opts": sorted(p.opts + p.secondary_opts),
            "required": bool(p.required),
            "kind": "option" if isinstance(p, click.Option) else "argument",
            "flag": bool(getattr(p, "is_flag", False)),
        }
        for p in command.params
    ]
    out = {" ".join(path) or "station": sorted(params, key=lambda d: str(d["name"]))}
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            out.update(_surface(sub, [*path, name]))
    return out


def test_every_command_and_option_is_as_before_the_move() -> None:
    """``data/cli_surface.json`` was written from the flat layout (2026-12-04) before the move:
    the same commands, the same options and arguments, required or not. New commands may
    join; none may vanish or change."""
    before = json.loads(SURFACE.read_text(encoding="utf-8"))
    now = _surface(cli, [])
    for command, params in before.items():
        assert command in now, f"command gone: {command}"
        assert now[command] == params, command


def test_every_help_page_renders() -> None:
    runner = CliRunner()
    for command in json.loads(SURFACE.read_text(encoding="utf-8")):
        args = [] if command == "station" else command.split()
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, (command, result.output)
        assert "Penggunaan:" in result.output


def _run_without_textual(home: Path, *args: str) -> dict[str, object]:
    code = (
        "import json, sys\n"
        "from station.cli import cli\n"
        "try:\n"
        f"    cli.main({list(args)!r}, prog_name='station', standalone_mode=False)\n"
        "finally:\n"
        "    loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "    print(json.dumps({'loaded': loaded}))\n"
    )
    env = {**os.environ, "STATION_HOME": str(home), "STATION_PRINTER": "dummy"}
    env.pop("STATION_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_nik_check_and_ticket_take_never_import_textual(tmp_path: Path) -> None:
    home = tmp_path / "home"
    subprocess.run(
        [sys.executable, "-m", "station", "init"],
        env={**os.environ, "STATION_HOME": str(home), "STATION_PRINTER": "dummy"},
        check=True,
        capture_output=True,
    )
    assert _run_without_textual(home, "nik", "check", "5371031708900001", "--json") == {
        "loaded": []
    }
    taken = _run_without_textual(home, "ticket", "take", "A", "--json")
    assert taken == {"loaded": []}
