"""Golden records: survivorship recomputed and versioned, merges and unmerges. Every other write that changes a golden
record (ingest, steward values, change requests, consent, review decisions, rematch) goes through here.

A golden record changes only with a new version (who, why, what changed), saved with ``versions_save``, which hands
it to the publisher in the same transaction. The caller holds the golden rows locked (``golden_for_update``,
``goldens_lock``) inside its transaction; the rows are always locked in id order, so two writers never deadlock.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from .. import correlation, db, publishing
from ..errors import ApplicationError, Conflict, NotFound, PreconditionFailed, ValidationFailed
from ..models import (
    AttributeLock,
    ChangeReason,
    ConsentEvent,
    ConsentState,
    GoldenRecord,
    GoldenStatus,
    GoldenVersion,
    OwnershipRule,
    SourceRecord,
    SourceSystem,
)
from ..survivorship import Candidate, Lock, Rule, consent_rank, diff, survive
from .candidates import candidates_supersede, not_a_match_remember

Rules = Mapping[str, dict[str, Rule]]  # domain -> attribute -> rule


# --- versions ---


def versions_save(
    versions: Sequence[GoldenVersion], *, prefetched: Any = None, known: publishing.Known | None = None
) -> None:
    """Store new golden versions and, in the same transaction, hand them to the publisher (``stewardship.publishing``):
    every approved change reaches the subscribed systems, or none of it happened."""
    db.bulk_insert(versions)
    publishing.publish(versions, prefetched=prefetched, known=known)


# --- ownership rules ---


def ownership_rules(domain: str) -> dict[str, Rule]:
    """The domain's ownership rules, per attribute."""
    return _rules_from(OwnershipRule.objects.filter(domain=domain).values("attribute", "owners", "fallback"))


def _rules_from(rows: Iterable[Mapping[str, Any]]) -> dict[str, Rule]:
    return {r["attribute"]: Rule(owners=tuple(r["owners"]), fallback=r["fallback"]) for r in rows}


_RULES_SQL = """
    SELECT coalesce(json_agg(json_build_object('attribute', r.attribute, 'owners', r.owners, 'fallback', r.fallback)),
        '[]')
    FROM stewardship_ownershiprule AS r WHERE r.domain = %s
"""


def ownership_rules_part(domain: str) -> db.Part[dict[str, Rule]]:
    """``ownership_rules`` as a read of ``db.read_together``."""
    return db.Part(_RULES_SQL, [domain], _rules_from, lambda: ownership_rules(domain))


