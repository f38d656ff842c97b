"""One package per external system (erp, cdp, loyalty, commerce, webhook), a base class and a registry.

Connectors know nothing of Steward's domain: ``sync`` calls them with messages (``base.Message``) and records their
outcomes. See connectors/README.md for adding one.
"""
