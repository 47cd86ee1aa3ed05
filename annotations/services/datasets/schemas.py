"""Seeding label schemas and their findings from layouts.label_schemas (the one source of truth)."""

from django.db import transaction

from annotations.models import Finding, LabelSchema
from layouts.label_schemas import SCHEMAS, get_schema


@transaction.atomic
def schema_ensure(key: str) -> LabelSchema:
    """Create or update the schema `key` and its findings; idempotent."""
    definition = get_schema(key)
    schema, _ = LabelSchema.objects.update_or_create(
        key=definition.key, defaults={"name": definition.name, "kind": definition.kind}
    )
    for order, name in enumerate(definition.findings):
        Finding.objects.update_or_create(
            schema=schema,
            key=name,
            defaults={
                "name": name.replace("_", " "),
                "order": order,
                "is_derived": name in definition.derived,
            },
        )
    return schema


def schemas_ensure_all() -> list[LabelSchema]:
    return [schema_ensure(key) for key in SCHEMAS]
