"""Django admin: learning's tables, read-mostly, for platform staff (the web UI is the main console)."""

from django.contrib import admin

from learning.models import ModelVersion, TrainingRun

for model in (ModelVersion, TrainingRun):
    admin.site.register(model)
