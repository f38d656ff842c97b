"""One package per external system (erp, cdp, loyalty, commerce, webhook), a base class and a registry.

Built by the sync issue; no connector exists yet.
"""
