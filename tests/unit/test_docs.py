"""The docs the code cites live in the repository (docs/architecture.md, docs/domain.md).

Every citation of the form ``docs/<file>.md §<section>`` (or ``docs/<file>.md, "<Section>"``)
in the code, the tests, the benchmarks, the migrations, the docs and the README must name a
file under ``docs/`` and a heading that exists in it: ``§1.2`` a numbered heading
(``### 1.2 …``), ``§Layers`` a heading whose title the citation starts with. No citation may
point at the blueprints that lived outside the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED_DIRS = ("station", "tests", "bench", "migrations", "docs")
SCANNED_FILES = ("README.md",)
SUFFIXES = frozenset({".py", ".md", ".toml", ".tcss", ".mako", ".cfg", ".txt", ".ini", ""})
SKIPPED_DIRS = frozenset({"__pycache__", "__snapshots__", "golden", ".venv"})

SECTION = "\u00a7"
SHARED = "/work" + "/shared/"  # spelled apart so this file does not cite it
DOCS = "docs"  # the checker's own examples below must not be citations of this repository
# ``docs/<file>.md §<name>`` or ``§<number>``, ``[<file>.md](<file>.md) §<name>`` (inside docs/),
# a citation wrapped onto the next comment line, and ``docs/<file>.md, "<name>"``.
CITATION = re.compile(
    r"(?:\bdocs/|\]\()(?P<file>[\w.-]+\.md)\)?"
    r"(?:[ \t]*(?:\n[ \t]*(?:#:?|//)?[ \t]*)?" + SECTION + r"[ \t]*(?P<target>[^\n]*)"
    r"|, \"(?P<quoted>[^\"\n]+)\")"
)
# The blueprints outside the repository, and their section citations.
FORBIDDEN = re.compile(
    r"\b(?:DESIGN|DOMAIN)[ \t]*" + SECTION + r"|\b(?:DESIGN|DOMAIN|PITFALLS)\.md\b|" + SHARED
)
# A file of this repository named in a document: ``tests/db/test_seal.py``, ``docs/seal.md``
# (not ``~/.local/share/station/station.toml``, which is a station home).
REPO_PATH = re.compile(
    r"(?<![\w./~-])(?:station|tests|bench|migrations|docs)/[\w./-]+\.(?:py|toml|md|tcss|json)\b"
)
HEADING = re.compile(r"^#{1,6}[ \t]+(?P<title>.+?)[ \t]*#*[ \t]*$")
HEADING_NUMBER = re.compile(r"^(?P<number>\d+(?:\.\d+)*)\.?(?:\s|$)")
CITED_NUMBER = re.compile(r"^(?P<number>\d+(?:\.\d+)*)")


def scanned_files(root: Path) -> list[Path]:
    found = [root / name for name in SCANNED_FILES if (root / name).is_file()]
    for top in SCANNED_DIRS:
        base = root / top
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if SKIPPED_DIRS & set(path.relative_to(root).parts):
                continue
            if path.is_file() and path.suffix in SUFFIXES:
                found.append(path)
    return found


def headings(markdown: str) -> list[str]:
    """The titles of the headings of a markdown text, fenced code blocks left out."""
    titles = []
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            titles.append(match.group("title"))
    return titles


def section_exists(target: str, titles: list[str]) -> bool:
    """Whether ``target`` (the text after the section sign) names one of ``titles``."""
    target = target.strip()
    cited = CITED_NUMBER.match(target)
    if cited:
        numbers = {m.group("number") for t in titles if (m := HEADING_NUMBER.match(t))}
        return cited.group("number") in numbers
    wanted = target.casefold()
    for title in titles:
        name = title.casefold()
        number = HEADING_NUMBER.match(title)
        bare = name[number.end() :].lstrip() if number else name
        for candidate in (name, bare):
            if candidate and wanted.startswith(candidate):
                rest = wanted[len(candidate) :]
                if not rest or not rest[0].isalnum():
                    return True
    return False


def citation_problems(root: Path) -> list[str]:
    """Every citation of a missing doc or a missing section, as ``path:line: message``."""
    problems = []
    cache: dict[str, list[str] | None] = {}
    for path in scanned_files(root):
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in CITATION.finditer(text):
            where = f"{path.relative_to(root)}:{text.count(chr(10), 0, match.start()) + 1}"
            name = match.group("file")
            if name not in cache:
                doc = root / "docs" / name
                cache[name] = headings(doc.read_text(encoding="utf-8")) if doc.is_file() else None
            titles = cache[name]
            if titles is None:
                problems.append(f"{where}: docs/{name} does not exist")
                continue
            target = match.group("target")
            if target is None:
                target = match.group("quoted")
            if not target.strip():
                problems.append(f"{where}: docs/{name} {SECTION} names no section")
            elif not section_exists(target, titles):
                problems.append(f"{where}: docs/{name} has no section {target.strip()!r}")
    return problems


def forbidden_citations(root: Path) -> list[str]:
    found = []
    for path in scanned_files(root):
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in FORBIDDEN.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(root)}:{line}: {match.group(0)!r}")
    return found


def missing_paths(root: Path) -> list[str]:
    """Files of the repository that the README or a document under docs/ names but that do not
    exist (a test or module moved without its documentation)."""
    documents = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    missing = []
    for doc in documents:
        if not doc.is_file():
            continue
        text = doc.read_text(encoding="utf-8")
        for match in REPO_PATH.finditer(text):
            if not (root / match.group(0)).exists():
                line = text.count("\n", 0, match.start()) + 1
                missing.append(f"{doc.relative_to(root)}:{line}: {match.group(0)}")
    return missing


# --- the repository ---------------------------------------------------------------------------


def test_every_cited_doc_and_section_exists() -> None:
    assert citation_problems(ROOT) == []


def test_the_code_cites_the_docs_in_the_repository() -> None:
    cited = set()
    for path in scanned_files(ROOT):
        text = path.read_text(encoding="utf-8", errors="replace")
        cited |= {m.group("file") for m in CITATION.finditer(text)}
    assert {"architecture.md", "domain.md"} <= cited


def test_nothing_cites_the_blueprints_outside_the_repository() -> None:
    assert forbidden_citations(ROOT) == []


def test_every_file_the_docs_name_exists() -> None:
    assert missing_paths(ROOT) == []


def test_the_readme_links_both_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/architecture.md)" in readme
    assert "(docs/domain.md)" in readme


def test_the_sections_the_code_relies_on_are_there() -> None:
    architecture = headings((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    for name in ("Layers", "Import contracts", "Time", "Data model", "The seal"):
        assert section_exists(name, architecture), name
    assert section_exists("Command-line contract", architecture)
    domain = headings((ROOT / "docs" / "domain.md").read_text(encoding="utf-8"))
    for number in ("1", "1.1", "1.2", "1.3", "1.4", "2", "3", "4.1", "4.2", "4.3", "5", "6"):
        assert section_exists(number, domain), number


# --- the checker itself -------------------------------------------------------------------------


def _tree(tmp_path: Path, source: str) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text(
        "# A\n\n## 1. One\n\n### 1.2 Checks\n\n## Layers\n\n```toml\n# Fenced\n```\n",
        encoding="utf-8",
    )
    (tmp_path / "station").mkdir()
    (tmp_path / "station" / "m.py").write_text(source, encoding="utf-8")
    return tmp_path


def test_a_citation_of_an_existing_section_passes(tmp_path: Path) -> None:
    s, d = SECTION, DOCS
    root = _tree(
        tmp_path,
        f'"""See {d}/a.md {s}1.2 step 3, {d}/a.md {s}1 and {d}/a.md {s}Layers)."""\n'
        f'# wrapped: {d}/a.md\n# {s}One\nX = 1  # {d}/a.md, "Layers"\n',
    )
    assert citation_problems(root) == []


def test_a_citation_of_a_missing_section_or_file_fails(tmp_path: Path) -> None:
    s, d = SECTION, DOCS
    root = _tree(
        tmp_path,
        f"# {d}/a.md {s}2\n# {d}/a.md {s}1.3\n# {d}/a.md {s}Layer\n# {d}/a.md {s}Fenced\n"
        f'# {d}/a.md {s}Nowhere\n# {d}/b.md {s}1\n# {d}/a.md, "Time"\n# {d}/a.md {s}\n',
    )
    problems = citation_problems(root)
    assert len(problems) == 8, problems
    assert problems[0] == "station/m.py:1: docs/a.md has no section '2'"
    assert "station/m.py:6: docs/b.md does not exist" in problems


def test_a_citation_of_the_old_blueprints_is_found(tmp_path: Path) -> None:
    s = SECTION
    root = _tree(
        tmp_path,
        f"# DESIGN {s}2\n# see DOMAIN {s}1.2\n# {SHARED}notes\n"
        "# DOMAIN = b'station-day-summary-v1'\n",
    )
    assert [p.split(": ", 1)[0] for p in forbidden_citations(root)] == [
        "station/m.py:1",
        "station/m.py:2",
        "station/m.py:3",
    ]


def test_a_moved_file_named_in_a_document_is_found(tmp_path: Path) -> None:
    root = _tree(tmp_path, "X = 1\n")
    (root / "README.md").write_text(
        "See `station/m.py`, `tests/test_gone.py` and ~/.local/share/station/station.toml.\n",
        encoding="utf-8",
    )
    assert missing_paths(root) == ["README.md:1: tests/test_gone.py"]
