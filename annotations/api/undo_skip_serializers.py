"""Request and answer shapes of undoing a submitted read and skipping an item (issue #17.5)."""

from rest_framework import serializers

from annotations.api.reading_serializers import ReadSummarySerializer
from annotations.models import SkipReason
from annotations.services.reading.skip import NOTE_MAX


class UndoAnswerSerializer(serializers.Serializer):
    finding = serializers.CharField()
    value = serializers.CharField()
    comment = serializers.CharField(allow_blank=True)


class ReadUndoOutSerializer(serializers.Serializer):
    read = ReadSummarySerializer()
    answers = UndoAnswerSerializer(many=True, help_text="what the read held, to edit and submit again")


class ReadSkipSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=SkipReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX, default="")


class SkipReasonSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
