"""Cases waiting for an adjudicator that no adjudicator of the dataset may decide.

A case after its last round waits for a user with the adjudicator role who did not read the item
(annotations.services.adjudication.rounds.case_decide refuses the item's readers). Where every adjudicator
of the dataset read it, or the dataset has none, the case waits forever and nothing in the reading
screens says why: the admin console lists these so an admin can grant the role to someone else.
Platform staff may decide any case, but are nobody's assignment, so they are not counted here.
"""

from dataclasses import dataclass
from datetime import datetime

from annotations.models import AdjudicationCase, Dataset, DatasetMembership
from annotations.models.choices import Role

NO_ADJUDICATOR = "no_adjudicator"  # the dataset has no adjudicator at all
ALL_READ_IT = "all_adjudicators_read_it"  # every adjudicator of the dataset is one of its readers


@dataclass(frozen=True)
class StuckCase:
    case: int
    image: int
    opened_at: datetime
    readers: int
    reason: str


@dataclass(frozen=True)
class StuckCases:
    adjudicators: int  # active users with the adjudicator role on the dataset
    cases: list[StuckCase]


def stuck_cases(dataset: Dataset) -> StuckCases:
    """The dataset's cases waiting for an adjudicator with no eligible adjudicator, oldest first."""
    adjudicators = set(
        DatasetMembership.objects.filter(
            dataset=dataset, role=Role.ADJUDICATOR, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    waiting = AdjudicationCase.objects.filter(
        status=AdjudicationCase.Status.AWAITING_ADJUDICATOR, image__dataset=dataset
    ).order_by("opened_at", "id")
    cases = [
        StuckCase(
            case=case.pk,
            image=case.image_id,
            opened_at=case.opened_at,
            readers=len(case.reader_order),
            reason=NO_ADJUDICATOR if not adjudicators else ALL_READ_IT,
        )
        for case in waiting.only("id", "image_id", "opened_at", "reader_order")
        if not adjudicators - set(case.reader_order)
    ]
    return StuckCases(adjudicators=len(adjudicators), cases=cases)
