"""An item's read history (every reader's submitted values per round) and the readers' letters.

Who may see which of these reads is not decided here: that is the blinding rule, in
annotations.access.blinding (access_reads, access_item_reads, access_cases).
"""

from dataclasses import dataclass, field
from datetime import datetime

from annotations.models import AdjudicationCase, Read
from annotations.models.choices import ReadStatus
from annotations.selectors.read_values import SchemaQuestions


def letter(index: int) -> str:
    """Reader A, B, ... Z, A2, B2, ..."""
    return chr(ord("A") + index % 26) + (str(index // 26 + 1) if index >= 26 else "")


@dataclass
class ReaderRound:
    read_id: int
    round: int
    values: dict[str, str]  # finding key -> value
    comments: dict[str, str]  # finding key -> per-finding comment (non-empty only)
    comment: str
    submitted_at: datetime | None
    duration_ms: int | None


@dataclass
class ReadHistory:
    """Submitted reads of one image: reader ids in first-read order, and their rounds."""

    order: list[int] = field(default_factory=list)
    rounds: dict[int, dict[int, ReaderRound]] = field(default_factory=dict)

    def letter_of(self, reader_id: int) -> str | None:
        return letter(self.order.index(reader_id)) if reader_id in self.order else None

    def answers(self, q: SchemaQuestions, reader_id: int, round_: int) -> dict[str, str]:
        rr = self.rounds.get(reader_id, {}).get(round_)
        return q.answers_from_values(rr.values) if rr else {}

    def latest_answer(self, q: SchemaQuestions, reader_id: int, question: str, upto: int) -> str | None:
        """The reader's answer to `question` in the latest round <= upto in which they gave one."""
        for r in sorted(self.rounds.get(reader_id, {}), reverse=True):
            if r <= upto and question in (a := self.answers(q, reader_id, r)):
                return a[question]
        return None

    def provenance(self, q: SchemaQuestions, question: str) -> list[dict]:
        """Per reader: the rounds they answered `question` in, their values and times."""
        out = []
        for reader_id in self.order:
            entry = {"reader_id": reader_id, "reader": self.letter_of(reader_id), "rounds": [], "values": []}
            entry["submitted_at"] = []
            for r in sorted(self.rounds.get(reader_id, {})):
                answer = self.answers(q, reader_id, r).get(question)
                if answer is not None:
                    entry["rounds"].append(r)
                    entry["values"].append(answer)
                    at = self.rounds[reader_id][r].submitted_at
                    entry["submitted_at"].append(at.isoformat() if at else None)
            entry["value"] = entry["values"][-1] if entry["values"] else None
            out.append(entry)
        return out

    def first_read_at(self) -> datetime | None:
        times = [rs[0].submitted_at for rs in self.rounds.values() if 0 in rs and rs[0].submitted_at]
        return min(times) if times else None


def read_history(image_id: int, *, order: list[int] | None = None) -> ReadHistory:
    """Every submitted read of the image with its labels. `order` (the case's reader order) fixes
    the letters; without it readers are ordered by when they submitted their first read."""
    reads = list(
        Read.objects.filter(image_id=image_id, status=ReadStatus.SUBMITTED)
        .prefetch_related("labels__finding")
        .order_by("round", "submitted_at", "id")
    )
    history = ReadHistory(order=list(order or []))
    for read in reads:
        if read.round == 0 and read.reader_id not in history.order:
            history.order.append(read.reader_id)
        labels = list(read.labels.all())
        history.rounds.setdefault(read.reader_id, {})[read.round] = ReaderRound(
            read_id=read.pk,
            round=read.round,
            values={rl.finding.key: rl.value for rl in labels},
            comments={rl.finding.key: rl.comment for rl in labels if rl.comment},
            comment=read.comment,
            submitted_at=read.submitted_at,
            duration_ms=read.duration_ms,
        )
    return history


def reader_orders(image_ids: list[int]) -> dict[int, list[int]]:
    """Reader ids per image in letter order (the case's order, else first-read submission order)."""
    orders = dict(
        AdjudicationCase.objects.filter(image_id__in=image_ids).values_list("image_id", "reader_order")
    )
    rest = [i for i in image_ids if i not in orders]
    for image_id, reader_id in (
        Read.objects.filter(image_id__in=rest, round=0, status=ReadStatus.SUBMITTED)
        .order_by("submitted_at", "id")
        .values_list("image_id", "reader_id")
    ):
        orders.setdefault(image_id, []).append(reader_id)
    return orders
