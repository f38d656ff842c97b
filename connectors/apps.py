from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    """Installed only so that ``manage.py sandbox`` is found; connectors have no models."""

    name = "connectors"
    verbose_name = "Connectors"
