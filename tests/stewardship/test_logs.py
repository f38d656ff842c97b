"""No personal data in logs: each path that used to print it is driven with a recognisable email (and a birth date
and postcode), and the value is looked for in every line caplog captured and in what the real logging configuration
writes (settings.LOGGING, the one production uses)."""

import copy
import io
import logging
import logging.config
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.db import IntegrityError, transaction

from stewardship.models import MatchSettings, SourceSystem
from tests.conftest import record
from tests.stewardship.test_settings import ROOT

EMAIL = "ann.secret@example.com"
PERSONAL = [EMAIL, "ann.secret", "1980-02-29", "SW1A 1AA", "SW1A1AA"]


@pytest.fixture
def real_log(settings):
    """What the real logging configuration writes, in a string (the console handler's stream)."""
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    yield stream
    logging.config.dictConfig(settings.LOGGING)


def assert_no_personal_data(*texts: str) -> None:
    for text in texts:
        for value in PERSONAL:
            assert value.lower() not in text.lower(), f"{value!r} logged:\n{text}"


@pytest.mark.django_db
def test_blocking_keys_too_common_are_counted_not_printed(source_cdp, source_erp, push, caplog, real_log):
    MatchSettings.objects.filter(domain="customer").update(max_block_size=2)
    person = dict(email=EMAIL, birth_date="1980-02-29", postal_code="SW1A 1AA", country="GB")
    push(source_cdp, "cdp", *[record(f"{EMAIL}-{n}", family_name=f"Lee{n}", **person) for n in range(3)])
    push(source_erp, "erp", record(EMAIL, family_name="Leigh", **person), record("E2", family_name="Lea", **person))
    assert "too common to compare on" in caplog.text
    assert "em:" in caplog.text  # the kind of key, and a keyed hash of it
    assert_no_personal_data(caplog.text, real_log.getvalue())
    assert real_log.getvalue().count("too common") <= 2  # one line per batch, not one per record


@pytest.mark.django_db
def test_rematch_names_no_blocking_key(source_cdp, push, caplog, real_log):
    from django.core.management import call_command

    MatchSettings.objects.filter(domain="customer").update(max_block_size=2)
    push(source_cdp, "cdp", *[record(f"C{n}", family_name=f"Lee{n}", email=EMAIL) for n in range(3)])
    call_command("rematch", "--domain", "customer", "--here")
    assert "over max_block_size" in caplog.text
    assert_no_personal_data(caplog.text, real_log.getvalue())


@pytest.mark.django_db
def test_a_database_error_is_logged_without_the_row(source_erp, push, monkeypatch, caplog, real_log):
    from stewardship import services

    def fails(**kwargs):
        with transaction.atomic():
            SourceSystem.objects.create(code=EMAIL, name="x")
            SourceSystem.objects.create(code=EMAIL, name="y")  # a unique violation: its DETAIL line quotes the code

    monkeypatch.setattr(services, "source_records_upsert", fails)
    source_erp.raise_request_exception = False
    assert push(source_erp, "erp", record("E1")).status_code == 500
    assert "IntegrityError" in caplog.text and "unique constraint" in caplog.text
    assert "IntegrityError" in real_log.getvalue()
    assert_no_personal_data(caplog.text, real_log.getvalue())


@pytest.mark.django_db
def test_a_task_failure_is_logged_without_the_row(caplog, real_log):
    try:
        with transaction.atomic():
            SourceSystem.objects.create(code=EMAIL, name="x")
            SourceSystem.objects.create(code=EMAIL, name="y")
    except IntegrityError:
        logging.getLogger("celery.app.trace").error("Task failed", exc_info=True)
        logging.getLogger("stewardship.anything").exception("a failure")
    assert caplog.text.count("IntegrityError") >= 2
    assert_no_personal_data(caplog.text, real_log.getvalue())


def test_request_lines_keep_their_filters_names_not_personal_values(real_log, caplog):
    line = f"GET /api/v1/customers/?email={EMAIL.replace('@', '%40')}&status=active&q=Ann+Secret HTTP/1.1"
    logging.getLogger("django.server").info('"%s" %s %s', line, "200", "512")
    logging.getLogger("django.request").warning("Not Found: %s", f"/customers/?postal_code=SW1A+1AA&email={EMAIL}")
    written = real_log.getvalue()
    assert "status=active" in written and "email=" in written and "q=" in written
    assert "Ann+Secret" not in written
    assert_no_personal_data(written, caplog.text)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_access_log_redacts_personal_query_values(tmp_path):
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = {**os.environ, "STEWARD_DEV": "1"}
    server = subprocess.Popen(
        [
            f"{sys.prefix}/bin/gunicorn",
            "stewardship.wsgi",
            "-c",
            "python:stewardship.gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(access_log),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/?next=/customers/", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        for path in [f"/customers/?q={EMAIL}&status=active", f"/api/v1/customers/?email={EMAIL}&postal_code=SW1A1AA"]:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Referer": f"http://x{path}"})
            try:
                urllib.request.urlopen(request, timeout=5)
            except OSError:
                pass  # 302 to sign in, 401: the line is written all the same
        deadline = time.monotonic() + 5
        while access_log.read_text().count("\n") < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    written = access_log.read_text()
    assert "/api/v1/customers/?email=" in written and "status=active" in written
    assert_no_personal_data(written)


def test_database_details_and_their_continuations_are_stripped():
    from stewardship.logs import redact

    text = (
        "Traceback (most recent call last):\n"
        '  File "/app/stewardship/db.py", line 9, in insert\n'
        '    cursor.execute("INSERT ...")\n'
        'django.db.utils.DataError: invalid input syntax for type date: "1980-02-29x"\n'
        "DETAIL: Key (email)=(ann.secret@example.com) already exists.\n"
        "CONTEXT: unnamed portal parameter $5\n"
        "unnamed portal parameter $5 = 'SW1A 1AA'\n"
        "\n"
        "The above exception was the direct cause of the following exception:\n"
    )
    clean = redact(text)
    assert_no_personal_data(clean)
    assert '  File "/app/stewardship/db.py", line 9, in insert' in clean  # file names and code stay
    assert "DataError: invalid input syntax for type date" in clean and "The above exception" in clean


def test_a_record_that_does_not_format_is_left_to_the_handler():
    from stewardship.logs import PersonalDataFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d records", ("many",), None)
    assert PersonalDataFilter().filter(record) is True  # no exception out of the filter: the handler reports it
