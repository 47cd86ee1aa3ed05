"""Radiology reports written from ground truth, with the labels the text really states.

``write_report`` turns the image truth (a set of ChestX-ray14 findings) into a sectioned report
(EXAMINATION, INDICATION / HISTORY, COMPARISON, FINDINGS, IMPRESSION) with varied phrasing:
synonyms, negation ("no", "without", "free of", "clear of", "resolved"), negated lists ("no
effusion, pneumothorax or consolidation"), uncertainty ("possible", "cannot exclude", "may
represent", "versus"), laterality ("left > right"), follow-up phrasing ("no change in the small
effusion" = positive) and history/indication mentions that state nothing about this image.

The returned ``Report.labels`` say, per finding, what the *text* asserts (positive / negative /
uncertain / "" for not mentioned). At ``misleading_rate`` the text deliberately disagrees with the
image: a present finding is missed (negated or omitted) or an absent one is stated; the kind is
recorded in ``Report.misleading`` so tests can separate NLP errors from report errors.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np

from layouts import chexpert as chexpert_layout
from layouts.label_schemas import CHEXPERT_FINDINGS
from synthetic.cxr import CXR14_FINDINGS, validate_findings

POSITIVE = "positive"
NEGATIVE = "negative"
UNCERTAIN = "uncertain"
BLANK = ""
REPORT_VALUES: tuple[str, ...] = (POSITIVE, NEGATIVE, UNCERTAIN, BLANK)

CHEXPERT_OBSERVATIONS: tuple[str, ...] = CHEXPERT_FINDINGS
# CheXpert observation -> the ChestX-ray14 findings it is derived from (Emphysema, Fibrosis and
# Hernia have no CheXpert observation; Fracture and Support Devices are never drawn).
CHEXPERT_FROM_CXR14: dict[str, tuple[str, ...]] = {
    "Cardiomegaly": ("Cardiomegaly",),
    "Lung Opacity": ("Infiltration",),
    "Lung Lesion": ("Mass", "Nodule"),
    "Edema": ("Edema",),
    "Consolidation": ("Consolidation",),
    "Pneumonia": ("Pneumonia",),
    "Atelectasis": ("Atelectasis",),
    "Pneumothorax": ("Pneumothorax",),
    "Pleural Effusion": ("Effusion",),
    "Pleural Other": ("Pleural_Thickening",),
}
CHEXPERT_VALUE = {**chexpert_layout.CELLS, BLANK: chexpert_layout.BLANK}
MISLEADING_KINDS: tuple[str, ...] = ("missed", "overcall")

# Synonyms used in every phrasing. No synonym contains another finding's keyword.
TERMS: dict[str, tuple[str, ...]] = {
    "Atelectasis": (
        "atelectasis",
        "subsegmental atelectasis",
        "plate-like atelectasis",
        "atelectatic change",
    ),
    "Cardiomegaly": ("cardiomegaly", "enlargement of the cardiac silhouette", "cardiac enlargement"),
    "Effusion": ("pleural effusion", "effusion", "pleural fluid"),
    "Infiltration": ("infiltrate", "infiltration", "hazy airspace opacity"),
    "Mass": ("mass", "mass lesion", "masslike lesion"),
    "Nodule": ("nodule", "pulmonary nodule", "nodular density"),
    "Pneumonia": ("pneumonia", "infectious process", "bronchopneumonia"),
    "Pneumothorax": ("pneumothorax", "PTX"),
    "Consolidation": ("consolidation", "airspace consolidation", "focal consolidation"),
    "Edema": ("pulmonary edema", "edema", "interstitial edema"),
    "Emphysema": ("emphysema", "emphysematous change", "bullous emphysema"),
    "Fibrosis": ("fibrosis", "fibrotic change", "interstitial fibrosis", "reticular scarring"),
    "Pleural_Thickening": ("pleural thickening", "thickened pleura", "apical pleural capping"),
    "Hernia": ("hiatal hernia", "hiatus hernia"),
}
# Every wording this module uses to mention a finding (synonyms plus fixed phrases), for checking
# generated text; the NLP under test must not use this (it would be reading the answer key).
MENTIONS: dict[str, tuple[str, ...]] = {
    **TERMS,
    "Cardiomegaly": (
        *TERMS["Cardiomegaly"],
        "heart is enlarged",
        "heart size",
        "cardiomediastinal silhouette",
    ),
    "Effusion": (*TERMS["Effusion"], "pleural effusions", "effusions"),
}
# Findings a radiologist typically declares absent, with the chance of saying so.
_NEGATION_CHANCE: dict[str, float] = {
    "Pneumothorax": 0.65,
    "Effusion": 0.6,
    "Consolidation": 0.5,
    "Cardiomegaly": 0.55,
    "Edema": 0.35,
    "Pneumonia": 0.2,
    "Infiltration": 0.15,
    "Atelectasis": 0.15,
    "Mass": 0.15,
    "Nodule": 0.15,
    "Emphysema": 0.1,
    "Fibrosis": 0.08,
    "Pleural_Thickening": 0.08,
    "Hernia": 0.05,
}
_LATERALISED = frozenset(
    {
        "Atelectasis",
        "Effusion",
        "Infiltration",
        "Mass",
        "Nodule",
        "Pneumonia",
        "Pneumothorax",
        "Consolidation",
        "Pleural_Thickening",
    }
)
_SIZED = frozenset({"Effusion", "Pneumothorax", "Hernia"})
_SYMPTOMS = (
    "cough",
    "shortness of breath",
    "chest pain",
    "fever",
    "dyspnea on exertion",
    "hypoxia",
    "preoperative evaluation",
)


@dataclass(frozen=True)
class Report:
    text: str
    labels: dict[str, str]  # every CXR14 finding -> positive / negative / uncertain / ""
    misleading: str = ""  # "", "missed" or "overcall"
    misleading_finding: str = ""
    history_mentions: tuple[str, ...] = field(default=())  # findings named only in INDICATION / HISTORY

    def chexpert(self) -> dict[str, str]:
        """The report labels in CheXpert's 14 observations ("1.0" / "0.0" / "-1.0" / "")."""
        return chexpert_labels(self.labels)


