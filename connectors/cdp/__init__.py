"""CDP connector: the Segment HTTP Tracking API (also accepted by RudderStack)."""
