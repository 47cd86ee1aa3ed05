"""Django's model backend behind the login lockout: the sign-in page, the admin and the token
endpoint all authenticate through it, so all of them count wrong passwords and honour a lock."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from annotations.auth import lockout


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        name = str(username or kwargs.get("email") or "")
        address = lockout.client_address(request)
        where = getattr(request, "path", "") or "internal"
        if lockout.locked_out(name, address):
            lockout.refuse(name, address, where)
            raise PermissionDenied("locked out")  # authenticate() stops here: no other backend tries
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            if password is not None:
                lockout.failure_record(name, address, where)
            return None
        lockout.success_record(name)
        return user