def _combine(values: list[str]) -> str:
    """CheXpert precedence when several findings feed one observation."""
    for value in (POSITIVE, UNCERTAIN, NEGATIVE):
        if value in values:
            return value
    return BLANK


def chexpert_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """CXR14 report labels -> CheXpert observations in the labeler's CSV convention."""
    out = dict.fromkeys(CHEXPERT_OBSERVATIONS, chexpert_layout.BLANK)
    for observation, sources in CHEXPERT_FROM_CXR14.items():
        out[observation] = CHEXPERT_VALUE[_combine([labels.get(s, BLANK) for s in sources])]
    pathology = [v for k, v in out.items() if k not in ("No Finding", "Support Devices")]
    mentioned = any(v in (chexpert_layout.POSITIVE, chexpert_layout.UNCERTAIN) for v in pathology)
    out["No Finding"] = chexpert_layout.BLANK if mentioned else chexpert_layout.POSITIVE
    return out


def chexpert_truth(findings: Collection[str]) -> dict[str, str]:
    """Image truth in CheXpert observations, as in the expert-labelled valid.csv (1.0 / 0.0 only)."""
    found = validate_findings(findings)
    out = dict.fromkeys(CHEXPERT_OBSERVATIONS, chexpert_layout.NEGATIVE)
    for observation, sources in CHEXPERT_FROM_CXR14.items():
        if found.intersection(sources):
            out[observation] = chexpert_layout.POSITIVE
    out["Enlarged Cardiomediastinum"] = out["Cardiomegaly"]
    if any(v == chexpert_layout.POSITIVE for k, v in out.items() if k != "No Finding"):
        out["No Finding"] = chexpert_layout.NEGATIVE
    else:
        out["No Finding"] = chexpert_layout.POSITIVE
    return out


# --------------------------------------------------------------------------- phrasing


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _term(rng: np.random.Generator, finding: str) -> str:
    return _pick(rng, TERMS[finding])


