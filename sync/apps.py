from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "Sync (outbox and deliveries)"
    default_auto_field = "django.db.models.BigAutoField"
