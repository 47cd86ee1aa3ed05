"""Domain errors: a short code, a message a user can act on, and the HTTP status the API returns."""

from typing import Any


class DomainError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, detail: Any = None) -> None:
        super().__init__(message)
        if code:
            self.code = code
        self.detail = detail


class NotFoundError(DomainError):
    code = "not_found"
    http_status = 404


class ConflictError(DomainError):
    code = "conflict"
    http_status = 409


class ForbiddenError(DomainError):
    code = "forbidden"
    http_status = 403


class InvalidInputError(DomainError):
    code = "invalid"
    http_status = 400
