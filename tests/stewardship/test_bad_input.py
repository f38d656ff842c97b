"""The bad-input battery (issue 21): every write endpoint, called as its right caller, gets hostile input: timestamps
out of range, NUL characters and lone surrogates, JSON nested past the limit, crafted cursors and ids, huge integers,
NaN and Infinity, a BOM, bytes that are no UTF-8, wrong content types, overlong strings, chunked bodies. None may be
answered with a 5xx, and a refused request writes nothing (every table the endpoints write is compared before and
after). The module reports how many requests it sent and how many were 5xx."""

from __future__ import annotations

import io
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.db.models import Model
from django.test import Client
from rest_framework.test import APIClient

from stewardship import domains
from stewardship.models import (
    AttributeLock,
    ChangeRequest,
    ConsentEvent,
    ConsentState,
    GoldenRecord,
    GoldenVersion,
    IdempotencyRecord,
    MatchCandidate,
    NotAMatch,
    SourceRecord,
)
from sync.models import Connector, Delivery, DeliveryStatus, OutboxEvent, Subscription
from tests.conftest import record

pytestmark = pytest.mark.django_db

WHEN = "2026-01-01T00:00:00Z"
MAX_BODY = 5 * 1024 * 1024

# --- hostile values: each is put in every field an endpoint reads ---

# Tokens json.dumps cannot write: a sentinel string, swapped for the raw token in the JSON text.
RAW = {"__NaN__": "NaN", "__Inf__": "Infinity", "__-Inf__": "-Infinity", "__1e999__": "1e999", "__5000d__": "9" * 5000}

HOSTILE_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    10**30,
    -(10**30),
    int("9" * 4000),  # parses (under Python's 4,300-digit limit), then goes wherever an integer goes
    1e308,
    -0.0,
    1.5,
    "",
    " ",
    "x" * 100_000,
    "a\x00b",
    "\x00",
    "\ud800",
    "ok\udfff",
    "\u202eevil",
    "\ufeffbom",
    "٣",
    "１２",  # fullwidth digits
    "1e3",
    "0x10",
    "-0",
    "NaN",
    "Infinity",
    "9999-12-31T23:00:00-05:00",
    "0001-01-01T00:00:00+05:00",
    "3000-01-01T00:00:00Z",
    "1899-12-31T23:59:59Z",
    "2026-02-30T00:00:00Z",
    "2026-01-01T25:00:00Z",
    "2026-01-01T00:00:00+25:00",
    "2026-01-01T00:00:00",
    "<script>alert(1)</script>",
    "'; DROP TABLE stewardship_goldenrecord; --",
    [],
    [1, "a\x00"],
    {},
    {"a": {"b": {"c": "\ud800"}}},
    *RAW,
]


def dumps(body: Any) -> bytes:
    """``body`` as JSON bytes, lone surrogates as their escapes, the RAW sentinels as their raw tokens."""
    text = json.dumps(body)
    for sentinel, token in RAW.items():
        text = text.replace(json.dumps(sentinel), token)
    return text.encode()


def nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def with_value(template: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A deep copy of ``template`` with ``value`` at ``path`` (keys and list indexes)."""
    copy = json.loads(json.dumps(template))
    if not path:
        return value
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


class Broken(io.RawIOBase):
    """A request body whose connection breaks while it is read."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise OSError("connection reset by peer")


def chunked(body: bytes, *, terminated: bool) -> dict[str, Any]:
    """The WSGI environ of a chunked request: no CONTENT_LENGTH; ``terminated``, the server (gunicorn) ends the input
    where the body ends."""
    environ: dict[str, Any] = {
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": "",
        "HTTP_TRANSFER_ENCODING": "chunked",
    }
    if terminated:
        environ["wsgi.input_terminated"] = True
    return environ


# --- requests ---


@dataclass
class Request:
    what: str
    method: str = "POST"
    path: str = ""
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    environ: dict[str, Any] = field(default_factory=dict)


def body_cases(valid: Any) -> Iterator[Request]:
    """What any endpoint that reads a JSON body gets, whatever its fields: broken JSON, wrong types, wrong framing."""
    good = dumps(valid)
    yield Request("json 990 deep", body=nested(990))
    yield Request("json 100k deep", body=nested(100_000))
    yield Request("json 33 deep", body=dumps({"a": json.loads(nested(32))}))
    for sentinel in RAW:
        yield Request(f"json {RAW[sentinel][:8]}", body=dumps({"x": sentinel}))
        yield Request(f"top-level {RAW[sentinel][:8]}", body=RAW[sentinel].encode())
    yield Request("BOM then JSON", body=b"\xef\xbb\xbf" + good)
    yield Request("UTF-16 JSON", body=good.decode().encode("utf-16"))
    yield Request("bytes that are no UTF-8", body=good[:-1] + b'"\xff\xfe\xc3"' + good[-1:])
    yield Request("lone surrogate escape in a key", body=b'{"\\ud800": 1}')
    yield Request("NUL in a key", body=b'{"a\\u0000": 1}')
    yield Request("raw NUL byte", body=b'{"a": "\x00"}')
    yield Request("control characters", body=b'{"a": "\x01\x1f"}')
    yield Request("truncated", body=good[: len(good) // 2])
    yield Request("trailing garbage", body=good + b"}}}")
    yield Request("two documents", body=good + good)
    for top in (b"", b"null", b"[]", b'"text"', b"0", b"1e999", b"true", b"{}"):
        yield Request(f"top-level {top[:10]!r}", body=top)
    yield Request("duplicate keys", body=b'{"a": 1, "a": {"b": 2}}')
    yield Request("overlong body", body=b'{"a": "' + b"x" * (MAX_BODY + 10) + b'"}')
    yield Request("text/plain", body=good, content_type="text/plain")
    yield Request("xml", body=b"<records><record/></records>", content_type="application/xml")
    yield Request("multipart without boundary", body=good, content_type="multipart/form-data")
    yield Request(
        "multipart with a file",
        body=b'--b\r\nContent-Disposition: form-data; name="records"; filename="a.json"\r\n\r\n[]\r\n--b--\r\n',
        content_type="multipart/form-data; boundary=b",
    )
    yield Request("form", body=b"records=1&records=%00&a[b]=c", content_type="application/x-www-form-urlencoded")
    yield Request("form with NUL", body=b"comment=%00&values=%ff", content_type="application/x-www-form-urlencoded")
    yield Request("unknown charset", body=good, content_type="application/json; charset=klingon")
    yield Request("non-text charset", body=good, content_type="application/json; charset=base64")
    yield Request("utf-16 declared, utf-8 sent", body=good, content_type="application/json; charset=utf-16")
    yield Request("no content type", body=good, content_type="")
    yield Request("content type garbage", body=good, content_type="\x00/\x00")
    yield Request("chunked", body=b"", environ=chunked(good, terminated=True))
    yield Request("chunked, not delimited", body=b"", environ=chunked(good, terminated=False))
    yield Request("chunked, over the cap", body=b"", environ=chunked(b"x" * (MAX_BODY + 10), terminated=True))
    # The input ends before the length it declared (a server hands over what came), or breaks (the client went away).
    short = {"wsgi.input": io.BytesIO(good), "CONTENT_LENGTH": str(len(good) + 100)}
    yield Request("content length longer than the body", environ=short)
    yield Request("the input breaks while read", environ={"wsgi.input": Broken(), "CONTENT_LENGTH": str(len(good))})
    yield Request("content length negative", body=good, environ={"CONTENT_LENGTH": "-1"})
    yield Request("content length huge", body=good, environ={"CONTENT_LENGTH": "9" * 30})


def field_cases(valid: Any, paths: list[tuple[Any, ...]]) -> Iterator[Request]:
    """Every hostile value at every path of a valid body."""
    for path in paths:
        for value in HOSTILE_VALUES:
            yield Request(
                f"{'.'.join(map(str, path)) or 'body'} = {str(value)[:30]!r}",
                body=dumps(with_value(valid, path, value)),
            )


def key_cases(valid: dict[str, Any], where: tuple[Any, ...]) -> Iterator[Request]:
    """Hostile names for a key of the object at ``where``."""
    for name in ("a\x00", "\ud800", "\u202e", "x" * 10_000, "", "__proto__", "given_name\x00"):
        body = json.loads(json.dumps(valid))
        target = body
        for step in where:
            target = target[step]
        target[name] = "v"
        yield Request(f"key {name[:12]!r} at {where}", body=dumps(body))


HOSTILE_IDS = ["abc", "\u0663", "%EF%BC%91", "-1", "0", "9" * 30, "1e3", "1.0", "%00", "1%00", "%20", "0x1", "1_000"]
HOSTILE_UUIDS = ["-" * 36, "g" * 32, "00000000-0000-0000-0000-00000000000%00", "{00000000-0000-0000-0000-000000000000}"]
HOSTILE_HEADERS = ["\x00", 'W/"1"', '"' * 1000, "9" * 5000, "\u202e", "1.1", "-1", "*"]


# --- the world: one of each thing the endpoints act on ---


@dataclass
class World:
    source: dict[str, APIClient]
    steward: APIClient
    approver: APIClient
    golden: uuid.UUID  # an active customer with two source records (cdp C1 and erp E1)
    candidate: MatchCandidate
    change: ChangeRequest
    dead: Delivery


@pytest.fixture
def world(source_client, steward, approver, client_for, settings) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the personas' passwords: fast
    hooks = Connector.objects.create(name="hooks", kind="webhook", base_url="http://127.0.0.1:9/")
    Subscription.objects.create(connector=hooks, domain="customer")
    source = {code: source_client(code) for code in ("cdp", "erp")}
    ann = {"given_name": "Ann", "family_name": "Lee", "email": "ann@example.com", "country": "GB"}
    linked = [
        source[code].post(f"/api/v1/sources/{code}/customers/batch/", {"records": [record(key, **ann)]}, format="json")
        for code, key in (("cdp", "C1"), ("erp", "E1"))
    ]
    golden = uuid.UUID(linked[0].json()["results"][0]["golden_id"])
    other = source["cdp"].post(
        "/api/v1/sources/cdp/customers/batch/",
        {"records": [record("C2", given_name="Bob", family_name="Stone", email="bob@example.com")]},
        format="json",
    )
    other_id = uuid.UUID(other.json()["results"][0]["golden_id"])
    a, b = sorted([golden, other_id], key=str)
    MatchCandidate.objects.all().delete()
    candidate = MatchCandidate.objects.create(domain="customer", golden_a_id=a, golden_b_id=b, score=0.9)
    steward_client, approver_client = client_for(steward), client_for(approver)
    change = steward_client.post(  # a comment as long as allowed: quoted in the version an approval writes
        "/api/v1/change-requests/",
        {"golden_id": str(golden), "attribute": "city", "value": "Nice", "comment": "c" * 500},
        format="json",
    )
    Delivery.objects.update(status=DeliveryStatus.DEAD)
    clients = [*source.values(), steward_client, approver_client]
    for client in clients:
        client.raise_request_exception = False  # a crash is a 500 to count, not an exception in the test
    return World(
        source,
        steward_client,
        approver_client,
        golden,
        candidate,
        ChangeRequest.objects.get(pk=change.json()["id"]),
        Delivery.objects.filter(status=DeliveryStatus.DEAD).first(),
    )


# --- sending, counting, comparing ---

WRITTEN: list[type[Model]] = [
    SourceRecord,
    GoldenRecord,
    GoldenVersion,
    MatchCandidate,
    NotAMatch,
    ChangeRequest,
    AttributeLock,
    ConsentEvent,
    ConsentState,
    IdempotencyRecord,
    OutboxEvent,
    Delivery,
]


def _rows(model: type[Model], *columns: str) -> str:
    return f"(SELECT string_agg(concat_ws(':', {', '.join(columns)}), ',' ORDER BY id) FROM {model._meta.db_table})"


# One round trip per request: the battery sends thousands.
STATE_SQL = "SELECT " + ", ".join(
    [
        *(f"(SELECT count(*) FROM {model._meta.db_table})" for model in WRITTEN),
        _rows(GoldenRecord, "id", "version", "status"),
        _rows(MatchCandidate, "id", "status", "assigned_to_id"),
        _rows(ChangeRequest, "id", "status", "decision_comment"),
        _rows(Delivery, "id", "status", "attempts"),
    ]
)


def state() -> tuple[Any, ...]:
    """What a request could have written: the row count of every table the endpoints write, and the status of every
    row a decision changes."""
    with connection.cursor() as cursor:
        cursor.execute(STATE_SQL)
        return tuple(cursor.fetchone())


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    """Requests sent and 5xx answers, over the module: reported when it ends."""
    counts: Counter[str] = Counter()
    yield counts
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # past the output capture of the test it ends with
            answers = ", ".join(f"{counts[kind]} {kind}" for kind in ("2xx", "3xx", "4xx"))
            reporter.write_line(
                f"\nbad-input battery: {counts['sent']} requests sent ({answers}); 5xx: {counts['5xx']}"
            )


@pytest.fixture
def battery(tally: Counter[str]) -> Callable[..., None]:
    """Send each request as ``client`` to ``path`` (a request's own path wins); every answer is below 500, and a
    refused one (4xx) leaves ``state()`` as it was. ``check`` looks at each accepted answer."""

    def run(
        client: APIClient,
        path: str,
        requests: Iterator[Request],
        check: Callable[[Any, tuple[Any, ...], tuple[Any, ...]], str | None] | None = None,
    ) -> None:
        problems = []
        before = state()
        for sent in requests:
            response = client.generic(
                sent.method,
                sent.path or path,
                sent.body,
                content_type=sent.content_type,
                headers=sent.headers,
                **sent.environ,
            )
            tally["sent"] += 1
            tally[f"{response.status_code // 100}xx"] += 1
            after = state()
            if response.status_code >= 500:
                tally["5xx"] += 1
                problems.append(f"{sent.what}: {response.status_code} {response.content[:200]!r}")
            elif response.status_code >= 400 and after != before:
                problems.append(f"{sent.what}: refused ({response.status_code}) but wrote something")
            elif response.status_code < 400 and check is not None:
                trouble = check(response, before, after)
                if trouble:
                    problems.append(f"{sent.what}: {trouble}")
            before = after
        assert problems == []

    return run


def batch_check(model: type[Model]) -> Callable[[Any, tuple[Any, ...], tuple[Any, ...]], str | None]:
    """An accepted batch wrote one ``model`` row per item answered ``created``, and nothing for the others."""
    index = WRITTEN.index(model)

    def check(response: Any, before: tuple[Any, ...], after: tuple[Any, ...]) -> str | None:
        created = sum(r["status"] == "created" for r in response.json()["results"])
        written = after[index] - before[index]
        return None if written == created else f"{created} created, {written} {model.__name__} rows written"

    return check


# --- the endpoints ---


@pytest.mark.parametrize("domain", [domains.CUSTOMER, domains.PRODUCT])
def test_source_batch_upserts(world, battery, domain):
    attributes = list(domains.SCHEMAS[domain])
    item = {"source_key": "K1", "updated_at": WHEN, "attributes": {attributes[0]: "x"}}
    valid = {"records": [item]}
    paths = [
        (),
        ("records",),
        ("records", 0),
        *[("records", 0, name) for name in ("source_key", "updated_at", "attributes")],
    ]

    def requests() -> Iterator[Request]:
        yield from body_cases(valid)
        yield from field_cases(valid, paths)
        yield from key_cases(valid, ("records", 0))
        yield from key_cases(valid, ("records", 0, "attributes"))
        for name in attributes:  # a batch per attribute, a record per hostile value: each answered on its own
            records = [
                {**with_value(item, ("attributes", name), value), "source_key": f"K-{name}-{n}"}
                for n, value in enumerate(HOSTILE_VALUES)
            ]
            yield Request(f"attributes.{name}: every hostile value", body=dumps({"records": records}))
        yield Request("1,001 records", body=dumps({"records": [item] * 1001}))
        for key in HOSTILE_HEADERS + ["k" * 201]:
            yield Request(f"Idempotency-Key {key[:10]!r}", body=dumps(valid), headers={"Idempotency-Key": key})

    battery(world.source["erp"], f"/api/v1/sources/erp/{domain}s/batch/", requests(), batch_check(SourceRecord))


def test_consent_batch(world, battery):
    valid = {"events": [{"source_key": "E1", "purpose": "email_marketing", "status": "granted", "captured_at": WHEN}]}
    fields = ("source_key", "purpose", "status", "captured_at")
    paths = [(), ("events",), ("events", 0), *[("events", 0, name) for name in fields]]

    def requests() -> Iterator[Request]:
        yield from body_cases(valid)
        yield from field_cases(valid, paths)
        yield from key_cases(valid, ("events", 0))
        every = [with_value(valid["events"][0], (name,), v) for name in fields for v in HOSTILE_VALUES]
        yield Request("every hostile value in one batch", body=dumps({"events": every}))

    battery(world.source["erp"], "/api/v1/sources/erp/consents/batch/", requests(), batch_check(ConsentEvent))


def candidate_cases(world: World, action: str, valid: Any) -> Iterator[Request]:
    path = f"/api/v1/match-candidates/{world.candidate.pk}/{action}/"
    yield from body_cases(valid)
    for wrong in HOSTILE_IDS:
        yield Request(f"id {wrong!r}", path=f"/api/v1/match-candidates/{wrong}/{action}/", body=dumps(valid))
    for value in HOSTILE_HEADERS:
        yield Request(f"If-Match {value[:10]!r}", path=path, body=dumps(valid), headers={"If-Match": value})


def test_match_candidate_merge(world, battery):
    valid = {"values": {"given_name": "Bob"}}
    path = f"/api/v1/match-candidates/{world.candidate.pk}/merge/"

    def requests() -> Iterator[Request]:
        yield from candidate_cases(world, "merge", valid)
        yield from field_cases(valid, [(), ("values",), ("values", "given_name"), ("values", "birth_date")])
        yield from key_cases(valid, ("values",))

    battery(world.steward, path, requests())


@pytest.mark.parametrize("action", ["assign", "reject"])
def test_match_candidate_assign_and_reject(world, battery, action):
    battery(
        world.steward, f"/api/v1/match-candidates/{world.candidate.pk}/{action}/", candidate_cases(world, action, {})
    )


def test_unmerge(world, battery):
    valid = {"sources": [{"source": "erp", "source_key": "E1"}]}
    path = f"/api/v1/customers/{world.golden}/unmerge/"

    def requests() -> Iterator[Request]:
        yield from body_cases(valid)
        paths = [(), ("sources",), ("sources", 0), ("sources", 0, "source"), ("sources", 0, "source_key")]
        yield from field_cases(valid, paths)
        yield from key_cases(valid, ("sources", 0))
        for wrong in HOSTILE_UUIDS + HOSTILE_IDS:
            yield Request(f"id {wrong!r}", path=f"/api/v1/customers/{wrong}/unmerge/", body=dumps(valid))
        for value in HOSTILE_HEADERS:
            yield Request(f"If-Match {value[:10]!r}", body=dumps(valid), headers={"If-Match": value})

    battery(world.steward, path, requests())


def test_change_request_create(world, battery):
    valid = {"golden_id": str(world.golden), "attribute": "city", "value": "Paris", "comment": "moved"}

    def requests() -> Iterator[Request]:
        yield from body_cases(valid)
        yield from field_cases(valid, [(), ("golden_id",), ("attribute",), ("value",), ("comment",), ("unlock",)])
        yield Request(
            "a comment as long as allowed", body=dumps({**valid, "attribute": "loyalty_tier", "comment": "c" * 500})
        )
        yield from key_cases(valid, ())
        for attribute in ("given_name", "email", "phone", "birth_date", "country", "loyalty_points"):  # each parser
            for value in HOSTILE_VALUES:
                yield Request(
                    f"{attribute} = {str(value)[:20]!r}", body=dumps({**valid, "attribute": attribute, "value": value})
                )

    battery(world.steward, "/api/v1/change-requests/", requests())


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_change_request_decisions(world, battery, action):
    path = f"/api/v1/change-requests/{world.change.pk}/{action}/"

    def requests() -> Iterator[Request]:
        yield from body_cases({"comment": "ok"})
        yield from field_cases({"comment": "ok"}, [(), ("comment",)])
        yield Request("a comment of 500 characters", body=dumps({"comment": "c" * 500}))
        for wrong in HOSTILE_IDS:
            yield Request(f"id {wrong!r}", path=f"/api/v1/change-requests/{wrong}/{action}/", body=b"{}")

    battery(world.approver, path, requests())


def test_sync_replay(world, battery):
    one = f"/api/v1/sync/deliveries/{world.dead.pk}/replay/"

    def requests() -> Iterator[Request]:
        yield from body_cases({})
        for wrong in HOSTILE_IDS:
            yield Request(f"id {wrong!r}", path=f"/api/v1/sync/deliveries/{wrong}/replay/")
        queries = [
            "conector=hooks",
            "status=dead&golden=x",
            "status=%00",
            "status=dead&status=nonsense",
            "connector=%00",
            "connector=" + "x" * 10_000,
            "golden_id=not-a-uuid",
            "golden_id=%00",
            "min_age=100000000000",
            "max_age=1e20",
            "min_age=-1",
            "max_age=NaN",
            "min_age=Infinity",
            "min_age=" + "9" * 5000,
            "created_after=9999-12-31T23:00:00-05:00",
            "created_before=0001-01-01T00:00:00%2B05:00",
            "created_after=%00",
            "created_after=2026-02-30",
            "domain=%00",
            "event_type=%ED%A0%80",
            "cursor=cD1hYmM%3D",
            "%00=1",
            "status=dead&" + "&".join(f"f{n}=1" for n in range(500)),
        ]
        for query in queries:
            yield Request(f"replay many ?{query[:30]}", path=f"/api/v1/sync/deliveries/replay/?{query}")

    battery(world.steward, one, requests())


def test_lists_with_crafted_cursors_and_filters(world, battery):
    """The reads behind the writes: crafted cursors and filters on every list are no 5xx either."""
    lists = [
        "/api/v1/customers/",
        "/api/v1/products/",
        "/api/v1/match-candidates/",
        "/api/v1/change-requests/",
        f"/api/v1/customers/{world.golden}/history/",
        "/api/v1/sync/deliveries/",
    ]
    queries = [
        "cursor=cD1hYmM%3D",
        "cursor=%00",
        "cursor=" + "A" * 10_000,
        "cursor=cD05OTk5LTEyLTMxIDIzOjAwOjAwLTA1OjAw",  # p=9999-12-31 23:00:00-05:00
        "cursor=bz05OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5",  # o=99999999999999999999999
        "page_size=" + "9" * 30,
        "page_size=-1",
        "q=%00",
        "q=" + "a" * 10_000,
        "email=%00",
        "phone=%ED%A0%80",
        "status=%00",
        "score_min=NaN",
        "score_max=1e999",
        "updated_since=9999-12-31T23:00:00-05:00",
        "created_after=0001-01-01T00:00:00%2B05:00",
        "golden_id=%00",
        "assigned_to=%00",
        "min_age=1e20",
    ]

    def requests() -> Iterator[Request]:
        for path in lists:
            for query in queries:
                yield Request(f"GET {path}?{query[:30]}", method="GET", path=f"{path}?{query}")

    battery(world.steward, "", requests())


# --- the steward UI's forms: the same writes, form-encoded ---

FORM = "application/x-www-form-urlencoded"
FORM_VALUES = ["%00", "a%00b", "%ff%fe", "%ED%A0%80", "%E2%80%AE", "x" * 100_000, "", "-1", "9" * 30, "%C0%AE", "a=b&c"]


def form_cases(fields: dict[str, str]) -> Iterator[Request]:
    """Each field of a form at each hostile value (already URL-encoded), the others as a steward would send them."""
    for name in fields:
        for raw in FORM_VALUES:
            body = "&".join(f"{key}={raw if key == name else quote(value)}" for key, value in fields.items())
            yield Request(f"{name}={raw[:20]}", body=body.encode(), content_type=FORM)
    yield Request("overlong form", body=b"comment=" + b"x" * (MAX_BODY + 10), content_type=FORM)
    yield Request("multipart garbage", body=b"--b\r\n\r\n--", content_type="multipart/form-data; boundary=b")
    yield Request("JSON to a form", body=dumps(fields))
    yield Request("chunked form", environ=chunked(b"comment=ok", terminated=True), content_type=FORM)


def test_steward_ui_forms(world, battery, approver):
    ui = Client(raise_request_exception=False)
    ui.force_login(approver)
    golden, candidate, change, dead = world.golden, world.candidate.pk, world.change.pk, world.dead.pk
    forms: list[tuple[str, dict[str, str]]] = [
        (f"/review/{candidate}/claim/", {}),
        (f"/review/{candidate}/merge/", {"choose-given_name": "b", "choose-email": "a", "etag": '"1.1"'}),
        (f"/review/{candidate}/reject/", {"etag": '"1.1"'}),
        (f"/customers/{golden}/unmerge/", {"source": "erp", "source_key": "E1", "version": "1"}),
        (f"/customers/{golden}/attributes/city/edit/", {"value": "Paris", "comment": "moved", "unlock": ""}),
        (f"/change-requests/{change}/approve/", {"comment": "ok"}),
        (f"/change-requests/{change}/reject/", {"comment": "no"}),
        (f"/sync/deliveries/{dead}/replay/", {}),
        ("/sync/replay/?status=dead", {}),
    ]

    def requests() -> Iterator[Request]:
        for path, fields in forms:
            for case in form_cases(fields or {"x": "1"}):
                yield Request(
                    f"{path} {case.what}",
                    path=path,
                    body=case.body,
                    content_type=case.content_type,
                    environ=case.environ,
                )
        for wrong in HOSTILE_IDS:
            for action in ("claim", "merge", "reject"):
                yield Request(f"/review/{wrong}/{action}/", path=f"/review/{wrong}/{action}/", content_type=FORM)
            yield Request(f"/change-requests/{wrong}/approve/", path=f"/change-requests/{wrong}/approve/")
            yield Request(f"/sync/deliveries/{wrong}/replay/", path=f"/sync/deliveries/{wrong}/replay/")
        for wrong in HOSTILE_UUIDS:
            yield Request(f"/customers/{wrong}/unmerge/", path=f"/customers/{wrong}/unmerge/", content_type=FORM)
        for query in ("status=%00", "conector=x", "status=dead&min_age=1e20", "golden_id=%ff", "status=dead&%00=1"):
            yield Request(f"/sync/replay/?{query}", path=f"/sync/replay/?{query}", content_type=FORM)

    battery(ui, "", requests())
