"""Loyalty connector: an Open Loyalty-style REST API (JWT admin login, members keyed by loyalty card number)."""
