"""Request bodies: a chunked body (no Content-Length) is read under the size cap, as a declared one is."""

import io
import json

import pytest

from stewardship.models import SourceRecord
from tests.conftest import record

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/sources/erp/customers/batch/"


def chunked(client, path, body: bytes, *, terminated: bool = True):
    """POST ``body`` as a WSGI server hands over a chunked request: no CONTENT_LENGTH, the Transfer-Encoding header,
    and (gunicorn) ``wsgi.input_terminated``: the input ends where the body does."""
    environ = {"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked"}
    if terminated:
        environ["wsgi.input_terminated"] = True
    return client.generic("POST", path, content_type="application/json", **environ)


def test_a_chunked_batch_is_read(source_erp):
    body = json.dumps({"records": [record("E1", family_name="Lee"), record("E2", family_name="Kim")]}).encode()
    response = chunked(source_erp, BATCH, body)
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == ["created", "created"]
    assert SourceRecord.objects.count() == 2


def test_a_chunked_body_over_the_cap_is_a_413(source_erp, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"records": [record("E1", city="x" * 2000)]}).encode()
    response = chunked(source_erp, BATCH, body)
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    assert SourceRecord.objects.count() == 0


def test_a_chunked_body_the_server_did_not_delimit_is_a_411(source_erp, client):
    body = json.dumps({"records": [record("E1", family_name="Lee")]}).encode()
    response = chunked(source_erp, BATCH, body, terminated=False)
    assert response.status_code == 411 and response.json()["error"]["code"] == "length_required"
    assert SourceRecord.objects.count() == 0
    page = chunked(client, "/login/", b"username=a&password=b", terminated=False)
    assert page.status_code == 411 and page["Content-Type"].startswith("text/plain")
