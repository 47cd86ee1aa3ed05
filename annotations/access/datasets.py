"""Which datasets, images and jobs a user may reach at all. Every endpoint resolves datasets and
images through these, so an id from a dataset the user has no role on is simply not found (404, no
data). What they may see inside a dataset they reach (other readers' work, aids, similar cases,
overlays) is the blinding rule, in annotations.access.blinding."""

from django.db.models import Q, QuerySet

from annotations.errors import ForbiddenError, NotFoundError
from annotations.models import Dataset, DatasetMembership, Image, Job
from annotations.models.choices import JobKind, Role


def access_datasets(user) -> QuerySet[Dataset]:
    """Datasets `user` may see: all for platform staff, else those they hold a role on."""
    if not user.is_authenticated:
        return Dataset.objects.none()
    if user.is_staff:
        return Dataset.objects.all()
    return Dataset.objects.filter(memberships__user=user).distinct()


def access_jobs(user) -> QuerySet[Job]:
    """Jobs of the datasets `user` may see; import jobs only for the dataset's admins and staff, since
    their parameters and per-file errors name the uploaded files (which hospitals name after patients)."""
    jobs = Job.objects.filter(dataset__in=access_datasets(user))
    if not user.is_authenticated or user.is_staff:
        return jobs  # none for the anonymous
    admin_of = DatasetMembership.objects.filter(user=user, role=Role.ADMIN).values("dataset_id")
    return jobs.exclude(Q(kind=JobKind.IMPORT) & ~Q(dataset_id__in=admin_of))


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
