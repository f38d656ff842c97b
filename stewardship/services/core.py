"""Writes. Each public service is keyword-only, validates before it saves and runs in one transaction."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .. import correlation, db, domains, matching, publishing
from ..domains import Unreadable
from ..errors import ApplicationError, IdempotencyMismatch, NotFound, ValidationFailed
from ..matcher import BatchMatcher, Thresholds, rejected_goldens
from ..models import (
    ApiKey,
    AttributeLock,
    ChangeReason,
    ConsentEvent,
    ConsentPurpose,
    ConsentState,
    ConsentStatus,
    GoldenRecord,
    GoldenStatus,
    GoldenVersion,
    IdempotencyRecord,
    MatchCandidate,
    OwnershipRule,
    SourceRecord,
    SourceSystem,
)
from ..survivorship import Candidate, Lock, Rule, diff, survive

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
REJECTED = "rejected"

MAX_SOURCE_KEY = 200
CONSENT_CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class RecordResult:
    """The answer for one record of a batch, in input order."""

    source_key: str | None
    status: str
    golden_id: uuid.UUID | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "source_key": self.source_key,
            "status": self.status,
            "golden_id": str(self.golden_id) if self.golden_id else None,
            "errors": self.errors,
            "warnings": self.warnings,
        }
        if self.reason:
            data["reason"] = self.reason
        return data


# --- source systems and keys ---


def api_key_issue(*, source_code: str, name: str = "") -> tuple[ApiKey, str]:
    """Issue a new API key for a source system, creating the source if missing. Returns the row and the key,
    which is shown only now."""
    code = source_code.strip().lower()
    if not code or not code.replace("-", "").replace("_", "").isalnum():
        raise ValidationFailed("A source code is letters, digits, - and _.", fields={"code": ["Invalid code."]})
    with transaction.atomic():
        source, _ = SourceSystem.objects.get_or_create(code=code, defaults={"name": code.upper()})
        prefix, key = ApiKey.generate()
        api_key = ApiKey.objects.create(source=source, name=name, prefix=prefix, digest=ApiKey.hash(key))
    return api_key, key


# --- golden record recomputation (shared by ingest, locks, and later merge/unmerge) ---


@dataclass(frozen=True)
class _Config:
    """What a write reads of its domain's configuration: matching thresholds, ownership rules (per domain, as
    ``_survive_into`` takes them) and what the publisher reads of it (``publishing.prefetch``)."""

    thresholds: Thresholds
    rules: Mapping[str, dict[str, Rule]]
    prefetched: Any


def _source_lock(source: SourceSystem, domain: str) -> _Config:
    """Take the source's write lock (one writer per source at a time: its batches apply in order, and two batches
    never race on one key; an advisory lock, so taking it writes nothing) and read the domain's configuration: on
    PostgreSQL in one statement, which also makes the rest of the transaction plan its statements once."""
    thresholds, rules, prefetched = db.read_together(
        [Thresholds.part(domain), _rules_part(domain), publishing.prefetch(domain)],
        lock=("source", str(source.pk)),
        generic_plans=True,
    )
    return _Config(thresholds, {domain: rules}, prefetched)


def versions_save(
    versions: Sequence[GoldenVersion], *, prefetched: Any = None, known: publishing.Known | None = None
) -> None:
    """Store new golden versions and, in the same transaction, hand them to the publisher (``stewardship.publishing``):
    every approved change reaches the subscribed systems, or none of it happened."""
    db.bulk_insert(versions)
    publishing.publish(versions, prefetched=prefetched, known=known)


def _rules_for(domain: str) -> dict[str, Rule]:
    return _rules_from(OwnershipRule.objects.filter(domain=domain).values("attribute", "owners", "fallback"))


def _rules_from(rows: Iterable[Mapping[str, Any]]) -> dict[str, Rule]:
    return {r["attribute"]: Rule(owners=tuple(r["owners"]), fallback=r["fallback"]) for r in rows}


_RULES_SQL = """
    SELECT coalesce(json_agg(json_build_object('attribute', r.attribute, 'owners', r.owners, 'fallback', r.fallback)),
        '[]')
    FROM stewardship_ownershiprule AS r WHERE r.domain = %s
