"""Enumerations shared by the domain models."""

from django.db import models


class Modality(models.TextChoices):
    CHEST_XRAY = "CXR", "Chest radiograph"
    OCT = "OCT", "Retinal OCT"
    OTHER = "OTHER", "Other"


class SchemaKind(models.TextChoices):
    MULTI_LABEL = "multi_label", "Multi-label (each finding present / absent / uncertain)"
    SINGLE_CHOICE = "single_choice", "Single choice (exactly one class)"


class TieRule(models.TextChoices):
    MAJORITY = "majority", "Majority vote"
    ADJUDICATOR = "adjudicator", "An adjudicator decides"


class Role(models.TextChoices):
    RADIOLOGIST = "radiologist", "Radiologist"
    ADJUDICATOR = "adjudicator", "Adjudicator"
    ADMIN = "admin", "Admin"
    EXPORT = "export", "Read-only export API"


class LabelSource(models.TextChoices):
    NLP = "nlp", "NLP from the report"
    MODEL = "model", "Model prediction"
    READER = "reader", "A single reader"
    ADJUDICATED = "adjudicated", "Adjudicated final label"


class LabelValue(models.TextChoices):
    POSITIVE = "positive", "Present"
    NEGATIVE = "negative", "Absent"
    UNCERTAIN = "uncertain", "Uncertain"
    BLANK = "blank", "Not mentioned"


class HowReached(models.TextChoices):
    UNANIMOUS = "unanimous", "Unanimous first read"
    CONSENSUS = "consensus", "Consensus after adjudication rounds"
    MAJORITY = "majority", "Majority after the round limit"
    ADJUDICATOR = "adjudicator", "Adjudicator decision"
    IMPORTED = "imported", "Imported expert label"
    CORRECTION = "correction", "Correction of an earlier final label"


class Split(models.TextChoices):
    UNASSIGNED = "unassigned", "Unassigned"
    TRAIN = "train", "Train"
    VALIDATION = "validation", "Validation"
    TEST = "test", "Test"


class FileFormat(models.TextChoices):
    DICOM = "dicom", "DICOM"
    PNG = "png", "PNG"
    JPEG = "jpeg", "JPEG"


class QCKind(models.TextChoices):
    ROTATED = "rotated", "Rotated"
    FLIPPED = "flipped", "Mirrored (flipped)"
    INVERTED = "inverted", "Inverted"
    NON_FRONTAL = "non_frontal", "Not a frontal view"
    WRONG_BODY_PART = "wrong_body_part", "Wrong body part"
    PEDIATRIC = "pediatric", "Pediatric patient"
    BURNED_IN = "burned_in", "May carry burned-in text"


class QCStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected (image is fine)"
    CORRECTED = "corrected", "Corrected"


class ModelKind(models.TextChoices):
    CHEXNET = "chexnet", "CheXNet (14 ChestX-ray14 findings)"
    OCT = "oct", "OCT classifier"
    ROTATION = "rotation", "Rotation detector"
    INVERSION = "inversion", "Inversion detector"
    ORIENTATION = "orientation", "Orientation and inversion detector"
    VIEW = "view", "View / body-part classifier"


class ModelStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    PRODUCTION = "production", "Production"
    RETIRED = "retired", "Retired"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class WorkState(models.TextChoices):
    READING = "reading", "Needs independent reads"
    ADJUDICATING = "adjudicating", "In adjudication"
    AWAITING_ADJUDICATOR = "awaiting_adjudicator", "Waiting for the adjudicator"
    DONE = "done", "Final"
    QC_HOLD = "qc_hold", "Held for QC"
    EXCLUDED = "excluded", "Excluded (QC problem confirmed)"


class ReadStatus(models.TextChoices):
    CLAIMED = "claimed", "Claimed (lease)"
    SUBMITTED = "submitted", "Submitted"


class JobKind(models.TextChoices):
    IMPORT = "import", "Import"
    NLP = "nlp", "NLP labelling"
    SCORING = "scoring", "Model scoring"
    QC = "qc", "Bad-image detection"
    RANKING = "ranking", "Ranking"
    EXPORT = "export", "Export"
    INDEX = "index", "Similar-case index build"
    PACS = "pacs", "PACS sync"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED_JOB_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)

# params["direction"] of a PACS label-export job (a PACS sync job has no direction).
PACS_EXPORT = "export"
