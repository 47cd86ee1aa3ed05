"""Reading request input for the reading, review and export views: bodies through a serializer,
ids from the path and integers from the query string, each failing as a JSON error."""

from rest_framework.request import Request

from annotations.access.datasets import object_id as object_id  # path ids, shared with the selectors
from annotations.errors import InvalidInputError


def validated(serializer_class, data) -> dict:
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data


def int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInputError(f"{name} must be an integer") from None
