"""Commerce connector: Medusa v2 (see README.md)."""
