"""Who may see a model's overlay of an image, and which model version draws it.

Whether an overlay may be shown at all is decided by annotations.access.blinding.access_model_overlay
(the dataset's policy on model outputs; its admins, who manage the models, always may); this module
only refuses where it says no and picks the model version.
"""

from annotations.access.blinding import access_model_overlay
from annotations.access.datasets import access_image
from annotations.errors import ConflictError, ForbiddenError, NotFoundError
from annotations.models import Image
from learning.models import ModelVersion
from learning.services.models.kinds import FINDING_KINDS
from learning.services.models.weights import production_model

OVERLAY_KINDS: tuple[str, ...] = FINDING_KINDS


def access_overlay(user, image_id, model_version_id=None) -> tuple[Image, ModelVersion]:
    """The image and the model version whose overlay `user` may see (default: production)."""
    image = access_image(user, image_id)
    dataset = image.dataset
    if not access_model_overlay(user, dataset):
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
