"""Named reading-protocol presets: the policy values a dataset starts from, or is switched to at once.

- `google` (the default for new datasets): Google's ChestX-ray14 relabelling protocol (Majkowska et
  al., Radiology 2019). Three readers read independently, seeing only the film with the patient's age
  and the view: no report, no NLP evidence, no model output, no similar cases, because the point is
  to check the report-mined labels, not to be anchored by them. Disagreements go to up to five
  rounds in which each reader sees the others' anonymised answers and notes. Final labels are present
  or absent: an uncertain (HEDGE) agreement or majority is never final; after the last round the
  majority of definite answers decides, and where there is none the finding goes to an adjudicator
  (who did not read the item) and is recorded as decided by them.
- `assisted`: Arbiter's earlier default: readers see the report, its NLP evidence and the model's
  output on first reads; three readers, three rounds, then the majority; an uncertain agreement can
  be final.
- `double_read`: two blinded readers; any disagreement goes straight to an adjudicator.

A preset is only a starting point: each field can be changed afterwards, and the dataset then follows
no preset (the API says which preset, if any, the current values match).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from annotations.errors import InvalidInputError
from annotations.models.choices import TieRule

_BLINDED = {
    "show_report_on_first_read": False,
    "show_nlp_evidence": False,
    "show_model_overlays": False,
    "show_similar_cases_on_first_read": False,
}


@dataclass(frozen=True)
class ProtocolPreset:
    name: str
    title: str
    description: str
    values: Mapping[str, object]


PRESETS: dict[str, ProtocolPreset] = {
    p.name: p
    for p in (
        ProtocolPreset(
            "google",
            "Google ChestX-ray14 relabelling",
            "3 readers blinded to report, NLP and model; up to 5 rounds; majority of definite answers, "
            "else an adjudicator; final labels present or absent",
            MappingProxyType(
                {
                    "readers_per_item": 3,
                    "max_adjudication_rounds": 5,
                    "tie_rule": TieRule.MAJORITY.value,
                    "definite_final_labels": True,
                    **_BLINDED,
                }
            ),
        ),
        ProtocolPreset(
            "assisted",
            "Assisted reading",
            "3 readers who see the report, NLP evidence and model output; up to 3 rounds; majority",
            MappingProxyType(
                {
                    "readers_per_item": 3,
                    "max_adjudication_rounds": 3,
                    "tie_rule": TieRule.MAJORITY.value,
                    "definite_final_labels": False,
                    "show_report_on_first_read": True,
                    "show_nlp_evidence": True,
                    "show_model_overlays": True,
                    "show_similar_cases_on_first_read": False,
                }
            ),
        ),
        ProtocolPreset(
            "double_read",
            "Double reading with an adjudicator",
            "2 blinded readers; any disagreement goes to an adjudicator; final labels present or absent",
            MappingProxyType(
                {
                    "readers_per_item": 2,
                    "max_adjudication_rounds": 0,
                    "tie_rule": TieRule.ADJUDICATOR.value,
                    "definite_final_labels": True,
                    **_BLINDED,
                }
            ),
        ),
    )
}
DEFAULT_PRESET = "google"


def preset_values(name: str) -> dict[str, object]:
    """The policy values of the preset `name`; InvalidInputError naming the presets when unknown."""
    preset = PRESETS.get(name)
    if preset is None:
        raise InvalidInputError(
            f"Unknown protocol preset {name!r}; choose from {', '.join(PRESETS)}.",
            code="unknown_preset",
            detail={"preset": [f"Choose from {', '.join(PRESETS)}."]},
        )
    return dict(preset.values)


def preset_matching(dataset) -> str | None:
    """The preset whose every value the dataset's policy has now, or None."""
    for preset in PRESETS.values():
        if all(getattr(dataset, field) == value for field, value in preset.values.items()):
            return preset.name
    return None
