"""The steward web UI: server-rendered pages with htmx partials. Reads go through ``queries``, writes through
``stewardship.services``; views only translate between HTTP and those two."""
