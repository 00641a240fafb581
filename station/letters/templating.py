"""Jinja2 in a sandbox, for the text an admin writes into a letter type.

Why a sandbox and these rules:
- Templates come from files an admin edits; the immutable sandbox refuses ``__class__`` and
  friends and any mutation, so a template cannot reach Python internals.
- Values (the resident's data, field values, purpose) are passed as *data*, never pasted into
  template source, so ``{{ 7*7 }}`` typed into a field prints as those characters.
- Undefined names fail loudly (StrictUndefined), and each template is checked when the
  catalogue loads, naming the file and key, instead of printing a hole in a letter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from station.letters.formats import day_name_id, format_date_id, format_rupiah

# The names a template may use: r (resident), f (field values formatted for print),
# v (field values in canonical form: ISO dates, plain integers), office, surat.
CONTEXT_NAMES = frozenset({"r", "f", "v", "office", "surat"})
OFFICE_KEYS = frozenset({"nama", "jenis", "kecamatan", "kota", "provinsi", "alamat", "kode_pos"})
SURAT_KEYS = frozenset({"judul", "kode", "nomor", "tanggal", "sebutan"})


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _tanggal(value: Any) -> str:
    d = _as_date(value)
    return format_date_id(d) if d else str(value)


def _hari(value: Any) -> str:
    d = _as_date(value)
    return day_name_id(d) if d else ""


def _rupiah(value: Any) -> str:
    try:
        return format_rupiah(int(str(value)))
    except ValueError:
        return str(value)


def make_environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tanggal"] = _tanggal
    env.filters["hari"] = _hari
    env.filters["rupiah"] = _rupiah
    env.globals.clear()  # no range(), lipsum(), dict() … : letters need none of them
    return env


ENV = make_environment()


def template_problems(
    source: str,
    *,
    field_keys: Iterable[str],
    resident_keys: Iterable[str],
    sensitive_fields: Iterable[str] = (),
    sensitive_resident: Iterable[str] = (),
) -> list[str]:
    """What is wrong with a template, in Indonesian; empty when it can be used.

    Checks syntax, that only the known names are used, that every ``f.x``/``v.x``/``r.x``
    names a field or resident value that exists, and that no full NIK/KK number is put into
    running text: those belong in data rows, which the verification page can mask.
    """
    try:
        tree = ENV.parse(source)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (baris {line})" if line else ""
        return [f"templat tidak dapat dibaca{where}: {exc}"]
    problems: list[str] = []
    fields = set(field_keys)
    known: Mapping[str, set[str]] = {
        "f": fields,
        "v": fields,
        "r": set(resident_keys),
        "office": set(OFFICE_KEYS),
        "surat": set(SURAT_KEYS),
    }
    for name in sorted({n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"}):
        if name not in CONTEXT_NAMES and not _is_loop_name(tree, name):
            problems.append(
                f"templat memakai nama '{name}' yang tidak dikenal "
                f"(yang boleh: {', '.join(sorted(CONTEXT_NAMES))})"
            )
    secret: Mapping[str, set[str]] = {
        "f": set(sensitive_fields),
        "v": set(sensitive_fields),
        "r": set(sensitive_resident),
    }
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        key: Any
        if isinstance(node, nodes.Getattr):
            key, target = node.attr, node.node
        elif isinstance(node, nodes.Getitem):
            key = node.arg.value if isinstance(node.arg, nodes.Const) else None
            target = node.node
        else:  # pragma: no cover - find_all returns only the two kinds asked for
            continue
        if isinstance(key, str) and key.startswith("_"):
            problems.append(f"templat tidak boleh memakai nama berawalan _ ('{key}')")
            continue
        if key is None or not isinstance(target, nodes.Name) or target.name not in known:
            continue
        if key not in known[target.name]:
            what = {"f": "isian", "v": "isian", "r": "data penduduk"}.get(target.name, "nilai")
            problems.append(f"templat memakai {what} '{target.name}.{key}' yang tidak ada")
        elif key in secret.get(target.name, ()):
            problems.append(
                f"'{target.name}.{key}' (NIK, No. KK atau tanggal lahir) tidak boleh "
                "ditulis di dalam kalimat; tampilkan lewat baris data (subject atau rows) "
                "agar dapat disamarkan di halaman verifikasi"
            )
    for flt in tree.find_all(nodes.Filter):
        if flt.name not in ENV.filters:
            problems.append(f"templat memakai filter '{flt.name}' yang tidak dikenal")
    return problems


def _is_loop_name(tree: nodes.Template, name: str) -> bool:
    """Names bound inside the template itself (``{% for x in … %}``, ``{% set x = … %}``)."""
    return any(n.name == name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param"))
