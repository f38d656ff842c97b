"""Every database-vendor difference, one function per need.

PostgreSQL is the production database. What the ORM does slowly there has a fast path here: bulk writes through
``VALUES`` lists and ``COPY``, several reads in one round trip (a single-record upsert is a few milliseconds of
statements, so round trips count), advisory locks, and the blocking-key look-up. Beside each fast path is the
portable way through the ORM, which SQLite (the zero-setup demo) takes. Nothing outside this module asks which
database it runs on.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Count, Field, Model, Q

from .models import BlockingKey, SourceRecord

T = TypeVar("T")


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


# --- writes ---


def column_field(model: type[Model], name: str) -> Field[Any, Any]:
    """The field ``name`` of ``model`` that holds a column. ``_meta.get_field`` also answers the reverse side of a
    relation, which has no column: naming one here is a bug in the caller."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field), f"{model.__name__}.{name} has no column"
    return field


def bulk_update(objs: Sequence[Model], fields: Sequence[str], batch_size: int = 1000) -> None:
    """``QuerySet.bulk_update`` without its per-row CASE expressions: on PostgreSQL one
    ``UPDATE ... FROM (VALUES ...)`` per batch (about 10x faster for JSON columns); elsewhere Django's own."""
    if not objs:
        return
    model = type(objs[0])
    if not _postgresql():
        model._default_manager.bulk_update(objs, fields, batch_size=batch_size)
        return
    for start in range(0, len(objs), batch_size):
        _update_from_values([(obj, {}) for obj in objs[start : start + batch_size]], fields, fence=())


def bulk_update_where(rows: Sequence[tuple[Model, Mapping[str, Any]]], fields: Sequence[str]) -> int:
    """Write ``fields`` of each object only where its row still holds the values given beside it (a fence: a row that
    changed hands meanwhile is left to its new owner). Returns how many rows were written."""
    if not rows:
        return 0
    fence = tuple(rows[0][1])
    if not _postgresql():
        model = type(rows[0][0])
        attnames = [column_field(model, name).attname for name in fields]
        return sum(
            type(obj)
            ._default_manager.filter(pk=obj.pk, **expected)
            .update(**{attname: getattr(obj, attname) for attname in attnames})
            for obj, expected in rows
        )
    return _update_from_values(rows, fields, fence=fence)


def _update_from_values(
    rows: Sequence[tuple[Model, Mapping[str, Any]]], fields: Sequence[str], fence: Sequence[str]
) -> int:
    """One ``UPDATE ... FROM (VALUES ...)``: the rows' primary key, their ``fence`` values (matched against the table)
    and their new ``fields``."""
    model = type(rows[0][0])
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    columns = [column_field(model, name) for name in fields]
    fenced = [column_field(model, name) for name in fence]
    names = ", ".join([f'"{pk.column}"', *(f'"fence_{f.column}"' for f in fenced), *(f'"{f.column}"' for f in columns)])
    casts = ", ".join(f"%s::{f.db_type(connection)}" for f in [pk, *fenced, *columns])
    values = ", ".join(f"({casts})" for _ in rows)
    params: list[Any] = []
    for obj, expected in rows:
        params.append(pk.get_db_prep_save(obj.pk, connection))
        params += [f.get_db_prep_save(expected[f.name], connection) for f in fenced]
        params += [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns]
    assignments = ", ".join(f'"{f.column}" = v."{f.column}"' for f in columns)
    conditions = "".join(f' AND t."{f.column}" = v."fence_{f.column}"' for f in fenced)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{meta.db_table}" AS t SET {assignments} FROM (VALUES {values}) AS v({names}) '
            f'WHERE t."{pk.column}" = v."{pk.column}"{conditions}',
            params,
        )
        return cursor.rowcount


# Up to this many rows go in one INSERT: COPY costs two round trips (the command, then the data), an INSERT one, and
# a single-record upsert writes three or four tables (measured: 0.31 ms a one-row COPY, 0.16 ms a one-row INSERT).
SMALL_INSERT = 20


