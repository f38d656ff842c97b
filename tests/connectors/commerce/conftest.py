"""``medusa_server`` comes from tests/fixtures/medusa.py. Until tests/conftest.py lists ``tests.fixtures.medusa`` in
``pytest_plugins``, it is imported here (delete this file once it is listed there)."""

from tests.fixtures.medusa import medusa_server  # noqa: F401
