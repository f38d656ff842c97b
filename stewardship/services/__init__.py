"""Writes. Each public service is keyword-only, validates before it saves and runs in one transaction."""

from .changes import change_request_approve, change_request_create, change_request_reject
from .core import (
    CREATED,
    REJECTED,
    UNCHANGED,
    UPDATED,
    RecordResult,
    api_key_issue,
    attribute_lock_release,
    attribute_lock_set,
    consent_events_record,
    idempotency_keys_purge,
    idempotent,
    ownership_rules_apply,
    request_fingerprint,
    source_records_upsert,
)
from .review import (
    golden_record_unmerge,
    match_candidate_assign,
    match_candidate_merge,
    match_candidate_reject,
)

__all__ = [
    "CREATED",
    "REJECTED",
    "UNCHANGED",
    "UPDATED",
    "RecordResult",
    "api_key_issue",
    "attribute_lock_release",
    "attribute_lock_set",
    "change_request_approve",
    "change_request_create",
    "change_request_reject",
    "consent_events_record",
    "golden_record_unmerge",
    "idempotency_keys_purge",
    "idempotent",
    "match_candidate_assign",
    "match_candidate_merge",
    "match_candidate_reject",
    "ownership_rules_apply",
    "request_fingerprint",
    "source_records_upsert",
]
