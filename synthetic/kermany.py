"""Kermany et al. (2018) folder layouts: OCT2017 and the pediatric chest_xray set.

OCT2017/{train,test}/{CNV,DME,DRUSEN,NORMAL}/<CLASS>-<patient id>-<n>.jpeg
chest_xray/{train,test}/NORMAL/IM-<patient>-<n>.jpeg or NORMAL2-IM-<patient>-<n>.jpeg
chest_xray/{train,test}/PNEUMONIA/person<k>_bacteria_<n>.jpeg or person<k>_virus_<n>.jpeg
Splits are per patient. The folder is the label; there are no CSVs and no reports.
"""

from __future__ import annotations

from layouts import kermany as folders
from layouts.label_schemas import PEDIATRIC_CXR_CLASSES
from synthetic._ids import stable_int
from synthetic.builder import CohortBuilder, Quirks, apply_quirks
from synthetic.ground_truth import ImageTruth
from synthetic.oct import OCT_CLASSES, render_oct

OCT_DIR = folders.OCT_DIR
PEDIATRIC_DIR = folders.PEDIATRIC_DIR
PEDIATRIC_CLASSES = PEDIATRIC_CXR_CLASSES
_OCT_WEIGHTS = (0.3, 0.2, 0.2, 0.3)


def build_oct(b: CohortBuilder) -> None:
    c = b.config
    used: set[int] = set()
    for k in range(c.n_oct_patients):
        rng = b.rng("oct-patient", k)
        salt = 0
        while (pid := 1000000 + stable_int(c.seed, "oct-id", k, salt) % 9000000) in used:
            salt += 1
        used.add(pid)
        label = OCT_CLASSES[int(rng.choice(len(OCT_CLASSES), p=_OCT_WEIGHTS))]
        split = "test" if rng.random() < c.test_fraction else "train"
        age = int(rng.integers(35, 90))
        sex = "M" if rng.random() < 0.5 else "F"
        for n in range(1, int(rng.integers(1, 5)) + 1):
            irng = b.rng("oct-image", pid, n)
            quirks = b.quirks(irng, chest=False) if c.oct_qc else Quirks(body_part="EYE")
            image = apply_quirks(render_oct(irng, label, size=c.image_size), quirks)
            name = folders.oct_name(label, pid, n)
            rel = f"{OCT_DIR}/{split}/{label}/{name}"
            b.save_jpeg(b.out_dir / rel, image)
            b.images.append(
                ImageTruth(
                    path=rel,
                    dataset="oct",
                    key=name,
                    patient_id=str(pid),
                    study_key=f"{pid}",
                    split=split,
                    findings=(),
                    label=label,
                    rotation=quirks.rotation,
                    inverted=quirks.inverted,
                    view="",
                    body_part="EYE",
                    age_years=float(age),
                    sex=sex,
                    pediatric=False,
                )
            )


def build_pediatric(b: CohortBuilder) -> None:
    c = b.config
    normal_no = 0
    person_no = 0
    image_counter = 0
    for k in range(c.n_pediatric):
        rng = b.rng("pediatric-patient", k)
        pneumonia = rng.random() < 0.62
        kind = folders.PNEUMONIA_KINDS[0] if rng.random() < 0.65 else folders.PNEUMONIA_KINDS[1]
        split = "test" if rng.random() < c.test_fraction else "train"
        age = int(rng.integers(1, 6))
        sex = "M" if rng.random() < 0.5 else "F"
        normal2 = rng.random() < 0.4
        if pneumonia:
            person_no += 1
        else:
            normal_no += 1
        label = PEDIATRIC_CLASSES[1] if pneumonia else PEDIATRIC_CLASSES[0]
        findings = frozenset({"Pneumonia"}) if pneumonia else frozenset()
        for n in range(1, int(rng.integers(1, 3)) + 1):
            image_counter += 1
            irng = b.rng("pediatric-image", k, n)
            quirks = b.quirks(irng, allow_lateral=False)
            image = b.render_chest(irng, findings, quirks, view="AP", pediatric=True)
            if pneumonia:
                name = folders.pediatric_pneumonia_name(person_no, kind, image_counter)
                patient = f"person{person_no}"
            else:
                name = folders.pediatric_normal_name(normal_no, n, normal2=normal2)
                patient = f"{normal_no:04d}"
            rel = f"{PEDIATRIC_DIR}/{split}/{label}/{name}"
            b.save_jpeg(b.out_dir / rel, image)
            shown = findings if quirks.body_part == "CHEST" else frozenset()
            b.images.append(
                ImageTruth(
                    path=rel,
                    dataset="pediatric",
                    key=name,
                    patient_id=patient,
                    study_key=name,
                    split=split,
                    findings=tuple(sorted(shown)),
                    label=label,
                    rotation=quirks.rotation,
                    inverted=quirks.inverted,
                    view="AP",
                    body_part=quirks.body_part,
                    age_years=float(age),
                    sex=sex,
                    pediatric=True,
                )
            )