def _join(items: list[str], rng: np.random.Generator) -> str:
    if len(items) == 1:
        return items[0]
    comma = "," if len(items) > 2 and rng.random() < 0.3 else ""
    return ", ".join(items[:-1]) + f"{comma} or {items[-1]}"


def _positive(rng: np.random.Generator, finding: str, *, follow_up: bool) -> str:
    term = _term(rng, finding)
    side = _pick(rng, ("right", "left"))
    size = _pick(rng, ("small", "moderate", "large"))
    if follow_up and rng.random() < 0.6:
        where = f"{side} " if finding in _LATERALISED else ""
        how = f"{size} " if finding in _SIZED else ""
        return _pick(
            rng,
            (
                f"No change in the {how}{where}{term}.",
                f"Stable {term}.",
                f"Unchanged {term} compared with the prior study.",
                f"Persistent {where}{term}.",
            ),
        )
    special: dict[str, tuple[str, ...]] = {
        "Effusion": (
            f"Bilateral pleural effusions, {side} > {'left' if side == 'right' else 'right'}.",
            f"{_cap(size)} {side} {term}.",
            f"Blunting of the {side} costophrenic angle consistent with a small {term}.",
            f"There is a {size} {side} {term} with a meniscus.",
        ),
        "Cardiomegaly": (
            "The heart is enlarged.",
            f"{_cap(size.replace('small', 'mild'))} cardiomegaly.",
            f"There is {term}.",
        ),
        "Pneumothorax": (
            f"{_cap(size)} {side} apical {term}.",
            f"There is a {side} {term}.",
            f"{_cap(side)} {term} is present.",
        ),
        "Nodule": (
            f"There is a {side} upper lobe {term}.",
            f"A {term} projects over the {side} mid lung.",
            f"{_cap(term)} in the {side} lung.",
        ),
        "Mass": (
            f"There is a {side} lung {term}.",
            f"A large {term} is seen in the {side} lung.",
            f"{_cap(side)} hilar {term}.",
        ),
        "Edema": (
            f"Bilateral perihilar haziness consistent with {term}.",
            f"Findings are compatible with {term}.",
            f"There is {term}.",
        ),
        "Emphysema": (
            f"Hyperinflated lungs with flattened diaphragms consistent with {term}.",
            f"There is {term}.",
            f"{_cap(term)}.",
        ),
        "Hernia": (
            f"Retrocardiac air-fluid level consistent with a {term}.",
            f"There is a {term}.",
            f"Small {term}.",
        ),
        "Pleural_Thickening": (f"{_cap(side)} {term}.", f"There is {side} {term}.", f"Bilateral {term}."),
    }
    generic = (
        f"There is {side} lower lobe {term}.",
        f"{_cap(side)} basilar {term} is noted.",
        f"{_cap(term)} in the {side} {_pick(rng, ('lower', 'upper', 'mid'))} lung zone.",
        f"Findings consistent with {side} {term}.",
        f"{_cap(side)} {term} is present.",
    )
    return _pick(rng, special.get(finding, generic))


def _uncertain(rng: np.random.Generator, findings: list[str]) -> str:
    if len(findings) == 2:
        a, b = (_term(rng, f) for f in findings)
        side = _pick(rng, ("right", "left", "bibasilar"))
        return _pick(
            rng,
            (
                f"{_cap(side)} changes may represent {a} versus {b}.",
                f"Findings in the {side} base could represent {a} versus {b}.",
            ),
        )
    term = _term(rng, findings[0])
    return _pick(
        rng,
        (
            f"Possible {term}.",
            f"{_cap(term)} cannot be excluded.",
            f"Cannot exclude {term}.",
            f"Findings may represent {term}.",
            f"Questionable {term}.",
            f"Possible early {term} in the appropriate clinical setting.",
        ),
    )


