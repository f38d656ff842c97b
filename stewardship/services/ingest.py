"""Ingest: a source's batch of records of one domain, upserted by the source's own keys.

``source_records_upsert`` reads each record on its own (one that cannot be read is rejected with field errors, the
others go on), then applies the rest in one transaction, step by step:

1. ``_lock``: take the source's write lock and read the domain's configuration (one statement on PostgreSQL);
2. ``_stored``: the source's stored records with these keys (and the match lock when a record is new);
3. ``_matcher``: score the new and changed records against the stored ones and each other (one engine call);
4. ``_Batch.link``: per record, in input order: a new record joins a golden record or starts one, a stale one is
   left as it is, a changed one is updated and matched again (what it now resembles is proposed for review);
5. ``_save``: new golden records (survivorship computed in memory: their only records are this batch's) with their
   versions, the source records, their blocking keys;
6. the match candidates proposed for review are queued;
7. ``_survive``: the stored golden records whose source records changed are recomputed and versioned.

Every version is handed to the publisher in the same transaction (``golden.versions_save``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from .. import db, domains, logs, matching, publishing
from ..matching.retrieval import BatchMatcher, Thresholds, rejected_goldens
from ..models import ChangeReason, GoldenRecord, SourceRecord, SourceSystem
from ..survivorship import Candidate
from .batch import (
    CREATED,
    REJECTED,
    UNCHANGED,
    UPDATED,
    RecordResult,
    batch_answer,
    erased,
    latest_timestamp,
    not_an_object,
    source_key_read,
    timestamp_read,
    unknown_fields,
    unstorable_text,
)
from .candidates import Proposal, candidates_queue
from .golden import Rules, golden_recompute, golden_survive, ownership_rules_part, versions_save

logger = logging.getLogger(__name__)

MAX_SOURCE_KEY = 200
_FIELDS = ("source_key", "updated_at", "attributes")


def source_records_upsert(*, source: SourceSystem, domain: str, records: Sequence[Any]) -> list[RecordResult]:
    """Upsert a batch of a source's records of one domain, link new ones, and recompute the golden records.

    Records that cannot be read are rejected one by one; the rest are applied together in one transaction.
    A record older than the stored one (by the source's ``updated_at``) never overwrites it.
    """
    latest = latest_timestamp()
    return batch_answer(
        records,
        lambda index, item: _read(domain, index, item, latest),
        lambda incoming, results: _apply(source, domain, incoming, results),
    )


def content_hash(values: dict[str, Any]) -> str:
    """A record's values as one hash: the same record sent again is ``unchanged``."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# --- reading ---


@dataclass
class _Incoming:
    """A record read and ready to apply: its values, comparison features and blocking keys."""

    index: int
    source_key: str
    updated_at: datetime
    read: domains.ReadRecord
    content_hash: str
    features: dict[str, Any]
    keys: list[str]


def _read(domain: str, index: int, item: Any, latest: datetime) -> _Incoming | RecordResult:
    rejected = not_an_object(item, "A record") or unstorable_text(item)
    if rejected:
        return rejected
    errors: dict[str, list[str]] = {}
    source_key = source_key_read(item, errors, max_length=MAX_SOURCE_KEY)
    updated_at = timestamp_read(item, "updated_at", errors, latest=latest, missing="Required.")
    unknown_fields(item, _FIELDS, errors)
    if "attributes" not in item:
        errors["attributes"] = ["Required."]
        read = domains.ReadRecord()
    else:
        read = domains.read_attributes(domain, item["attributes"])
        errors.update({f"attributes.{k}" if k != "attributes" else k: v for k, v in read.errors.items()})
    if errors:
        return RecordResult(source_key, REJECTED, errors=errors)
    assert updated_at is not None and source_key is not None
    features = matching.features(domain, read.matchable)
    return _Incoming(
        index,
        source_key.strip(),
        updated_at,
        read,
        content_hash(read.values),
        features,
        matching.blocking_keys(domain, features),
    )


# --- applying ---


@dataclass(frozen=True)
class _Config:
    """What a batch reads of its domain's configuration: matching thresholds, ownership rules (per domain, as
    ``golden_survive`` takes them) and what the publisher reads of it (``publishing.prefetch``)."""

    thresholds: Thresholds
    rules: Rules
    prefetched: Any


def _apply(source: SourceSystem, domain: str, incoming: list[_Incoming], results: list[RecordResult | None]) -> None:
    config = _lock(source, domain)
    stored = _stored(source, domain, incoming)
    tombstones = {key for key, sr in stored.items() if sr.erased_at is not None}
    if tombstones:
        for rec in incoming:
            if rec.source_key in tombstones:
                results[rec.index] = erased(rec.source_key)
        incoming = [rec for rec in incoming if rec.source_key not in tombstones]
    matcher, rematched = _matcher(domain, incoming, stored, config.thresholds)
    batch = _Batch(source, domain, stored, matcher, rematched, results)
    for record in incoming:
        batch.link(record)
    if batch.frequent_records:
        _log_frequent_keys(batch)
    _save(batch, config)
    candidates_queue(domain=domain, proposals=batch.proposals)
    _survive(batch, config)


def _log_frequent_keys(batch: _Batch) -> None:
    """One line per batch. Blocking keys are made of emails, phones, birth dates and postcodes: logged as their kind and
    a keyed hash (``logs.key_label``), never as values, and without the records' source keys."""
    labels = [f"{logs.key_label(key)} x{count}" for key, count in batch.frequent_keys.most_common(10)]
    more = len(batch.frequent_keys) - len(labels)
    logger.warning(
        "blocking keys too common to compare on: %d new %s records of a batch from %s hold %d of them: %s%s",
        batch.frequent_records,
        batch.domain,
        batch.source.code,
        len(batch.frequent_keys),
        ", ".join(labels),
        f" and {more} more" if more > 0 else "",
    )


def _lock(source: SourceSystem, domain: str) -> _Config:
    """Take the source's write lock (one writer per source at a time: its batches apply in order, and two batches
    never race on one key; an advisory lock, so taking it writes nothing) and read the domain's configuration: on
    PostgreSQL in one statement, which also makes the rest of the transaction plan its statements once."""
    thresholds, rules, prefetched = db.read_together(
        [Thresholds.part(domain), ownership_rules_part(domain), publishing.prefetch(domain)],
        lock=("source", str(source.pk)),
        generic_plans=True,
    )
    return _Config(thresholds, {domain: rules}, prefetched)


def _stored(source: SourceSystem, domain: str, incoming: Sequence[_Incoming]) -> dict[str, SourceRecord]:
    """The source's stored records with the batch's keys. When a record is new, the domain's match lock is taken too:
    records are matched against committed records, so two batches (of any sources) must not decide about the same new
    customer at once, or each would start its own golden record. Held until commit."""
    stored = {
        sr.source_key: sr
        for sr in SourceRecord.objects.filter(
            source=source, domain=domain, source_key__in={r.source_key for r in incoming}
        )
    }
    if any(r.source_key not in stored for r in incoming):
        db.advisory_xact_locks("match", [domain])
    return stored


def _matcher(
    domain: str, incoming: Sequence[_Incoming], stored: dict[str, SourceRecord], thresholds: Thresholds
) -> tuple[BatchMatcher, list[int]]:
    """The matcher for the batch, every record it will decide on scored at once, and the stored records it matches
    again. Only new records and records whose features changed are matched: a source sending what it sent before (a
    full sync) costs no candidate look-up."""
    to_match = [r for r in incoming if r.source_key not in stored or r.features != stored[r.source_key].features]
    matcher = BatchMatcher(domain, {k for r in to_match for k in r.keys}, thresholds=thresholds)
    matcher.prescore([(r.features, r.keys) for r in to_match])
    return matcher, [stored[r.source_key].pk for r in to_match if r.source_key in stored]


@dataclass
class _Batch:
    """A batch being linked, record by record: what is stored, and what linking decided (saved afterwards)."""

    source: SourceSystem
    domain: str
    stored: dict[str, SourceRecord]  # by source key; records created by the batch join it
    matcher: BatchMatcher
    rematched: list[int]  # the stored records matched again
    results: list[RecordResult | None]
    now: datetime = field(default_factory=timezone.now)
    new_goldens: dict[uuid.UUID, GoldenRecord] = field(default_factory=dict)
    to_create: dict[str, SourceRecord] = field(default_factory=dict)
    to_update: dict[str, SourceRecord] = field(default_factory=dict)
    rekeyed: dict[str, list[str]] = field(default_factory=dict)  # source key -> blocking keys to (re)file it under
    proposals: list[Proposal] = field(default_factory=list)
    dirty: set[uuid.UUID] = field(default_factory=set)  # golden records whose source records changed
    _never: dict[int, set[uuid.UUID]] | None = None  # what stewards said the stored records are not: read when needed
    frequent_records: int = 0  # new records with keys too common to compare on, and those keys (logged once)
    frequent_keys: Counter[str] = field(default_factory=Counter)

    def link(self, rec: _Incoming) -> None:
        sr = self.stored.get(rec.source_key)
        if sr is None:
            self._create(rec)
        elif rec.updated_at < sr.source_updated_at:
            self.results[rec.index] = RecordResult(
                rec.source_key,
                UNCHANGED,
                sr.golden_id,
                warnings=rec.read.warnings,
                reason=f"stale: the stored record is newer (updated_at {sr.source_updated_at.isoformat()})",
            )
        elif rec.content_hash == sr.content_hash:
            if rec.updated_at > sr.source_updated_at:
                sr.source_updated_at = rec.updated_at
                sr.received_at = self.now
                self.to_update.setdefault(rec.source_key, sr)
            self.results[rec.index] = RecordResult(
                rec.source_key, UNCHANGED, sr.golden_id, warnings=rec.read.warnings, reason="no change"
            )
        else:
            self._update(rec, sr)

    def _create(self, rec: _Incoming) -> None:
        """A new record joins the golden record it matches surely, or starts one."""
        decision = self.matcher.decide(rec.features, rec.keys)
        golden_id = decision.link_to
        if golden_id is None:
            golden = GoldenRecord(domain=self.domain, version=0)
            self.new_goldens[golden.id] = golden
            golden_id = golden.id
        self.matcher.add(golden_id, rec.features, rec.keys)
        self.proposals += decision.proposals(golden_id)
        if decision.frequent_keys:
            self.frequent_records += 1
            self.frequent_keys.update(decision.frequent_keys)
        sr = SourceRecord(
            source=self.source,
            domain=self.domain,
            source_key=rec.source_key,
            golden_id=golden_id,
            attributes=rec.read.values,
            usable=rec.read.usable,
            warnings=rec.read.warnings,
            features=rec.features,
            source_updated_at=rec.updated_at,
            received_at=self.now,
            content_hash=rec.content_hash,
        )
        self.stored[rec.source_key] = self.to_create[rec.source_key] = sr
        self.rekeyed[rec.source_key] = rec.keys
        self.dirty.add(golden_id)
        self.results[rec.index] = RecordResult(rec.source_key, CREATED, golden_id, warnings=rec.read.warnings)

    def _update(self, rec: _Incoming, sr: SourceRecord) -> None:
        """A stored record with new values. When its features changed, it is matched again: what it now resembles is
        queued for review with its golden record (never what a steward said it is not)."""
        if rec.features != sr.features:
            decision = self.matcher.decide(rec.features, rec.keys, own_golden=sr.golden_id)
            if decision.review and sr.pk:
                never = self._rejected().get(sr.pk, set())
                decision.review = [(g, result) for g, result in decision.review if g not in never]
            self.proposals += decision.proposals(sr.golden_id)
            self.rekeyed[rec.source_key] = rec.keys
        sr.attributes, sr.usable, sr.warnings, sr.features = (
            rec.read.values,
            rec.read.usable,
            rec.read.warnings,
            rec.features,
        )
        sr.source_updated_at, sr.received_at, sr.content_hash = rec.updated_at, self.now, rec.content_hash
        if rec.source_key not in self.to_create:
            self.to_update[rec.source_key] = sr
        self.dirty.add(sr.golden_id)
        self.results[rec.index] = RecordResult(rec.source_key, UPDATED, sr.golden_id, warnings=rec.read.warnings)

    def _rejected(self) -> dict[int, set[uuid.UUID]]:
        if self._never is None:
            self._never = rejected_goldens(self.rematched)
        return self._never


def _save(batch: _Batch, config: _Config) -> None:
    """Write what linking decided. New golden records are computed before they are inserted: their only candidates
    are this batch's records (inserted in this order, so in id order), and they hold no consent yet."""
    source = batch.source
    new_candidates: dict[uuid.UUID, list[Candidate]] = defaultdict(list)
    new_sources: dict[uuid.UUID, list[dict[str, str]]] = defaultdict(list)
    for sr in batch.to_create.values():
        if sr.golden_id in batch.new_goldens:
            new_candidates[sr.golden_id].append(Candidate(source.code, sr.source_key, sr.source_updated_at, sr.usable))
            new_sources[sr.golden_id].append({"source": source.code, "source_key": sr.source_key})
    _, new_versions = golden_survive(
        batch.new_goldens.values(),
        new_candidates,
        {},
        reason=ChangeReason.INGEST,
        actor_source=source,
        rules=config.rules,
    )
    db.bulk_insert(list(batch.new_goldens.values()))
    db.bulk_insert(list(batch.to_create.values()))
    db.bulk_update(
        list(batch.to_update.values()),
        ["attributes", "usable", "warnings", "features", "source_updated_at", "received_at", "content_hash"],
    )
    versions_save(
        new_versions,
        prefetched=config.prefetched,
        known=publishing.Known(sources=new_sources, consents={golden_id: {} for golden_id in batch.new_goldens}),
    )
    db.blocking_keys_file(
        source_id=source.pk,
        domain=batch.domain,
        rekeyed=batch.rekeyed,
        refiled={k: batch.stored[k].pk for k in batch.rekeyed if k not in batch.to_create},
    )


def _survive(batch: _Batch, config: _Config) -> None:
    """Recompute the stored golden records whose source records changed (locked in id order)."""
    ids = batch.dirty - batch.new_goldens.keys()
    goldens = list(GoldenRecord.objects.select_for_update(no_key=True).filter(id__in=ids).order_by("id"))
    golden_recompute(
        goldens,
        reason=ChangeReason.INGEST,
        actor_source=batch.source,
        rules=config.rules,
        prefetched=config.prefetched,
    )
