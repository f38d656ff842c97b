"""WSGI entry point (gunicorn stewardship.wsgi).

gunicorn runs no system checks: the ones that mean every request would fail (static files not collected) are run
here, so a process that cannot serve refuses to start and says why.
"""

import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from stewardship.checks import SERVING

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stewardship.settings")

application = get_wsgi_application()

_errors = [e for e in checks.run_checks(tags=[SERVING]) if e.is_serious()]
if _errors:
    raise ImproperlyConfigured("; ".join(f"{e.id}: {e.msg} {e.hint or ''}".strip() for e in _errors))
