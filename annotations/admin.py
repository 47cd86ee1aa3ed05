"""Django admin: a read-mostly view of the domain for platform staff (the web UI is the main console)."""

from django.contrib import admin

from annotations import models as m


@admin.register(m.Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = [
        "slug",
        "name",
        "modality",
        "schema",
        "readers_per_item",
        "max_adjudication_rounds",
        "tie_rule",
    ]


@admin.register(m.DatasetMembership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["dataset", "user", "role"]
    list_filter = ["role", "dataset"]


@admin.register(m.Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "dataset",
        "source_key",
        "file_format",
        "rows",
        "cols",
        "view_position",
        "body_part",
    ]
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


# Reader actions carry reader values in before/after; staff can be readers too, so the admin never
# shows those payloads (blinding holds for everyone until the item is final; the API enforces it).
BLINDED_ACTION_PREFIXES = ("read.", "case.")


@admin.register(m.AuditEvent)
class AuditAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action"]

    def get_fields(self, request, obj=None):
        fields = ["at", "actor", "action", "object_type", "object_id", "dataset"]
        if obj is not None and not obj.action.startswith(BLINDED_ACTION_PREFIXES):
            fields += ["before", "after"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


for model in (
    m.LabelSchema,
    m.Finding,
    m.Patient,
    m.Study,
    m.Report,
    m.QCFlag,
    m.LabelSetSnapshot,
):
    admin.site.register(model)
