"""Master data: source systems, source records (cross-references), golden records, rules, history, consent."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from . import domains, matching


class Domain(models.TextChoices):
    CUSTOMER = domains.CUSTOMER, "Customer"
    PRODUCT = domains.PRODUCT, "Product"


class SourceSystem(models.Model):
    """A system that sends records (ERP, CDP, loyalty, commerce, POS...). ``code`` is used in API paths."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    ingest_quota_per_minute = models.PositiveIntegerField(
        "ingest quota (records a minute)",
        default=0,
        help_text="Records and consent events this source may send a minute, every batch counted; a batch over it is "
        "refused whole (429 with Retry-After). 0: no limit.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ApiKey(models.Model):
    """A source system's API key. Only a SHA-256 digest is stored; the key is shown once when issued.

    Keys look like ``<prefix>.<secret>``: the prefix finds the row, the digest of the whole key proves it.
    """

    source = models.ForeignKey(SourceSystem, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.source.code} {self.prefix}…"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate() -> tuple[str, str]:
        """A new (prefix, full key)."""
        prefix = secrets.token_hex(4)
        return prefix, f"{prefix}.{secrets.token_urlsafe(32)}"


class GoldenStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    MERGED = "merged", "Merged into another"
    ERASED = "erased", "Erased"


class GoldenRecord(models.Model):
    """The surviving view of one real customer or product. ``id`` is the golden id shared with every system.

    ``attributes`` holds the surviving values; ``provenance`` says, per attribute, which source record gave it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    domain = models.CharField(max_length=20, choices=Domain.choices)
    status = models.CharField(max_length=20, choices=GoldenStatus.choices, default=GoldenStatus.ACTIVE)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    attributes = models.JSONField(default=dict, blank=True)
    provenance = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["domain", "status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=GoldenStatus.MERGED, merged_into__isnull=False)
                | (~Q(status=GoldenStatus.MERGED) & Q(merged_into__isnull=True)),
                name="golden_merged_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.domain} {self.id}"

    @property
    def display_name(self) -> str:
        a = self.attributes
        if self.domain == Domain.CUSTOMER:
            return " ".join(filter(None, [a.get("given_name"), a.get("family_name")])) or a.get("email") or "—"
        return a.get("name") or a.get("sku") or a.get("gtin") or "—"


class SourceRecord(models.Model):
    """One record as a source system holds it (the cross-reference), linked to one golden record."""

    # No index of its own: the unique (source, domain, source_key) index serves look-ups by source.
    source = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="records", db_index=False)
    domain = models.CharField(max_length=20, choices=Domain.choices)
    source_key = models.CharField(max_length=200)
    golden = models.ForeignKey(GoldenRecord, on_delete=models.PROTECT, related_name="source_records")
    attributes = models.JSONField(default=dict, help_text="Attribute values as the source sent them (read).")
    usable = models.JSONField(
        default=dict, help_text="The values that passed quality checks: used for matching and survivorship."
    )
    warnings = models.JSONField(default=dict, blank=True)
    features = models.JSONField(default=dict, blank=True, help_text="Normalised comparison features (matching).")
    previous_golden = models.ForeignKey(
        GoldenRecord,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The golden record this record belonged to before its last merge: where unmerge sends it back.",
    )
    source_updated_at = models.DateTimeField(help_text="The source's own updated_at for this record.")
    received_at = models.DateTimeField()
    content_hash = models.CharField(max_length=64)
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when the customer was erased: the record is a tombstone, its values are gone and the source's "
        "later records with this key are refused. Delete the tombstone to accept the key again.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "domain", "source_key"], name="source_record_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.source.code}:{self.source_key}"


class Fallback(models.TextChoices):
    MOST_RECENT = "most_recent", "Most recent non-empty"
    MOST_COMPLETE = "most_complete", "Most complete record"
    NONE = "none", "None (owners only)"


class OwnershipRule(models.Model):
    """Which sources own an attribute (in priority order) and what decides when no owner has a value."""

    domain = models.CharField(max_length=20, choices=Domain.choices)
    attribute = models.CharField(max_length=60)
    owners = models.JSONField(
        default=list, blank=True, help_text='Source codes in priority order, e.g. ["cdp", "erp"].'
    )
    fallback = models.CharField(max_length=20, choices=Fallback.choices, default=Fallback.MOST_RECENT)
    governed = models.BooleanField(
        default=True, help_text="A steward's edit of a governed attribute needs an approver (maker-checker)."
    )

    class Meta:
        ordering = ["domain", "attribute"]
        constraints = [models.UniqueConstraint(fields=["domain", "attribute"], name="ownership_rule_unique")]

    def __str__(self) -> str:
        return f"{self.domain}.{self.attribute}"

    def clean(self) -> None:
        if self.attribute not in domains.SCHEMAS.get(self.domain, {}):
            raise ValidationError({"attribute": f"Not an attribute of {self.domain}."})
        if not isinstance(self.owners, list) or not all(isinstance(o, str) for o in self.owners):
            raise ValidationError({"owners": "A list of source codes."})


class AttributeLock(models.Model):
    """A steward's manual value: overrides every source until a steward unlocks it."""

    golden = models.ForeignKey(GoldenRecord, on_delete=models.CASCADE, related_name="locks")
    attribute = models.CharField(max_length=60)
    value = models.JSONField(null=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    locked_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["golden", "attribute"], name="attribute_lock_unique")]

    def __str__(self) -> str:
        return f"{self.golden_id}.{self.attribute}"