"""


def _rules_part(domain: str) -> db.Part[dict[str, Rule]]:
    return db.Part(_RULES_SQL, [domain], _rules_from, lambda: _rules_for(domain))


def _golden_recompute(
    goldens: Sequence[GoldenRecord],
    *,
    reason: str,
    actor_user: AbstractBaseUser | None = None,
    actor_source: SourceSystem | None = None,
    note: str = "",
    extra_changes: Mapping[uuid.UUID, dict[str, Any]] | None = None,
    config: _Config | None = None,
) -> list[GoldenVersion]:
    """Recompute survivorship for locked golden rows and save those that changed, with a version each.
    ``extra_changes`` (per golden record) are changes made beside the attributes (status, consent) that belong in
    the same version; ``config``: the domain's configuration when the caller has read it in this transaction.

    The caller holds the rows (select_for_update) inside its transaction.
    """
    if not goldens:
        return []
    read = _recompute_read([g.id for g in goldens])
    changed, versions = _survive_into(
        goldens,
        read.candidates,
        read.locks,
        reason=reason,
        actor_user=actor_user,
        actor_source=actor_source,
        note=note,
        extra_changes=extra_changes,
        rules=config.rules if config else None,
    )
    db.bulk_update(changed, ["attributes", "provenance", "version", "updated_at"])
    versions_save(versions, prefetched=config.prefetched if config else None, known=read.known)
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
    users = get_user_model()._meta
    assert users.pk is not None
    quote = connection.ops.quote_name
    username = quote(users.get_field(users.model.USERNAME_FIELD).column)
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


def _survive_into(
    goldens: Iterable[GoldenRecord],
    candidates: Mapping[uuid.UUID, list[Candidate]],
    locks: Mapping[uuid.UUID, Mapping[str, Lock]],
    *,
    reason: str,
    actor_user: AbstractBaseUser | None = None,
    actor_source: SourceSystem | None = None,
    note: str = "",
    extra_changes: Mapping[uuid.UUID, dict[str, Any]] | None = None,
    rules: Mapping[str, dict[str, Rule]] | None = None,
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
            rules_by_domain[golden.domain] = _rules_for(golden.domain)
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
                note=note,
            )
        )
    return changed, versions


# --- ingest ---


@dataclass
class _Incoming:
    index: int
    source_key: str
    updated_at: datetime
    read: domains.ReadRecord
    content_hash: str
    features: dict[str, Any]
    keys: list[str]


def _canonical_hash(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _read_record(domain: str, index: int, item: Any) -> _Incoming | RecordResult:
    if not isinstance(item, dict):
        return RecordResult(None, REJECTED, errors={"non_field_errors": ["A record must be an object."]})
    errors: dict[str, list[str]] = {}
    source_key = item.get("source_key")
    if not isinstance(source_key, str) or not source_key.strip():
        errors["source_key"] = ["Required: a non-empty string."]
        source_key = source_key if isinstance(source_key, str) else None
    elif len(source_key) > MAX_SOURCE_KEY:
        errors["source_key"] = [f"At most {MAX_SOURCE_KEY} characters."]
    updated_at = None
    try:
        updated_at = domains.parse_timestamp(item.get("updated_at"))
    except Unreadable as exc:
        errors["updated_at"] = [str(exc) if "updated_at" in item else "Required."]
    unknown = set(item) - {"source_key", "updated_at", "attributes"}
    for name in sorted(unknown):
        errors[name] = ["Unknown field."]
    if "attributes" not in item:
        errors["attributes"] = ["Required."]
        read = domains.ReadRecord()
    else:
        read = domains.read_attributes(domain, item["attributes"])
        errors.update({f"attributes.{k}" if k != "attributes" else k: v for k, v in read.errors.items()})
    if errors:
        return RecordResult(source_key, REJECTED, errors=errors)
    assert updated_at is not None and isinstance(source_key, str)
    feats = matching.features(domain, read.matchable)
    return _Incoming(
        index,
        source_key.strip(),
        updated_at,
        read,
        _canonical_hash(read.values),
        feats,
        matching.blocking_keys(domain, feats),
    )


def source_records_upsert(*, source: SourceSystem, domain: str, records: Sequence[Any]) -> list[RecordResult]:
    """Upsert a batch of a source's records of one domain, link new ones, and recompute the golden records.

    Records that cannot be read are rejected one by one; the rest are applied together in one transaction.
    A record older than the stored one (by the source's ``updated_at``) never overwrites it.
    """
    results: list[RecordResult | None] = [None] * len(records)
    incoming: list[_Incoming] = []
    for index, item in enumerate(records):
        read = _read_record(domain, index, item)
        if isinstance(read, RecordResult):
            results[index] = read
        else:
            incoming.append(read)
    if incoming:
        with transaction.atomic():
            _apply_records(source, domain, incoming, results)
    return [r for r in results if r is not None]


def _apply_records(
    source: SourceSystem, domain: str, incoming: list[_Incoming], results: list[RecordResult | None]
) -> None:
    config = _source_lock(source, domain)
    now = timezone.now()
    existing = {
        sr.source_key: sr
        for sr in SourceRecord.objects.filter(
            source=source, domain=domain, source_key__in={r.source_key for r in incoming}
        )
    }
    if any(r.source_key not in existing for r in incoming):
        # Records are matched against committed records: two batches (of any sources) must not decide about the
        # same new customer at once, or each would start its own golden record. Held until commit.
        db.advisory_xact_locks("match", [domain])
    # Only new records and records whose features changed are matched: a source sending what it sent before (a full
    # sync) costs no candidate look-up.
    to_match = [r for r in incoming if r.source_key not in existing or r.features != existing[r.source_key].features]
    matcher = BatchMatcher(domain, {k for r in to_match for k in r.keys}, thresholds=config.thresholds)
    matcher.prescore([(r.features, r.keys) for r in to_match])
    # What stewards said the stored records are not: read only when a changed record has something to propose.
    rematched = [existing[r.source_key].pk for r in to_match if r.source_key in existing]
    never: dict[int, set[uuid.UUID]] | None = None
    new_goldens: dict[uuid.UUID, GoldenRecord] = {}
    to_create: dict[str, SourceRecord] = {}
    to_update: dict[str, SourceRecord] = {}
    rekeyed: dict[str, list[str]] = {}  # source_key -> blocking keys to (re)file the record under
    proposals: list[tuple[uuid.UUID, uuid.UUID, matching.Score, str]] = []
    dirty: set[uuid.UUID] = set()
    for rec in incoming:
        sr = existing.get(rec.source_key)
        warnings = rec.read.warnings
        if sr is None:
            decision = matcher.decide(rec.features, rec.keys)
            golden_id = decision.link_to
            if golden_id is None:
                golden = GoldenRecord(domain=domain, version=0)
                new_goldens[golden.id] = golden
                golden_id = golden.id
            matcher.add(golden_id, rec.features, rec.keys)
            proposals += decision.proposals(golden_id)
            if decision.frequent_keys:
                logger.warning(
                    "blocking keys too common to compare on for %s: %s", rec.source_key, decision.frequent_keys
                )
            sr = SourceRecord(
                source=source,
                domain=domain,
                source_key=rec.source_key,
                golden_id=golden_id,
                attributes=rec.read.values,
                usable=rec.read.usable,
                warnings=warnings,
                features=rec.features,
                source_updated_at=rec.updated_at,
                received_at=now,
                content_hash=rec.content_hash,
            )
            existing[rec.source_key] = to_create[rec.source_key] = sr
            rekeyed[rec.source_key] = rec.keys
            dirty.add(golden_id)
            results[rec.index] = RecordResult(rec.source_key, CREATED, golden_id, warnings=warnings)
            continue
        if rec.updated_at < sr.source_updated_at:
            results[rec.index] = RecordResult(
                rec.source_key,
                UNCHANGED,
                sr.golden_id,
                warnings=warnings,
                reason=f"stale: the stored record is newer (updated_at {sr.source_updated_at.isoformat()})",
            )
            continue
        if rec.content_hash == sr.content_hash:
            if rec.updated_at > sr.source_updated_at:
                sr.source_updated_at = rec.updated_at
                sr.received_at = now
                to_update.setdefault(rec.source_key, sr)
            results[rec.index] = RecordResult(
                rec.source_key, UNCHANGED, sr.golden_id, warnings=warnings, reason="no change"
            )
            continue
        if rec.features != sr.features:
            # A changed record is matched again: what it now resembles is queued for review with its golden record.
            decision = matcher.decide(rec.features, rec.keys, own_golden=sr.golden_id)
            if decision.review and sr.pk:
                never = rejected_goldens(rematched) if never is None else never
                decision.review = [(g, result) for g, result in decision.review if g not in never.get(sr.pk, ())]
            proposals += decision.proposals(sr.golden_id)
            rekeyed[rec.source_key] = rec.keys
        sr.attributes, sr.usable, sr.warnings, sr.features = rec.read.values, rec.read.usable, warnings, rec.features
        sr.source_updated_at, sr.received_at, sr.content_hash = rec.updated_at, now, rec.content_hash
        if rec.source_key not in to_create:
            to_update[rec.source_key] = sr
        dirty.add(sr.golden_id)
        results[rec.index] = RecordResult(rec.source_key, UPDATED, sr.golden_id, warnings=warnings)

    # New golden records are computed before they are inserted: their only candidates are this batch's records.
    # Their source records are this batch's (inserted in this order, so in id order) and they hold no consent yet.
    new_candidates: dict[uuid.UUID, list[Candidate]] = defaultdict(list)
    new_sources: dict[uuid.UUID, list[dict[str, str]]] = defaultdict(list)
    for sr in to_create.values():
        if sr.golden_id in new_goldens:
            new_candidates[sr.golden_id].append(Candidate(source.code, sr.source_key, sr.source_updated_at, sr.usable))
            new_sources[sr.golden_id].append({"source": source.code, "source_key": sr.source_key})
    _, new_versions = _survive_into(
        new_goldens.values(), new_candidates, {}, reason=ChangeReason.INGEST, actor_source=source, rules=config.rules
    )
    db.bulk_insert(list(new_goldens.values()))
    db.bulk_insert(list(to_create.values()))
    db.bulk_update(
        list(to_update.values()),
        ["attributes", "usable", "warnings", "features", "source_updated_at", "received_at", "content_hash"],
    )
    versions_save(
        new_versions,
        prefetched=config.prefetched,
        known=publishing.Known(sources=new_sources, consents={golden_id: {} for golden_id in new_goldens}),
    )
    db.blocking_keys_file(
        source_id=source.pk,
        domain=domain,
        rekeyed=rekeyed,
        refiled={k: existing[k].pk for k in rekeyed if k not in to_create},
    )
    _candidates_queue(domain, proposals)
    dirty.difference_update(new_goldens)
    goldens = list(GoldenRecord.objects.select_for_update(no_key=True).filter(id__in=dirty).order_by("id"))
    _golden_recompute(goldens, reason=ChangeReason.INGEST, actor_source=source, config=config)


def _candidates_queue(domain: str, proposals: Sequence[tuple[uuid.UUID, uuid.UUID, matching.Score, str]]) -> None:
    """Queue one pending candidate per pair of golden records (the best score wins; an existing pending candidate
    for the pair stays as it is)."""
    best: dict[tuple[uuid.UUID, uuid.UUID], tuple[matching.Score, str]] = {}
    for one, other, result, reason in proposals:
        if one == other:
            continue
        swapped = str(one) > str(other)  # the pair is stored in id order; its explanation must follow
        pair = (other, one) if swapped else (one, other)
        if pair not in best or result.probability > best[pair][0].probability:
            best[pair] = (score_facing(result, turned=swapped), reason)
    MatchCandidate.objects.bulk_create(
        [
            MatchCandidate(
                domain=domain,
                golden_a_id=a,
                golden_b_id=b,
                score=round(result.probability, 6),
                explanation=[e.as_dict() for e in result.explanation],
                reason=reason,
            )
            for (a, b), (result, reason) in best.items()
        ],
        ignore_conflicts=True,
    )


def score_facing(score: matching.Score, *, turned: bool) -> matching.Score:
    """The score with its explanation's values the other way round when ``turned``: a pair of golden records is kept in
    id order, and its explanation must show each one's own values on its side."""
    if not turned:
        return score
    return matching.Score(score.probability, [replace(e, a=e.b, b=e.a) for e in score.explanation])


# --- steward locks ---


def _read_value(domain: str, attribute: str, value: Any) -> Any:
    if attribute not in domains.SCHEMAS[domain]:
        raise ValidationFailed(f"{attribute!r} is not a {domain} attribute.", fields={"attribute": ["Unknown."]})
    read = domains.read_attributes(domain, {attribute: value})
    if read.errors:
        raise ValidationFailed("The value cannot be used.", fields=read.errors)
    if read.warnings:
        raise ValidationFailed("The value fails a quality check.", fields=read.warnings)
    return read.values[attribute]


def _golden_for_update(golden_id: uuid.UUID | str) -> GoldenRecord:
    golden = GoldenRecord.objects.select_for_update(no_key=True).filter(pk=golden_id).first()
    if golden is None:
        raise NotFound("No such golden record.")
    if golden.status != GoldenStatus.ACTIVE:
        raise ApplicationError(f"The golden record is {golden.status}.", code="golden_not_active")
    return golden


def attribute_lock_set(
    *, golden_id: uuid.UUID | str, attribute: str, value: Any, user: AbstractBaseUser, note: str = ""
) -> GoldenRecord:
    """Set a steward's value on a golden attribute; it overrides every source until unlocked."""
    with transaction.atomic():
        golden = _golden_for_update(golden_id)
        parsed = _read_value(golden.domain, attribute, value)
        AttributeLock.objects.update_or_create(
            golden=golden, attribute=attribute, defaults={"value": parsed, "locked_by": user}
        )
        _golden_recompute([golden], reason=ChangeReason.STEWARD_EDIT, actor_user=user, note=note)
    return golden


def attribute_lock_release(
    *, golden_id: uuid.UUID | str, attribute: str, user: AbstractBaseUser, note: str = ""
) -> GoldenRecord:
    """Remove a steward's lock: the attribute follows the sources again."""
    with transaction.atomic():
        golden = _golden_for_update(golden_id)
        deleted, _ = AttributeLock.objects.filter(golden=golden, attribute=attribute).delete()
        if not deleted:
            raise NotFound(f"{attribute!r} is not locked.")
        _golden_recompute([golden], reason=ChangeReason.STEWARD_EDIT, actor_user=user, note=note or "unlocked")
    return golden


def ownership_rules_apply(*, domain: str, user: AbstractBaseUser | None = None, batch_size: int = 500) -> int:
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
            changed += len(_golden_recompute(goldens, reason=ChangeReason.RULE, actor_user=user))
    return changed


# --- consent ---


@dataclass
class _ConsentIncoming:
    index: int
    source_key: str
    purpose: ConsentPurpose
    status: str
    captured_at: datetime


def _consent_wins(status: str, captured_at: datetime, state: ConsentState | None) -> bool:
    """The latest ``captured_at`` wins, whatever order events arrive in; on a tie, withdrawal wins."""
    if state is None or captured_at > state.captured_at:
        return True
    return captured_at == state.captured_at and status == ConsentStatus.WITHDRAWN and state.status != status


def consent_events_record(*, source: SourceSystem, events: Sequence[Any]) -> list[RecordResult]:
    """Record a batch of a source's consent events and update the current consent state per purpose."""
    purposes = {p.code: p for p in ConsentPurpose.objects.all()}
    results: list[RecordResult | None] = [None] * len(events)
    incoming: list[_ConsentIncoming] = []
    latest_allowed = timezone.now() + CONSENT_CLOCK_SKEW
    for index, item in enumerate(events):
        if not isinstance(item, dict):
            results[index] = RecordResult(None, REJECTED, errors={"non_field_errors": ["An event must be an object."]})
            continue
        errors: dict[str, list[str]] = {}
        source_key = item.get("source_key")
        if not isinstance(source_key, str) or not source_key.strip():
            errors["source_key"] = ["Required: a non-empty string."]
        purpose = purposes.get(item.get("purpose")) if isinstance(item.get("purpose"), str) else None
        if purpose is None:
            errors["purpose"] = [f"Unknown purpose; one of: {', '.join(sorted(purposes))}."]
        status = item.get("status")
        if status not in ConsentStatus.values:
            errors["status"] = ["One of: granted, withdrawn."]
        captured_at = None
        try:
            captured_at = domains.parse_timestamp(item.get("captured_at"))
            if captured_at > latest_allowed:
                errors["captured_at"] = ["In the future."]
        except Unreadable as exc:
            errors["captured_at"] = [str(exc)]
        for name in sorted(set(item) - {"source_key", "purpose", "status", "captured_at"}):
            errors[name] = ["Unknown field."]
        if errors:
            results[index] = RecordResult(source_key if isinstance(source_key, str) else None, REJECTED, errors=errors)
            continue
        assert isinstance(source_key, str) and purpose is not None and captured_at is not None
        incoming.append(_ConsentIncoming(index, source_key.strip(), purpose, str(status), captured_at))
    if incoming:
        with transaction.atomic():
            _apply_consents(source, incoming, results)
    return [r for r in results if r is not None]


def _apply_consents(source: SourceSystem, incoming: list[_ConsentIncoming], results: list[RecordResult | None]) -> None:
    db.advisory_xact_locks("source", [str(source.pk)])  # the lock ingest takes: one writer per source
    golden_of = dict(
        SourceRecord.objects.filter(
            source=source, domain=domains.CUSTOMER, source_key__in={e.source_key for e in incoming}
        ).values_list("source_key", "golden_id")
    )
    golden_ids = set(golden_of.values())
    goldens = {
        g.id: g for g in GoldenRecord.objects.select_for_update(no_key=True).filter(id__in=golden_ids).order_by("id")
    }
    states = {(s.golden_id, s.purpose_id): s for s in ConsentState.objects.filter(golden_id__in=golden_ids)}
    changes: dict[uuid.UUID, dict[str, dict[str, Any]]] = defaultdict(dict)
    cid = correlation.get()
    for event in sorted(incoming, key=lambda e: e.captured_at):
        golden_id = golden_of.get(event.source_key)
        if golden_id is None:
            results[event.index] = RecordResult(
                event.source_key, REJECTED, errors={"source_key": ["No customer with this key from this source."]}
            )
            continue
        try:
            with transaction.atomic():
                row = ConsentEvent.objects.create(
                    golden_id=golden_id,
                    source=source,
                    source_key=event.source_key,
                    purpose=event.purpose,
                    status=event.status,
                    captured_at=event.captured_at,
                    correlation_id=cid,
                )
        except IntegrityError:
            results[event.index] = RecordResult(event.source_key, UNCHANGED, golden_id, reason="duplicate event")
            continue
        key = (golden_id, event.purpose.pk)
        state = states.get(key)
        if _consent_wins(event.status, event.captured_at, state):
            before = state.status if state else None
            if state is None:
                state = states[key] = ConsentState(golden_id=golden_id, purpose=event.purpose)
            state.status, state.captured_at, state.event = event.status, event.captured_at, row
            state.save()
            if before != event.status:
                entry = changes[golden_id].setdefault(f"consent.{event.purpose.code}", {"before": before})
                entry["after"] = event.status
        results[event.index] = RecordResult(event.source_key, CREATED, golden_id)
    versions = []
    for golden_id, golden_changes in changes.items():
        golden_changes = {k: v for k, v in golden_changes.items() if v["before"] != v["after"]}
        if not golden_changes:
            continue
        golden = goldens[golden_id]
        golden.version += 1
        versions.append(
            GoldenVersion(
                golden=golden,
                version=golden.version,
                reason=ChangeReason.CONSENT,
                changes=golden_changes,
                actor_source=source,
                correlation_id=cid,
            )
        )
    GoldenRecord.objects.bulk_update([v.golden for v in versions], ["version", "updated_at"])
    versions_save(versions)


# --- idempotency ---


def request_fingerprint(path: str, body: bytes) -> str:
    return hashlib.sha256(path.encode() + b"\n" + body).hexdigest()


def idempotent(
    *, source: SourceSystem, key: str | None, fingerprint: str, handler: Callable[[], tuple[int, Any]]
) -> tuple[int, Any, bool]:
    """Run ``handler`` once per (source, Idempotency-Key): a retry of the same request gets the first answer
    (third value True); the same key with a different request is refused with 422."""
    if not key:
        status, body = handler()
        return status, body, False
    if len(key) > 200:
        raise ValidationFailed("Idempotency-Key is at most 200 characters.", fields={"Idempotency-Key": ["Too long."]})

    def replay(record: IdempotencyRecord) -> tuple[int, Any, bool]:
        if record.request_hash != fingerprint:
            raise IdempotencyMismatch("This Idempotency-Key was used for a different request.")
        return record.status_code, record.response, True

    stored = IdempotencyRecord.objects.filter(source=source, key=key).first()
    if stored:
        return replay(stored)
    try:
        with transaction.atomic():
            status, body = handler()
            IdempotencyRecord.objects.create(
                source=source, key=key, request_hash=fingerprint, status_code=status, response=body
            )
    except IntegrityError:
        # A concurrent request with the same key won; our work was rolled back with the failed insert.
        stored = IdempotencyRecord.objects.filter(source=source, key=key).first()
        if stored is None:
            raise
        return replay(stored)
    return status, body, False


def idempotency_keys_purge(*, older_than: timedelta) -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
