"""Start-up checks: what would break every page is refused when the processes start, not answered as 500s."""

import json
import os
import subprocess
import sys

import pytest
from django.core import checks

from stewardship.checks import static_files_collected
from tests.stewardship.test_settings import PRODUCTION, ROOT, _production

MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def test_uncollected_static_files_are_a_check_error(settings, tmp_path):
    settings.STORAGES = MANIFEST_STORAGE
    settings.STATIC_ROOT = tmp_path
    [error] = static_files_collected()
    assert error.id == "stewardship.E001" and error.level == checks.ERROR
    assert "collectstatic" in error.hint
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": {}, "version": "1.1", "hash": ""}))
    assert static_files_collected() == []


def test_dev_mode_serves_static_files_without_collecting(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path  # the dev storage reads the apps' folders: nothing to collect
    assert static_files_collected() == []


@pytest.mark.parametrize("command", ["manage", "wsgi"])
def test_production_refuses_to_start_without_collected_static_files(command, tmp_path):
    env = {**{k: v for k, v in os.environ.items() if k != "STEWARD_DEV"}, **PRODUCTION}
    env["STEWARD_STATIC_ROOT"] = str(tmp_path)
    argv = (
        [sys.executable, "manage.py", "check"]
        if command == "manage"
        else [sys.executable, "-c", "import stewardship.wsgi"]
    )
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "stewardship.E001" in result.stderr and "collectstatic" in result.stderr
    # Collected: it starts.
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": {}, "version": "1.1", "hash": ""}))
    assert _production("import stewardship.wsgi; print('ok')", STEWARD_STATIC_ROOT=str(tmp_path)) == "ok"
