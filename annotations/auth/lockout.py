"""Counting wrong passwords and locking an account (and an address) out after too many.

Counters live in Django's cache (shared Redis in production), in fixed windows of
ARBITER_LOGIN_FAILURE_WINDOW_SECONDS: the LIMIT-th wrong password for one account within a window
locks that account for ARBITER_LOCKOUT_SECONDS, and 3 x LIMIT from one address lock the address.
While locked every attempt is refused without checking the password, and logged.
Usernames are hashed in cache keys; log lines name the account and the address, never a password.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger("arbiter.security")
ADDRESS_FACTOR = 3


def client_address(request) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _key(kind: str, value: str) -> str:
    return f"arbiter:login:{kind}:" + hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _subjects(username: str, address: str) -> list[tuple[str, int]]:
    limit = settings.ARBITER_LOGIN_FAILURE_LIMIT
    subjects = [(_key("user", username), limit)] if username else []
    if address:
        subjects.append((_key("addr", address), limit * ADDRESS_FACTOR))
    return subjects


def locked_out(username: str, address: str) -> bool:
    return any(cache.get(k + ":locked") for k, _ in _subjects(username, address))


def refuse(username: str, address: str, where: str) -> None:
    log.warning("login refused: locked out (account=%r address=%s via %s)", username[:150], address, where)


def failure_record(username: str, address: str, where: str) -> bool:
    """Count one wrong password; True when this failure locked the account or the address."""
    locked = False
    window = settings.ARBITER_LOGIN_FAILURE_WINDOW_SECONDS
    for key, limit in _subjects(username, address):
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            count = 1
        if count >= limit:
            cache.set(key + ":locked", 1, timeout=settings.ARBITER_LOCKOUT_SECONDS)
            locked = True
    log.info("login failed (account=%r address=%s via %s)", username[:150], address, where)
    if locked:
        log.warning(
            "login locked out for %s s after repeated failures (account=%r address=%s)",
            settings.ARBITER_LOCKOUT_SECONDS,
            username[:150],
            address,
        )
    return locked


def success_record(username: str) -> None:
    """A right password clears the account's failure count (not an address's, nor a lock)."""
    cache.delete(_key("user", username))
