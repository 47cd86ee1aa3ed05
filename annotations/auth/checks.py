"""Deployment checks of Arbiter's own security settings (run by `manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

MIN_KEY_CHARS = 32


@register(Tags.security, deploy=True)
def pseudonym_key_check(app_configs, **kwargs) -> list:
    key = settings.ARBITER_PSEUDONYM_KEY
    if not key:
        return [
            Error(
                "ARBITER_PSEUDONYM_KEY is not set: pseudonyms are derived from SECRET_KEY.",
                hint="Set a random secret of at least 32 characters once, keep it, and never change it.",
                id="arbiter.E001",
            )
        ]
    if len(key) < MIN_KEY_CHARS or key == settings.SECRET_KEY:
        return [
            Warning(
                "ARBITER_PSEUDONYM_KEY is short or equal to SECRET_KEY.",
                hint="Use a separate random secret of at least 32 characters.",
                id="arbiter.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def cache_check(app_configs, **kwargs) -> list:
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        return [
            Warning(
                "The cache is per process, so login lockout counts are not shared between web workers.",
                hint="Set ARBITER_CACHE_URL to a shared cache (redis://...).",
                id="arbiter.W002",
            )
        ]
    return []
