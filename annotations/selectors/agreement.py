"""Reader agreement statistics of a dataset, per finding and per reader.

Computed over items that are done only, from the independent first reads (round 0): nothing about an
item in progress enters, so the statistics can never reveal a reader's labels before the others have
read. Per finding: Fleiss' kappa across readers (items with the full N first reads), Cohen's kappa
for every pair of readers on the items both read, each reader's agreement (fraction and kappa) with
the final label, and the NLP's and the model's agreement with the final label (their latest label per
image; an NLP "blank" (not mentioned) counts as negative). Single-choice schemas have one question,
"class", whose categories are the classes.
"""

from collections import Counter, defaultdict
from itertools import combinations

from django.contrib.auth import get_user_model

from annotations.models import Dataset, Label, ReadLabel
from annotations.models.choices import LabelSource, LabelValue, ReadStatus, WorkState
from annotations.selectors.final_labels import published_final_labels
from annotations.selectors.kappa import agreement, cohen_kappa, fleiss_kappa
from annotations.selectors.read_values import CHOICE, READ_VALUES, schema_questions

CLASS_QUESTION = "class"


def _by_image(rows) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = defaultdict(dict)
    for image_id, key, value in rows:
        out[image_id][key] = value
    return out


def _vs_final(values: dict[int, str], final: dict[int, str]) -> dict:
    common = sorted(set(values) & set(final))
    a, b = [values[i] for i in common], [final[i] for i in common]
    return {"n": len(common), "agreement": agreement(a, b), "kappa": cohen_kappa(a, b)}


def agreement_stats(dataset: Dataset, *, only_reader_id: int | None = None) -> dict:
    """The statistics; with `only_reader_id`, per-reader rows are limited to that reader and no
    pairwise kappas are given (what a radiologist sees of their own performance)."""
    q = schema_questions(dataset.schema)
    done = {"image__work_item__dataset": dataset, "image__work_item__state": WorkState.DONE}
    reads = ReadLabel.objects.filter(
        read__image__work_item__dataset=dataset,
        read__image__work_item__state=WorkState.DONE,
        read__round=0,
        read__status=ReadStatus.SUBMITTED,
    ).values_list("read__image_id", "read__reader_id", "finding__key", "value")
    per_read: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)
    for image_id, reader_id, key, value in reads.iterator(chunk_size=5000):
        per_read[(image_id, reader_id)][key] = value
    final = _by_image(
        published_final_labels(dataset).filter(**done).values_list("image_id", "finding__key", "value")
    )

    def latest(source: str) -> dict[int, dict[str, str]]:
        rows = (
            Label.objects.filter(source=source, **done)
            .order_by("created_at", "id")
            .values_list("image_id", "finding__key", "value")
        )
        return _by_image(rows)

    nlp, model = latest(LabelSource.NLP), latest(LabelSource.MODEL)
    answers = {key: q.answers_from_values(values) for key, values in per_read.items()}
    final_answers = {i: q.answers_from_values(v) for i, v in final.items()}
    nlp_answers = {
        i: q.answers_from_values(
            {k: LabelValue.NEGATIVE if x == LabelValue.BLANK else x for k, x in v.items()}
        )
        for i, v in nlp.items()
    }
    model_answers = {i: q.answers_from_values(v) for i, v in model.items()}
    categories = list(q.labelled) if q.single_choice else list(READ_VALUES)
    readers_needed = Counter(Counter(i for i, _ in answers).values()).most_common(1)
    n_needed = readers_needed[0][0] if readers_needed else 0

    findings = []
    reader_totals: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for question in q.questions:
        by_item: dict[int, dict[int, str]] = defaultdict(dict)
        for (image_id, reader_id), a in answers.items():
            if question in a:
                by_item[image_id][reader_id] = a[question]
        table = [
            [Counter(ratings.values())[c] for c in categories]
            for ratings in by_item.values()
            if len(ratings) == n_needed and n_needed >= 2
        ]
        final_q = {i: a[question] for i, a in final_answers.items() if question in a}
        readers = sorted({r for ratings in by_item.values() for r in ratings})
        pairwise = []
        if only_reader_id is None:
            for ra, rb in combinations(readers, 2):
                both = sorted(i for i, ratings in by_item.items() if ra in ratings and rb in ratings)
                if both:
                    pairwise.append(
                        {
                            "reader_a": ra,
                            "reader_b": rb,
                            "n": len(both),
                            "kappa": cohen_kappa(
                                [by_item[i][ra] for i in both], [by_item[i][rb] for i in both]
                            ),
                        }
                    )
        per_reader = []
        for r in readers:
            if only_reader_id is not None and r != only_reader_id:
                continue
            mine = {i: ratings[r] for i, ratings in by_item.items() if r in ratings}
            per_reader.append({"reader": r, **_vs_final(mine, final_q)})
            reader_totals[r].extend((mine[i], final_q[i]) for i in mine if i in final_q)
        findings.append(
            {
                "finding": CLASS_QUESTION if question == CHOICE else question,
                "n_items": len(by_item),
                "fleiss_kappa": fleiss_kappa(table) if table else None,
                "fleiss_items": len(table),
                "pairwise": pairwise,
                "readers": per_reader,
                "nlp": _vs_final({i: a[question] for i, a in nlp_answers.items() if question in a}, final_q),
                "model": _vs_final(
                    {i: a[question] for i, a in model_answers.items() if question in a}, final_q
                ),
                "final_distribution": dict(sorted(Counter(final_q.values()).items())),
            }
        )
    names = dict(get_user_model().objects.filter(pk__in=reader_totals).values_list("pk", "username"))
    readers_summary = [
        {
            "reader": r,
            "username": names.get(r, ""),
            "n": len(pairs),
            "agreement": agreement([a for a, _ in pairs], [b for _, b in pairs]),
            "kappa": cohen_kappa([a for a, _ in pairs], [b for _, b in pairs]),
        }
        for r, pairs in sorted(reader_totals.items())
    ]
    return {
        "items_done": len({i for i, _ in answers}),
        "readers_per_item": n_needed,
        "categories": categories,
        "scope": "self" if only_reader_id is not None else "all",
        "findings": findings,
        "readers": readers_summary,
    }
