"""Who may see what. Every endpoint resolves datasets and images through these, so an id from a
dataset the user has no role on is simply not found (404, no data)."""

from django.db.models import QuerySet

from annotations.models import Dataset, Image
from annotations.models.choices import Role
from annotations.services.errors import ForbiddenError, NotFoundError


def access_datasets(user) -> QuerySet[Dataset]:
    """Datasets `user` may see: all for platform staff, else those they hold a role on."""
    if not user.is_authenticated:
        return Dataset.objects.none()
    if user.is_staff:
        return Dataset.objects.all()
    return Dataset.objects.filter(memberships__user=user).distinct()


def roles_on(user, dataset: Dataset) -> set[str]:
    if user.is_staff:
        return set(Role.values)
    return set(dataset.memberships.filter(user=user).values_list("role", flat=True))


def object_id(raw, what: str) -> int:
    """A path id as a primary key; anything that is not a positive integer names nothing, so it is
    a 404 (not a failed lookup): ASCII digits only ("²".isdigit() is true, int("²") fails) and no
    wider than a bigint key."""
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise NotFoundError(f"No such {what}.")
    return int(text)


def access_dataset(user, dataset_id, *, roles: tuple[str, ...] = ()) -> Dataset:
    """The dataset if the user may see it (and holds one of `roles`, when given)."""
    dataset = (
        access_datasets(user).select_related("schema").filter(pk=object_id(dataset_id, "dataset")).first()
    )
    if dataset is None:
        raise NotFoundError("No such dataset.")
    if roles and not (roles_on(user, dataset) & set(roles)):
        raise ForbiddenError(f"This needs one of the roles {', '.join(roles)} on the dataset.")
    return dataset


def access_images(user) -> QuerySet[Image]:
    return Image.objects.filter(dataset__in=access_datasets(user))


def access_image(user, image_id) -> Image:
    image = (
        access_images(user).select_related("dataset", "study").filter(pk=object_id(image_id, "image")).first()
    )
    if image is None:
        raise NotFoundError("No such image.")
    return image