def bulk_insert(objs: Sequence[Model]) -> None:
    """Insert rows without reading back generated keys. On PostgreSQL a few rows in one ``INSERT``, more through
    ``COPY ... FROM STDIN`` (the fastest bulk path: no statement to parse, no per-element escaping); elsewhere
    Django's ``bulk_create``."""
    if not objs:
        return
    model = type(objs[0])
    if not _postgresql():
        model._default_manager.bulk_create(objs, batch_size=500)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not (f.primary_key and f.get_internal_type().endswith("AutoField"))]
    names = ", ".join(f'"{f.column}"' for f in fields)
    conn = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the proxy costs a thread-local lookup per use
    rows = ([f.get_db_prep_save(f.pre_save(obj, True), conn) for f in fields] for obj in objs)
    if len(objs) <= SMALL_INSERT:
        values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(objs))
        with conn.cursor() as cursor:
            cursor.execute(f'INSERT INTO "{meta.db_table}" ({names}) VALUES {values}', [v for row in rows for v in row])
        return
    with conn.cursor() as cursor, cursor.cursor.copy(f'COPY "{meta.db_table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def bulk_insert_unflushed(objs: Sequence[Model]) -> None:
    """Insert rows (``bulk_insert``); when that is the whole transaction, on PostgreSQL its commit does not wait for the
    write-ahead log to reach the disk (``synchronous_commit`` off for this transaction only), so a read that records
    itself does not pay a disk flush. Such rows can be lost in the last fraction of a second before a crash of the
    database server (never half-written: the database stays consistent). For the access log."""
    if not objs:
        return
    if not _postgresql() or connection.in_atomic_block:
        bulk_insert(objs)
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        bulk_insert(objs)


# --- locks ---


def advisory_xact_locks(namespace: str, keys: Iterable[str]) -> None:
    """Hold PostgreSQL transaction-scoped advisory locks on ``keys`` (taken in one sorted order, so two
    transactions never deadlock on them). A no-op elsewhere: SQLite already serialises writers."""
    if not _postgresql():
        return
    ids = sorted({lock_id(namespace, key) for key in keys})
    if ids:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k", [ids])


def lock_id(namespace: str, key: str) -> int:
    """The advisory lock id of ``key`` in ``namespace`` (64 bits of a hash)."""
    digest = hashlib.blake2b(f"{namespace}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# --- several reads in one round trip ---


@dataclass(frozen=True)
class Part(Generic[T]):
    """One read of ``read_together``. On PostgreSQL ``sql`` is a scalar subquery giving one JSON value (``%s``
    placeholders for ``params``), which ``parse`` turns into the result; elsewhere ``portable`` reads the same
    through the ORM. The module that owns the tables writes both."""

    sql: str
    params: Sequence[Any]
    parse: Callable[[Any], T]
    portable: Callable[[], T]


def read_together(
    parts: Sequence[Part[Any]], *, lock: tuple[str, str] | None = None, generic_plans: bool = False
) -> list[Any]:
    """Each part's result, on PostgreSQL from one statement. ``lock``: first take the transaction's advisory lock
    on (namespace, key) (``advisory_xact_locks``) in the same statement. ``generic_plans``: the rest of the
    transaction plans its prepared statements once (generic plans): for a write whose every statement looks rows up
    by key, planning each run anew only costs time (0.4-0.8 ms a statement for the larger ones, measured at 1M
    records)."""
    if not _postgresql():
        return [part.portable() for part in parts]
    columns = [f"({part.sql})" for part in parts]
    params = [param for part in parts for param in part.params]
    if lock is not None:
        columns.insert(0, "pg_advisory_xact_lock(%s)")
        params.insert(0, lock_id(*lock))
    if generic_plans:
        columns.append("set_config('plan_cache_mode', 'force_generic_plan', true)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        row = cursor.fetchone()
    values = row[1 if lock is not None else 0 :]
    return [part.parse(_json(value)) for part, value in zip(parts, values, strict=False)]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value  # Django loads json as text


# --- the blocking-key table (matching's index) ---


# One statement for the whole look-up. Per key at most its limit + 1 entries are read from the index (a key with
# more is too common to compare on: its rows are not fetched, and the key comes back once with no record); then the
# records of the other keys. No join with the golden records: a source record always belongs to an active one
# (a merge moves the merged record's source records to the survivor), so their status need not be read.
_LOOKUP_SQL = """
WITH hits AS MATERIALIZED (
    SELECT k.key, k.lim, b.record_id, count(*) OVER (PARTITION BY k.key) AS n
    FROM unnest(%(keys)s::varchar[], %(limits)s::int[]) AS k(key, lim)
    CROSS JOIN LATERAL (
        SELECT record_id FROM "stewardship_blockingkey" WHERE domain = %(domain)s AND key = k.key LIMIT k.lim + 1
    ) AS b
)
SELECT h.key, s.id, s.golden_id, s."features"
FROM hits AS h
JOIN stewardship_sourcerecord AS s ON s.id = h.record_id
WHERE h.n <= h.lim
UNION ALL
SELECT DISTINCT h.key, NULL::bigint, NULL::uuid, NULL::jsonb FROM hits AS h WHERE h.n > h.lim
"""

Filed = tuple[str, int, uuid.UUID, dict[str, Any]]  # (key, source record id, golden id, features)


def blocking_lookup(domain: str, limits: Mapping[str, int]) -> tuple[set[str], list[Filed]]:
    """The records filed under the keys of ``limits``: (keys shared by more records than their limit, the records
    filed under the others)."""
    if not _postgresql():
        counts = (
            BlockingKey.objects.filter(domain=domain, key__in=limits)
            .values("key")
            .annotate(n=Count("id"))
            .values_list("key", "n")
        )
        frequent = {key for key, n in counts if n > limits[key]}
        rows = BlockingKey.objects.filter(domain=domain, key__in=limits.keys() - frequent).values_list(
            "key", "record_id", "record__golden_id", "record__features"
        )
        return frequent, list(rows)
    ordered = sorted(limits)
    params: dict[str, Any] = {"keys": ordered, "limits": [limits[key] for key in ordered], "domain": domain}
    frequent = set()
    found: list[Filed] = []
    with connection.cursor() as cursor:
        cursor.execute(_LOOKUP_SQL, params)
        for key, record_id, golden_id, features in cursor.fetchall():
            if record_id is None:
                frequent.add(key)
            else:
                found.append((key, record_id, golden_id, _json(features)))
    return frequent, found


def blocking_keys_file(
    *, source_id: int, domain: str, rekeyed: Mapping[str, Sequence[str]], refiled: Mapping[str, int]
) -> None:
    """File a source's records under their blocking keys (``rekeyed``: source key -> keys); ``refiled``: the stored
    records among them (source key -> id). A stored record loses only the keys it no longer has and gains only its
    new ones: a changed phone number moves one key, not all ten (no churn of index entries and dead rows)."""
    if not rekeyed:
        return
    pairs = [(source_key, key) for source_key, keys in rekeyed.items() for key in dict.fromkeys(keys)]
    if not _postgresql():
        stale = Q()
        for source_key, record_id in refiled.items():
            stale |= Q(record_id=record_id) & ~Q(key__in=rekeyed[source_key])
        if refiled:
            BlockingKey.objects.filter(stale).delete()
        ids = dict(
            SourceRecord.objects.filter(source_id=source_id, domain=domain, source_key__in=rekeyed).values_list(
                "source_key", "id"
            )
        )
        BlockingKey.objects.bulk_create(
            [BlockingKey(record_id=ids[source_key], domain=domain, key=key) for source_key, key in pairs],
            batch_size=500,
            ignore_conflicts=True,
        )
        return
    # One statement: the stale keys are deleted, and the records' ids are looked up where the keys are inserted (the
    # ones a record already has are skipped: ON CONFLICT).
    kept = [(refiled[source_key], key) for source_key, key in pairs if source_key in refiled]
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH gone AS (DELETE FROM stewardship_blockingkey AS b WHERE b.record_id = ANY(%(refiled)s) "
            "AND NOT EXISTS (SELECT FROM unnest(%(kept_ids)s::bigint[], %(kept_keys)s::varchar[]) AS k(record_id, key) "
            "WHERE k.record_id = b.record_id AND k.key = b.key)) "
            "INSERT INTO stewardship_blockingkey (record_id, domain, key) SELECT s.id, %(domain)s, k.key "
            "FROM unnest(%(source_keys)s::varchar[], %(keys)s::varchar[]) AS k(source_key, key) "
            "JOIN stewardship_sourcerecord AS s "
            "ON s.source_id = %(source)s AND s.domain = %(domain)s AND s.source_key = k.source_key "
            "ON CONFLICT (record_id, key) DO NOTHING",
            {
                "refiled": list(refiled.values()),
                "kept_ids": [k[0] for k in kept],
                "kept_keys": [k[1] for k in kept],
                "domain": domain,
                "source_keys": [p[0] for p in pairs],
                "keys": [p[1] for p in pairs],
                "source": source_id,
            },
        )
