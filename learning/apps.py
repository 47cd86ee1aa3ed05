from django.apps import AppConfig


class LearningConfig(AppConfig):
    """The Django side of ML: scoring, predictions, ranking, training runs, the model registry, the
    similar-case index, overlays, QC and NLP jobs. It imports the domain (`annotations`); the domain
    never imports it and reaches it only through the hooks registered here and Celery task names."""

    name = "learning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from learning import hooks

        hooks.register()
