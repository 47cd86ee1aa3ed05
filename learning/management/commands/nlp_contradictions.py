"""`manage.py nlp_contradictions`: where the final labels contradict the NLP labels, by rule.

    python manage.py nlp_contradictions --dataset SLUG [--finding NAME] [--nlp-version V] [--examples 3]

Prints the groups largest first -- finding, which way the NLP was wrong, the phrase or ConText rule
that decided it, how many reports -- and under each a few reports with the evidence in its context:
the rules to fix first. The same as GET /api/v1/datasets/{id}/nlp-contradictions/.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.errors import NotFoundError
from annotations.models import Dataset
from learning.selectors.nlp_contradictions import NLP_PRESENT, nlp_contradictions


class Command(BaseCommand):
    help = "List reports whose NLP label the final label contradicts, grouped by the rule that fired."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", required=True, help="dataset slug")
        parser.add_argument("--finding", default=None)
        parser.add_argument("--nlp-version", default=None, help="default: the newest on the dataset")
        parser.add_argument("--examples", type=int, default=3, help="reports shown per group")

    def handle(self, *args, **opts) -> None:
        dataset = Dataset.objects.select_related("schema").filter(slug=opts["dataset"]).first()
        if dataset is None:
            raise CommandError(f"no dataset {opts['dataset']!r}")
        try:
            result = nlp_contradictions(
                dataset,
                nlp_version=opts["nlp_version"],
                finding=opts["finding"],
                examples=max(opts["examples"], 0),
            )
        except NotFoundError as exc:
            raise CommandError(str(exc)) from exc
        out = self.stdout
        out.write(
            f"{dataset.slug}: NLP version {result.nlp_version or '(none)'}; {result.compared} final labels "
            f"compared, {result.contradicted} contradict the NLP label, in {len(result.groups)} groups"
        )
        for group in result.groups:
            way = "NLP present, final absent" if group.kind == NLP_PRESENT else "NLP absent, final present"
            out.write(f"\n{group.count:5d}  {group.finding:<20} {way:<26} {group.rule}")
            for row in group.reports[: opts["examples"]]:
                spans = " | ".join(" ".join(e["context"].split()) for e in row["evidence"]) or "(no mention)"
                out.write(f"       report {row['report_id']} image {row['image_id']}: {spans}")
