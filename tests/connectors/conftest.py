"""The sandbox fixtures (``sandbox``, ``clean_sandbox``) come from tests/fixtures/sandbox.py, which tests/conftest.py
lists in ``pytest_plugins``."""
