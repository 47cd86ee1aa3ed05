"""A small generator of chest radiograph reports for the NLP benchmark (speed, not truth).

Reports look like real ones in length and shape: INDICATION / COMPARISON / FINDINGS / IMPRESSION
sections, 5-10 sentences, normal statements, negated lists, uncertain and follow-up phrasing, a
history mention now and then, and occasional device and implant lines. About 600 characters each.
Deterministic for a seed.
"""

import random

_FINDINGS = {
    "effusion": ("pleural effusion", "effusion", "pleural fluid"),
    "pneumothorax": ("pneumothorax",),
    "consolidation": ("consolidation", "focal consolidation", "airspace consolidation"),
    "atelectasis": ("atelectasis", "subsegmental atelectasis", "plate-like atelectasis"),
    "edema": ("pulmonary edema", "interstitial edema", "vascular congestion"),
    "opacity": ("opacity", "airspace opacity", "patchy opacity"),
    "nodule": ("nodule", "pulmonary nodule", "mass"),
    "pneumonia": ("pneumonia", "infection"),
    "fracture": ("rib fracture", "fracture"),
    "cardiomegaly": ("cardiomegaly", "enlargement of the cardiac silhouette"),
}
_SIDES = ("left", "right", "bilateral", "left basilar", "right lower lobe", "right upper lobe", "lingular")
_SIZES = ("small", "moderate", "large", "trace", "mild", "minimal")
_SYMPTOMS = ("cough", "fever", "shortness of breath", "chest pain", "hypoxia", "preoperative evaluation")
_NORMAL = (
    "The heart size is normal.",
    "Heart size and mediastinal contours are within normal limits.",
    "The cardiomediastinal silhouette is normal.",
    "The lungs are clear.",
    "Osseous structures are intact.",
    "No acute osseous abnormality.",
    "The visualized upper abdomen is unremarkable.",
    "Pulmonary vascularity is within normal limits.",
)
_DEVICES = (
    "Endotracheal tube terminates 4 cm above the carina.",
    "Right internal jugular central venous catheter tip in the SVC.",
    "Nasogastric tube courses below the diaphragm.",
    "Left chest wall pacemaker with leads in good position.",
    "Median sternotomy wires are intact.",
    "Left PICC line with tip in the mid SVC.",
)


def _term(rng: random.Random, key: str) -> str:
    return rng.choice(_FINDINGS[key])


def _positive(rng: random.Random, key: str) -> str:
    term = _term(rng, key)
    return rng.choice(
        (
            f"{rng.choice(_SIZES).capitalize()} {rng.choice(_SIDES)} {term}.",
            f"There is a {rng.choice(_SIZES)} {rng.choice(_SIDES)} {term}.",
            f"No change in the {rng.choice(_SIZES)} {rng.choice(_SIDES)} {term}.",
            f"{rng.choice(_SIDES).capitalize()} {term}, unchanged from prior.",
            f"Left > right {term}.",
        )
    )


def _uncertain(rng: random.Random, key: str) -> str:
    term = _term(rng, key)
    return rng.choice(
        (
            f"Possible {rng.choice(_SIDES)} {term}.",
            f"A {rng.choice(_SIZES)} {term} cannot be excluded.",
            f"{rng.choice(_SIDES).capitalize()} opacity may represent {term}.",
            f"Atelectasis versus {term} at the {rng.choice(('left', 'right'))} base.",
            f"Findings are concerning for {term}.",
        )
    )


def _negative(rng: random.Random, keys: list[str]) -> str:
    terms = [_term(rng, k) for k in keys]
    listed = terms[0] if len(terms) == 1 else ", ".join(terms[:-1]) + " or " + terms[-1]
    return rng.choice(
        (
            f"No {listed}.",
            f"There is no {listed}.",
            f"No evidence of {listed}.",
            f"The lungs are clear without {listed}.",
            f"{terms[0].capitalize()} is not seen.",
            f"Interval resolution of the {terms[0]}.",
        )
    )


def synthetic_report(rng: random.Random) -> str:
    keys = list(_FINDINGS)
    present = rng.sample(keys, k=rng.choice((0, 0, 1, 1, 2, 3)))
    uncertain = rng.sample([k for k in keys if k not in present], k=rng.choice((0, 0, 0, 1)))
    absent = rng.sample([k for k in keys if k not in present + uncertain], k=rng.randint(1, 4))
    indication = f"INDICATION: {rng.choice(_SYMPTOMS).capitalize()}."
    if rng.random() < 0.3:
        indication += f" Evaluate for {_term(rng, rng.choice(keys))}."
    findings = [rng.choice(_NORMAL) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.3:
        findings.append(rng.choice(_DEVICES))
    findings += [_positive(rng, k) for k in present]
    findings += [_uncertain(rng, k) for k in uncertain]
    for start in range(0, len(absent), 3):
        findings.append(_negative(rng, absent[start : start + 3]))
    rng.shuffle(findings)
    if present:
        impression = " ".join(f"{i}. {_positive(rng, k)}" for i, k in enumerate(present, 1))
    else:
        impression = "No acute cardiopulmonary process."
    comparison = rng.choice(("None.", "Chest radiograph from prior admission.", "Prior study."))
    return "\n".join(
        (
            "EXAMINATION: Chest, PA and lateral views.",
            indication,
            f"COMPARISON: {comparison}",
            "FINDINGS: " + " ".join(findings),
            f"IMPRESSION: {impression}",
        )
    )


def synthetic_reports(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [synthetic_report(rng) for _ in range(n)]
