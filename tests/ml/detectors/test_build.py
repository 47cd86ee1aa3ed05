"""`build_pretrained` taking the net and the mirror head from an earlier build (`--net-from`,
`--mirror-from`): they arrive unchanged, only the marker head trains, and the record says where each
part came from, how long it took there and how many of this split's held-out films it trained on."""

import json
import shutil

import torch

from ml.detectors.devfilms import load_films
from ml.detectors.mirror_net import MirrorTrainConfig
from ml.detectors.orientation import load_orientation_detector
from ml.detectors.pretrained import RECORD_PATH, WEIGHTS_PATH, build_pretrained, sha256_file


def _same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_a_build_keeps_the_parts_it_is_given_and_records_them(nih_dev, tmp_path):
    folder = tmp_path / "films"
    (folder / "images").mkdir(parents=True)
    # the first 24 films of the published file, its header and rows as they are
    lines = (nih_dev / "Data_Entry_2017.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    rows = [r for r in lines[1:] if (nih_dev / "images" / r.split(",")[0]).is_file()][:24]
    (folder / "Data_Entry_2017.csv").write_text("".join([lines[0], *rows]).rstrip("\n"), encoding="utf-8")
    for r in rows:
        shutil.copy(nih_dev / "images" / r.split(",")[0], folder / "images")
    out = tmp_path / "built.pt"
    record = build_pretrained(
        folder,
        out,
        n_synthetic=0,
        marker_config=MirrorTrainConfig(epochs=1, batch_size=4, views_per_film=1, occlude=0.0, size=256),
        net_from=WEIGHTS_PATH,
        mirror_from=WEIGHTS_PATH,
    )
    shipped, built = load_orientation_detector(WEIGHTS_PATH), load_orientation_detector(out)
    assert _same_weights(built.net, shipped.net) and _same_weights(built.mirror, shipped.mirror)
    assert built.marker is not None and not _same_weights(built.marker, shipped.marker)

    prior = json.loads(RECORD_PATH.read_text())
    held = load_films(folder, 256).split()[1].names
    trained_on = len(set(prior["data"]["train_films"]) & set(held))
    t = record["training"]
    for part, seconds in (
        ("orientation_net_from", "orientation_seconds"),
        ("mirror_head_from", "mirror_seconds"),
    ):
        taken = t[part]
        assert taken["file"] == WEIGHTS_PATH.name and taken["sha256"] == sha256_file(WEIGHTS_PATH)
        assert taken["version"] == prior["version"] and taken["split_salt"] == prior["data"]["split_salt"]
        assert taken["held_out_films_it_trained_on"] == trained_on
        assert taken["training_seconds"] == prior["training"][seconds]
    assert t["mirror_head_from"]["config"] == prior["mirror_config"] == record["mirror_config"]
    assert t["epochs"] == 0 and t["mirror_epochs"] == 0 and t["marker_epochs"] == 1
    assert t["seconds"] >= prior["training"]["orientation_seconds"] + prior["training"]["mirror_seconds"]
    assert t["marker_films"] == len(record["data"]["train_films"]) == 24 - len(held)
    assert record["weights"]["sha256"] == sha256_file(out)
