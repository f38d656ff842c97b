"""Outbox events, deliveries and attempts, and the Celery tasks that deliver and replay them.

Built by the sync issue; nothing is delivered yet.
"""
