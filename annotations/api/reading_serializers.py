"""Serializers of the reading, adjudication, QC, agreement and export endpoints.

Inputs check shapes only; the services validate against the dataset's schema and report every
problem at once. Outputs render the plain data of annotations.selectors.reading_context, so what the
OpenAPI schema documents is what the endpoints return.
"""

from rest_framework import serializers

from annotations.api.serializers import ImageSerializer
from annotations.models import Label, LabelSetSnapshot, QCFlag
from annotations.models.choices import HowReached, QCKind, QCStatus, Split, WorkState
from annotations.services.qc.review import ACTIONS, ROTATIONS

MAX_COMMENT = 10_000


# ---- inputs -------------------------------------------------------------------------------------


class LabelEntrySerializer(serializers.Serializer):
    finding = serializers.CharField(help_text="finding key of the dataset's schema")
    value = serializers.CharField(help_text="positive | negative | uncertain")
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_COMMENT)


class AnswersSerializer(serializers.Serializer):
    labels = LabelEntrySerializer(
        many=True,
        required=False,
        help_text="multi-label schemas: one entry per finding asked (not derived ones)",
    )
    choice = serializers.CharField(required=False, help_text="single-choice schemas: the one class")


class ReadSubmitSerializer(AnswersSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_COMMENT)
    duration_ms = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=24 * 3600 * 1000,
        help_text="reader's own time",
    )


class ReadReviseSerializer(AnswersSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=MAX_COMMENT)


class CaseRespondSerializer(ReadSubmitSerializer):
    pass


class CaseDecideSerializer(AnswersSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_COMMENT)


class CorrectionSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="positive | negative | uncertain (single-choice: positive)")
    reason = serializers.CharField(max_length=MAX_COMMENT)


class EnqueueSerializer(serializers.Serializer):
    image_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, max_length=100_000, help_text="default: all images"
    )
    strategy = serializers.CharField(default="random", max_length=40)
    model_version = serializers.IntegerField(required=False, allow_null=True)
    seed = serializers.IntegerField(default=0)
    limit = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class ReprioritiseSerializer(serializers.Serializer):
    strategy = serializers.CharField(max_length=40)
    model_version = serializers.IntegerField(required=False, allow_null=True)


class QCResolveSerializer(serializers.Serializer):
    flag_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=5000)
    action = serializers.ChoiceField(choices=sorted(ACTIONS))
    rotate = serializers.ChoiceField(choices=list(ROTATIONS), default=0, help_text="degrees clockwise")
    flip = serializers.BooleanField(default=False, help_text="mirror left-right, after the rotation")
    invert = serializers.BooleanField(default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class QCQuerySerializer(serializers.Serializer):
    status = serializers.MultipleChoiceField(choices=QCStatus.choices, required=False)
    kind = serializers.MultipleChoiceField(choices=QCKind.choices, required=False)
    min_probability = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)
    max_probability = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)


class SnapshotCreateSerializer(serializers.Serializer):
    findings = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="the dataset schema's findings by key; another schema's as '<schema>:<finding>'",
    )
    how_reached = serializers.ListField(
        child=serializers.ChoiceField(choices=HowReached.choices), required=False
    )
    decided_from = serializers.DateField(required=False, allow_null=True)
    decided_to = serializers.DateField(required=False, allow_null=True)
    splits = serializers.ListField(child=serializers.ChoiceField(choices=Split.choices), required=False)


class FinalLabelQuerySerializer(serializers.Serializer):
    finding = serializers.CharField(required=False)
    how_reached = serializers.ChoiceField(choices=HowReached.choices, required=False)
    image = serializers.IntegerField(required=False)


class DownloadQuerySerializer(serializers.Serializer):
    file = serializers.ChoiceField(choices=["csv", "jsonl"], default="csv")


# ---- outputs ------------------------------------------------------------------------------------


class ReadLabelOutSerializer(serializers.Serializer):
    finding = serializers.CharField()
    value = serializers.CharField()
    comment = serializers.CharField()


class ReadSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField()
    status = serializers.CharField()
    claimed_at = serializers.DateTimeField()
    lease_expires_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)


class MyReadSerializer(ReadSummarySerializer):
    comment = serializers.CharField()
    labels = ReadLabelOutSerializer(many=True)


class ReadOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    image = serializers.IntegerField()
    dataset = serializers.IntegerField()
    round = serializers.IntegerField()
    status = serializers.CharField()
    is_mine = serializers.BooleanField()
    reader = serializers.CharField(allow_null=True, help_text="anonymous letter within the item (A, B, C...)")
    reader_id = serializers.IntegerField(allow_null=True, help_text="own reads, and admins of done items")
    claimed_at = serializers.DateTimeField()
    lease_expires_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    duration_ms = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField()
    labels = ReadLabelOutSerializer(many=True)


class ReaderRoundSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    labels = ReadLabelOutSerializer(many=True)
    comment = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)


class ReaderViewSerializer(serializers.Serializer):
    reader = serializers.CharField(help_text="Reader A, B, C... stable within the item")
    reader_id = serializers.IntegerField(allow_null=True)
    is_me = serializers.BooleanField()
    rounds = ReaderRoundSerializer(many=True)


class FinalLabelBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    finding = serializers.CharField()
    value = serializers.CharField()
    version = serializers.CharField()
    how_reached = serializers.CharField()
    rounds = serializers.IntegerField()


class WorkItemBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    dataset = serializers.IntegerField()
    state = serializers.ChoiceField(choices=WorkState.choices)
    priority = serializers.FloatField()
    readers_needed = serializers.IntegerField()
    first_reads_submitted = serializers.IntegerField()


class StudyBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    study_instance_uid = serializers.CharField()
    study_date = serializers.DateField(allow_null=True)
    modality = serializers.CharField()
    description = serializers.CharField()
    patient_age_years = serializers.FloatField(allow_null=True)
    image_ids = serializers.ListField(child=serializers.IntegerField())


class FindingBriefSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    is_derived = serializers.BooleanField()


class ReportSerializer(serializers.Serializer):
    text = serializers.CharField()
    sections = serializers.DictField()


class NlpLabelSerializer(serializers.Serializer):
    finding = serializers.CharField()
    value = serializers.CharField()
    evidence = serializers.ListField(child=serializers.DictField())
    source_version = serializers.CharField()


class ReportFlagSerializer(serializers.Serializer):
    flag = serializers.CharField(help_text="Implant: metal or a prosthesis mentioned (not a finding)")
    value = serializers.CharField(help_text="positive | negative | uncertain | blank (not mentioned)")
    evidence = serializers.ListField(child=serializers.DictField())
    source_version = serializers.CharField()


class ModelLabelSerializer(serializers.Serializer):
    finding = serializers.CharField()
    value = serializers.CharField()
    probability = serializers.FloatField(allow_null=True)
    source_version = serializers.CharField()


class ItemContextSerializer(serializers.Serializer):
    work_item = WorkItemBriefSerializer()
    image = ImageSerializer()
    study = StudyBriefSerializer()
    schema_kind = serializers.CharField()
    findings = FindingBriefSerializer(many=True)
    report = ReportSerializer(allow_null=True, help_text="null when the dataset hides it on first reads")
    nlp_labels = NlpLabelSerializer(many=True)
    report_flags = ReportFlagSerializer(
        many=True,
        help_text="flags the NLP pipeline read from the report (newest version); empty where NLP "
        "evidence is hidden",
    )
    model_labels = ModelLabelSerializer(many=True)
    my_reads = MyReadSerializer(many=True)
    current_read = ReadSummarySerializer(allow_null=True)
    case_id = serializers.IntegerField(allow_null=True)
    readers = ReaderViewSerializer(many=True, help_text="other readers, only where blinding allows")
    final_labels = FinalLabelBriefSerializer(many=True)


class CaseOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    work_item = serializers.IntegerField()
    image = serializers.IntegerField()
    dataset = serializers.IntegerField()
    status = serializers.CharField()
    current_round = serializers.IntegerField()
    max_rounds = serializers.IntegerField()
    tie_rule = serializers.CharField()
    schema_kind = serializers.CharField()
    my_letter = serializers.CharField(allow_null=True)
    awaiting_my_answer = serializers.BooleanField()
    disputed_findings = serializers.ListField(child=serializers.CharField())
    open_findings = serializers.ListField(child=serializers.CharField())
    readers = ReaderViewSerializer(many=True)
    final_labels = FinalLabelBriefSerializer(many=True)
    opened_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class TaskSerializer(serializers.Serializer):
    task = serializers.ChoiceField(
        choices=["read", "adjudication", "decision"],
        allow_null=True,
        help_text="null when there is nothing for you now",
    )
    read = ReadSummarySerializer(allow_null=True)
    case = CaseOutSerializer(allow_null=True)
    item = ItemContextSerializer(allow_null=True)


class CaseListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    image = serializers.IntegerField(source="image_id")
    status = serializers.CharField()
    current_round = serializers.IntegerField()
    opened_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class EnqueueResultSerializer(serializers.Serializer):
    queued = serializers.IntegerField()
    held_for_qc = serializers.IntegerField()
    skipped = serializers.IntegerField()
    strategy = serializers.CharField()


class CountSerializer(serializers.Serializer):
    items = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    items = serializers.DictField(child=serializers.IntegerField())
    claimed_reads = serializers.IntegerField()
    submitted_first_reads = serializers.IntegerField()
    cases = serializers.DictField(child=serializers.IntegerField())
    open_qc_flags = serializers.IntegerField()


class WorkItemListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    image = serializers.IntegerField(source="image_id")
    state = serializers.CharField()
    priority = serializers.FloatField()
    priority_strategy = serializers.CharField()
    readers_needed = serializers.IntegerField()
    reads_open = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class ProvenanceSerializer(serializers.Serializer):
    how_reached = serializers.CharField()
    rounds = serializers.IntegerField()
    readers = serializers.ListField(child=serializers.DictField())
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)
    reason = serializers.CharField()
    first_read_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField()


class FinalLabelSerializer(serializers.ModelSerializer):
    finding = serializers.CharField(source="finding.key")
    version = serializers.CharField(source="source_version")
    provenance = ProvenanceSerializer()

    class Meta:
        model = Label
        fields = ["id", "image", "finding", "value", "version", "created_at", "provenance"]


class FinalLabelDetailSerializer(FinalLabelSerializer):
    versions = serializers.SerializerMethodField()

    class Meta(FinalLabelSerializer.Meta):
        fields = [*FinalLabelSerializer.Meta.fields, "versions"]

    def get_versions(self, obj: Label) -> list[dict]:
        from annotations.selectors.final_labels import label_versions

        return [
            {
                "id": lb.pk,
                "version": lb.source_version,
                "value": lb.value,
                "how_reached": lb.provenance.how_reached,
                "reason": lb.provenance.reason,
                "decided_at": lb.provenance.decided_at,
            }
            for lb in label_versions(obj)
        ]


class QCFlagSerializer(serializers.ModelSerializer):
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = QCFlag
        fields = [
            "id",
            "image",
            "kind",
            "probability",
            "source_version",
            "detail",
            "status",
            "correction",
            "resolved_by",
            "resolved_at",
            "created_at",
            "thumbnail_url",
        ]

    def get_thumbnail_url(self, obj: QCFlag) -> str:
        return f"/api/v1/images/{obj.image_id}/thumbnail/"


class QCResolveResultSerializer(serializers.Serializer):
    resolved = serializers.IntegerField()
    held = serializers.IntegerField()
    released = serializers.IntegerField()
    excluded = serializers.IntegerField()


class SnapshotSerializer(serializers.ModelSerializer):
    download_csv = serializers.SerializerMethodField()
    download_jsonl = serializers.SerializerMethodField()

    class Meta:
        model = LabelSetSnapshot
        fields = [
            "id",
            "dataset",
            "number",
            "status",
            "error",
            "filters",
            "policy",
            "row_count",
            "label_count",
            "csv_sha256",
            "jsonl_sha256",
            "as_of",
            "job",
            "created_by",
            "created_at",
            "finished_at",
            "download_csv",
            "download_jsonl",
        ]

    def _url(self, obj: LabelSetSnapshot, fmt: str) -> str:
        return f"/api/v1/datasets/{obj.dataset_id}/label-sets/{obj.number}/download/?file={fmt}"

    def get_download_csv(self, obj: LabelSetSnapshot) -> str:
        return self._url(obj, "csv")

    def get_download_jsonl(self, obj: LabelSetSnapshot) -> str:
        return self._url(obj, "jsonl")


class AgreementVsFinalSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    agreement = serializers.FloatField(allow_null=True)
    kappa = serializers.FloatField(allow_null=True)


class ReaderAgreementSerializer(AgreementVsFinalSerializer):
    reader = serializers.IntegerField()


class PairKappaSerializer(serializers.Serializer):
    reader_a = serializers.IntegerField()
    reader_b = serializers.IntegerField()
    n = serializers.IntegerField()
    kappa = serializers.FloatField(allow_null=True)


class FindingAgreementSerializer(serializers.Serializer):
    finding = serializers.CharField()
    n_items = serializers.IntegerField()
    fleiss_kappa = serializers.FloatField(allow_null=True)
    fleiss_items = serializers.IntegerField()
    pairwise = PairKappaSerializer(many=True)
    readers = ReaderAgreementSerializer(many=True)
    nlp = AgreementVsFinalSerializer()
    model = AgreementVsFinalSerializer()
    final_distribution = serializers.DictField(child=serializers.IntegerField())


class ReaderSummarySerializer(ReaderAgreementSerializer):
    username = serializers.CharField()


class AgreementSerializer(serializers.Serializer):
    items_done = serializers.IntegerField()
    readers_per_item = serializers.IntegerField()
    categories = serializers.ListField(child=serializers.CharField())
    scope = serializers.ChoiceField(choices=["all", "self"])
    findings = FindingAgreementSerializer(many=True)
    readers = ReaderSummarySerializer(many=True)
