"""Stand-in for an Open Loyalty-style REST API (modelled on Open Loyalty's admin API), served under ``/loyalty``.

- ``POST /api/admin/login_check`` ``{"username", "password"}`` -> ``{"token", "refresh_token"}``; every other call
  needs ``Authorization: Bearer <token>``; a missing, unknown or expired token -> 401 ``{"code": 401, "message":
  "JWT Token not found" | "Invalid JWT Token" | "Expired JWT Token"}`` (LexikJWT's answers, which Open Loyalty uses).
  ``POST /api/token/refresh`` ``{"refresh_token"}`` -> a new pair.
- ``GET /api/{storeCode}/member?loyaltyCardNumber=...`` -> ``{"items": [...], "total": {"all", "filtered"}}``
- ``POST /api/{storeCode}/member`` ``{"customer": {...}}`` -> ``{"customerId"}``
- ``GET|PUT /api/{storeCode}/member/{customerId}`` (PUT ``{"customer": {...}}`` updates the given fields -> 204)
- ``POST /api/{storeCode}/member/{customerId}/deactivate`` | ``/activate`` | ``/anonymize`` -> 204

Validation (-> 400 ``{"message": "Validation failed", "errors": [{"path": "customer.email", "message": ...}]}``):
firstName and lastName required and not blank, email format, birthDate YYYY-MM-DD, gender, loyaltyCardNumber unique
in the store; an anonymized member can no longer be edited. Effects are keyed by external id and version: the
connector sends the golden id as ``loyaltyCardNumber`` and the golden version as the ``steward_version`` label, so
a repeated version is recorded without a second effect, and an older version arriving after a newer one is counted
as ``stale`` (Open Loyalty would apply it: ordering is the sender's job).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import uuid
from datetime import date
from typing import Any

from .base import Reply, Request, StandIn

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
GENDERS = ("male", "female", "not_disclosed")
PERSONAL = ("firstName", "lastName", "email", "phone", "birthDate", "gender", "address", "company")
NO_CONTENT = Reply(204)


def _error(path: str, message: str) -> dict[str, str]:
    return {"path": path, "message": message}


def validate_customer(customer: Any, *, creating: bool) -> list[dict[str, str]]:
    if not isinstance(customer, dict):
        return [_error("customer", "This value should be of type object.")]
    errors = []
    for name in ("firstName", "lastName"):
        value = customer.get(name)
        if (creating or name in customer) and not (isinstance(value, str) and value.strip()):
            errors.append(_error(f"customer.{name}", "This value should not be blank."))
        elif isinstance(value, str) and len(value) > 255:
            errors.append(_error(f"customer.{name}", "This value is too long. It should have 255 characters or less."))
    email = customer.get("email")
    if email not in (None, "") and not (isinstance(email, str) and EMAIL.match(email)):
        errors.append(_error("customer.email", "This value is not a valid email address."))
    birth = customer.get("birthDate")
    if birth not in (None, ""):
        try:
            date.fromisoformat(str(birth))
        except ValueError:
            errors.append(_error("customer.birthDate", "This value is not a valid date."))
    gender = customer.get("gender")
    if gender not in (None, "") and gender not in GENDERS:
        errors.append(_error("customer.gender", "The value you selected is not a valid choice."))
    for name in ("address", "company"):
        if customer.get(name) is not None and not isinstance(customer[name], dict):
            errors.append(_error(f"customer.{name}", "This value should be of type object."))
    labels = customer.get("labels")
    if labels is not None and not (
        isinstance(labels, list) and all(isinstance(item, dict) and "key" in item for item in labels)
    ):
        errors.append(_error("customer.labels", "Labels must be a list of {key, value}."))
    card = customer.get("loyaltyCardNumber")
    if card is not None and not isinstance(card, str):
        errors.append(_error("customer.loyaltyCardNumber", "This value should be of type string."))
    return errors


def _version(customer: dict[str, Any]) -> int | None:
    for label in customer.get("labels") or ():
        if label.get("key") == "steward_version":
            try:
                return int(label.get("value"))
            except (TypeError, ValueError):
                return None
    return None


class LoyaltyStandIn(StandIn):
    name = "loyalty"

    def __init__(self, username: str, password: str, store_code: str, token_ttl: float = 3600.0) -> None:
        super().__init__()
        self.username, self.password, self.store_code = username, password, store_code
        self.token_ttl = token_ttl
        self.lock = threading.Lock()
        self.tokens: dict[str, float] = {}  # token -> expires at (monotonic)
        self.refresh_tokens: set[str] = set()
        self.logins = 0
        self._reset_members()

    def _reset_members(self) -> None:
        with self.lock:
            self.members: dict[str, dict[str, Any]] = {}
            self.by_card: dict[str, str] = {}
            self.stale = 0
            self.logins = 0

    def reset(self) -> None:
        # Tokens survive a reset: they are credentials, not data, and connectors keep theirs between tests.
        super().reset()
        self._reset_members()

    def expire_tokens(self) -> int:
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = 0.0
            return len(self.tokens)

    def snapshot(self, *, limit: int, keys: bool) -> dict[str, Any]:
        data = super().snapshot(limit=limit, keys=keys)
        with self.lock:
            data["stale"] = self.stale
            data["logins"] = self.logins
            data["members"] = {member.get("loyaltyCardNumber") or key: member for key, member in self.members.items()}
        return data

    # -- auth

    def _issue(self) -> dict[str, str]:
        token, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.monotonic() + self.token_ttl
            self.refresh_tokens.add(refresh)
            self.logins += 1
        return {"token": token, "refresh_token": refresh}

    def _auth_error(self, request: Request) -> str:
        header = request.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            return "JWT Token not found"
        expires = self.tokens.get(header[7:])
        if expires is None:
            return "Invalid JWT Token"
        if expires < time.monotonic():
            return "Expired JWT Token"
        return ""

    # -- routing

    def handle(self, request: Request) -> Reply:
        parts = request.path.strip("/").split("/")
        try:
            body = json.loads(request.body) if request.body else None
        except ValueError:
            return self.reject(request, 400, {"code": 400, "message": "Invalid JSON."})
        if parts == ["api", "admin", "login_check"] and request.method == "POST":
            if not isinstance(body, dict) or (body.get("username"), body.get("password")) != (
                self.username,
                self.password,
            ):
                return self.reject(request, 401, {"code": 401, "message": "Invalid credentials."})
            self.recorder.accept()
            return Reply.json(200, self._issue())
        if parts == ["api", "token", "refresh"] and request.method == "POST":
            refresh = body.get("refresh_token") if isinstance(body, dict) else None
            with self.lock:
                known = refresh in self.refresh_tokens
                self.refresh_tokens.discard(refresh)
            if not known:
                return self.reject(request, 401, {"code": 401, "message": "Invalid JWT Refresh Token"})
            self.recorder.accept()
            return Reply.json(200, self._issue())
        auth_error = self._auth_error(request)
        if auth_error:
            return self.reject(request, 401, {"code": 401, "message": auth_error})
        if len(parts) < 3 or parts[0] != "api" or parts[2] != "member":
            return self.reject(request, 404, {"code": 404, "message": "Not Found"})
        if parts[1] != self.store_code:
            return self.reject(request, 404, {"code": 404, "message": "Store not found"})
        rest = parts[3:]
        if not rest:
            if request.method == "GET":
                return self._search(request)
            if request.method == "POST":
                return self._create(request, body)
        elif len(rest) == 1:
            if request.method == "GET":
                return self._get(request, rest[0])
            if request.method == "PUT":
                return self._update(request, rest[0], body)
        elif len(rest) == 2 and request.method == "POST" and rest[1] in ("deactivate", "activate", "anonymize"):
            return self._action(request, rest[0], rest[1])
        return self.reject(request, 405 if len(rest) <= 2 else 404, {"code": 405, "message": "Method Not Allowed"})

    # -- members

    def _search(self, request: Request) -> Reply:
        card = request.query.get("loyaltyCardNumber")
        with self.lock:
            if card is not None:
                found = [self.members[self.by_card[card]]] if card in self.by_card else []
            else:
                found = list(self.members.values())[:50]
            total = len(self.members)
        self.recorder.accept()
        return Reply.json(200, {"items": found, "total": {"all": total, "filtered": len(found)}})

    def _get(self, request: Request, member_id: str) -> Reply:
        with self.lock:
            member = self.members.get(member_id)
        if member is None:
            return self.reject(request, 404, {"code": 404, "message": "Member not found"})
        self.recorder.accept()
        return Reply.json(200, member)

    def _invalid(self, request: Request, errors: list[dict[str, str]]) -> Reply:
        return self.reject(request, 400, {"message": "Validation failed", "errors": errors})

    def _create(self, request: Request, body: Any) -> Reply:
        customer = body.get("customer") if isinstance(body, dict) else None
        errors = validate_customer(customer, creating=True)
        if errors:
            return self._invalid(request, errors)
        assert isinstance(customer, dict)
        card = customer.get("loyaltyCardNumber") or None
        version = _version(customer)
        member_id: str | None = None  # stays None when the card is taken
        with self.lock:
            if card is None or card not in self.by_card:
                member_id = str(uuid.uuid4())
                now = time.time()
                member = {
                    **customer,
                    "customerId": member_id,
                    "active": True,
                    "anonymized": False,
                    "createdAt": now,
                    "updatedAt": now,
                }
                self.members[member_id] = member
                if card is not None:
                    self.by_card[card] = member_id
        if member_id is None:
            return self._invalid(
                request, [_error("customer.loyaltyCardNumber", "This loyalty card number is already in use.")]
            )
        self.recorder.accept()
        key = f"{card}#v{version}" if card and version is not None else f"{member_id}#create"
        self.recorder.record(
            key,
            {
                "action": "create",
                "member_id": member_id,
                "external_id": card,
                "version": version,
                "customer": customer,
                "correlation_id": request.correlation_id,
            },
        )
        return Reply.json(200, {"customerId": member_id})

    def _update(self, request: Request, member_id: str, body: Any) -> Reply:
        customer = body.get("customer") if isinstance(body, dict) else None
        errors = validate_customer(customer, creating=False)
        if errors:
            return self._invalid(request, errors)
        assert isinstance(customer, dict)
        version = _version(customer)
        stale = False
        card: str | None = None
        with self.lock:
            member = self.members.get(member_id)
            if member is None:
                pass
            elif member["anonymized"]:
                errors = [_error("customer", "An anonymized member cannot be edited.")]
            else:
                card = customer.get("loyaltyCardNumber")
                if card and self.by_card.get(card, member_id) != member_id:
                    errors = [_error("customer.loyaltyCardNumber", "This loyalty card number is already in use.")]
                else:
                    current = _version(member)
                    stale = version is not None and current is not None and version < current
                    self.stale += stale
                    previous_card = member.get("loyaltyCardNumber")
                    if card and card != previous_card:
                        if previous_card is not None:
                            self.by_card.pop(previous_card, None)
                        self.by_card[card] = member_id
                    member.update(customer)
                    member["updatedAt"] = time.time()
                    card = member.get("loyaltyCardNumber")
        if member is None:
            return self.reject(request, 404, {"code": 404, "message": "Member not found"})
        if errors:
            return self._invalid(request, errors)
        self.recorder.accept()
        key = f"{card}#v{version}" if card and version is not None else f"{member_id}#update-{uuid.uuid4()}"
        self.recorder.record(
            key,
            {
                "action": "update",
                "member_id": member_id,
                "external_id": card,
                "version": version,
                "stale": stale,
                "customer": customer,
                "correlation_id": request.correlation_id,
            },
        )
        return NO_CONTENT

    def _action(self, request: Request, member_id: str, action: str) -> Reply:
        card: str | None = None
        with self.lock:
            member = self.members.get(member_id)
            if member is not None:
                if action == "anonymize":
                    for name in PERSONAL:
                        member.pop(name, None)
                    member["firstName"] = member["lastName"] = "Anonymized"
                    member["anonymized"] = True
                    member["active"] = False
                else:
                    member["active"] = action == "activate"
                member["updatedAt"] = time.time()
                card = member.get("loyaltyCardNumber")
        if member is None:
            return self.reject(request, 404, {"code": 404, "message": "Member not found"})
        self.recorder.accept()
        # Deactivating twice has one effect; so does anonymizing. Re-activation is a new effect each time.
        suffix = action if action != "activate" else f"activate-{uuid.uuid4()}"
        self.recorder.record(
            f"{card or member_id}#{suffix}",
            {
                "action": action,
                "member_id": member_id,
                "external_id": card,
                "correlation_id": request.correlation_id,
            },
        )
        return NO_CONTENT
