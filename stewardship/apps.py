from django.apps import AppConfig


class StewardshipConfig(AppConfig):
    name = "stewardship"
    verbose_name = "Stewardship"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
