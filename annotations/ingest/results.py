"""What an import did: counts and a clear per-file error list (the command's summary and the API's body)."""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

MAX_ERRORS_KEPT = 1000

ProgressCallback = Callable[[int, int | None], None]  # (done, total or None when unknown)


@dataclass(frozen=True)
class FileError:
    file: str
    code: str
    message: str


@dataclass
class IngestSummary:
    created: int = 0
    existing: int = 0
    failed: int = 0
    reports_created: int = 0
    reports_updated: int = 0
    labels_created: int = 0
    errors: list[FileError] = field(default_factory=list)

    def error(self, file: str, code: str, message: str) -> None:
        self.failed += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(FileError(file=file, code=code, message=message))

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k != "errors"}

    def as_dict(self) -> dict:
        return {**self.counts(), "errors": [asdict(e) for e in self.errors]}

    def describe(self) -> str:
        parts = [f"{self.created} created", f"{self.existing} already present", f"{self.failed} failed"]
        if self.reports_created or self.reports_updated:
            parts.append(f"{self.reports_created} reports created, {self.reports_updated} updated")
        if self.labels_created:
            parts.append(f"{self.labels_created} labels created")
        return ", ".join(parts)
