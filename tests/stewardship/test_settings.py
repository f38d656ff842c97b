"""Settings fail loudly: a bad value or a missing production secret stops start-up with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from stewardship import settings as steward_settings

ROOT = Path(__file__).resolve().parents[2]


def test_envbool_and_envint_refuse_garbage(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        steward_settings.envbool("X_FLAG", False)
    monkeypatch.setenv("X_FLAG", "Yes")
    assert steward_settings.envbool("X_FLAG", False) is True
    monkeypatch.setenv("X_NUM", "12k")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        steward_settings.envint("X_NUM", 1)


def test_secrets_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert steward_settings.env("X_SECRET") == "s3cret"
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        steward_settings.env("X_SECRET")


def _import_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"STEWARD_DEV", "SECRET_KEY", "CELERY_BROKER_URL"}}
    return subprocess.run(
        [sys.executable, "-c", "import stewardship.settings"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_production_needs_a_secret_key_and_a_broker():
    no_secret = _import_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert no_secret.returncode != 0 and "SECRET_KEY is required" in no_secret.stderr
    no_broker = _import_settings(SECRET_KEY="x" * 50)
    assert no_broker.returncode != 0 and "CELERY_BROKER_URL is required" in no_broker.stderr
    ok = _import_settings(SECRET_KEY="x" * 50, CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert ok.returncode == 0, ok.stderr


def test_a_bad_database_url_is_refused():
    result = _import_settings(STEWARD_DEV="1", DATABASE_URL="nosuchdb://x")
    assert result.returncode != 0 and "DATABASE_URL cannot be read" in result.stderr


def _database_options(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DB_")}
    result = subprocess.run(
        [sys.executable, "-c", "from stewardship import settings; print(settings.DATABASES['default']['OPTIONS'])"],
        cwd=ROOT,
        env={**clean, "STEWARD_DEV": "1", "DATABASE_URL": "postgres://u@db:5432/steward", **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_repeated_statements_are_prepared_unless_turned_off():
    assert _database_options() == "{'server_side_binding': True, 'prepare_threshold': 5}"
    assert _database_options(DB_PREPARE_THRESHOLD="0") == "{'server_side_binding': True}"
    # Client-side binding cannot prepare (a PgBouncer in transaction mode): neither is set.
    assert _database_options(DB_SERVER_SIDE_BINDING="false") == "{'server_side_binding': False}"


PRODUCTION = {
    "SECRET_KEY": "ci-0123456789abcdef0123456789abcdef0123456789abcdef",
    "ALLOWED_HOSTS": "testserver,steward.example.com",
    "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
    "STEWARD_DEV": "0",
}


def _production(code: str, **env: str) -> str:
    """Run ``code`` with Django set up under production settings; returns what it printed."""
    clean = {k: v for k, v in os.environ.items() if k not in {"STEWARD_DEV", "SECRET_KEY", "DEBUG"}}
    setup = (
        "import django, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'stewardship.settings')\ndjango.setup()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", setup + code],
        cwd=ROOT,
        env={**clean, **PRODUCTION, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_health_probes_over_plain_http_are_not_redirected_in_production():
    answers = _production(
        "from django.test import Client\n"
        "client = Client()\n"
        "print(client.get('/healthz').status_code, client.get('/login/').status_code)"
    )
    health, login = answers.split()
    assert health in {"200", "503"}  # answered, whatever the services say; not a 301 to https
    assert login == "301"


def test_hsts_preload_is_opt_in():
    show = "from django.conf import settings; print(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_PRELOAD)"
    assert _production(show) == "31536000 False"
    assert _production(show, SECURE_HSTS_PRELOAD="true") == "31536000 True"
