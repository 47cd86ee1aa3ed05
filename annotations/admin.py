"""Django admin: a read-mostly view of the domain for platform staff (the web UI is the main console)."""

from django.contrib import admin

from annotations import models as m


@admin.register(m.Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "modality", "schema", "readers_per_item", "max_adjudication_rounds",
                    "tie_rule"]


@admin.register(m.DatasetMembership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["dataset", "user", "role"]
    list_filter = ["role", "dataset"]


@admin.register(m.Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["id", "dataset", "source_key", "file_format", "rows", "cols", "view_position", "body_part"]
    list_filter = ["dataset", "file_format", "view_position"]
    readonly_fields = [f.name for f in m.Image._meta.fields]


@admin.register(m.Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["image", "finding", "source", "source_version", "value", "probability"]
    list_filter = ["source", "value"]
    readonly_fields = [f.name for f in m.Label._meta.fields]


@admin.register(m.Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "dataset", "status", "done", "total", "created_at"]
    readonly_fields = [f.name for f in m.Job._meta.fields]


@admin.register(m.AuditEvent)
class AuditAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    readonly_fields = [f.name for f in m.AuditEvent._meta.fields]


for model in (m.LabelSchema, m.Finding, m.Patient, m.Study, m.Report, m.QCFlag, m.ModelVersion,
              m.TrainingRun, m.LabelSetSnapshot):
    admin.site.register(model)
