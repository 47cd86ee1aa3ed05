"""Model overlays over the API: a PNG at the image's aspect ratio (CAM for CheXNet, occlusion for the
OCT model), computed once and then served from the disk cache, under the dataset's overlay policy."""

import io

import numpy as np
from PIL import Image as PILImage

from annotations.models import Image
from annotations.models.choices import ModelKind
from learning.services.models.weights import model_checkpoints_forget, model_weights_path
from tests.learning.worker.conftest import register_tiny

PNG = b"\x89PNG\r\n\x1a\n"


def png_array(data: bytes) -> np.ndarray:
    assert data.startswith(PNG)
    return np.asarray(PILImage.open(io.BytesIO(data)))


def test_cam_overlay_is_a_png_and_is_served_from_the_cache(nih, chexnet, admin_client, settings):
    client = admin_client(nih, role="radiologist")
    image = Image.objects.filter(dataset=nih).order_by("pk").first()
    url = f"/api/v1/images/{image.pk}/overlay/"
    r = client.get(url, {"finding": "Cardiomegaly", "alpha": 0.6, "size": 128})
    assert r.status_code == 200 and r["Content-Type"] == "image/png", r.content[:300]
    assert r["X-Overlay-Finding"] == "Cardiomegaly" and r["X-Model-Version"] == chexnet.version_tag
    rgba = png_array(r.content)
    longest = max(image.rows, image.cols)
    assert rgba.shape == (round(image.rows * 128 / longest), round(image.cols * 128 / longest), 4)
    assert rgba[..., 3].max() > 0 and rgba[..., 3].max() <= round(0.6 * 255) + 1  # alpha scaled by heat
    cached = list((settings.ARBITER_RENDER_CACHE_DIR / "overlays").rglob("*"))
    assert any(p.suffix == ".npy" for p in cached) and any(p.suffix == ".png" for p in cached)

    # With the weights gone, the cached overlay (and its heat map, at another alpha) is still served;
    # a finding never computed is not.
    model_weights_path(chexnet).unlink()
    model_checkpoints_forget()
    assert client.get(url, {"finding": "Cardiomegaly", "alpha": 0.6, "size": 128}).content == r.content
    assert client.get(url, {"finding": "Cardiomegaly", "alpha": 0.3, "size": 128}).status_code == 200
    r = client.get(url, {"finding": "Effusion"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "model_file_unavailable"


def test_overlay_follows_the_dataset_policy_and_validates(nih, chexnet, admin_client):
    image = Image.objects.filter(dataset=nih).first()
    url = f"/api/v1/images/{image.pk}/overlay/"
    reader, admin = admin_client(nih, role="radiologist"), admin_client(nih)
    assert reader.get(url, {"finding": "Nope"}).status_code == 400
    assert reader.get(url, {"alpha": 2}).status_code == 400
    default = reader.get(url, {"size": 32})
    assert default.status_code == 200 and default["X-Overlay-Finding"] in chexnet.spec["labels"]
    nih.show_model_overlays = False
    nih.save()
    r = reader.get(url)
    assert r.status_code == 403 and r.json()["error"]["code"] == "overlays_hidden"
    assert admin.get(url, {"size": 32}).status_code == 200
    chexnet.status = "retired"
    chexnet.save()
    r = admin.get(url)
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_model"
    assert admin.get(url, {"model_version": chexnet.pk, "size": 32}).status_code == 200


def test_oct_overlay_is_an_occlusion_map(oct_dataset, admin_client):
    mv = register_tiny(oct_dataset, ModelKind.OCT)
    image = Image.objects.filter(dataset=oct_dataset).first()
    r = admin_client(oct_dataset).get(f"/api/v1/images/{image.pk}/overlay/", {"finding": "DME", "size": 64})
    assert r.status_code == 200, r.content[:300]
    assert r["X-Model-Version"] == mv.version_tag
    assert png_array(r.content).shape[2] == 4
