"""Writes. Each public service is keyword-only, validates before it saves and runs in one transaction.

One module per concern: ``ingest`` (a source's batch upsert), ``golden`` (survivorship recomputed and versioned,
merge, unmerge), ``review`` (stewards' decisions on match candidates) and ``candidates`` (the queue's writes),
``consent``, ``privacy`` (a data subject's requests, the access log), ``locks`` (steward values), ``changes`` (maker-
checker), ``keys`` (API keys, idempotency) and ``rematch``. What callers outside the package use is exported here.
"""

from .batch import CREATED, REJECTED, UNCHANGED, UPDATED, RecordResult
from .changes import change_request_approve, change_request_create, change_request_reject
from .consent import consent_events_record
from .golden import golden_record_unmerge, ownership_rules_apply
from .ingest import source_records_upsert
from .keys import api_key_issue, idempotency_keys_purge, idempotent, request_fingerprint
from .locks import attribute_lock_release, attribute_lock_set
from .privacy import (
    access_log_purge,
    access_log_write,
    customer_erase,
    privacy_requests_refresh,
    subject_export,
    subject_ids,
    tombstones_lift,
)
from .review import match_candidate_assign, match_candidate_merge, match_candidate_reject

__all__ = [
    "CREATED",
    "REJECTED",
    "UNCHANGED",
    "UPDATED",
    "RecordResult",
    "access_log_purge",
    "access_log_write",
    "api_key_issue",
    "attribute_lock_release",
    "attribute_lock_set",
    "change_request_approve",
    "change_request_create",
    "change_request_reject",
    "consent_events_record",
    "customer_erase",
    "golden_record_unmerge",
    "idempotency_keys_purge",
    "idempotent",
    "match_candidate_assign",
    "match_candidate_merge",
    "match_candidate_reject",
    "ownership_rules_apply",
    "privacy_requests_refresh",
    "request_fingerprint",
    "source_records_upsert",
    "subject_export",
    "subject_ids",
    "tombstones_lift",
]