class ChangeReason(models.TextChoices):
    INGEST = "ingest", "Source ingest"
    MERGE = "merge", "Merge"
    UNMERGE = "unmerge", "Unmerge"
    STEWARD_EDIT = "steward_edit", "Steward edit"
    RULE = "rule", "Rule change"
    CONSENT = "consent", "Consent"
    ERASURE = "erasure", "Erasure"


class GoldenVersion(models.Model):
    """One change to a golden record: before/after of the changed attributes, who, why, when, correlation id."""

    # No index of its own: the unique (golden, version) index serves look-ups by golden record.
    golden = models.ForeignKey(GoldenRecord, on_delete=models.CASCADE, related_name="versions", db_index=False)
    version = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=ChangeReason.choices)
    changes = models.JSONField(default=dict, help_text='{attribute: {"before": ..., "after": ...}}')
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_source = models.ForeignKey(SourceSystem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    correlation_id = models.CharField(max_length=64, blank=True, db_index=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["golden", "version"], name="golden_version_unique")]

    def __str__(self) -> str:
        return f"{self.golden_id} v{self.version}"

    @property
    def actor(self) -> str:
        if self.actor_user_id:
            return f"user:{self.actor_user}"
        if self.actor_source_id:
            return f"source:{self.actor_source}"
        return "system"


class ConsentPurpose(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    marketing = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ConsentStatus(models.TextChoices):
    GRANTED = "granted", "Granted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ConsentEvent(models.Model):
    """An immutable consent event as a source reported it."""

    golden = models.ForeignKey(GoldenRecord, on_delete=models.CASCADE, related_name="consent_events")
    source = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="+")
    source_key = models.CharField(max_length=200)
    purpose = models.ForeignKey(ConsentPurpose, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=ConsentStatus.choices)
    captured_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    correlation_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-captured_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_key", "purpose", "status", "captured_at"], name="consent_event_unique"
            )
        ]
        indexes = [models.Index(fields=["golden", "purpose", "captured_at"])]

    def __str__(self) -> str:
        return f"{self.golden_id} {self.purpose_id} {self.status} @ {self.captured_at:%Y-%m-%d %H:%M}"


