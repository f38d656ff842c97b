"""Source systems authenticate with ``Authorization: Api-Key <key>``; people with a session or DRF's
``Authorization: Token <token>``, which expires after ``STEWARD_TOKEN_TTL_HOURS`` when that is set. Failed keys and
tokens are counted per client address, and an address over the limit is answered 429 (``throttling``)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token
from rest_framework.request import Request

from ..models import ApiKey, SourceSystem
from .throttling import guard_credentials

KEYWORD = "Api-Key"


@dataclass(frozen=True)
class SourcePrincipal:
    """The authenticated caller when it is a source system (``request.user``)."""

    source: SourceSystem
    is_authenticated: bool = True
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False
    pk: None = None

    def __str__(self) -> str:
        return f"source:{self.source.code}"

    def get_username(self) -> str:
        return str(self)


def acting_source(request: Request) -> SourceSystem:
    """The source system a request acts as. Called behind ``IsPathSource`` on a write, which lets only a source system
    through; were it not, the request is refused."""
    principal = request.user
    if not isinstance(principal, SourcePrincipal):
        raise exceptions.PermissionDenied("A source system API key is required.")
    return principal.source


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[SourcePrincipal, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != KEYWORD.lower():
            return None
        return guard_credentials(request, lambda: self._check(key.strip()))

    def _check(self, key: str) -> tuple[SourcePrincipal, ApiKey]:
        prefix = key.split(".", 1)[0]
        api_key = (
            ApiKey.objects.select_related("source").filter(prefix=prefix, revoked_at__isnull=True).first()
            if prefix and "." in key
            else None
        )
        if api_key is None or not hmac.compare_digest(api_key.digest, ApiKey.hash(key)):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if not api_key.source.active:
            raise exceptions.AuthenticationFailed("This source system is inactive.")
        now = timezone.now()
        if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return SourcePrincipal(api_key.source), api_key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, refusing a token older than ``STEWARD_TOKEN_TTL_HOURS`` (0: tokens never expire).
    An administrator issues a new one (the admin, or ``manage.py drf_create_token -r <username>``)."""

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser | AnonymousUser, Token] | None:
        scheme = authentication.get_authorization_header(request).split(b" ", 1)[0]
        if scheme.lower() != self.keyword.lower().encode():
            return None
        return guard_credentials(request, lambda: super(TokenAuthentication, self).authenticate(request))

    def authenticate_credentials(self, key: str) -> tuple[AbstractBaseUser | AnonymousUser, Token]:
        user, token = super().authenticate_credentials(key)
        ttl = settings.STEWARD_TOKEN_TTL_HOURS
        if ttl > 0 and token.created < timezone.now() - timedelta(hours=ttl):
            raise exceptions.AuthenticationFailed("Token has expired: ask an administrator for a new one.")
        return user, token


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents ``Authorization: Api-Key <key>`` in the OpenAPI schema."""

    target_class = "stewardship.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A source system's key: `Api-Key <key>` (issue one with `manage.py source_key <code>`).",
        }
