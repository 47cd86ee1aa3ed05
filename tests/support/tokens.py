"""API tokens for test clients: the same expiring knox tokens the token endpoint gives."""

from knox.models import AuthToken


def api_token(user) -> str:
    """A fresh token for `user` (send it as `Authorization: Token <key>`)."""
    return AuthToken.objects.create(user)[1]
