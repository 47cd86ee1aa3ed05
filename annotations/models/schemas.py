"""Label schemas and their findings: the vocabulary readers, NLP and models label in."""

from django.db import models

from annotations.models.choices import SchemaKind


class LabelSchema(models.Model):
    """A named vocabulary such as ChestX-ray14's 14 findings + No Finding, CheXpert's 14 or OCT's 4."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=SchemaKind.choices, default=SchemaKind.MULTI_LABEL)

    def __str__(self) -> str:
        return self.name


class Finding(models.Model):
    """One finding (or class, for single-choice schemas) of a schema, in display order."""

    schema = models.ForeignKey(LabelSchema, on_delete=models.CASCADE, related_name="findings")
    key = models.CharField(max_length=60)
    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    # "No Finding" is derived (positive only when nothing else is), readers do not label it directly.
    is_derived = models.BooleanField(default=False)

    class Meta:
        ordering = ["schema", "order"]
        constraints = [
            models.UniqueConstraint(fields=["schema", "key"], name="finding_unique_key_per_schema"),
        ]

    def __str__(self) -> str:
        return self.name
