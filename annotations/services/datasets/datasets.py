"""Creating datasets, granting users their roles on them, and changing a dataset's reading policy.

`dataset_policy_update` is how an admin edits the policy. What a change does to work in progress:
- readers_per_item: new items are queued with it; items still taking first reads take it too, never
  below the reads already submitted or claimed, and close their first reads when those are all in
  (annotations.services.reading.worklist.worklist_readers_resize); items in adjudication or final keep theirs.
- max_adjudication_rounds, tie_rule and definite_final_labels are read when a round closes: an open
  case already past a lowered limit goes to the tie rule at the end of its current round.
- `preset` (see annotations.services.datasets.protocol_presets) sets every field of that preset at once; other
  fields in the same change override it. New datasets start from a preset when given one (the
  import commands and the demo give the default, Google's), else from the model's field defaults.
- the display switches apply from the next screen loaded; pediatric_age_years from the next QC run;
  acquisition_weights from the next ranking refresh (which the admin starts, or a new model does).
"""

import json
import math
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from annotations.errors import InvalidInputError
from annotations.models import Dataset, DatasetMembership
from annotations.models.choices import Modality, Role, TieRule
from annotations.services.audit import audit_record
from annotations.services.datasets.protocol_presets import preset_values
from annotations.services.datasets.schemas import schema_ensure
from annotations.services.reading.worklist import worklist_readers_resize
from ml.acquisition import STRATEGIES, StrategyConfigError, strategy_from_config
from ml.acquisition.config import COMBINATION_PARAMS, config_from_weights

DEFAULT_SCHEMA_FOR_MODALITY = {Modality.CHEST_XRAY: "chestxray14", Modality.OCT: "oct4"}


@transaction.atomic
def dataset_get_or_create(
    *,
    slug: str,
    name: str | None = None,
    modality: str = Modality.CHEST_XRAY,
    schema_key: str | None = None,
    actor: AbstractBaseUser | None = None,
    preset: str | None = None,
    **policy: object,
) -> tuple[Dataset, bool]:
    """The dataset `slug`, created with the given schema and reading policy if it does not exist
    (the preset's values, where one is named, overridden by any `policy` field given)."""
    existing = Dataset.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    policy = {**(preset_values(preset) if preset else {}), **policy}
    schema = schema_ensure(schema_key or DEFAULT_SCHEMA_FOR_MODALITY.get(modality, "chestxray14"))
    dataset = Dataset(slug=slug, name=name or slug, modality=modality, schema=schema, **policy)
    dataset.full_clean()
    dataset.save()
    audit_record(
        actor=actor,
        action="dataset.create",
        obj=dataset,
        dataset=dataset,
        after={
            "slug": slug,
            "schema": schema.key,
            "preset": preset or "",
            **{k: str(v) for k, v in policy.items()},
        },
    )
    return dataset, True


def membership_grant(*, dataset: Dataset, user: AbstractBaseUser, role: str, actor=None) -> DatasetMembership:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(Role.values)}")
    membership, created = DatasetMembership.objects.get_or_create(dataset=dataset, user=user, role=role)
    if created:
        audit_record(
            actor=actor,
            action="membership.grant",
            obj=membership,
            dataset=dataset,
            after={"user": user.pk, "role": role},
        )
    return membership


POLICY_FIELDS = (
    "readers_per_item",
    "max_adjudication_rounds",
    "tie_rule",
    "definite_final_labels",
    "show_report_on_first_read",
    "show_nlp_evidence",
    "show_model_overlays",
    "show_similar_cases_on_first_read",
    "pediatric_age_years",
    "acquisition_weights",
)
READERS_MAX = 20
ROUNDS_MAX = 10  # 0 is allowed: no rounds, the tie rule decides straight after the first reads
PEDIATRIC_MAX_YEARS = 21.0
WEIGHTS_MAX_CHARS = 4000
_FLAGS = (
    "definite_final_labels",
    "show_report_on_first_read",
    "show_nlp_evidence",
    "show_model_overlays",
    "show_similar_cases_on_first_read",
)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _finite(v: int | float) -> bool:
    try:
        return math.isfinite(v)
    except OverflowError:  # an integer too large for a float
        return False


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and _finite(v)


