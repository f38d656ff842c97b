"""Views of the steward UI, one module per area: thin, reads from ``..queries``, writes through the services."""