def _negative(
    rng: np.random.Generator, findings: list[str], *, resolved: bool = False, lungs_clear: bool = False
) -> str:
    terms = [_term(rng, f) for f in findings]
    if resolved:
        return _pick(
            rng,
            (
                f"Interval resolution of the previously seen {_join(terms, rng)}.",
                f"The previously noted {_join(terms, rng)} has resolved.",
            ),
        )
    if findings == ["Cardiomegaly"] and rng.random() < 0.75:
        return _pick(
            rng,
            (
                "Heart size is normal.",
                "The cardiomediastinal silhouette is within normal limits.",
                "Normal heart size.",
                "No cardiomegaly.",
            ),
        )
    lung_only = all(f not in ("Cardiomegaly", "Hernia") for f in findings)
    options = [
        f"No {_join(terms, rng)}.",
        f"There is no {_join(terms, rng)}.",
        f"No evidence of {_join(terms, rng)}.",
    ]
    if lung_only:
        options.append(f"The lungs are free of {_join(terms, rng)}.")
        if lungs_clear:  # only when nothing in the lungs is reported
            options += [
                f"The lungs are clear without {_join(terms, rng)}.",
                f"Lungs are clear of {_join(terms, rng)}.",
            ]
    return _pick(rng, options)


# --------------------------------------------------------------------------- the report


def _statuses(
    rng: np.random.Generator,
    truth: frozenset[str],
    prior: frozenset[str],
    misleading_rate: float,
) -> tuple[dict[str, str], str, str, set[str]]:
    """Per finding what the text will state, the misleading kind/finding, and resolved findings."""
    stated = dict.fromkeys(CXR14_FINDINGS, BLANK)
    for f in CXR14_FINDINGS:
        if f in truth:
            stated[f] = UNCERTAIN if rng.random() < 0.12 else POSITIVE
        elif rng.random() < _NEGATION_CHANCE[f]:
            stated[f] = NEGATIVE
    resolved = {f for f in CXR14_FINDINGS if f in prior and f not in truth and rng.random() < 0.7}
    for f in resolved:
        stated[f] = NEGATIVE
    kind, which = "", ""
    if rng.random() < misleading_rate:
        present = [f for f in CXR14_FINDINGS if f in truth]
        absent = [f for f in CXR14_FINDINGS if f not in truth]
        if present and (rng.random() < 0.5 or not absent):
            kind, which = "missed", _pick(rng, present)
            stated[which] = NEGATIVE if rng.random() < 0.6 else BLANK
        else:
            kind, which = "overcall", _pick(rng, absent)
            stated[which] = POSITIVE
        resolved.discard(which)
    return stated, kind, which, resolved


