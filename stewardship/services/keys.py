"""Keys: source systems' API keys, and the Idempotency-Key under which a batch's first answer is replayed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import text
from ..errors import IdempotencyMismatch, ValidationFailed
from ..models import ApiKey, IdempotencyRecord, SourceSystem


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
    if not text.storable(key):
        raise ValidationFailed("Idempotency-Key is not valid text.", fields={"Idempotency-Key": ["Not valid text."]})

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
