"""What an import did: counts, and its errors summarised by class (the command's summary and the API's body).

Every error is counted under its class (its `code`: "unknown_image", "bad_value", ...); the first
examples of each class are kept in full. One real error therefore never hides among thousands of
another class: a class with one error keeps it, however many errors the others had.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

EXAMPLES_PER_CLASS = 20

ProgressCallback = Callable[[int, int | None], None]  # (done, total or None when unknown)


@dataclass(frozen=True)
class FileError:
    file: str
    code: str
    message: str


@dataclass(frozen=True)
class ErrorClass:
    code: str
    count: int
    examples: tuple[FileError, ...]


@dataclass
class IngestSummary:
    created: int = 0
    existing: int = 0
    failed: int = 0
    reports_created: int = 0
    reports_updated: int = 0
    labels_created: int = 0
    # The kept examples (at most EXAMPLES_PER_CLASS per class), in the order they happened.
    errors: list[FileError] = field(default_factory=list)
    # Every error's class, counted, kept or not.
    error_counts: Counter = field(default_factory=Counter)

    def error(self, file: str, code: str, message: str) -> None:
        self.failed += 1
        self.error_counts[code] += 1
        if self.error_counts[code] <= EXAMPLES_PER_CLASS:
            self.errors.append(FileError(file=file, code=code, message=message))

    def prepend_errors(self, other: "IngestSummary") -> None:
        """Take `other`'s errors (e.g. unpacking an upload) as having happened before this summary's."""
        kept = Counter()
        merged = []
        for e in [*other.errors, *self.errors]:
            kept[e.code] += 1
            if kept[e.code] <= EXAMPLES_PER_CLASS:
                merged.append(e)
        self.errors = merged
        self.failed += other.failed
        self.error_counts.update(other.error_counts)

    def error_classes(self) -> list[ErrorClass]:
        """The error classes, most frequent first, each with its count and first examples."""
        return [
            ErrorClass(code, n, tuple(e for e in self.errors if e.code == code))
            for code, n in sorted(self.error_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    @property
    def imported_anything(self) -> bool:
        """Something was stored or found already stored: the import was at least partly useful."""
        return bool(
            self.created
            or self.existing
            or self.labels_created
            or self.reports_created
            or self.reports_updated
        )

    def counts(self) -> dict:
        out: dict = {k: v for k, v in asdict(self).items() if k not in ("errors", "error_counts")}
        out["errors_by_class"] = dict(self.error_counts)
        return out

    def as_dict(self) -> dict:
        return {**self.counts(), "errors": [asdict(e) for e in self.errors]}

    def describe(self) -> str:
        parts = [f"{self.created} created", f"{self.existing} already present", f"{self.failed} failed"]
        if self.reports_created or self.reports_updated:
            parts.append(f"{self.reports_created} reports created, {self.reports_updated} updated")
        if self.labels_created:
            parts.append(f"{self.labels_created} labels created")
        return ", ".join(parts)

    def describe_errors(self, *, examples: int = 3) -> list[str]:
        """Lines for a person: per class its count, then its first `examples` examples."""
        lines = []
        for cls in self.error_classes():
            lines.append(f"  {cls.code}: {cls.count} error{'s' if cls.count != 1 else ''}")
            lines.extend(f"    {e.file}: {e.message}" for e in cls.examples[:examples])
            if cls.count > min(examples, len(cls.examples)):
                lines.append(f"    ... and {cls.count - min(examples, len(cls.examples))} more")
        return lines
