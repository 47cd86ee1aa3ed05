from django.apps import AppConfig


class MlworkerConfig(AppConfig):
    """Celery tasks that run the Django-free ML core (mlworker.ml) against the domain's tables."""

    name = "mlworker"
