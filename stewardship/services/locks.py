"""Steward values: a steward's value for a golden attribute overrides every source until a steward unlocks it."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from .. import domains
from ..errors import NotFound, ValidationFailed
from ..models import AttributeLock, ChangeReason, GoldenRecord
from .golden import golden_for_update, golden_recompute


def steward_value_read(domain: str, attribute: str, value: Any) -> Any:
    """A value a steward gives a golden attribute (a locked value, a change request's, a merge's choice), read as a
    source's would be: an unknown attribute, an unreadable value or one that fails a quality check is refused."""
    if attribute not in domains.SCHEMAS[domain]:
        raise ValidationFailed(f"{attribute!r} is not a {domain} attribute.", fields={"attribute": ["Unknown."]})
    read = domains.read_attributes(domain, {attribute: value})
    if read.errors:
        raise ValidationFailed("The value cannot be used.", fields=read.errors)
    if read.warnings:
        raise ValidationFailed("The value fails a quality check.", fields=read.warnings)
    return read.values[attribute]


def attribute_lock_set(
    *, golden_id: uuid.UUID | str, attribute: str, value: Any, user: User, note: str = ""
) -> GoldenRecord:
    """Set a steward's value on a golden attribute; it overrides every source until unlocked."""
    with transaction.atomic():
        golden = golden_for_update(golden_id)
        parsed = steward_value_read(golden.domain, attribute, value)
        AttributeLock.objects.update_or_create(
            golden=golden, attribute=attribute, defaults={"value": parsed, "locked_by": user}
        )
        golden_recompute([golden], reason=ChangeReason.STEWARD_EDIT, actor_user=user, note=note)
    return golden


def attribute_lock_release(*, golden_id: uuid.UUID | str, attribute: str, user: User, note: str = "") -> GoldenRecord:
    """Remove a steward's lock: the attribute follows the sources again."""
    with transaction.atomic():
        golden = golden_for_update(golden_id)
        deleted, _ = AttributeLock.objects.filter(golden=golden, attribute=attribute).delete()
        if not deleted:
            raise NotFound(f"{attribute!r} is not locked.")
        golden_recompute([golden], reason=ChangeReason.STEWARD_EDIT, actor_user=user, note=note or "unlocked")
    return golden