def _all_finite(v: object) -> bool:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return _finite(v)
    if isinstance(v, Mapping):
        return all(_all_finite(x) for x in v.values())
    if isinstance(v, list | tuple):
        return all(_all_finite(x) for x in v)
    return True


def _weights_error(weights: object) -> str | None:
    """Why `weights` is not a usable acquisition_weights value (see ml.acquisition.config):
    {} (the random baseline), {strategy: weight, ...} (optionally diversity_weight / batch_size),
    or a full strategy config with a "name"."""
    if not isinstance(weights, Mapping):
        return 'Must be a JSON object of strategy name -> weight, e.g. {"entropy": 1, "rarity": 0.5}.'
    if not _all_finite(weights):
        return "Numbers must be finite."
    try:
        size = len(json.dumps(weights))
    except (TypeError, ValueError):
        return "Must be plain JSON."
    if size > WEIGHTS_MAX_CHARS:
        return f"Too large (at most {WEIGHTS_MAX_CHARS} characters of JSON)."
    if "name" not in weights:
        known = sorted(STRATEGIES)
        for key, value in weights.items():
            if key in COMBINATION_PARAMS or isinstance(value, Mapping):
                continue  # checked by the strategy itself below
            if key not in STRATEGIES:
                return f"Unknown strategy {key!r}; choose from {', '.join(known)}."
            if not _is_number(value) or value < 0:
                return f"The weight of {key!r} must be a non-negative number, got {value!r}."
    try:
        strategy_from_config(config_from_weights(dict(weights)))
    except StrategyConfigError as exc:
        return f"the dataset's acquisition weights are not usable: {exc}"
    return None


def _policy_error(field: str, value: Any) -> str | None:
    """Why `value` is not valid for the policy field `field`, or None."""
    if field == "readers_per_item":
        if not _is_int(value) or not 1 <= value <= READERS_MAX:
            return f"Must be a whole number from 1 to {READERS_MAX}."
    elif field == "max_adjudication_rounds":
        if not _is_int(value) or not 0 <= value <= ROUNDS_MAX:
            return f"Must be a whole number from 0 to {ROUNDS_MAX}."
    elif field == "tie_rule":
        if value not in TieRule.values:
            return f"Must be one of {', '.join(TieRule.values)}."
    elif field in _FLAGS:
        if not isinstance(value, bool):
            return "Must be true or false."
    elif field == "pediatric_age_years":
        if not _is_number(value) or not 0 < value <= PEDIATRIC_MAX_YEARS:
            return f"Must be a number of years above 0 and at most {PEDIATRIC_MAX_YEARS:g}."
    elif field == "acquisition_weights":
        return _weights_error(value)
    else:
        return "Not a reading-policy field."
    return None


@transaction.atomic
def dataset_policy_update(*, dataset: Dataset, changes: Mapping[str, Any], actor=None) -> Dataset:
    """Change some of the dataset's reading-policy fields, all or nothing.

    Bad values raise InvalidInputError with a message per field (`detail`) and change nothing. The
    audit log gets the before / after of the fields that changed; see the module docstring for what
    a change does to the worklist. Returns the dataset as saved."""
    if not changes:
        raise InvalidInputError("Send at least one reading-policy field to change.")
    if "preset" in changes:
        rest = {k: v for k, v in changes.items() if k != "preset"}
        changes = {**preset_values(str(changes["preset"])), **rest}
    errors = {field: [msg] for field, value in changes.items() if (msg := _policy_error(field, value))}
    if errors:
        raise InvalidInputError("The reading policy is not valid.", detail=errors)
    locked = Dataset.objects.select_for_update().select_related("schema").get(pk=dataset.pk)
    changed = {f: v for f, v in changes.items() if getattr(locked, f) != v}
    if changed:
        before = {f: getattr(locked, f) for f in changed}
        for f, v in changed.items():
            setattr(locked, f, v)
        locked.full_clean()
        locked.save(update_fields=list(changed))
        audit_record(
            actor=actor, action="dataset.policy", obj=locked, dataset=locked, before=before, after=changed
        )
        if "readers_per_item" in changed:
            worklist_readers_resize(dataset=locked, readers=locked.readers_per_item, actor=actor)
    return locked