class ConsentState(models.Model):
    """The current consent per (golden customer, purpose): the latest ``captured_at`` wins; on a tie, withdrawn."""

    golden = models.ForeignKey(GoldenRecord, on_delete=models.CASCADE, related_name="consents")
    purpose = models.ForeignKey(ConsentPurpose, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=ConsentStatus.choices)
    captured_at = models.DateTimeField()
    event = models.ForeignKey(ConsentEvent, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["purpose__code"]
        constraints = [models.UniqueConstraint(fields=["golden", "purpose"], name="consent_state_unique")]

    def __str__(self) -> str:
        return f"{self.golden_id} {self.purpose_id}={self.status}"


class IdempotencyRecord(models.Model):
    """The first answer to a request carrying an ``Idempotency-Key``, replayed for retries of the same request."""

    source = models.ForeignKey(SourceSystem, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.key}"


class MatchSettings(models.Model):
    """Per-domain decision thresholds on the match probability."""

    domain = models.CharField(max_length=20, choices=Domain.choices, unique=True)
    auto_link = models.FloatField(default=0.97, help_text="At or above: the record joins the golden record.")
    review = models.FloatField(default=0.80, help_text="At or above (below auto_link): a candidate is queued.")
    max_block_size = models.PositiveIntegerField(
        default=1000, help_text="Blocking keys shared by more records than this are too common to compare on."
    )
    weights = models.JSONField(
        default=dict,
        blank=True,
        help_text='Per-field weight multipliers, e.g. {"phone": 0.5, "email": 1.5}: 1 is the engine\'s weight, 0 '
        "ignores the field. Fields: customer "
        + ", ".join(matching.FIELDS["customer"])
        + "; product "
        + ", ".join(matching.FIELDS["product"])
        + ".",
    )
    model = models.JSONField(
        default=dict,
        blank=True,
        help_text="Level weights estimated from this domain's records by `manage.py train_matcher` (empty: the "
        "engine's own table). Its prior and per-field weights in bits replace the defaults; `weights` still scale "
        "them.",
    )

    class Meta:
        verbose_name_plural = "match settings"

    def __str__(self) -> str:
        return f"{self.domain}: auto ≥ {self.auto_link}, review ≥ {self.review}"

    def engine_model(self) -> matching.Model:
        return matching.Model.from_dict(self.domain, self.model)

    def clean(self) -> None:
        if not 0 < self.review < self.auto_link <= 1:
            raise ValidationError("Thresholds must satisfy 0 < review < auto_link <= 1.")
        fields = matching.FIELDS.get(self.domain, ())
        if not isinstance(self.weights, dict):
            raise ValidationError({"weights": "An object of field: multiplier."})
        for name, value in self.weights.items():
            if name not in fields:
                raise ValidationError({"weights": f"Unknown field {name!r}; fields: {', '.join(fields)}."})
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 5:
                raise ValidationError({"weights": f"{name}: a number from 0 to 5."})
        if self.model and not isinstance(self.model, dict):
            raise ValidationError({"model": "An object with prior and levels, as train_matcher writes it."})


class BlockingKey(models.Model):
    """A key a source record is filed under; records are compared only with records sharing a key."""

    # No index of its own: the unique (record, key) index serves look-ups by record (every ingest writes ~10 keys per
    # record; one index fewer to maintain on the largest table).
    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="blocking_keys", db_index=False)
    domain = models.CharField(max_length=20, choices=Domain.choices)
    key = models.CharField(max_length=200)

    class Meta:
        # record_id included: the candidate look-up reads it from the index alone (an index-only scan).
        indexes = [models.Index(fields=["domain", "key"], name="blocking_key_lookup", include=["record_id"])]
        constraints = [models.UniqueConstraint(fields=["record", "key"], name="blocking_key_unique")]

    def __str__(self) -> str:
        return self.key


class CandidateStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    MERGED = "merged", "Merged"
    REJECTED = "rejected", "Not a match"
    SUPERSEDED = "superseded", "Superseded"


