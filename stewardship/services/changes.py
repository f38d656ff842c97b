"""Maker-checker: a steward's edit of a governed attribute waits for another user with the approver role."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ..errors import ApplicationError, Conflict, NotFound, ValidationFailed
from ..models import AttributeLock, ChangeReason, ChangeRequest, ChangeRequestStatus, GoldenRecord, OwnershipRule
from ..roles import is_approver
from .golden import golden_for_update, golden_recompute
from .locks import steward_value_read


class NotAllowed(ApplicationError):
    status_code = 403
    code = "not_allowed"


def change_request_create(
    *,
    golden_id: uuid.UUID | str,
    attribute: str,
    value: Any = None,
    unlock: bool = False,
    comment: str = "",
    user: User,
) -> ChangeRequest:
    """Request a steward value (or its removal) on a golden attribute. Attributes that are not governed are
    applied at once, approved by rule."""
    golden = GoldenRecord.objects.filter(pk=golden_id).first()
    if golden is None:
        raise NotFound("No such golden record.")
    parsed = None if unlock else steward_value_read(golden.domain, attribute, value)
    if unlock and not AttributeLock.objects.filter(golden=golden, attribute=attribute).exists():
        raise ValidationFailed(f"{attribute!r} has no steward value to remove.", fields={"attribute": ["Not locked."]})
    if not unlock and golden.attributes.get(attribute) == parsed:
        raise ValidationFailed("That is already the golden value.", fields={"value": ["Unchanged."]})
    governed = (
        OwnershipRule.objects.filter(domain=golden.domain, attribute=attribute)
        .values_list("governed", flat=True)
        .first()
    )
    with transaction.atomic():
        golden = golden_for_update(golden.pk)
        request = ChangeRequest.objects.create(
            golden=golden,
            attribute=attribute,
            value=parsed,
            unlock=unlock,
            comment=comment,
            base_version=golden.version,
            requested_by=user,
        )
        if governed is False:
            _apply(request, golden, decided_by=user, by_rule=True)
    return request


def change_request_approve(*, request_id: int, user: User, comment: str = "") -> ChangeRequest:
    """Approve and apply. Only an approver who is not the author may."""
    with transaction.atomic():
        request = _pending(request_id, user)
        golden = golden_for_update(request.golden_id)
        request.decision_comment = comment
        _apply(request, golden, decided_by=user, by_rule=False)
    return request


def change_request_reject(*, request_id: int, user: User, comment: str = "") -> ChangeRequest:
    with transaction.atomic():
        request = _pending(request_id, user)
        request.status = ChangeRequestStatus.REJECTED
        request.decided_by, request.decided_at, request.decision_comment = user, timezone.now(), comment
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    return request


def _pending(request_id: int, user: User) -> ChangeRequest:
    request = ChangeRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise NotFound("No such change request.")
    if not is_approver(user):
        raise NotAllowed("Only a user with the approver role can decide change requests.")
    if request.requested_by_id == user.pk:
        raise NotAllowed("You cannot decide your own change request: another approver must.")
    if request.status != ChangeRequestStatus.PENDING:
        who = f" by {request.decided_by.get_username()}" if request.decided_by else ""
        raise Conflict(f"This change request was already {request.status}{who}.", code="already_decided")
    return request


def _apply(request: ChangeRequest, golden: GoldenRecord, *, decided_by: User, by_rule: bool) -> None:
    if request.unlock:
        AttributeLock.objects.filter(golden=golden, attribute=request.attribute).delete()
    else:
        AttributeLock.objects.update_or_create(
            golden=golden,
            attribute=request.attribute,
            defaults={"value": request.value, "locked_by": request.requested_by},
        )
    who = "by rule (not governed)" if by_rule else f"by {decided_by.get_username()}"
    note = f"change request {request.pk} approved {who}" + (f": {request.comment}" if request.comment else "")
    golden_recompute([golden], reason=ChangeReason.STEWARD_EDIT, actor_user=request.requested_by, note=note)
    request.status = ChangeRequestStatus.APPROVED
    request.decided_by, request.decided_at, request.approved_by_rule = decided_by, timezone.now(), by_rule
    request.save(update_fields=["status", "decided_by", "decided_at", "approved_by_rule", "decision_comment"])
