"""Each office sealed off by PostgreSQL itself: row-level security and per-office roles
(docs/architecture.md §The city database, docs/city.md). PostgreSQL only; SQLite homes hold
one office and are never touched.

How an office is bound to its rows:

- ``public.office_role`` maps a database role to one office id. Only the database owner (the
  city administrator) writes it; office roles may read it.
- ``public.station_office_id()`` is the office of ``current_user`` from that table, and
  ``public.station_is_admin()`` is true for the owner of the ``office`` table (and its
  members). A client can set any session variable it likes, but it cannot change who it
  logged in as, so the policies never read a setting the client controls.
- Every table that holds office rows (:data:`OFFICE_TABLES`) has ``ENABLE`` and ``FORCE ROW
  LEVEL SECURITY`` and one policy ``station_office``: ``office_id = station_office_id() OR
  station_is_admin()``, for reading and for writing (``WITH CHECK``). Rows of another office
  are invisible to SELECT, UPDATE and DELETE, and an INSERT or UPDATE naming another office
  is refused.
- Names are schema-qualified and the functions pin ``search_path``: an office role cannot
  shadow ``office_role`` with a temporary table of its own.
- The city's read-only role is granted only the ``city_*`` views (owned by the administrator,
  so they aggregate every office), never a table: it can count, never read a resident.

Adding a table that holds office rows: add its name to :data:`OFFICE_TABLES` and call
:func:`protect_office_table` from its migration (PostgreSQL only). A test checks that every
model table with an ``office_id`` column is protected at head.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

# Every table with an ``office_id`` column: one policy each (the integrator adds new ones).
OFFICE_TABLES: tuple[str, ...] = (
    "operator",
    "service",
    "counter",
    "ticket",
    "queue_event",
    "resident",
    "letter_type",
    "letter",
    "resident_pin",
    "signing_key",
    "audit_event",
    "sequence",
    "survey_response",
    "letter_self_service",
    "letter_request",
    "box_guard",
)
# Tables without ``office_id`` whose rows belong to an office through a parent row:
# table -> (its column, the parent table whose own policy decides).
CHILD_TABLES: dict[str, tuple[str, str]] = {"counter_service": ("counter_id", "counter")}
# Shared lookup tables: offices read them; only the administrator writes.
LOOKUP_TABLES: tuple[str, ...] = ("region", "alembic_version", "office_role")
# Offices may add to these but never change or remove a row (the audit chain).
APPEND_ONLY: tuple[str, ...] = ("audit_event",)
# Columns of its own ``office`` row an office may update (``station init`` keeps the row in
# step with the office's config); never its id or code.
OFFICE_UPDATABLE = (
    "name",
    "kecamatan",
    "kota",
    "provinsi",
    "address",
    "postal_code",
    "lurah_name",
    "lurah_nip",
    "lurah_rank",
    "unit_code",
    "verify_base_url",
    "timezone",
    "opening_hours",
)

POLICY = "station_office"
OFFICE_POLICIES = ("station_read", "station_own", "station_admin_add", "station_admin_remove")
# ``{s}``: the schema being migrated, quoted (``"public"``; the restore check migrates a
# reference copy into a schema of its own, which must get its own objects, not public's).
# Function bodies name no schema (their text must be the same in both, the restore check
# compares it); each pins ``search_path`` to pg_catalog, the schema, and pg_temp last, so a
# temporary table can never stand in for ``office_role``.
#
# The policies (migration 0014) hold the two checks themselves, as uncorrelated subqueries
# the planner runs once per statement (an InitPlan), never once per row: the office of
# ``current_user`` read from ``office_role`` by its primary key, and whether ``current_user``
# may act as the owner of ``office``. A policy's expression is stored parsed, its tables
# bound by OID when the policy is made, so (unlike a function's body) no ``search_path`` or
# temporary table can change what it reads. Migration 0011 called the SQL functions below
# instead: each call of a function with ``SET search_path`` is not inlined and plans its
# body again, twice per statement (bench/city_rls_ab.py, the NIK lookup's statement alone:
# +179 % over no row security with the functions, +46 % with the checks inside, ~70 µs
# less per statement); the functions stay for 0014's downgrade (:data:`LEGACY_MINE`).
_MINE = "(SELECT r.office_id FROM {s}.office_role r WHERE r.role_name = CURRENT_USER)"
_ADMIN = (
    "(SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE') FROM pg_catalog.pg_class c "
    "WHERE c.oid = '{s}.office'::regclass)"
)
LEGACY_MINE = "(SELECT {s}.station_office_id())"
LEGACY_ADMIN = "(SELECT {s}.station_is_admin())"

FUNCTIONS_SQL = (
    """
    CREATE TABLE IF NOT EXISTS {s}.office_role (
        role_name name PRIMARY KEY,
        office_id integer NOT NULL REFERENCES {s}.office (id)
    )
    """,
    """
    CREATE OR REPLACE FUNCTION {s}.station_office_id() RETURNS integer
    LANGUAGE sql STABLE SET search_path = pg_catalog, {s}, pg_temp AS
    $$ SELECT office_id FROM office_role WHERE role_name = current_user $$
    """,
    """
    CREATE OR REPLACE FUNCTION {s}.station_is_admin() RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, {s}, pg_temp AS
    $$ SELECT pg_has_role(current_user, c.relowner, 'USAGE')
       FROM pg_class c WHERE c.oid = 'office'::regclass $$
    """,
)

# Aggregates the city's read-only role may read: counts per office and day, no person.
# name -> (columns, query). Each view reads a SECURITY DEFINER function owned by the
# administrator: inside it ``current_user`` is the owner, so the policies let it count every
# office; ``EXECUTE`` is revoked from PUBLIC and granted to the city role only, so an office
# role cannot count the other offices either.
VIEWS: dict[str, tuple[str, str]] = {
    "city_office": (
        "office_id integer, code varchar, name varchar, kecamatan varchar, timezone varchar",
        "SELECT o.id, o.code, o.name, o.kecamatan, o.timezone FROM office o",
    ),
    "city_ticket_day": (
        "office_id integer, day date, taken bigint, served bigint, no_show bigint, "
        "cancelled bigint, not_served bigint, completed bigint",
        """SELECT t.office_id, t.day, count(*),
               count(*) FILTER (WHERE t.status = 'done'),
               count(*) FILTER (WHERE t.status = 'no_show'),
               count(*) FILTER (WHERE t.status = 'cancelled'),
               count(*) FILTER (WHERE t.status = 'not_served'),
               count(*) FILTER (WHERE t.status = 'done'
                                AND t.outcome IN ('letter_issued', 'information_given'))
        FROM ticket t GROUP BY t.office_id, t.day""",
    ),
    "city_letter_day": (
        "office_id integer, day date, letters bigint, revoked bigint",
        """SELECT l.office_id,
               (l.issued_at AT TIME ZONE 'UTC' AT TIME ZONE o.timezone)::date,
               count(*), count(*) FILTER (WHERE l.status = 'revoked')
        FROM letter l JOIN office o ON o.id = l.office_id
        GROUP BY 1, 2""",
    ),
    "city_resident_summary": (
        "office_id integer, residents bigint, ektp_missing bigint",
        """SELECT r.office_id, count(*) FILTER (WHERE r.status = 'active'),
               count(*) FILTER (WHERE r.status = 'active' AND NOT r.ektp_recorded)
        FROM resident r WHERE r.office_id IS NOT NULL GROUP BY r.office_id""",
    ),
    "city_survey_day": (
        "office_id integer, day date, responses bigint, q1 bigint, q2 bigint, q3 bigint, "
        "q4 bigint, q5 bigint, q6 bigint, q7 bigint, q8 bigint, q9 bigint",
        """SELECT s.office_id, s.day, count(*), sum(s.q1), sum(s.q2), sum(s.q3), sum(s.q4),
               sum(s.q5), sum(s.q6), sum(s.q7), sum(s.q8), sum(s.q9)
        FROM survey_response s GROUP BY s.office_id, s.day""",
    ),
}


# The mayor's view in one call (migration 0012): one row per office over a period of
# office-local days, computed by PostgreSQL (GROUP BY office) instead of each office's whole
# report in Python. Same rules as ``station report`` (station/reports/statistics.py): tickets
# by their office day, status counted as there (anything else is "open"), one-visit
# completion = finished with ``letter_issued`` or ``information_given``, waiting = issue to
# the first ``called`` event of the period, median interpolated (percentile_cont) and p90 the
# nearest rank (percentile_disc), letters between the period's local midnights of the office's
# time zone (issued_at is naive UTC), e-KTP missing = active, obliged on ``p_today`` (born on
# or before ``p_cutoff`` or ever married: ``p_never`` are the never-married labels) and not
# recorded, and the survey's per-element sums for the IKM. Counts and times only: no person.
# SECURITY DEFINER like the views; EXECUTE granted to the city role only. PL/pgSQL's EXECUTE
# plans the query with the period's own dates each call (a SQL function's generic plan guessed
# a few rows and nested-looped: 5 s at city size); work_mem keeps the sorts in memory.
# Indexes of migration 0012 (:data:`FIGURES_INDEXES`) keep each part to the period's rows.
FIGURES_SIGNATURE = "city_office_figures(date, date, date, text[])"
FIGURES_SQL_0012 = """
CREATE FUNCTION {s}.city_office_figures(p_from date, p_to date, p_cutoff date, p_never text[])
RETURNS TABLE (office_id integer, code varchar, name varchar, kecamatan varchar,
    timezone varchar, taken bigint, served bigint, no_show bigint, cancelled bigint,
    not_served bigint, open bigint, completed bigint, wait_count bigint,
    wait_median double precision, wait_p90 double precision, letters bigint, revoked bigint,
    ektp_missing bigint, respondents bigint, q1 bigint, q2 bigint, q3 bigint, q4 bigint,
    q5 bigint, q6 bigint, q7 bigint, q8 bigint, q9 bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, {s}, pg_temp
SET work_mem = '64MB' AS $$
BEGIN
RETURN QUERY EXECUTE $q$
WITH first_call AS (
    SELECT q.office_id, q.ticket_id, min(q.at) AS at FROM queue_event q
    WHERE q.day >= $1 AND q.day <= $2 AND q.action = 'called'
      AND q.ticket_id IS NOT NULL
    GROUP BY q.office_id, q.ticket_id
), tickets AS (
    SELECT t.office_id, count(*) AS taken,
        count(*) FILTER (WHERE t.status = 'done') AS served,
        count(*) FILTER (WHERE t.status = 'no_show') AS no_show,
        count(*) FILTER (WHERE t.status = 'cancelled') AS cancelled,
        count(*) FILTER (WHERE t.status = 'not_served') AS not_served,
        count(*) FILTER (WHERE t.status NOT IN ('done', 'no_show', 'cancelled', 'not_served'))
            AS open,
        count(*) FILTER (WHERE t.status = 'done'
                         AND t.outcome IN ('letter_issued', 'information_given')) AS completed,
        count(f.at) AS wait_count,
        percentile_cont(0.5) WITHIN GROUP
            (ORDER BY extract(epoch FROM f.at - t.issued_at)::double precision) AS wait_median,
        percentile_disc(0.9) WITHIN GROUP
            (ORDER BY extract(epoch FROM f.at - t.issued_at)::double precision) AS wait_p90
    FROM ticket t
    LEFT JOIN first_call f ON f.office_id = t.office_id AND f.ticket_id = t.id
    WHERE t.day >= $1 AND t.day <= $2
    GROUP BY t.office_id
), letters AS (
    SELECT l.office_id, count(*) AS letters,
        count(*) FILTER (WHERE l.status = 'revoked') AS revoked
    FROM office o JOIN letter l ON l.office_id = o.id
        AND l.issued_at >= ($1::timestamp AT TIME ZONE o.timezone) AT TIME ZONE 'UTC'
        AND l.issued_at < (($2 + 1)::timestamp AT TIME ZONE o.timezone) AT TIME ZONE 'UTC'
    GROUP BY l.office_id
), ektp AS (
    SELECT r.office_id, count(*) AS missing FROM resident r
    WHERE r.status = 'active' AND r.ektp_recorded = false AND r.office_id IS NOT NULL
      AND (r.birth_date <= $3 OR r.marital_status <> ALL ($4))
    GROUP BY r.office_id
), survey AS (
    SELECT s.office_id, count(*) AS respondents, sum(s.q1) AS q1, sum(s.q2) AS q2,
        sum(s.q3) AS q3, sum(s.q4) AS q4, sum(s.q5) AS q5, sum(s.q6) AS q6, sum(s.q7) AS q7,
        sum(s.q8) AS q8, sum(s.q9) AS q9
    FROM survey_response s WHERE s.day >= $1 AND s.day <= $2
    GROUP BY s.office_id
)
SELECT o.id, o.code, o.name, o.kecamatan, o.timezone,
    coalesce(t.taken, 0), coalesce(t.served, 0), coalesce(t.no_show, 0),
    coalesce(t.cancelled, 0), coalesce(t.not_served, 0), coalesce(t.open, 0),
    coalesce(t.completed, 0), coalesce(t.wait_count, 0), t.wait_median, t.wait_p90,
    coalesce(l.letters, 0), coalesce(l.revoked, 0), coalesce(e.missing, 0),
    coalesce(v.respondents, 0), v.q1::bigint, v.q2::bigint, v.q3::bigint, v.q4::bigint,
    v.q5::bigint, v.q6::bigint, v.q7::bigint, v.q8::bigint, v.q9::bigint
FROM office o
LEFT JOIN tickets t ON t.office_id = o.id
LEFT JOIN letters l ON l.office_id = o.id
LEFT JOIN ektp e ON e.office_id = o.id
LEFT JOIN survey v ON v.office_id = o.id
ORDER BY o.code
$q$ USING p_from, p_to, p_cutoff, p_never;
END
$$
"""

# Since migration 0014 also the letters from the Service Box (``letter.channel = 'box'``)
# issued outside the office's opening hours (``office.opening_hours``, kept in step with its
# ``[kiosk] opening_hours``; ``[]`` is always open): a moment is inside when its office-local
# weekday is one of an entry's days and ``open <= time < close``, as station.reports.box
# counts it for the office's own report. :data:`FIGURES_SQL_0012` is the function as
# migration 0012 made it (0014's downgrade makes it again).
FIGURES_SQL = """
CREATE FUNCTION {s}.city_office_figures(p_from date, p_to date, p_cutoff date, p_never text[])
RETURNS TABLE (office_id integer, code varchar, name varchar, kecamatan varchar,
    timezone varchar, taken bigint, served bigint, no_show bigint, cancelled bigint,
    not_served bigint, open bigint, completed bigint, wait_count bigint,
    wait_median double precision, wait_p90 double precision, letters bigint, revoked bigint,
    ektp_missing bigint, respondents bigint, q1 bigint, q2 bigint, q3 bigint, q4 bigint,
    q5 bigint, q6 bigint, q7 bigint, q8 bigint, q9 bigint, box_outside bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, {s}, pg_temp
SET work_mem = '64MB' AS $$
BEGIN
RETURN QUERY EXECUTE $q$
WITH first_call AS (
    SELECT q.office_id, q.ticket_id, min(q.at) AS at FROM queue_event q
    WHERE q.day >= $1 AND q.day <= $2 AND q.action = 'called'
      AND q.ticket_id IS NOT NULL
    GROUP BY q.office_id, q.ticket_id
), tickets AS (
    SELECT t.office_id, count(*) AS taken,
        count(*) FILTER (WHERE t.status = 'done') AS served,
        count(*) FILTER (WHERE t.status = 'no_show') AS no_show,
        count(*) FILTER (WHERE t.status = 'cancelled') AS cancelled,
        count(*) FILTER (WHERE t.status = 'not_served') AS not_served,
        count(*) FILTER (WHERE t.status NOT IN ('done', 'no_show', 'cancelled', 'not_served'))
            AS open,
        count(*) FILTER (WHERE t.status = 'done'
                         AND t.outcome IN ('letter_issued', 'information_given')) AS completed,
        count(f.at) AS wait_count,
        percentile_cont(0.5) WITHIN GROUP
            (ORDER BY extract(epoch FROM f.at - t.issued_at)::double precision) AS wait_median,
        percentile_disc(0.9) WITHIN GROUP
            (ORDER BY extract(epoch FROM f.at - t.issued_at)::double precision) AS wait_p90
    FROM ticket t
    LEFT JOIN first_call f ON f.office_id = t.office_id AND f.ticket_id = t.id
    WHERE t.day >= $1 AND t.day <= $2
    GROUP BY t.office_id
), letters AS (
    SELECT l.office_id, count(*) AS letters,
        count(*) FILTER (WHERE l.status = 'revoked') AS revoked
    FROM office o JOIN letter l ON l.office_id = o.id
        AND l.issued_at >= ($1::timestamp AT TIME ZONE o.timezone) AT TIME ZONE 'UTC'
        AND l.issued_at < (($2 + 1)::timestamp AT TIME ZONE o.timezone) AT TIME ZONE 'UTC'
    GROUP BY l.office_id
), ektp AS (
    SELECT r.office_id, count(*) AS missing FROM resident r
    WHERE r.status = 'active' AND r.ektp_recorded = false AND r.office_id IS NOT NULL
      AND (r.birth_date <= $3 OR r.marital_status <> ALL ($4))
    GROUP BY r.office_id
), survey AS (
    SELECT s.office_id, count(*) AS respondents, sum(s.q1) AS q1, sum(s.q2) AS q2,
        sum(s.q3) AS q3, sum(s.q4) AS q4, sum(s.q5) AS q5, sum(s.q6) AS q6, sum(s.q7) AS q7,
        sum(s.q8) AS q8, sum(s.q9) AS q9
    FROM survey_response s WHERE s.day >= $1 AND s.day <= $2
    GROUP BY s.office_id
), box AS (
    SELECT l.office_id, count(*) AS outside
    FROM office o JOIN letter l ON l.office_id = o.id AND l.channel = 'box'
        AND l.issued_at >= ($1::timestamp AT TIME ZONE o.timezone) AT TIME ZONE 'UTC'
        AND l.issued_at < (($2 + 1)::timestamp AT TIME ZONE o.timezone) AT TIME ZONE 'UTC'
    CROSS JOIN LATERAL (SELECT (l.issued_at AT TIME ZONE 'UTC') AT TIME ZONE o.timezone AS at) x
    WHERE jsonb_array_length(o.opening_hours::jsonb) > 0
      AND NOT EXISTS (
        SELECT 1 FROM jsonb_array_elements(o.opening_hours::jsonb) h
        WHERE h -> 'days' @> to_jsonb(extract(isodow FROM x.at)::integer - 1)
          AND x.at::time >= (h ->> 'open')::time AND x.at::time < (h ->> 'close')::time)
    GROUP BY l.office_id
)
SELECT o.id, o.code, o.name, o.kecamatan, o.timezone,
    coalesce(t.taken, 0), coalesce(t.served, 0), coalesce(t.no_show, 0),
    coalesce(t.cancelled, 0), coalesce(t.not_served, 0), coalesce(t.open, 0),
    coalesce(t.completed, 0), coalesce(t.wait_count, 0), t.wait_median, t.wait_p90,
    coalesce(l.letters, 0), coalesce(l.revoked, 0), coalesce(e.missing, 0),
    coalesce(v.respondents, 0), v.q1::bigint, v.q2::bigint, v.q3::bigint, v.q4::bigint,
    v.q5::bigint, v.q6::bigint, v.q7::bigint, v.q8::bigint, v.q9::bigint,
    coalesce(b.outside, 0)
FROM office o
LEFT JOIN tickets t ON t.office_id = o.id
LEFT JOIN letters l ON l.office_id = o.id
LEFT JOIN ektp e ON e.office_id = o.id
LEFT JOIN survey v ON v.office_id = o.id
LEFT JOIN box b ON b.office_id = o.id
ORDER BY o.code
$q$ USING p_from, p_to, p_cutoff, p_never;
END
$$
"""


# One kelurahan day by day for the mayor's view (``/kota/k/CODE``, migration 0014): tickets
# taken and finished in one visit by their office day, letters by the office-local day of
# ``issued_at``; the same figures as station.reports.city.office_trend reads from the tables
# on SQLite. SECURITY DEFINER like the figures, EXECUTE for the city's read-only role only:
# counts per day, no person. No row when the code names no office.
TREND_SIGNATURE = "city_office_days(character varying, date, date)"
TREND_SQL = """
CREATE FUNCTION {s}.city_office_days(p_code varchar, p_from date, p_to date)
RETURNS TABLE (day date, taken bigint, completed bigint, letters bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, {s}, pg_temp AS $$
WITH o AS (SELECT id, timezone FROM office WHERE code = p_code),
days AS (SELECT d::date AS day FROM o, generate_series(p_from, p_to, interval '1 day') d),
t AS (
    SELECT t.day, count(*) AS taken,
        count(*) FILTER (WHERE t.status = 'done'
                         AND t.outcome IN ('letter_issued', 'information_given')) AS completed
    FROM o JOIN ticket t ON t.office_id = o.id AND t.day >= p_from AND t.day <= p_to
    GROUP BY t.day
), l AS (
    SELECT ((l.issued_at AT TIME ZONE 'UTC') AT TIME ZONE o.timezone)::date AS day,
        count(*) AS letters
    FROM o JOIN letter l ON l.office_id = o.id
        AND l.issued_at >= (p_from::timestamp AT TIME ZONE o.timezone) AT TIME ZONE 'UTC'
        AND l.issued_at < ((p_to + 1)::timestamp AT TIME ZONE o.timezone) AT TIME ZONE 'UTC'
    GROUP BY 1
)
SELECT days.day, coalesce(t.taken, 0), coalesce(t.completed, 0), coalesce(l.letters, 0)
FROM days LEFT JOIN t ON t.day = days.day LEFT JOIN l ON l.day = days.day
ORDER BY days.day
$$
"""


def install_trend(conn: Connection) -> None:
    """The one-kelurahan trend function (migration 0014); PostgreSQL only."""
    if not _is_postgresql(conn):
        return
    s = _schema(conn)
    conn.execute(text(f"DROP FUNCTION IF EXISTS {s}.{TREND_SIGNATURE}"))
    conn.execute(text(TREND_SQL.format(s=s)))
    conn.execute(text(f"REVOKE EXECUTE ON FUNCTION {s}.{TREND_SIGNATURE} FROM PUBLIC"))


def uninstall_trend(conn: Connection) -> None:
    """Undo :func:`install_trend` (migration 0014 downgrade)."""
    if not _is_postgresql(conn):
        return
    s = _schema(conn)
    conn.execute(text(f"DROP FUNCTION IF EXISTS {s}.{TREND_SIGNATURE}"))


def _has_function(conn: Connection, signature: str) -> bool:
    found = conn.execute(
        text("SELECT to_regprocedure(current_schema() || '.' || :f) IS NOT NULL"),
        {"f": signature},
    ).scalar_one()
    return bool(found)


def _is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _schema(conn: Connection) -> str:
    """The schema being worked on, quoted: ``public`` normally (see ``{s}`` above)."""
    return '"' + _check_name(str(conn.execute(text("SELECT current_schema()")).scalar_one())) + '"'


def install(conn: Connection, tables: tuple[str, ...] = OFFICE_TABLES) -> None:
    """The mapping table, the two functions, the policies on ``tables`` and the children,
    the ``office`` table's own policies and the city views (migration 0011)."""
    if not _is_postgresql(conn):
        return
    s = _schema(conn)
    for statement in FUNCTIONS_SQL:
        conn.execute(text(statement.format(s=s)))
    for table in tables:
        protect_office_table(conn, table)
    for table, (column, parent) in CHILD_TABLES.items():
        _protect_child_table(conn, table, column, parent)
    _protect_office(conn)
    install_views(conn)


def reinstall_policies(conn: Connection, *, legacy: bool = False) -> None:
    """Make every ``station_office`` policy of the schema again, and the ``office`` table's
    (migration 0014: the checks inside the policy; ``legacy``: calling the functions, as
    migrations 0011-0013 made them, for 0014's downgrade). Tables are read from the
    catalog, so a table a later migration protected is made again too."""
    if not _is_postgresql(conn):
        return
    found = conn.execute(
        text(
            "SELECT tablename FROM pg_policies WHERE schemaname = current_schema() "
            "AND policyname = :p ORDER BY tablename"
        ),
        {"p": POLICY},
    ).scalars()
    for table in list(found):
        if table in CHILD_TABLES:
            column, parent = CHILD_TABLES[table]
            _protect_child_table(conn, table, column, parent, legacy=legacy)
        else:
            protect_office_table(conn, table, legacy=legacy)
    _protect_office(conn, legacy=legacy)


def _checks(s: str, legacy: bool) -> tuple[str, str]:
    if legacy:
        return LEGACY_MINE.format(s=s), LEGACY_ADMIN.format(s=s)
    return _MINE.format(s=s), _ADMIN.format(s=s)


def protect_office_table(conn: Connection, table: str, *, legacy: bool = False) -> None:
    """ENABLE + FORCE row-level security and the ``station_office`` policy on ``table``."""
    if not _is_postgresql(conn):
        return
    _check_name(table)
    s = _schema(conn)
    mine_id, admin = _checks(s, legacy)
    mine = f"(office_id = {mine_id} OR {admin})"
    conn.execute(text(f'ALTER TABLE {s}."{table}" ENABLE ROW LEVEL SECURITY'))
    conn.execute(text(f'ALTER TABLE {s}."{table}" FORCE ROW LEVEL SECURITY'))
    conn.execute(text(f'DROP POLICY IF EXISTS {POLICY} ON {s}."{table}"'))
    conn.execute(text(f'CREATE POLICY {POLICY} ON {s}."{table}" USING {mine} WITH CHECK {mine}'))


def _protect_child_table(
    conn: Connection, table: str, column: str, parent: str, *, legacy: bool = False
) -> None:
    _check_name(table)
    s = _schema(conn)
    _, admin = _checks(s, legacy)
    # The parent's own policy applies inside the subquery: a counter of another office is
    # invisible, so its rows here are too. Since migration 0014 the visible parents are read
    # once per statement (an uncorrelated ARRAY(...), an InitPlan), not once per row, and
    # not at all for the administrator (the OR stops at its first true operand).
    if legacy:
        mine = f'(EXISTS (SELECT 1 FROM {s}."{parent}" p WHERE p.id = {column}) OR {admin})'
    else:
        mine = f'({admin} OR {column} = ANY (ARRAY(SELECT p.id FROM {s}."{parent}" p)))'
    conn.execute(text(f'ALTER TABLE {s}."{table}" ENABLE ROW LEVEL SECURITY'))
    conn.execute(text(f'ALTER TABLE {s}."{table}" FORCE ROW LEVEL SECURITY'))
    conn.execute(text(f'DROP POLICY IF EXISTS {POLICY} ON {s}."{table}"'))
    conn.execute(text(f'CREATE POLICY {POLICY} ON {s}."{table}" USING {mine} WITH CHECK {mine}'))


def _protect_office(conn: Connection, *, legacy: bool = False) -> None:
    """Every office's name is public (the verification page names the issuer); an office
    updates only its own row; only the administrator adds or removes offices."""
    s = _schema(conn)
    mine_id, admin = _checks(s, legacy)
    conn.execute(text(f"ALTER TABLE {s}.office ENABLE ROW LEVEL SECURITY"))
    conn.execute(text(f"ALTER TABLE {s}.office FORCE ROW LEVEL SECURITY"))
    for name in OFFICE_POLICIES:
        conn.execute(text(f"DROP POLICY IF EXISTS {name} ON {s}.office"))
    own = f"(id = {mine_id} OR {admin})"
    conn.execute(text(f"CREATE POLICY station_read ON {s}.office FOR SELECT USING (true)"))
    conn.execute(
        text(f"CREATE POLICY station_own ON {s}.office FOR UPDATE USING {own} WITH CHECK {own}")
    )
    conn.execute(
        text(f"CREATE POLICY station_admin_add ON {s}.office FOR INSERT WITH CHECK ({admin})")
    )
    conn.execute(
        text(f"CREATE POLICY station_admin_remove ON {s}.office FOR DELETE USING ({admin})")
    )


def install_views(conn: Connection) -> None:
    s = _schema(conn)
    for name, (columns, query) in VIEWS.items():
        conn.execute(text(f"DROP VIEW IF EXISTS {s}.{name}"))
        conn.execute(text(f"DROP FUNCTION IF EXISTS {s}.{name}_rows()"))
        conn.execute(
            text(
                f"CREATE FUNCTION {s}.{name}_rows() RETURNS TABLE ({columns}) "
                f"LANGUAGE sql STABLE SECURITY DEFINER "
                f"SET search_path = pg_catalog, {s}, pg_temp AS $$ {query} $$"
            )
        )
        conn.execute(text(f"REVOKE EXECUTE ON FUNCTION {s}.{name}_rows() FROM PUBLIC"))
        conn.execute(text(f"CREATE VIEW {s}.{name} AS SELECT * FROM {s}.{name}_rows()"))


# name -> (table, columns, INCLUDE columns, WHERE): PostgreSQL only (SQLite homes hold one
# office and have their ``office_id``-first indexes), so left out of the model comparison
# like the full-text index (station/store/db.py: include_in_autogenerate).
FIGURES_INDEXES: dict[str, tuple[str, str, str, str]] = {
    "ix_city_ticket_day": ("ticket", "day, office_id, id", "status, outcome, issued_at", ""),
    "ix_city_queue_event_called": (
        "queue_event",
        "day, office_id, ticket_id, at",
        "",
        "action = 'called'",
    ),
    # e-KTP still missing: an index-only count of the few unrecorded active residents
    "ix_city_resident_ektp": (
        "resident",
        "office_id, birth_date, marital_status",
        "",
        "status = 'active' AND NOT ektp_recorded",
    ),
}


def install_figures(conn: Connection, sql: str = FIGURES_SQL_0012) -> None:
    """The city's one-call figures function (migration 0012; ``sql``: :data:`FIGURES_SQL`
    since migration 0014) and its indexes; PostgreSQL only. EXECUTE is revoked from PUBLIC
    (``station city grant --reader`` grants it)."""
    if not _is_postgresql(conn):
        return
    s = _schema(conn)
    conn.execute(text(f"DROP FUNCTION IF EXISTS {s}.{FIGURES_SIGNATURE}"))
    conn.execute(text(sql.format(s=s)))
    conn.execute(text(f"REVOKE EXECUTE ON FUNCTION {s}.{FIGURES_SIGNATURE} FROM PUBLIC"))
    for name, (table, columns, include, where) in FIGURES_INDEXES.items():
        extra = (f" INCLUDE ({include})" if include else "") + (f" WHERE {where}" if where else "")
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {s}.{table} ({columns}){extra}"))


def uninstall_figures(conn: Connection) -> None:
    """Undo :func:`install_figures` (migration 0012 downgrade)."""
    if not _is_postgresql(conn):
        return
    s = _schema(conn)
    conn.execute(text(f"DROP FUNCTION IF EXISTS {s}.{FIGURES_SIGNATURE}"))
    for name in FIGURES_INDEXES:
        conn.execute(text(f"DROP INDEX IF EXISTS {s}.{name}"))


def has_figures(conn: Connection) -> bool:
    """True when the database has the figures function (PostgreSQL at migration 0012)."""
    if not _is_postgresql(conn):
        return False
    found = conn.execute(
        text("SELECT to_regprocedure(current_schema() || '.' || :f) IS NOT NULL"),
        {"f": FIGURES_SIGNATURE},
    ).scalar_one()
    return bool(found)


def has_trend(conn: Connection) -> bool:
    """True when the database has the trend function (PostgreSQL at migration 0014)."""
    return _is_postgresql(conn) and _has_function(conn, TREND_SIGNATURE)


def uninstall(conn: Connection, tables: tuple[str, ...] = OFFICE_TABLES) -> None:
    """Undo :func:`install` (migration 0011 downgrade). Roles stay (they are the cluster's)."""
    if not _is_postgresql(conn):
        return
    s = _schema(conn)
    for name in VIEWS:
        conn.execute(text(f"DROP VIEW IF EXISTS {s}.{name}"))
        conn.execute(text(f"DROP FUNCTION IF EXISTS {s}.{name}_rows()"))
    for table in (*tables, *CHILD_TABLES):
        conn.execute(text(f'DROP POLICY IF EXISTS {POLICY} ON {s}."{table}"'))
        conn.execute(text(f'ALTER TABLE {s}."{table}" NO FORCE ROW LEVEL SECURITY'))
        conn.execute(text(f'ALTER TABLE {s}."{table}" DISABLE ROW LEVEL SECURITY'))
    for name in OFFICE_POLICIES:
        conn.execute(text(f"DROP POLICY IF EXISTS {name} ON {s}.office"))
    conn.execute(text(f"ALTER TABLE {s}.office NO FORCE ROW LEVEL SECURITY"))
    conn.execute(text(f"ALTER TABLE {s}.office DISABLE ROW LEVEL SECURITY"))
    conn.execute(text(f"DROP FUNCTION IF EXISTS {s}.station_office_id()"))
    conn.execute(text(f"DROP FUNCTION IF EXISTS {s}.station_is_admin()"))
    conn.execute(text(f"DROP TABLE IF EXISTS {s}.office_role"))


# --- roles ---------------------------------------------------------------------------------

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a safe SQL name: {name!r}")
    return name


def _ident(name: str) -> str:
    return '"' + _check_name(name) + '"'


def role_prefix(conn: Connection) -> str:
    """Role names are the cluster's, so each carries its database's name."""
    database = str(conn.execute(text("SELECT current_database()")).scalar_one())
    cleaned = re.sub(r"[^a-z0-9_]", "_", database.lower())[:30]
    return cleaned if cleaned and not cleaned[0].isdigit() else f"db_{cleaned}"[:30]


def office_role_name(conn: Connection, office_code: str) -> str:
    return f"{role_prefix(conn)}_kel_{office_code.replace('.', '')}"


def city_role_name(conn: Connection) -> str:
    return f"{role_prefix(conn)}_kota"


@dataclass(frozen=True)
class Grant:
    role: str
    password: str
    url: str
    created: bool


def _role_exists(conn: Connection, role: str) -> bool:
    found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    return found.first() is not None


def _login_role(conn: Connection, role: str, new_password: bool = True) -> tuple[str, bool]:
    """Create ``role`` (or give it a new password, unless ``new_password`` is false and it
    exists: then the password is ""): LOGIN, nothing else."""
    s = _schema(conn)
    password = secrets.token_urlsafe(24)
    created = not _role_exists(conn, role)
    verb = "CREATE" if created else "ALTER"
    quoted = password.replace("'", "''")
    if created or new_password:
        conn.execute(
            text(
                f"{verb} ROLE {_ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                f"NOBYPASSRLS NOINHERIT PASSWORD '{quoted}'"
            )
        )
    else:
        password = ""
    database = str(conn.execute(text("SELECT current_database()")).scalar_one())
    conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {_ident(role)}'))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {s} TO {_ident(role)}"))
    return password, created


def _url_for(admin_url: str, role: str, password: str) -> str:
    return (
        make_url(admin_url)
        .set(username=role, password=password)
        .render_as_string(hide_password=False)
    )


def grant_office(
    conn: Connection, office_id: int, office_code: str, admin_url: str, new_password: bool = True
) -> Grant:
    """The office's own role: its rows of every office table, read-only lookups, and a new
    password each time (so a leaked URL is replaced by granting again). ``new_password``
    false: only the grants again (after an upgrade added an office table); the URL is ""."""
    s = _schema(conn)
    role = office_role_name(conn, office_code)
    password, created = _login_role(conn, role, new_password)
    quoted = _ident(role)
    conn.execute(
        text(
            f"INSERT INTO {s}.office_role (role_name, office_id) VALUES (:r, :o) "
            "ON CONFLICT (role_name) DO UPDATE SET office_id = EXCLUDED.office_id"
        ),
        {"r": role, "o": office_id},
    )
    for table in (*OFFICE_TABLES, *CHILD_TABLES):
        if table in APPEND_ONLY:
            conn.execute(text(f'GRANT SELECT, INSERT ON {s}."{table}" TO {quoted}'))
        else:
            conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {s}."{table}" TO {quoted}'))
    for table in LOOKUP_TABLES:
        conn.execute(text(f'GRANT SELECT ON {s}."{table}" TO {quoted}'))
    conn.execute(text(f"GRANT SELECT ON {s}.office TO {quoted}"))
    columns = ", ".join(OFFICE_UPDATABLE)
    conn.execute(text(f"GRANT UPDATE ({columns}) ON {s}.office TO {quoted}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {quoted}"))
    url = _url_for(admin_url, role, password) if password else ""
    return Grant(role, password, url, created)


# What the city's read-only role may touch besides the ``city_*`` views and functions, so
# ``station city report`` and ``/kota`` run with its URL (docs/city.md): the schema revision
# (every Station program checks it when it opens a database) and the city staff who sign in
# to ``/kota`` (their failed attempts and lockout are written to their row). Neither holds
# a resident; no other table is granted.
CITY_READS: tuple[str, ...] = ("alembic_version",)
CITY_WRITES: dict[str, str] = {"city_user": "SELECT, UPDATE (failed_attempts, locked_until)"}


def grant_city(conn: Connection, admin_url: str, new_password: bool = True) -> Grant:
    """The city's read-only role: the ``city_*`` views, the figures and trend functions, the
    schema revision, and its staff's sign-in rows (:data:`CITY_WRITES`); never a table that
    holds office data. ``new_password`` false: only the grants again (after an upgrade); the
    URL is then ""."""
    s = _schema(conn)
    role = city_role_name(conn)
    password, created = _login_role(conn, role, new_password)
    quoted = _ident(role)
    for name in VIEWS:
        # A view's functions run with the caller's EXECUTE right (then as their owner).
        conn.execute(text(f"GRANT EXECUTE ON FUNCTION {s}.{name}_rows() TO {quoted}"))
        conn.execute(text(f"GRANT SELECT ON {s}.{name} TO {quoted}"))
    for signature in (FIGURES_SIGNATURE, TREND_SIGNATURE):
        if _has_function(conn, signature):
            conn.execute(text(f"GRANT EXECUTE ON FUNCTION {s}.{signature} TO {quoted}"))
    for table in CITY_READS:
        conn.execute(text(f'GRANT SELECT ON {s}."{table}" TO {quoted}'))
    for table, rights in CITY_WRITES.items():
        conn.execute(text(f'GRANT {rights} ON {s}."{table}" TO {quoted}'))
    url = _url_for(admin_url, role, password) if password else ""
    return Grant(role, password, url, created)


def regrant_city(conn: Connection) -> None:
    """The city role's grants again, when it exists (a migration that re-made a function
    it may call); its password stays."""
    if _is_postgresql(conn) and _role_exists(conn, city_role_name(conn)):
        grant_city(conn, "", new_password=False)


def grant_office_columns(conn: Connection, columns: tuple[str, ...]) -> None:
    """UPDATE on new ``office`` columns for every office role already granted (a migration
    that adds a column of :data:`OFFICE_UPDATABLE`: an office PC keeps its row in step with
    its config when it opens, and must not be refused before ``station city grant``)."""
    if not _is_postgresql(conn):
        return
    s = _schema(conn)
    listed = ", ".join(_check_name(c) for c in columns)
    roles = conn.execute(text(f"SELECT role_name FROM {s}.office_role")).scalars().all()
    for role in roles:
        if _role_exists(conn, str(role)):
            conn.execute(text(f"GRANT UPDATE ({listed}) ON {s}.office TO {_ident(str(role))}"))


def revoke_office(conn: Connection, office_code: str) -> str:
    """Remove the office's role: its connections can no longer log in."""
    s = _schema(conn)
    role = office_role_name(conn, office_code)
    conn.execute(text(f"DELETE FROM {s}.office_role WHERE role_name = :r"), {"r": role})
    if _role_exists(conn, role):
        conn.execute(text(f"ALTER ROLE {_ident(role)} NOLOGIN"))
    return role


def protected_tables(conn: Connection) -> dict[str, tuple[bool, bool]]:
    """table -> (row security enabled, forced), for every table in ``public``."""
    rows = conn.execute(
        text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )
    )
    return {str(r[0]): (bool(r[1]), bool(r[2])) for r in rows}
