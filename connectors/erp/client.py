"""Tryton's JSON-RPC protocol over :class:`connectors.http.HttpClient`: login, the session header, one re-login
when the session has expired, and the classification of Tryton's errors into permanent and transient.

Tryton answers a failed call with HTTP 200 and ``{"error": [kind, args]}``: ``UserError`` (validation, access,
constraint), ``UserWarning`` (a question for a user) and ``LoginException`` will fail the same way on every retry,
so they are permanent; ``ConcurrencyException`` and server-side exceptions (lock timeouts, serialisation failures,
a crash) are transient, like a 5xx. HTTP-level failures keep :mod:`connectors.http`'s classification (connection
errors, 429, 503 and 5xx transient).
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from connectors.http import HttpClient, TransportError

#: Tryton error kinds that say "this request will never succeed as it is".
PERMANENT_ERRORS = frozenset({"UserError", "UserWarning", "LoginException"})
#: HTTP answers after which a fresh session is worth one more try (Tryton answers 401 on an expired session).
RELOGIN_STATUSES = frozenset({401, 403})


def error_message(error: Any) -> str:
    """The human part of a JSON-RPC ``error`` member."""
    if isinstance(error, list | tuple) and error:
        kind, args = error[0], error[1] if len(error) > 1 else ""
        if kind == "UserError" and isinstance(args, list | tuple) and args:
            return " ".join(str(part) for part in args[:2] if part)
        if kind in ("UserWarning", "LoginException") and isinstance(args, list | tuple) and len(args) > 1:
            return str(args[1])
        return f"{kind}: {args}" if args else str(kind)
    return str(error)


def error_is_permanent(error: Any) -> bool:
    kind = error[0] if isinstance(error, list | tuple) and error else None
    return kind in PERMANENT_ERRORS


def decode(value: Any) -> Any:
    """Tryton's JSON extensions that matter here: ``{"__class__": "Decimal", "decimal": "1.50"}`` -> Decimal."""
    if isinstance(value, dict):
        if value.get("__class__") == "Decimal":
            return Decimal(value["decimal"])
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


class TrytonClient:
    """One user's session on one Tryton database. ``call`` logs in on first use and once more when the session
    has expired; ``model`` adds the user's context (company, language) that Tryton expects as the last parameter.
    """

    def __init__(self, http: HttpClient, *, database: str, username: str, password: str, language: str = "en") -> None:
        self.http = http
        self.database = database
        self.username = username
        self.password = password
        self.language = language
        self.path = f"/{database}/rpc/"
        self.authorization = ""
        self.context: dict[str, Any] = {}
        self.correlation_id = ""
        self._next_id = 0

    def login(self) -> None:
        result = self._post("common.db.login", [self.username, {"password": self.password}, self.language], auth="")
        if not isinstance(result, list) or len(result) < 2:
            raise TransportError(f"Tryton login for {self.username!r} failed: {result!r}", permanent=True)
        user_id, token = result[0], result[1]
        credentials = f"{self.username}:{user_id}:{token}".encode()
        self.authorization = "Session " + base64.b64encode(credentials).decode()
        preferences = self._post("model.res.user.get_preferences", [True, {}], auth=self.authorization)
        # The context the Tryton client sends: company, language... minus display-only entries.
        self.context = {k: v for k, v in (preferences or {}).items() if k not in ("locale", "groups")}

    def logout(self) -> None:
        if self.authorization:
            try:
                self._post("common.db.logout", [], auth=self.authorization)
            except TransportError:
                pass
        self.authorization = ""

    def call(self, method: str, *params: Any) -> Any:
        if not self.authorization:
            self.login()
        try:
            return self._post(method, list(params), auth=self.authorization)
        except TransportError as exc:
            if exc.status_code not in RELOGIN_STATUSES:
                raise
        self.login()
        return self._post(method, list(params), auth=self.authorization)

    def model(self, model: str, method: str, *params: Any) -> Any:
        """``model.<model>.<method>(*params, context)``, decoded."""
        if not self.authorization:
            self.login()
        return decode(self.call(f"model.{model}.{method}", *params, self.context))

    def search_read(
        self, model: str, domain: list[Any], fields: list[str], *, limit: int | None = None, order: Any = None
    ) -> list[dict[str, Any]]:
        return self.model(model, "search_read", domain, 0, limit, order, fields)

    def wizard(self, name: str, state: str, data: dict[str, Any]) -> Any:
        """Run one transition of a wizard (create a session, execute ``state`` with ``data``, delete the session)."""
        if not self.authorization:
            self.login()
        session_id, _start, _end = self.call(f"wizard.{name}.create", self.context)
        try:
            return self.call(f"wizard.{name}.execute", session_id, data, state, self.context)
        finally:
            self.call(f"wizard.{name}.delete", session_id, self.context)

    def _post(self, method: str, params: list[Any], *, auth: str) -> Any:
        self._next_id += 1
        headers = {"Authorization": auth} if auth else {}
        response = self.http.request(
            "POST",
            self.path,
            json_body={"id": self._next_id, "method": method, "params": params},
            headers=headers,
            correlation_id=self.correlation_id,
        )
        body = response.body
        if not isinstance(body, dict):
            raise TransportError(
                f"{method}: not a JSON-RPC answer",
                permanent=False,
                status_code=response.status_code,
                request=response.request,
                response=str(body)[:500],
            )
        if body.get("error") is not None:
            error = body["error"]
            raise TransportError(
                f"{method}: {error_message(error)}",
                permanent=error_is_permanent(error),
                status_code=response.status_code,
                request=response.request,
                response=str(error)[:500],
            )
        return body.get("result")