class MatchCandidate(models.Model):
    """A pair of golden records the matcher thinks may be one: queued for a steward's decision."""

    domain = models.CharField(max_length=20, choices=Domain.choices)
    golden_a = models.ForeignKey(GoldenRecord, on_delete=models.CASCADE, related_name="+")
    golden_b = models.ForeignKey(GoldenRecord, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(db_index=True)
    explanation = models.JSONField(default=list, help_text="Per field: a, b, comparator, similarity, weight.")
    status = models.CharField(max_length=20, choices=CandidateStatus.choices, default=CandidateStatus.PENDING)
    reason = models.CharField(max_length=200, blank=True, help_text="Why it was queued rather than linked.")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["golden_a", "golden_b"],
                condition=Q(status="pending"),
                name="match_candidate_one_pending_per_pair",
            ),
            models.CheckConstraint(condition=~Q(golden_a=models.F("golden_b")), name="match_candidate_two_records"),
        ]
        indexes = [
            models.Index(fields=["status", "domain", "-score"], name="match_candidate_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.domain} {self.golden_a_id} ~ {self.golden_b_id} ({self.score:.3f}, {self.status})"


class NotAMatch(models.Model):
    """A steward's decision that two source records are different things: never proposed again."""

    record_a = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    record_b = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "not-a-match decision"
        constraints = [
            models.UniqueConstraint(fields=["record_a", "record_b"], name="not_a_match_unique"),
            models.CheckConstraint(condition=Q(record_a__lt=models.F("record_b")), name="not_a_match_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.record_a_id} ≠ {self.record_b_id}"


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved and applied"
    REJECTED = "rejected", "Rejected"


class ChangeRequest(models.Model):
    """A steward's edit of a golden attribute (maker-checker): applied only when another user approves it, or at
    once by rule when the attribute is not governed."""

    golden = models.ForeignKey(GoldenRecord, on_delete=models.CASCADE, related_name="change_requests")
    attribute = models.CharField(max_length=60)
    value = models.JSONField(null=True, help_text="The new steward value (null: unlock, follow the sources again).")
    unlock = models.BooleanField(default=False, help_text="Remove the steward value instead of setting one.")
    comment = models.CharField(max_length=500, blank=True)
    base_version = models.PositiveIntegerField(help_text="The golden record's version the edit was made on.")
    status = models.CharField(max_length=20, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.CharField(max_length=500, blank=True)
    approved_by_rule = models.BooleanField(default=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "-requested_at"], name="change_request_queue")]

    def __str__(self) -> str:
        return f"{self.golden_id}.{self.attribute} ({self.status})"


class AccessKind(models.TextChoices):
    VIEW = "view", "Viewed"
    HISTORY = "history", "History read"
    EXPORT = "export", "Exported"


class AccessLogEntry(models.Model):
    """One read of one customer's personal data by a user (API detail, history, export; the UI's golden and review
    pages). Written with one insert; kept ``STEWARD_ACCESS_LOG_RETENTION_DAYS``."""

    golden_id = models.UUIDField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150, help_text="Kept when the user is deleted.")
    at = models.DateTimeField(db_index=True)
    what = models.CharField(max_length=20, choices=AccessKind.choices)
    correlation_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "access log entry"
        verbose_name_plural = "access log"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["golden_id", "-at"], name="access_log_subject")]

    def __str__(self) -> str:
        return f"{self.username} {self.what} {self.golden_id} @ {self.at:%Y-%m-%d %H:%M}"


class PrivacyRequestKind(models.TextChoices):
    EXPORT = "export", "Subject access (export)"
    ERASURE = "erasure", "Erasure"


class PrivacyRequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class PrivacyRequest(models.Model):
    """A data subject's request, as the privacy officer recorded it. An erasure is complete once every connector has
    received its erase delivery (``outcome``: per connector, that delivery's status); it fails when one is a dead
    letter (replaying it reopens the request)."""

    kind = models.CharField(max_length=20, choices=PrivacyRequestKind.choices)
    subject = models.UUIDField(help_text="The golden customer id the request is about (its survivor when merged).")
    reason = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=20, choices=PrivacyRequestStatus.choices, default=PrivacyRequestStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True, help_text="The erasure's golden version.")
    outcome = models.JSONField(
        default=dict, blank=True, help_text='Per connector: {"status", "delivery", "error"} of its erase delivery.'
    )
    correlation_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="privacy_request_open")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} ({self.status})"
