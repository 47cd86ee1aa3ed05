"""The domain's tables, one module per concept."""

from annotations.models.audit import AuditEvent
from annotations.models.clinical import Image, Patient, Report, Study
from annotations.models.datasets import Dataset, DatasetMembership
from annotations.models.exports import LabelSetSnapshot
from annotations.models.identity import IdentityMapping
from annotations.models.jobs import Job
from annotations.models.labels import Label, LabelProvenance
from annotations.models.pacs import PacsSource, PacsStudySync
from annotations.models.qc import QCFlag
from annotations.models.read_skips import ReadSkip, SkipReason
from annotations.models.reading import AdjudicationCase, Read, ReadLabel, WorkItem
from annotations.models.report_flags import ReportFlag, ReportFlagKey
from annotations.models.schemas import Finding, LabelSchema

__all__ = [
    "AdjudicationCase",
    "AuditEvent",
    "Dataset",
    "DatasetMembership",
    "Finding",
    "IdentityMapping",
    "Image",
    "Job",
    "Label",
    "LabelProvenance",
    "LabelSchema",
    "LabelSetSnapshot",
    "PacsSource",
    "PacsStudySync",
    "Patient",
    "QCFlag",
    "Read",
    "ReadLabel",
    "ReadSkip",
    "Report",
    "ReportFlag",
    "ReportFlagKey",
    "SkipReason",
    "Study",
    "WorkItem",
]
