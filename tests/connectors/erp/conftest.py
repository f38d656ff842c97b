"""``tryton_server`` comes from tests/fixtures/tryton.py. Until tests/conftest.py lists ``tests.fixtures.tryton`` in
``pytest_plugins``, it is imported here (delete this file once it is listed there)."""

from tests.fixtures.tryton import tryton_server  # noqa: F401
