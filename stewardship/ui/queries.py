"""Reads for the steward UI (selectors). Each returns what one page shows, in a number of queries that does not
grow with the rows on it; values come out ready to display, so templates stay free of logic.

``masked``: the reader may not see personal data in full (``roles.sees_personal_data``); the page's values are then
masked here (``stewardship.privacy``), as soon as they are read, so that nothing a template shows of them is not."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .. import domains, privacy
from ..filtersets import (
    ChangeRequestFilterSet,
    GoldenRecordFilterSet,
    MatchCandidateFilterSet,
    PrivacyRequestFilterSet,
)
from ..models import (
    AttributeLock,
    CandidateStatus,
    ChangeRequest,
    ChangeRequestStatus,
    ConsentEvent,
    ConsentState,
    Domain,
    GoldenRecord,
    GoldenStatus,
    GoldenVersion,
    MatchCandidate,
    OwnershipRule,
    PrivacyRequest,
    PrivacyRequestStatus,
    SourceRecord,
)
from ..services.privacy import subject_ids
from ..services.review import candidate_etag
from .formats import duration_label
from .pagination import Page, keyset_page, neighbour

QUEUE_PAGE_SIZE = 50
SEARCH_PAGE_SIZE = 25
CHANGES_PAGE_SIZE = 25
HISTORY_LIMIT = 50
CONSENT_EVENTS_LIMIT = 100
CANDIDATES_LIMIT = 10
DASHBOARD_LIST = 5
PRIVACY_PAGE_SIZE = 25

# Score bands and ages as stewards triage them: (label, lower bound inclusive, upper bound exclusive).
SCORE_BANDS: dict[str, tuple[str, float | None, float | None]] = {
    "high": ("High (≥ 0.95)", 0.95, None),
    "medium": ("Medium (0.90–0.95)", 0.90, 0.95),
    "low": ("Low (< 0.90)", None, 0.90),
}
AGE_BUCKETS: dict[str, tuple[str, int | None, int | None]] = {  # (label, at least days, under days)
    "day": ("Under a day", None, 1),
    "week": ("1–7 days", 1, 7),
    "month": ("7–30 days", 7, 30),
    "older": ("Over 30 days", 30, None),
}
QUEUE_SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "score": ("Highest score first", ("-score", "-id")),
    "score_asc": ("Lowest score first", ("score", "id")),
    "oldest": ("Oldest first", ("created_at", "id")),
    "newest": ("Newest first", ("-created_at", "-id")),
}

LABELS = {
    "gtin": "GTIN",
    "sku": "SKU",
    "erp_account_number": "ERP account",
    "image_url": "Image URL",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
    "birth_date": "Date of birth",
    "postal_code": "Postcode",
    "merged": "Merged in",
    "unmerged_from": "Split out of",
    "split_out": "Split out",
}
# History entries whose value is another golden record's id: shown as a link to it.
GOLDEN_REFERENCES = frozenset({"merged", "unmerged_from"})
# Matcher fields that compare several attributes at once, shown on the row of the first one.
EXPLANATION_ROWS = {"address": "address_line1"}
# What a search result or queue row shows beside the name.
SUMMARY_ATTRIBUTES = {
    domains.CUSTOMER: ("email", "phone", "postal_code", "city"),
    domains.PRODUCT: ("gtin", "sku", "brand", "price"),
}


def label(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").replace("consent.", "consent: ").capitalize()


def display(value: Any) -> str:
    """A stored value as a person reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(display(v) for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def score_label(score: float) -> str:
    """Three decimals, rounded down: 0.9999 reads 0.999, never a certain-looking 1.000."""
    return f"{math.floor(score * 1000) / 1000:.3f}"


def waiting(since: datetime, now: datetime | None = None) -> str:
    """How long something has waited, as a steward triages: "just now", "12 min", "5 h", "3 days"."""
    return duration_label(((now or timezone.now()) - since).total_seconds(), coarse=True)


def _when(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


@dataclass
class Provenance:
    """Where a golden value came from: a source record, or a steward (then the value is locked)."""

    source: str
    source_key: str = ""
    user: str = ""
    when: datetime | None = None

    @property
    def steward(self) -> bool:
        return self.source == "steward"

    @classmethod
    def of(cls, golden: GoldenRecord, attribute: str) -> Provenance | None:
        raw = (golden.provenance or {}).get(attribute)
        if not raw:
            return None
        return cls(
            source=raw.get("source", ""),
            source_key=raw.get("source_key", ""),
            user=raw.get("user", ""),
            when=_when(raw.get("updated_at")),
        )


# --- masking, for a reader who may not see personal data in full ---


def _mask(
    *,
    goldens: Iterable[GoldenRecord] = (),
    sources: Iterable[SourceRecord] = (),
    changes: Iterable[tuple[str, ChangeRequest]] = (),
    locks: Iterable[tuple[str, AttributeLock]] = (),
    candidates: Iterable[MatchCandidate] = (),
) -> None:
    """Mask the personal values of rows read for a masked reader's page, in place: whatever the page then shows of
    them is masked too (a customer's display name, which falls back on the email; a source record's values; a
    requested value). These rows were read for this page alone, which only reads: they are never saved.
    ``changes`` and ``locks`` come with their golden record's domain."""
    for golden in goldens:
        golden.attributes = privacy.masked(golden.domain, golden.attributes or {})
    for record in sources:
        record.attributes = privacy.masked(record.domain, record.attributes or {})
    for domain, change in changes:
        if privacy.is_personal(domain, change.attribute):
            change.value = privacy.mask(change.attribute, change.value)
    for domain, lock in locks:
        if privacy.is_personal(domain, lock.attribute):
            lock.value = privacy.mask(lock.attribute, lock.value)
    for candidate in candidates:
        candidate.explanation = privacy.masked_explanation(candidate.domain, candidate.explanation or [])


def _mask_candidates(candidates: list[MatchCandidate]) -> None:
    """Candidates with both their golden records (selected with them)."""
    _mask(
        goldens=[g for c in candidates for g in (c.golden_a, c.golden_b)],
        candidates=candidates,
    )


# --- dashboard ---


@dataclass
class Dashboard:
    pending: int
    mine: int
    by_age: list[tuple[str, str, int]]  # (key, label, count)
    by_band: list[tuple[str, str, int]]
    by_domain: list[tuple[str, str, int]]
    changes_pending: int
    changes_for_me: int
    changes_mine: int
    golden: list[tuple[str, str, int, int]]  # (domain, label, active, merged)
    next_up: list[QueueRow] = field(default_factory=list)
    changes_waiting: list[ChangeRequest] = field(default_factory=list)


def _age_q(key: str, now: datetime) -> Q:
    _, at_least, under = AGE_BUCKETS[key]
    q = Q()
    if at_least is not None:
        q &= Q(created_at__lte=now - timedelta(days=at_least))
    if under is not None:
        q &= Q(created_at__gt=now - timedelta(days=under))
    return q


def _band_q(key: str) -> Q:
    _, low, high = SCORE_BANDS[key]
    q = Q()
    if low is not None:
        q &= Q(score__gte=low)
    if high is not None:
        q &= Q(score__lt=high)
    return q


def dashboard(*, user: Any, approver: bool, masked: bool) -> Dashboard:
    """Three aggregate queries, whatever the size of the queue, and two short lists: what to review next, and
    (for approvers) the change requests waiting for them."""
    now = timezone.now()
    aggregates: dict[str, Any] = {"pending": Count("id"), "mine": Count("id", filter=Q(assigned_to=user.pk))}
    aggregates |= {f"age_{k}": Count("id", filter=_age_q(k, now)) for k in AGE_BUCKETS}
    aggregates |= {f"band_{k}": Count("id", filter=_band_q(k)) for k in SCORE_BANDS}
    aggregates |= {f"domain_{d.value}": Count("id", filter=Q(domain=d.value)) for d in Domain}
    queue = MatchCandidate.objects.filter(status=CandidateStatus.PENDING).aggregate(**aggregates)
    changes = ChangeRequest.objects.filter(status=ChangeRequestStatus.PENDING).aggregate(
        total=Count("id"),
        mine=Count("id", filter=Q(requested_by=user.pk)),
        others=Count("id", filter=~Q(requested_by=user.pk)),
    )
    golden = {
        (row["domain"], row["status"]): row["n"]
        for row in GoldenRecord.objects.values("domain", "status").annotate(n=Count("id")).order_by()
    }
    return Dashboard(
        pending=queue["pending"],
        mine=queue["mine"],
        by_age=[(k, v[0], queue[f"age_{k}"]) for k, v in AGE_BUCKETS.items()],
        by_band=[(k, v[0], queue[f"band_{k}"]) for k, v in SCORE_BANDS.items()],
        by_domain=[(d.value, d.label, queue[f"domain_{d.value}"]) for d in Domain],
        changes_pending=changes["total"],
        changes_for_me=changes["others"] if approver else 0,
        changes_mine=changes["mine"],
        golden=[
            (
                d.value,
                d.label,
                golden.get((d.value, GoldenStatus.ACTIVE), 0),
                golden.get((d.value, GoldenStatus.MERGED), 0),
            )
            for d in Domain
        ],
        next_up=_queue_rows(
            list(
                _workable(user, QueueFilters())
                .select_related("golden_a", "golden_b", "assigned_to")
                .order_by(*QueueFilters().ordering)[:DASHBOARD_LIST]
            ),
            masked,
        ),
        changes_waiting=_masked_changes(
            list(
                ChangeRequest.objects.filter(status=ChangeRequestStatus.PENDING)
                .exclude(requested_by=user.pk)
                .select_related("golden", "requested_by")
                .order_by("requested_at", "id")[:DASHBOARD_LIST]
            )
            if approver
            else [],
            masked,
        ),
    )


# --- the review queue ---


@dataclass(frozen=True)
class QueueFilters:
    domain: str = ""
    band: str = ""
    assigned: str = ""  # "", "me" or "unassigned"
    age: str = ""
    sort: str = "score"

    @property
    def ordering(self) -> tuple[str, ...]:
        return QUEUE_SORTS.get(self.sort, QUEUE_SORTS["score"])[1]


def _pending(user: Any, filters: QueueFilters) -> QuerySet[MatchCandidate]:
    params = {"status": CandidateStatus.PENDING, "domain": filters.domain}
    params["assigned_to"] = {"me": "me", "unassigned": "none"}.get(filters.assigned, "")
    request = HttpRequest()  # the filterset reads "me" from its request's user
    request.user = user
    queryset = MatchCandidateFilterSet(
        {k: v for k, v in params.items() if v}, queryset=MatchCandidate.objects.all(), request=request
    ).qs
    if filters.band in SCORE_BANDS:
        queryset = queryset.filter(_band_q(filters.band))
    if filters.age in AGE_BUCKETS:
        queryset = queryset.filter(_age_q(filters.age, timezone.now()))
    return queryset


@dataclass
class Evidence:
    field: str
    label: str
    similarity: float | None  # 0..1; None when a value is missing on either side
    weight: float  # contribution to the log2 match odds
    comparator: str

    @property
    def similarity_pct(self) -> int:
        return round((self.similarity or 0) * 100)


def evidence(candidate: MatchCandidate) -> list[Evidence]:
    items = []
    for entry in candidate.explanation or []:
        if not isinstance(entry, dict) or "field" not in entry:
            continue
        similarity = entry.get("similarity")
        items.append(
            Evidence(
                field=entry["field"],
                label=label(entry["field"]),
                similarity=None if similarity is None or similarity < 0 else float(similarity),
                weight=float(entry.get("weight") or 0),
                comparator=str(entry.get("comparator") or ""),
            )
        )
    return items


@dataclass
class QueueRow:
    candidate: MatchCandidate
    score: str
    waiting: str
    summary_a: list[str]
    summary_b: list[str]
    agrees: list[str]  # fields that count for the match, strongest first
    disagrees: list[str]


def _shown(golden: GoldenRecord, name: str) -> str:
    value = golden.attributes.get(name)
    if name == "price" and value and golden.attributes.get("currency"):
        return f"{value} {golden.attributes['currency']}"
    return display(value)


def _summary(golden: GoldenRecord) -> list[str]:
    return [_shown(golden, a) for a in SUMMARY_ATTRIBUTES[golden.domain] if golden.attributes.get(a)]


def queue_row(candidate: MatchCandidate) -> QueueRow:
    """One row of the queue; a masked reader's candidate is masked first (``_queue_rows``)."""
    items = sorted(evidence(candidate), key=lambda e: -abs(e.weight))
    return QueueRow(
        candidate=candidate,
        score=score_label(candidate.score),
        waiting=waiting(candidate.created_at),
        summary_a=_summary(candidate.golden_a),
        summary_b=_summary(candidate.golden_b),
        agrees=[e.label for e in items if e.weight > 0][:3],
        disagrees=[e.label for e in items if e.weight < 0][:2],
    )


def _queue_rows(candidates: list[MatchCandidate], masked: bool) -> list[QueueRow]:
    if masked:
        _mask_candidates(candidates)
    return [queue_row(c) for c in candidates]


def review_queue(*, user: Any, filters: QueueFilters, cursor: str | None, masked: bool) -> tuple[Page[QueueRow], int]:
    """A page of pending candidates and how many match the filters: two queries."""
    queryset = _pending(user, filters)
    total = queryset.count()
    page = keyset_page(
        queryset.select_related("golden_a", "golden_b", "assigned_to"), filters.ordering, cursor, QUEUE_PAGE_SIZE
    )
    return Page(_queue_rows(page.items, masked), page.next_cursor, page.previous_cursor), total


def candidate_row(*, candidate_id: int, masked: bool) -> QueueRow | None:
    candidate = (
        MatchCandidate.objects.select_related("golden_a", "golden_b", "assigned_to").filter(pk=candidate_id).first()
    )
    return _queue_rows([candidate], masked)[0] if candidate else None


def _workable(user: Any, filters: QueueFilters) -> QuerySet[MatchCandidate]:
    """What "next" may open: pending, within the filters, not held by another steward."""
    return _pending(user, filters).filter(Q(assigned_to__isnull=True) | Q(assigned_to=user.pk))


def next_candidate_id(*, user: Any, filters: QueueFilters, after: MatchCandidate) -> int | None:
    found = neighbour(_workable(user, filters).only("id"), filters.ordering, after)
    return found.pk if found else None


# --- the side-by-side review ---


@dataclass
class ReviewRow:
    name: str
    label: str
    a: Any  # as shown (masked for a masked reader)
    b: Any
    a_display: str
    b_display: str
    a_provenance: Provenance | None
    b_provenance: Provenance | None
    evidence: Evidence | None
    differs: bool  # the stored values differ (masked values may look alike, or the same)
    case_only: bool  # they differ only in letter case (one system writes names in capitals)

    @property
    def choosable(self) -> bool:
        """Both records hold a value and they differ: the steward may pick the survivor."""
        return self.differs and self.a not in (None, "") and self.b not in (None, "")


@dataclass
class Review:
    candidate: MatchCandidate
    rows: list[ReviewRow]
    other_evidence: list[Evidence]
    sources_a: list[SourceRecord]
    sources_b: list[SourceRecord]
    etag: str
    next_id: int | None
    previous_id: int | None
    pending: int

    @property
    def score(self) -> str:
        return score_label(self.candidate.score)

    @property
    def waiting(self) -> str:
        return waiting(self.candidate.created_at)

    @property
    def decided(self) -> bool:
        return self.candidate.status != CandidateStatus.PENDING

    @property
    def choosable(self) -> list[ReviewRow]:
        return [row for row in self.rows if row.choosable]


def _compared(a: Any, b: Any) -> tuple[bool, bool]:
    """Whether two stored values differ, and whether only in letter case."""
    differs = a != b
    return differs, differs and isinstance(a, str) and isinstance(b, str) and a.casefold() == b.casefold()


def review(*, candidate_id: int, user: Any, filters: QueueFilters, masked: bool) -> Review | None:
    """One candidate side by side: the pair, their source records, neighbours in the queue. Five queries."""
    candidate = (
        MatchCandidate.objects.select_related("golden_a", "golden_b", "assigned_to", "decided_by")
        .filter(pk=candidate_id)
        .first()
    )
    if candidate is None:
        return None
    a, b = candidate.golden_a, candidate.golden_b
    sources: dict[uuid.UUID, list[SourceRecord]] = {a.id: [], b.id: []}
    for record in (
        SourceRecord.objects.filter(golden_id__in=[a.id, b.id])
        .select_related("source")
        .order_by("source__code", "source_key")
    ):
        sources[record.golden_id].append(record)
    stored_a, stored_b = a.attributes, b.attributes  # compared as stored; shown masked to a masked reader
    if masked:
        _mask(goldens=[a, b], sources=[*sources[a.id], *sources[b.id]], candidates=[candidate])
    by_row: dict[str, Evidence] = {}
    other: list[Evidence] = []
    schema = domains.SCHEMAS[candidate.domain]
    for item in evidence(candidate):
        row = EXPLANATION_ROWS.get(item.field, item.field)
        if row in schema and row not in by_row:
            by_row[row] = item
        else:
            other.append(item)
    rows = []
    for name in schema:
        if name not in a.attributes and name not in b.attributes and name not in by_row:
            continue
        differs, case_only = _compared(stored_a.get(name), stored_b.get(name))
        rows.append(
            ReviewRow(
                name=name,
                label=label(name),
                a=a.attributes.get(name),
                b=b.attributes.get(name),
                a_display=display(a.attributes.get(name)),
                b_display=display(b.attributes.get(name)),
                a_provenance=Provenance.of(a, name),
                b_provenance=Provenance.of(b, name),
                evidence=by_row.get(name),
                differs=differs,
                case_only=case_only,
            )
        )
    workable = _workable(user, filters).only("id")
    following = neighbour(workable, filters.ordering, candidate)
    preceding = neighbour(workable, filters.ordering, candidate, backward=True)
    return Review(
        candidate=candidate,
        rows=rows,
        other_evidence=other,
        sources_a=sources[a.id],
        sources_b=sources[b.id],
        etag=candidate_etag(candidate),
        next_id=following.pk if following else None,
        previous_id=preceding.pk if preceding else None,
        pending=_pending(user, filters).count(),
    )


def chosen_values(*, candidate_id: int, choices: dict[str, str]) -> dict[str, Any]:
    """The steward's picks ("a" or "b" per attribute) as the values the merge service expects."""
    candidate = MatchCandidate.objects.select_related("golden_a", "golden_b").filter(pk=candidate_id).first()
    if candidate is None:
        return {}
    sides = {"a": candidate.golden_a.attributes, "b": candidate.golden_b.attributes}
    return {name: sides[side].get(name) for name, side in choices.items() if side in sides}


# --- golden records: search and page ---


@dataclass
class SearchResult:
    golden: GoldenRecord
    summary: list[tuple[str, str]]  # (label, value)
    sources: list[str]


def golden_search(*, domain: str, q: str, cursor: str | None, masked: bool) -> Page[SearchResult]:
    """Active golden records matching ``q`` (see ``GoldenRecordFilterSet.filter_q``), most recently changed first."""
    queryset = GoldenRecordFilterSet(
        {"q": q}, queryset=GoldenRecord.objects.filter(domain=domain, status=GoldenStatus.ACTIVE), masked=masked
    ).qs.prefetch_related(
        Prefetch(
            "source_records",
            queryset=SourceRecord.objects.select_related("source")
            .only("id", "golden_id", "source_key", "source__code")
            .order_by("source__code", "source_key"),
        )
    )
    page = keyset_page(queryset, ("-updated_at", "-id"), cursor, SEARCH_PAGE_SIZE)
    if masked:
        _mask(goldens=page.items)
    results = [
        SearchResult(
            golden=g,
            summary=[(label(a), _shown(g, a)) for a in SUMMARY_ATTRIBUTES[domain] if g.attributes.get(a)],
            sources=[f"{r.source.code}:{r.source_key}" for r in g.source_records.all()],
        )
        for g in page.items
    ]
    return Page(results, page.next_cursor, page.previous_cursor)


@dataclass
class GoldenAttribute:
    name: str
    label: str
    value: Any
    value_display: str
    provenance: Provenance | None
    lock: AttributeLock | None
    owners: list[str]
    governed: bool
    pending: list[ChangeRequest] = field(default_factory=list)
    input_type: str = "text"


INPUT_TYPES = {"birth_date": "date", "loyalty_points": "number", "email": "email", "phone": "tel", "image_url": "url"}


@dataclass
class HistoryEntry:
    version: GoldenVersion
    changes: list[tuple[str, str, str, str]]  # (label, before, after, golden id the change refers to or "")


@dataclass
class GoldenPage:
    golden: GoldenRecord
    attributes: list[GoldenAttribute]
    sources: list[SourceRecord]
    history: list[HistoryEntry]
    history_truncated: bool
    consents: list[ConsentState]
    consent_events: list[ConsentEvent]
    pending_changes: list[ChangeRequest]
    candidates: list[tuple[MatchCandidate, GoldenRecord, str]]  # (candidate, the other record, score)

    @property
    def active(self) -> bool:
        return self.golden.status == GoldenStatus.ACTIVE


def _attributes(
    golden: GoldenRecord,
    locks: dict[str, AttributeLock],
    rules: dict[str, OwnershipRule],
    pending: list[ChangeRequest],
    only: str | None = None,
) -> list[GoldenAttribute]:
    rows = []
    for name in domains.SCHEMAS[golden.domain]:
        if only is not None and name != only:
            continue
        rule = rules.get(name)
        rows.append(
            GoldenAttribute(
                name=name,
                label=label(name),
                value=golden.attributes.get(name),
                value_display=display(golden.attributes.get(name)),
                provenance=Provenance.of(golden, name),
                lock=locks.get(name),
                owners=list(rule.owners) if rule else [],
                governed=rule.governed if rule else True,
                pending=[c for c in pending if c.attribute == name],
                input_type=INPUT_TYPES.get(name, "text"),
            )
        )
    return rows


def _golden_reference(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return ""


def _history(versions: list[GoldenVersion], domain: str, masked: bool) -> list[HistoryEntry]:
    entries = []
    for version in versions:
        changes = version.changes if isinstance(version.changes, dict) else {}
        if masked:
            changes = privacy.masked_changes(domain, changes)
        entries.append(
            HistoryEntry(
                version=version,
                changes=[
                    (
                        label(name),
                        display(change.get("before")),
                        display(change.get("after")),
                        _golden_reference(change.get("after")) if name in GOLDEN_REFERENCES else "",
                    )
                    for name, change in changes.items()
                    if isinstance(change, dict)
                ],
            )
        )
    return entries


def golden_page(*, domain: str, golden_id: uuid.UUID, masked: bool) -> GoldenPage | None:
    """Everything the golden record page shows, in nine queries."""
    golden = GoldenRecord.objects.select_related("merged_into").filter(domain=domain, pk=golden_id).first()
    if golden is None:
        return None
    locks = {lock.attribute: lock for lock in AttributeLock.objects.filter(golden=golden).select_related("locked_by")}
    rules = {rule.attribute: rule for rule in OwnershipRule.objects.filter(domain=domain)}
    pending = list(
        ChangeRequest.objects.filter(golden=golden, status=ChangeRequestStatus.PENDING).select_related("requested_by")
    )
    versions = list(
        GoldenVersion.objects.filter(golden=golden).select_related("actor_user", "actor_source")[: HISTORY_LIMIT + 1]
    )
    sources = list(
        SourceRecord.objects.filter(golden=golden).select_related("source").order_by("source__code", "source_key")
    )
    candidates = list(
        MatchCandidate.objects.filter(Q(golden_a=golden) | Q(golden_b=golden), status=CandidateStatus.PENDING)
        .select_related("golden_a", "golden_b")
        .order_by("-score", "-id")[:CANDIDATES_LIMIT]
    )
    if masked:
        _mask(
            goldens=[golden, *([golden.merged_into] if golden.merged_into else [])],
            sources=sources,
            changes=[(domain, c) for c in pending],
            locks=[(domain, lock) for lock in locks.values()],
        )
        _mask_candidates(candidates)
    return GoldenPage(
        golden=golden,
        attributes=_attributes(golden, locks, rules, pending),
        sources=sources,
        history=_history(versions[:HISTORY_LIMIT], domain, masked),
        history_truncated=len(versions) > HISTORY_LIMIT,
        consents=list(ConsentState.objects.filter(golden=golden).select_related("purpose", "event__source")),
        consent_events=list(
            ConsentEvent.objects.filter(golden=golden).select_related("purpose", "source")[:CONSENT_EVENTS_LIMIT]
        ),
        pending_changes=pending,
        candidates=[
            (c, c.golden_b if c.golden_a_id == golden.id else c.golden_a, score_label(c.score)) for c in candidates
        ],
    )


def golden_attribute(*, golden: GoldenRecord, attribute: str, masked: bool) -> GoldenAttribute:
    """One attribute row (after an edit): three queries. ``golden`` is masked here for a masked reader: the caller
    read it for this row alone."""
    locks = {lock.attribute: lock for lock in AttributeLock.objects.filter(golden=golden, attribute=attribute)}
    rules = {rule.attribute: rule for rule in OwnershipRule.objects.filter(domain=golden.domain, attribute=attribute)}
    pending = list(
        ChangeRequest.objects.filter(
            golden=golden, attribute=attribute, status=ChangeRequestStatus.PENDING
        ).select_related("requested_by")
    )
    if masked:
        _mask(
            goldens=[golden],
            changes=[(golden.domain, c) for c in pending],
            locks=[(golden.domain, lock) for lock in locks.values()],
        )
    return _attributes(golden, locks, rules, pending, only=attribute)[0]


# --- change requests ---

CHANGE_TABS = {
    "pending": ("Waiting for approval", {"status": ChangeRequestStatus.PENDING}),
    "approved": ("Approved", {"status": ChangeRequestStatus.APPROVED}),
    "rejected": ("Rejected", {"status": ChangeRequestStatus.REJECTED}),
    "all": ("All", {}),
}


@dataclass
class ChangeRow:
    change: ChangeRequest
    attribute_label: str
    current: str
    requested: str


def _masked_changes(changes: list[ChangeRequest], masked: bool) -> list[ChangeRequest]:
    """Change requests with their golden records (selected with them), masked for a masked reader."""
    if masked:
        _mask(goldens=[c.golden for c in changes], changes=[(c.golden.domain, c) for c in changes])
    return changes


def change_row(change: ChangeRequest) -> ChangeRow:
    return ChangeRow(
        change=change,
        attribute_label=label(change.attribute),
        current=display(change.golden.attributes.get(change.attribute)),
        requested="(remove the steward value)" if change.unlock else display(change.value),
    )


def _changes() -> QuerySet[ChangeRequest]:
    return ChangeRequest.objects.select_related("golden", "requested_by", "decided_by")


def change_requests(
    *, tab: str, mine: bool, user: Any, cursor: str | None, masked: bool
) -> tuple[Page[ChangeRow], dict[str, int]]:
    """A page of change requests and the counts for the tabs: two queries."""
    params: dict[str, str] = dict(CHANGE_TABS.get(tab, CHANGE_TABS["pending"])[1])
    if mine:
        params["requested_by"] = user.get_username()
    queryset = ChangeRequestFilterSet(params, queryset=_changes()).qs
    page = keyset_page(queryset, ("-requested_at", "-id"), cursor, CHANGES_PAGE_SIZE)
    counts = ChangeRequest.objects.aggregate(
        pending=Count("id", filter=Q(status=ChangeRequestStatus.PENDING)),
        mine=Count("id", filter=Q(requested_by=user.pk)),
    )
    rows = [change_row(c) for c in _masked_changes(page.items, masked)]
    return Page(rows, page.next_cursor, page.previous_cursor), counts


def change_request_row(*, request_id: int, masked: bool) -> ChangeRow | None:
    change = _changes().filter(pk=request_id).first()
    return change_row(_masked_changes([change], masked)[0]) if change else None


# --- privacy requests ---

#: The privacy page's tabs: (label, filters, order). Open and failed requests soonest due first (what to act on);
#: completed ones and all of them newest first.
PRIVACY_TABS: dict[str, tuple[str, dict[str, str], tuple[str, ...]]] = {
    "open": ("Open", {"status": PrivacyRequestStatus.OPEN}, ("due_at", "id")),
    "failed": ("Failed", {"status": PrivacyRequestStatus.FAILED}, ("due_at", "id")),
    "completed": ("Completed", {"status": PrivacyRequestStatus.COMPLETED}, ("-received_at", "-id")),
    "all": ("All", {}, ("-received_at", "-id")),
}


@dataclass
class SystemOutcome:
    """How one downstream system stands with an erasure: its erase delivery's status (pending, delivered, dead)."""

    connector: str
    status: str
    delivery: int | None
    error: str


@dataclass
class PrivacyRow:
    request: PrivacyRequest
    subject_name: str  # "" once erased
    subject_status: str  # the golden customer's status ("" when there is none any more)
    overdue: bool
    systems: list[SystemOutcome]


def _systems(outcome: Any) -> list[SystemOutcome]:
    if not isinstance(outcome, dict):
        return []
    return [
        SystemOutcome(
            connector=str(name),
            status=str(item.get("status") or ""),
            delivery=item.get("delivery") if isinstance(item.get("delivery"), int) else None,
            error=str(item.get("error") or ""),
        )
        for name, item in sorted(outcome.items())
        if isinstance(item, dict)
    ]


def privacy_requests(
    *, tab: str, subject: uuid.UUID | None, cursor: str | None
) -> tuple[Page[PrivacyRow], dict[str, int]]:
    """A page of privacy requests (of one subject, when given) and the counts for the tabs: three queries."""
    _, params, ordering = PRIVACY_TABS.get(tab, PRIVACY_TABS["open"])
    data = {**params, **({"subject": str(subject)} if subject else {})}
    queryset = PrivacyRequestFilterSet(data, queryset=PrivacyRequest.objects.select_related("requested_by")).qs
    page = keyset_page(queryset, ordering, cursor, PRIVACY_PAGE_SIZE)
    now = timezone.now()
    subjects = {
        g.pk: g
        for g in GoldenRecord.objects.filter(pk__in={r.subject for r in page.items}).only(
            "id", "domain", "attributes", "status"
        )
    }
    rows = []
    for request in page.items:
        golden = subjects.get(request.subject)
        rows.append(
            PrivacyRow(
                request=request,
                subject_name=golden.display_name if golden and golden.status != GoldenStatus.ERASED else "",
                subject_status=golden.status if golden else "",
                overdue=request.status != PrivacyRequestStatus.COMPLETED and request.due_at < now,
                systems=_systems(request.outcome),
            )
        )
    counts = PrivacyRequest.objects.aggregate(
        open=Count("id", filter=Q(status=PrivacyRequestStatus.OPEN)),
        overdue=Count("id", filter=~Q(status=PrivacyRequestStatus.COMPLETED) & Q(due_at__lt=now)),
        failed=Count("id", filter=Q(status=PrivacyRequestStatus.FAILED)),
    )
    return Page(rows, page.next_cursor, page.previous_cursor), counts


@dataclass
class ErasureSubject:
    """What erasing a customer takes away: the golden customer, the golden records merged into it (the same person)
    and the source records behind them all."""

    golden: GoldenRecord
    merged: int
    sources: list[str]  # "system:key"


def erasure_subject(*, golden: GoldenRecord) -> ErasureSubject:
    _, ids = subject_ids(golden.pk)
    sources = (
        SourceRecord.objects.filter(golden__in=ids)
        .select_related("source")
        .only("source_key", "source__code")
        .order_by("source__code", "source_key")
    )
    return ErasureSubject(
        golden=golden, merged=len(ids) - 1, sources=[f"{r.source.code}:{r.source_key}" for r in sources]
    )