def write_report(
    rng: np.random.Generator,
    truth: Collection[str],
    *,
    misleading_rate: float = 0.0,
    prior: Collection[str] | None = None,
    age: int | None = None,
    sex: str | None = None,
    view: str = "PA",
    body_part: str = "CHEST",
    comparison_date: str | None = None,
) -> Report:
    """Write one report for an image whose true findings are ``truth``.

    ``prior`` (the previous study's findings) turns on follow-up phrasing: stable/unchanged for
    persisting findings and "resolved" for ones that went away. ``view`` and ``body_part`` only
    shape the EXAMINATION line (a non-chest study gets a report with no chest findings).
    """
    found = validate_findings(truth)
    prior_set = validate_findings(prior or ())
    if not 0.0 <= misleading_rate <= 1.0:
        raise ValueError(f"misleading_rate must be in [0, 1], got {misleading_rate}")
    who = f"{age}-year-old" if age is not None else "Adult"
    person = {"M": "man", "F": "woman"}.get(sex or "", "patient")
    if age is not None and age < 18:
        person = {"M": "boy", "F": "girl"}.get(sex or "", "child")
    indication = [f"{_cap(who)} {person} with {_pick(rng, _SYMPTOMS)}."]
    history: list[str] = []
    if rng.random() < 0.3:
        f = _pick(rng, CXR14_FINDINGS)
        history.append(f)
        indication.append(f"History of {_term(rng, f)}.")
    if rng.random() < 0.3:
        f = _pick(rng, ("Pneumonia", "Pneumothorax", "Effusion", "Edema"))
        history.append(f)
        indication.append(_pick(rng, (f"Evaluate for {_term(rng, f)}.", f"Rule out {_term(rng, f)}.")))

    if body_part != "CHEST":
        text = "\n".join(
            (
                f"EXAMINATION: {body_part.title()} radiograph, 2 views.",
                "INDICATION / HISTORY: " + " ".join(indication),
                "COMPARISON: None.",
                "FINDINGS: No acute fracture or dislocation. Soft tissues are unremarkable.",
                "IMPRESSION: No acute osseous abnormality.",
            )
        )
        return Report(text, dict.fromkeys(CXR14_FINDINGS, BLANK), history_mentions=tuple(history))

    stated, kind, which, resolved = _statuses(rng, found, prior_set, misleading_rate)
    follow_up = bool(prior_set) or comparison_date is not None
    exam = {
        "PA": "Chest, PA and lateral views.",
        "AP": "Chest, single AP portable view.",
        "LATERAL": "Chest, lateral view.",
    }
    comparison = "None."
    if follow_up:
        comparison = (
            _pick(rng, (f"Chest radiograph dated {comparison_date}.", f"Prior study of {comparison_date}."))
            if comparison_date
            else "Prior chest radiograph."
        )

    sentences: list[str] = []
    positives = [f for f in CXR14_FINDINGS if stated[f] == POSITIVE]
    uncertain = [f for f in CXR14_FINDINGS if stated[f] == UNCERTAIN]
    negatives = [f for f in CXR14_FINDINGS if stated[f] == NEGATIVE and f not in resolved]
    for f in positives:
        sentences.append(_positive(rng, f, follow_up=follow_up and f in prior_set))
    rng.shuffle(uncertain)
    while uncertain:
        take = 2 if len(uncertain) >= 2 and rng.random() < 0.4 else 1
        sentences.append(_uncertain(rng, uncertain[:take]))
        uncertain = uncertain[take:]
    if resolved:
        sentences.append(_negative(rng, sorted(resolved), resolved=True))
    lungs_clear = not any(
        stated[f] in (POSITIVE, UNCERTAIN) for f in CXR14_FINDINGS if f not in ("Cardiomegaly", "Hernia")
    )
    rng.shuffle(negatives)
    while negatives:
        take = min(len(negatives), int(rng.integers(1, 4)))
        if "Cardiomegaly" in negatives[:take] and take > 1:
            negatives.remove("Cardiomegaly")
            sentences.append(_negative(rng, ["Cardiomegaly"]))
            continue
        sentences.append(_negative(rng, negatives[:take], lungs_clear=lungs_clear))
        negatives = negatives[take:]
    order = rng.permutation(len(sentences))
    sentences = [sentences[i] for i in order]
    sentences.append(
        _pick(
            rng,
            (
                "The osseous structures are unremarkable.",
                "No acute osseous abnormality.",
                "Visualized bones are intact.",
            ),
        )
    )

    shown = [f for f in CXR14_FINDINGS if stated[f] in (POSITIVE, UNCERTAIN)]
    if shown:
        items = []
        for f in shown:
            if stated[f] == POSITIVE:
                items.append(
                    _pick(rng, (f"{_cap(_term(rng, f))}.", f"Findings consistent with {_term(rng, f)}."))
                )
            else:
                items.append(_uncertain(rng, [f]))
        impression = " ".join(f"{i}. {s}" for i, s in enumerate(items, start=1))
    else:
        impression = _pick(
            rng,
            (
                "No acute cardiopulmonary process.",
                "No acute cardiopulmonary abnormality.",
                "Normal chest radiograph.",
            ),
        )

    text = "\n".join(
        (
            f"EXAMINATION: {exam.get(view, exam['PA'])}",
            "INDICATION / HISTORY: " + " ".join(indication),
            f"COMPARISON: {comparison}",
            "FINDINGS: " + " ".join(sentences),
            f"IMPRESSION: {impression}",
        )
    )
    return Report(text, stated, misleading=kind, misleading_finding=which, history_mentions=tuple(history))
