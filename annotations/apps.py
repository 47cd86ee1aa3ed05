from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    """The domain: datasets, images, reports, labels, reading, adjudication, QC and exports."""

    name = "annotations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from annotations.auth import checks  # noqa: F401  (registers the deployment checks)
        from annotations.ingest.uploads import register_upload_hooks

        register_upload_hooks()
