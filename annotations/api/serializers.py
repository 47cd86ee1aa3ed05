"""Serializers of the v1 API (output shapes; inputs are validated by small input serializers)."""

from rest_framework import serializers

from annotations.ingest.registry import IMPORTERS
from annotations.models import Dataset, Finding, Image, Job, Label, Study
from annotations.models.choices import TieRule
from annotations.services.datasets.datasets import PEDIATRIC_MAX_YEARS, POLICY_FIELDS, READERS_MAX, ROUNDS_MAX
from annotations.services.datasets.protocol_presets import PRESETS, preset_matching


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["id", "key", "name", "order", "is_derived"]


class DatasetSerializer(serializers.ModelSerializer):
    schema = serializers.SlugRelatedField(slug_field="key", read_only=True)
    schema_kind = serializers.CharField(source="schema.kind", read_only=True)
    findings = FindingSerializer(source="schema.findings", many=True, read_only=True)
    image_count = serializers.IntegerField(read_only=True)
    protocol_preset = serializers.SerializerMethodField(
        help_text="the protocol preset the current policy matches, or null"
    )

    class Meta:
        model = Dataset
        fields = [
            "id",
            "slug",
            "name",
            "modality",
            "schema",
            "schema_kind",
            "findings",
            *POLICY_FIELDS,
            "protocol_preset",
            "image_count",
            "created_at",
        ]

    def get_protocol_preset(self, obj: Dataset) -> str | None:
        return preset_matching(obj)


class ProtocolPresetSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    values = serializers.DictField()


class DatasetPolicySerializer(serializers.Serializer):
    """The reading-policy fields an admin may change; send only those to change (PATCH)."""

    readers_per_item = serializers.IntegerField(
        required=False, min_value=1, max_value=READERS_MAX, help_text="independent first reads per item"
    )
    max_adjudication_rounds = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=ROUNDS_MAX,
        help_text="adjudication rounds before the tie rule decides (0: it decides at once)",
    )
    tie_rule = serializers.ChoiceField(choices=TieRule.choices, required=False)
    definite_final_labels = serializers.BooleanField(
        required=False, help_text="final labels present or absent: an uncertain majority is never final"
    )
    preset = serializers.ChoiceField(
        choices=sorted(PRESETS),
        required=False,
        help_text="set every field of this protocol preset (GET /api/v1/protocol-presets/); "
        "other fields sent override it",
    )
    show_report_on_first_read = serializers.BooleanField(required=False)
    show_nlp_evidence = serializers.BooleanField(required=False)
    show_model_overlays = serializers.BooleanField(required=False)
    show_similar_cases_on_first_read = serializers.BooleanField(required=False)
    pediatric_age_years = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=PEDIATRIC_MAX_YEARS,
        help_text="QC flags patients younger than this (years)",
    )
    acquisition_weights = serializers.JSONField(
        required=False,
        help_text='{} (random baseline), {"entropy": 1, "rarity": 0.5, ...}, or a config with a "name"',
    )

    def validate(self, attrs: dict) -> dict:
        given = self.initial_data.keys() if hasattr(self.initial_data, "keys") else ()
        if unknown := sorted(set(given) - {*POLICY_FIELDS, "preset"}):
            raise serializers.ValidationError({k: ["Not a reading-policy field."] for k in unknown})
        return attrs


class StudySerializer(serializers.ModelSerializer):
    patient = serializers.CharField(source="patient.pseudo_id", read_only=True)
    image_ids = serializers.PrimaryKeyRelatedField(source="images", many=True, read_only=True)

    class Meta:
        model = Study
        fields = [
            "id",
            "dataset",
            "patient",
            "study_instance_uid",
            "accession_number",
            "study_date",
            "modality",
            "patient_age_years",
            "image_ids",
        ]


class ImageSerializer(serializers.ModelSerializer):
    study_instance_uid = serializers.CharField(source="study.study_instance_uid", read_only=True)
    render_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Image
        fields = [
            "id",
            "dataset",
            "study",
            "study_instance_uid",
            "sop_instance_uid",
            "source_key",
            "file_format",
            "pixel_checksum",
            "rows",
            "cols",
            "bits_stored",
            "photometric_interpretation",
            "view_position",
            "body_part",
            "window_center",
            "window_width",
            "render_url",
            "thumbnail_url",
            "created_at",
        ]

    def get_render_url(self, obj: Image) -> str:
        return f"/api/v1/images/{obj.pk}/render/"

    def get_thumbnail_url(self, obj: Image) -> str:
        return f"/api/v1/images/{obj.pk}/thumbnail/"


class LabelSerializer(serializers.ModelSerializer):
    finding = serializers.CharField(source="finding.key", read_only=True)

    class Meta:
        model = Label
        fields = [
            "id",
            "finding",
            "source",
            "source_version",
            "value",
            "probability",
            "evidence",
            "created_at",
        ]


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "dataset",
            "status",
            "params",
            "total",
            "done",
            "summary",
            "errors",
            "created_at",
            "started_at",
            "finished_at",
            # The job lifecycle: the running worker's last heartbeat, and how many times the reaper
            # re-queued the job after its worker was lost.
            "heartbeat_at",
            "attempts",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    importer = serializers.ChoiceField(choices=sorted(IMPORTERS))
    file = serializers.FileField()


class PixelsQuerySerializer(serializers.Serializer):
    size = serializers.IntegerField(
        required=False, min_value=8, max_value=4096, help_text="longest side in pixels (never upscaled)"
    )


class WindowPresetSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    center = serializers.FloatField(help_text="modality units (HU for CT)")
    width = serializers.FloatField()
    source = serializers.ChoiceField(choices=["file", "hu", "derived"])
    function = serializers.CharField()


class VoiLutSerializer(serializers.Serializer):
    first_mapped = serializers.IntegerField()
    bits = serializers.IntegerField()
    table = serializers.ListField(child=serializers.IntegerField())


class ImageWindowsSerializer(serializers.Serializer):
    image = serializers.IntegerField()
    modality = serializers.CharField()
    units = serializers.CharField()
    photometric = serializers.CharField()
    pixel_spacing = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="mm between pixel centres of the full image (row, column); null: no spacing, lengths in px",
    )
    spacing_source = serializers.CharField(help_text="'PixelSpacing', 'ImagerPixelSpacing' or ''")
    rows = serializers.IntegerField(help_text="rows of the full image (measurement coordinates)")
    cols = serializers.IntegerField()
    presets = WindowPresetSerializer(many=True)
    voi_lut = VoiLutSerializer(allow_null=True)


class RenderQuerySerializer(serializers.Serializer):
    wc = serializers.FloatField(required=False, help_text="window centre (modality units)")
    ww = serializers.FloatField(required=False, min_value=1e-6, help_text="window width")
    size = serializers.IntegerField(
        required=False, min_value=8, max_value=4096, help_text="longest side in pixels"
    )
    format = serializers.ChoiceField(choices=["png", "webp"], default="png")
    invert = serializers.BooleanField(default=False)
