"""Creating datasets and granting users their roles on them."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from annotations.models import Dataset, DatasetMembership
from annotations.models.choices import Modality, Role
from annotations.services.audit import audit_record
from annotations.services.schemas import schema_ensure

DEFAULT_SCHEMA_FOR_MODALITY = {Modality.CHEST_XRAY: "chestxray14", Modality.OCT: "oct4"}


@transaction.atomic
def dataset_get_or_create(
    *,
    slug: str,
    name: str | None = None,
    modality: str = Modality.CHEST_XRAY,
    schema_key: str | None = None,
    actor: AbstractBaseUser | None = None,
    **policy: object,
) -> tuple[Dataset, bool]:
    """The dataset `slug`, created with the given schema and reading policy if it does not exist."""
    existing = Dataset.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    schema = schema_ensure(schema_key or DEFAULT_SCHEMA_FOR_MODALITY.get(modality, "chestxray14"))
    dataset = Dataset(slug=slug, name=name or slug, modality=modality, schema=schema, **policy)
    dataset.full_clean()
    dataset.save()
    audit_record(
        actor=actor,
        action="dataset.create",
        obj=dataset,
        dataset=dataset,
        after={"slug": slug, "schema": schema.key, **{k: str(v) for k, v in policy.items()}},
    )
    return dataset, True


def membership_grant(*, dataset: Dataset, user: AbstractBaseUser, role: str, actor=None) -> DatasetMembership:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(Role.values)}")
    membership, created = DatasetMembership.objects.get_or_create(dataset=dataset, user=user, role=role)
    if created:
        audit_record(
            actor=actor,
            action="membership.grant",
            obj=membership,
            dataset=dataset,
            after={"user": user.pk, "role": role},
        )
    return membership
