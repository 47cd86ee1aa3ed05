"""Who may see a model's overlay of an image, and which model version draws it.

The dataset policy decides: where `show_model_overlays` is off, model outputs are hidden on the
reading screen (annotations.selectors.reading_context leaves out model labels), and overlays are
refused alike, except to the dataset's admins, who manage the models. A model overlay is the
model's output, never another reader's label, so the first-read blinding of reader labels does not
apply to it beyond that policy.
"""

from annotations.errors import ConflictError, ForbiddenError, NotFoundError
from annotations.models import Image
from annotations.models.choices import Role
from annotations.selectors.access import access_image, roles_on
from learning.models import ModelVersion
from learning.services.models.kinds import FINDING_KINDS
from learning.services.models.weights import production_model

OVERLAY_KINDS: tuple[str, ...] = FINDING_KINDS


def access_overlay(user, image_id, model_version_id=None) -> tuple[Image, ModelVersion]:
    """The image and the model version whose overlay `user` may see (default: production)."""
    image = access_image(user, image_id)
    dataset = image.dataset
    if not dataset.show_model_overlays and Role.ADMIN not in roles_on(user, dataset):
        raise ForbiddenError("This dataset does not show model overlays to readers.", code="overlays_hidden")
    if model_version_id is not None:
        mv = ModelVersion.objects.filter(pk=model_version_id, dataset=dataset, kind__in=OVERLAY_KINDS).first()
        if mv is None:
            raise NotFoundError("No such model version for this image's dataset.")
        return image, mv
    mv = production_model(dataset, OVERLAY_KINDS)
    if mv is None:
        raise ConflictError("The dataset has no production model yet; train or promote one.", code="no_model")
    return image, mv