def ownership_rules_apply(*, domain: str, user: User | None = None, batch_size: int = 500) -> int:
    """Recompute every active golden record of a domain after its rules changed. Returns how many changed."""
    changed = 0
    ids = list(
        GoldenRecord.objects.filter(domain=domain, status=GoldenStatus.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            goldens = list(
                GoldenRecord.objects.select_for_update(no_key=True).filter(id__in=ids[start : start + batch_size])
            )
            changed += len(golden_recompute(goldens, reason=ChangeReason.RULE, actor_user=user))
    return changed


# --- survivorship, recomputed and versioned ---


def version_note(text: str) -> str:
    """A version's note cut to fit its column: the steward's comment it quotes may alone be as long as the column."""
    limit = GoldenVersion._meta.get_field("note").max_length or len(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def golden_survive(
    goldens: Iterable[GoldenRecord],
    candidates: Mapping[uuid.UUID, list[Candidate]],
    locks: Mapping[uuid.UUID, Mapping[str, Lock]],
    *,
    reason: str,
    actor_user: User | None = None,
    actor_source: SourceSystem | None = None,
    note: str = "",
    extra_changes: Mapping[uuid.UUID, dict[str, Any]] | None = None,
    rules: Rules | None = None,
) -> tuple[list[GoldenRecord], list[GoldenVersion]]:
    """Apply survivorship to golden records in memory: (records changed, new versions). Saves nothing.

    A golden record with version 0 is new: it gets version 1 even when it has no usable value yet. ``rules``: the
    ownership rules per domain where the caller has read them; the others are read here.
    """
    rules_by_domain: dict[str, dict[str, Rule]] = dict(rules or {})
    versions: list[GoldenVersion] = []
    changed: list[GoldenRecord] = []
    cid = correlation.get()
    now = timezone.now()
    for golden in goldens:
        if golden.domain not in rules_by_domain:
            rules_by_domain[golden.domain] = ownership_rules(golden.domain)
        attributes, provenance = survive(
            golden.domain, candidates.get(golden.id, ()), rules_by_domain[golden.domain], locks.get(golden.id)
        )
        changes = diff(golden.attributes, attributes) | (extra_changes or {}).get(golden.id, {})
        if not changes and golden.version > 0:
            if provenance != golden.provenance:
                # The same value now comes from another source record: keep the provenance true, no new version.
                golden.provenance = provenance
                changed.append(golden)
            continue
        golden.attributes, golden.provenance = attributes, provenance
        golden.version += 1
        golden.updated_at = now
        changed.append(golden)
        versions.append(
            GoldenVersion(
                golden=golden,
                version=golden.version,
                reason=reason,
                changes=changes,
                actor_user=actor_user,
                actor_source=actor_source,
                correlation_id=cid,
                note=version_note(note),
            )
        )
    return changed, versions


def golden_recompute(
    goldens: Sequence[GoldenRecord],
    *,
    reason: str,
    actor_user: User | None = None,
    actor_source: SourceSystem | None = None,
    note: str = "",
    extra_changes: Mapping[uuid.UUID, dict[str, Any]] | None = None,
    rules: Rules | None = None,
    prefetched: Any = None,
) -> list[GoldenVersion]:
    """Recompute survivorship for locked golden rows and save those that changed, with a version each.
    ``extra_changes`` (per golden record) are changes made beside the attributes (status, consent) that belong in
    the same version; ``rules`` and ``prefetched`` (``publishing.prefetch``): what the caller read of the domain's
    configuration in this transaction.
    """
    if not goldens:
        return []
    read = _recompute_read([g.id for g in goldens])
    changed, versions = golden_survive(
        goldens,
        read.candidates,
        read.locks,
        reason=reason,
        actor_user=actor_user,
        actor_source=actor_source,
        note=note,
        extra_changes=extra_changes,
        rules=rules,
    )
    db.bulk_update(changed, ["attributes", "provenance", "version", "updated_at"])
    versions_save(versions, prefetched=prefetched, known=read.known)
    return versions


@dataclass
class _RecomputeRead:
    """What recomputing golden records reads: their source records as survivorship candidates, steward locks, and
    for the published events the source keys (every golden record has an entry) and, where read, the consents."""

    sources: dict[uuid.UUID, list[dict[str, str]]]
    candidates: dict[uuid.UUID, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    locks: dict[uuid.UUID, dict[str, Lock]] = field(default_factory=lambda: defaultdict(dict))
    consents: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)

    @property
    def known(self) -> publishing.Known:
        return publishing.Known(sources=self.sources, consents=self.consents)

    def add_source(self, golden_id: uuid.UUID, source: str, key: str, updated_at: datetime, usable: Any) -> None:
        self.candidates[golden_id].append(Candidate(source, key, updated_at, usable))
        self.sources[golden_id].append({"source": source, "source_key": key})


def _recompute_read(ids: Sequence[uuid.UUID]) -> _RecomputeRead:
    """On PostgreSQL the three reads are one statement (a single-record upsert is a few milliseconds of such
    statements)."""
    read = _RecomputeRead(sources={golden_id: [] for golden_id in ids})
    sources, locks, consents = db.read_together([_sources_part(ids), _locks_part(ids), _consents_part(ids)])
    for golden_id, source_code, source_key, updated_at, usable in sources:
        read.add_source(golden_id, source_code, source_key, updated_at, usable)
    for golden_id, attribute, value, username, locked_at in locks:
        read.locks[golden_id][attribute] = Lock(value, username, locked_at)
    if consents is not None:
        read.consents = {golden_id: {} for golden_id in ids} | consents
    return read


_SOURCES_SQL = """
    SELECT coalesce(json_agg(json_build_object('golden', r.golden_id, 'source', s.code, 'key', r.source_key,
        'updated_at', r.source_updated_at, 'usable', r.usable) ORDER BY r.id), '[]')
    FROM stewardship_sourcerecord AS r JOIN stewardship_sourcesystem AS s ON s.id = r.source_id
    WHERE r.golden_id = ANY(%s)
"""


def _sources_part(ids: Sequence[uuid.UUID]) -> db.Part[list[tuple[uuid.UUID, str, str, datetime, dict[str, Any]]]]:
    """The golden records' source records (golden id, source code, source key, updated at, usable values), in id
    order."""
    return db.Part(
        _SOURCES_SQL,
        [list(ids)],
        lambda rows: [
            (uuid.UUID(r["golden"]), r["source"], r["key"], datetime.fromisoformat(r["updated_at"]), r["usable"])
            for r in rows
        ],
        lambda: list(
            SourceRecord.objects.filter(golden_id__in=ids)
            .order_by("id")
            .values_list("golden_id", "source__code", "source_key", "source_updated_at", "usable")
        ),
    )


@functools.cache
def _locks_sql() -> str:
    user_model = get_user_model()
    users = user_model._meta
    username_column = db.column_field(user_model, user_model.USERNAME_FIELD).column
    assert users.pk.column is not None and username_column is not None  # both are concrete fields
    quote = connection.ops.quote_name
    username = quote(username_column)
    return f"""
        SELECT coalesce(json_agg(json_build_object('golden', l.golden_id, 'attribute', l.attribute, 'value', l.value,
            'user', u.{username}, 'locked_at', l.locked_at)), '[]')
        FROM stewardship_attributelock AS l
        JOIN {quote(users.db_table)} AS u ON u.{quote(users.pk.column)} = l.locked_by_id
        WHERE l.golden_id = ANY(%s)
    """


def _locks_part(ids: Sequence[uuid.UUID]) -> db.Part[list[tuple[uuid.UUID, str, Any, str, datetime]]]:
    """The golden records' steward locks (golden id, attribute, value, username, locked at)."""
    return db.Part(
        _locks_sql(),
        [list(ids)],
        lambda rows: [
            (uuid.UUID(r["golden"]), r["attribute"], r["value"], r["user"], datetime.fromisoformat(r["locked_at"]))
            for r in rows
        ],
        lambda: [
            (lock.golden_id, lock.attribute, lock.value, lock.locked_by.get_username(), lock.locked_at)
            for lock in AttributeLock.objects.filter(golden_id__in=ids).select_related("locked_by")
        ],
    )


_CONSENTS_SQL = """
    SELECT coalesce(json_agg(json_build_object('golden', c.golden_id, 'purpose', p.code, 'status', c.status,
        'captured_at', c.captured_at)), '[]')
    FROM stewardship_consentstate AS c JOIN stewardship_consentpurpose AS p ON p.id = c.purpose_id
    WHERE c.golden_id = ANY(%s)
"""


def _consents_from_json(rows: Iterable[Mapping[str, Any]]) -> dict[uuid.UUID, dict[str, Any]]:
    consents: dict[uuid.UUID, dict[str, Any]] = defaultdict(dict)
    for r in rows:
        captured_at = datetime.fromisoformat(r["captured_at"]).isoformat()  # as the payloads carry it
        consents[uuid.UUID(r["golden"])][r["purpose"]] = {"status": r["status"], "captured_at": captured_at}
    return consents


def _consents_part(ids: Sequence[uuid.UUID]) -> db.Part[dict[uuid.UUID, dict[str, Any]] | None]:
    """The golden records' consents for their published events (purpose -> state), read with the rest on PostgreSQL;
    elsewhere not read here (None): the publisher reads them itself."""
    return db.Part(_CONSENTS_SQL, [list(ids)], _consents_from_json, lambda: None)


# --- locking golden records for a write ---


def golden_for_update(golden_id: uuid.UUID | str) -> GoldenRecord:
    """Lock an active golden record for a steward's edit."""
    golden = GoldenRecord.objects.select_for_update(no_key=True).filter(pk=golden_id).first()
    if golden is None:
        raise NotFound("No such golden record.")
    if golden.status != GoldenStatus.ACTIVE:
        raise ApplicationError(f"The golden record is {golden.status}.", code="golden_not_active")
    return golden


def goldens_seen(*ids: uuid.UUID) -> dict[uuid.UUID, int]:
    """The versions a request decides on, read before it waits for any lock (``goldens_check``'s ``seen``)."""
    return dict(GoldenRecord.objects.filter(id__in=ids).values_list("id", "version"))


def goldens_lock(*ids: uuid.UUID) -> dict[uuid.UUID, GoldenRecord]:
    """Lock golden records, in id order, for a decision (``goldens_check`` then says whether it still applies)."""
    return {g.id: g for g in GoldenRecord.objects.select_for_update(no_key=True).filter(id__in=ids).order_by("id")}


def goldens_check(
    goldens: Mapping[uuid.UUID, GoldenRecord], ids: Iterable[uuid.UUID], seen: Mapping[uuid.UUID, int] | None = None
) -> None:
    """Each golden record of ``ids`` is there, active and, when ``seen`` is given, unchanged since the request read it:
    a record another steward or a source changed while this request waited for its lock is a conflict, since the
    decision was made on what is no longer there."""
    for golden_id in ids:
        golden = goldens.get(golden_id)
        if golden is None:
            raise NotFound("No such golden record.")
        if golden.status != GoldenStatus.ACTIVE:
            raise Conflict(f"Golden record {golden_id} is {golden.status}: the decision no longer applies.")
        if seen is not None and seen.get(golden_id) != golden.version:
            raise Conflict(
                f"Golden record {golden_id} changed while you were deciding (now version {golden.version}): "
                "reload and decide again.",
                code="changed_meanwhile",
            )


# --- merge and unmerge ---


def golden_merge(
    *,
    survivor: GoldenRecord,
    merged: GoldenRecord,
    user: User | None,
    note: str,
    chosen: Mapping[str, Any] | None = None,
    reason: str = ChangeReason.MERGE,
) -> None:
    """Fold ``merged`` into ``survivor`` (both locked by the caller): source records, consent and steward values
    move; ``merged`` keeps its id with status merged; both get a version."""
    SourceRecord.objects.filter(golden=merged).update(golden=survivor, previous_golden=merged)
    ConsentEvent.objects.filter(golden=merged).update(golden=survivor)
    ConsentState.objects.filter(golden=merged).delete()
    consent_changes = _consent_states_rebuild([survivor])
    survivor_locked = set(AttributeLock.objects.filter(golden=survivor).values_list("attribute", flat=True))
    AttributeLock.objects.filter(golden=merged).exclude(attribute__in=survivor_locked).update(golden=survivor)
    AttributeLock.objects.filter(golden=merged).delete()
    if chosen:
        # Chosen values become steward locks in the chooser's name: only a steward's merge has them (a merge by rule
        # passes no user and chooses nothing).
        assert user is not None, "values chosen for a merge need the user who chose them"
        for attribute, value in chosen.items():
            AttributeLock.objects.update_or_create(
                golden=survivor, attribute=attribute, defaults={"value": value, "locked_by": user}
            )
    merged.status, merged.merged_into = GoldenStatus.MERGED, survivor
    merged.version += 1
    merged.save(update_fields=["status", "merged_into", "version", "updated_at"])
    versions_save(
        [
            GoldenVersion(
                golden=merged,
                version=merged.version,
                reason=reason,
                changes={"status": {"before": GoldenStatus.ACTIVE, "after": GoldenStatus.MERGED}},
                actor_user=user,
                correlation_id=correlation.get(),
                note=version_note(f"merged into {survivor.id}; {note}"),
            )
        ]
    )
    extra = {"merged": {"before": None, "after": str(merged.id)}} | consent_changes.get(survivor.id, {})
    golden_recompute([survivor], reason=reason, actor_user=user, note=note, extra_changes={survivor.id: extra})
    candidates_supersede(merged=merged, survivor=survivor)


def golden_record_unmerge(
    *,
    golden_id: uuid.UUID | str,
    sources: Sequence[tuple[str, str]],
    user: User,
    if_match: int | None = None,
) -> list[GoldenRecord]:
    """Split source records out of a golden record. Each goes back to the golden record it was merged from (same
    id, reactivated) where there is one, else to a new golden record; the split is remembered as not-a-match."""
    golden_id = uuid.UUID(str(golden_id))
    seen = goldens_seen(golden_id)
    with transaction.atomic():
        locked = goldens_lock(golden_id)
        goldens_check(locked, [golden_id], seen)
        golden = locked[golden_id]
        if if_match is not None and if_match != golden.version:
            raise PreconditionFailed(
                f"The golden record is at version {golden.version}, not {if_match}: reload and decide again."
            )
        records = list(SourceRecord.objects.filter(golden=golden).select_related("source", "previous_golden"))
        moving, staying = _split(records, sources)
        groups: dict[uuid.UUID | None, list[SourceRecord]] = defaultdict(list)
        for record in moving:
            previous = record.previous_golden
            restorable = previous is not None and previous.status == GoldenStatus.MERGED
            groups[previous.id if restorable and previous else None].append(record)
        targets: list[GoldenRecord] = []
        extra: dict[uuid.UUID, dict[str, Any]] = {}
        for previous_id, group in groups.items():
            if previous_id is not None:
                target = GoldenRecord.objects.select_for_update(no_key=True).get(pk=previous_id)
                target.status, target.merged_into = GoldenStatus.ACTIVE, None
                target.save(update_fields=["status", "merged_into", "updated_at"])
                extra[target.id] = {"status": {"before": GoldenStatus.MERGED, "after": GoldenStatus.ACTIVE}}
                targets.append(target)
                _records_move(group, target)
                continue
            for record in group:
                # Each record without a golden record of its own before gets a new one: unmerge splits, it does not
                # guess which of them belong together.
                target = GoldenRecord.objects.create(domain=golden.domain, version=0)
                targets.append(target)
                _records_move([record], target)
        for target in targets:
            extra.setdefault(target.id, {})["unmerged_from"] = {"before": None, "after": str(golden.id)}
        for golden_key, changes in _consent_states_rebuild([golden, *targets]).items():
            extra.setdefault(golden_key, {}).update(changes)
        extra.setdefault(golden.id, {})["split_out"] = {
            "before": None,
            "after": [f"{r.source.code}:{r.source_key}" for r in moving],
        }
        not_a_match_remember([r.id for r in moving], [r.id for r in staying], user)
        golden_recompute(
            [golden, *targets],
            reason=ChangeReason.UNMERGE,
            actor_user=user,
            note=f"split out of {golden.id}",
            extra_changes=extra,
        )
    return targets


def _split(
    records: Sequence[SourceRecord], sources: Sequence[tuple[str, str]]
) -> tuple[list[SourceRecord], list[SourceRecord]]:
    """(the records named by (source code, source key) to split out, the records that stay)."""
    by_ref = {(r.source.code, r.source_key): r for r in records}
    unknown = [f"{code}:{key}" for code, key in sources if (code, key) not in by_ref]
    if unknown:
        raise ValidationFailed("Some source records are not linked to this golden record.", fields={"sources": unknown})
    moving = list({id(by_ref[ref]): by_ref[ref] for ref in sources}.values())
    if not moving:
        raise ValidationFailed("Name at least one source record to split out.", fields={"sources": ["Empty."]})
    if len(moving) == len(records):
        raise ValidationFailed(
            "At least one source record must stay with the golden record.", fields={"sources": ["All of them."]}
        )
    return moving, [r for r in records if r not in moving]


def _records_move(records: Sequence[SourceRecord], target: GoldenRecord) -> None:
    SourceRecord.objects.filter(id__in=[r.id for r in records]).update(golden=target, previous_golden=None)
    for record in records:
        ConsentEvent.objects.filter(source=record.source, source_key=record.source_key).update(golden=target)


def _consent_states_rebuild(goldens: Sequence[GoldenRecord]) -> dict[uuid.UUID, dict[str, dict[str, Any]]]:
    """Recompute the current consent per purpose from the event log (after events moved between records).
    Returns the state changes per golden record, for its version."""
    ids = [g.id for g in goldens]
    before = {
        (s.golden_id, s.purpose.code): s.status
        for s in ConsentState.objects.filter(golden_id__in=ids).select_related("purpose")
    }
    winners: dict[tuple[uuid.UUID, int], ConsentEvent] = {}
    for event in ConsentEvent.objects.filter(golden_id__in=ids).select_related("purpose"):
        key = (event.golden_id, event.purpose_id)
        current = winners.get(key)
        if current is None or consent_rank(event.captured_at, event.status) > consent_rank(
            current.captured_at, current.status
        ):
            winners[key] = event
    ConsentState.objects.filter(golden_id__in=ids).delete()
    ConsentState.objects.bulk_create(
        [
            ConsentState(golden_id=g, purpose_id=p, status=e.status, captured_at=e.captured_at, event=e)
            for (g, p), e in winners.items()
        ]
    )
    after = {(e.golden_id, e.purpose.code): e.status for e in winners.values()}
    changes: dict[uuid.UUID, dict[str, dict[str, Any]]] = defaultdict(dict)
    for golden_key, purpose in set(before) | set(after):
        if before.get((golden_key, purpose)) != after.get((golden_key, purpose)):
            changes[golden_key][f"consent.{purpose}"] = {
                "before": before.get((golden_key, purpose)),
                "after": after.get((golden_key, purpose)),
            }
    return changes
