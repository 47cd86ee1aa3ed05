"""Reading request input for the reading, review and export views: bodies through a serializer,
ids from the path and integers from the query string, each failing as a JSON error."""

from rest_framework.request import Request

from annotations.services.errors import InvalidInputError, NotFoundError


def validated(serializer_class, data) -> dict:
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data


def object_id(raw, what: str) -> int:
    """A path id; anything that is not a positive integer names nothing, so it is a 404."""
    text = str(raw)
    if not text.isdigit():
        raise NotFoundError(f"No such {what}.")
    return int(text)


def int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInputError(f"{name} must be an integer") from None
