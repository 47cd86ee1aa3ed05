"""The documents stay true to the tree (issue #14: the design lives in the repository).

* Every inline code span (`...`) in docs/**/*.md and in every README.md that looks like a path of
  this repository (no spaces, two segments or more, ends in ".py" or "/") exists, from the
  repository root or from the folder of the document that names it (a package README may write
  `nets/spec.py`). A dotted name of our packages (`annotations.services.jobs.reaper`, a module's
  attribute `config.celery.GPU_TASKS`) names a module, or a Celery task by its registered name
  (`learning.score_chunk`). So a moved or renamed module breaks this test instead of leaving the
  docs silently stale.
* Every environment variable the code, scripts and tests read is in docs/environment.md.
* Every Python package has a README.md.

The exceptions are explicit lists, never a pattern that lets anything through:

* NOT_REPOSITORY_PATHS: spans that look like paths but name something outside the repository (a
  runtime folder under ARBITER_VAR_DIR); each entry is exact.
* PENDING and README_PENDING: what the design names that parallel branches of issue #14 are
  creating (the access package, frontend feature folders, the layouts README). The test reports
  them; once one exists the test fails until its entry is removed, so the lead empties these lists
  while merging.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SKIPPED_DIRS = {".git", ".venv", "node_modules", "var", "dist", ".cache", "__pycache__"}

# Exact spans that are paths, but not of this repository.
NOT_REPOSITORY_PATHS: set[str] = {
    "var/cohort/",  # what `make run` generates at run time
    "var/bench/active_learning/",  # the active-learning benchmark's cache
}

# Paths the final shape of issue #14 has and this branch does not yet: created by the branches
# wt-access (annotations/access/) and wt-fe (frontend feature folders). Empty it after merging.
PENDING: set[str] = set()

_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_PATHLIKE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*(/[A-Za-z0-9_.\-]+)*/?")
_DOTTED = re.compile(r"(config|annotations|learning|ml|imaging|synthetic|layouts)(\.[A-Za-z_]\w*)+")


def _files(top: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Files under `top` ending in one of `suffixes`, not descending into SKIPPED_DIRS."""
    found = []
    for folder, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        found.extend(Path(folder) / n for n in sorted(names) if n.endswith(suffixes))
    return found


def documents() -> list[Path]:
    """docs/**/*.md and every README.md of the repository (not dependencies, not build output)."""
    docs = _files(ROOT / "docs", (".md",))
    return docs + [p for p in _files(ROOT, ("README.md",)) if p not in docs]


def path_spans(text: str) -> list[str]:
    """The inline code spans of a Markdown text that look like repository paths: two segments or
    more (a lone `api/` is a folder named in its context). Fenced blocks are examples and layouts of
    other things: not checked."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    spans = []
    for span in _SPAN.findall(prose):
        span = span.strip()
        is_path = "/" in span.rstrip("/") and span.endswith((".py", "/")) and _PATHLIKE.fullmatch(span)
        is_module = _DOTTED.fullmatch(span) and not span.endswith(".py")  # `config.py` is a file name
        if is_path or is_module:
            spans.append(span)
    return spans


def _is_module(parts: list[str]) -> bool:
    base = ROOT.joinpath(*parts)
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def task_names() -> set[str]:
    """The Celery task names the apps register (`@shared_task(name="learning.score_chunk")`)."""
    names = set()
    for app in ("annotations", "learning"):
        for module in (ROOT / app / "tasks").rglob("*.py"):
            names.update(re.findall(rf'name="({app}\.\w+)"', module.read_text(encoding="utf-8")))
    return names


def _exists(doc: Path, span: str) -> bool:
    if "/" not in span:  # a dotted module name, an attribute of a module, or a task name
        parts = span.split(".")
        if len(parts) == 2 and span in task_names():
            return True
        if _is_module(parts):
            return True
        # An attribute: any name of a module file; only a class or constant of a package (a
        # lower-case name after a package is a module that is not there).
        parent = ROOT.joinpath(*parts[:-1])
        return len(parts) > 2 and (
            parent.with_suffix(".py").is_file()
            or ((parent / "__init__.py").is_file() and parts[-1][:1].isupper())
        )
    return (ROOT / span).exists() or (doc.parent / span).exists()


def missing_paths(doc: Path, text: str) -> list[str]:
    """The path spans of `doc` that exist neither from the root nor from the doc's folder, and are
    not on the two lists above."""
    missing = []
    for span in path_spans(text):
        if span in NOT_REPOSITORY_PATHS or span in PENDING:
            continue
        if not _exists(doc, span):
            missing.append(span)
    return missing


def test_every_path_the_docs_name_exists():
    problems = []
    for doc in documents():
        for span in missing_paths(doc, doc.read_text(encoding="utf-8")):
            problems.append(f"{doc.relative_to(ROOT)}: `{span}`")
    assert not problems, "paths named in the docs that do not exist:\n" + "\n".join(problems)


def test_pending_paths_are_still_pending_and_named():
    """A PENDING entry that now exists (its branch is merged) must leave the list; one no document
    names is dead weight. What stays pending is reported."""
    named = {span for doc in documents() for span in path_spans(doc.read_text(encoding="utf-8"))}
    arrived = sorted(p for p in PENDING if (ROOT / p).exists())
    assert not arrived, f"these exist now; remove them from PENDING in tests/test_docs.py: {arrived}"
    unnamed = sorted(PENDING - named)
    assert not unnamed, f"no document names these; remove them from PENDING: {unnamed}"
    if PENDING:
        warnings.warn(
            "docs name paths still pending (created by parallel branches of issue #14): "
            + ", ".join(sorted(PENDING)),
            stacklevel=1,
        )


def test_the_check_fails_on_a_wrong_path(tmp_path):
    """The check is not vacuous: a wrong path is reported, a real one (from the root or from the
    document's folder) is not, and URLs, placeholders and fenced examples are no paths."""
    doc = ROOT / "ml" / "README.md"
    text = (
        "See `annotations/services/adjudication/rounds.py`, `nets/spec.py`, `ml/nlp/rules/`, `api/`,\n"
        "`annotations/services/adjudication/tie_rule.py`, `nets/densenet121.py`, `learning/ml/`,\n"
        "`/api/v1/datasets/{id}/`, `datasets/{id}/qc/`, `src/features/X/*.test.ts`, `a b/c.py`,\n"
        "`config.celery.GPU_TASKS`, `annotations.services.jobs.reaper`, `learning.scoring`,\n"
        "`annotations.services.overlays`, `learning.score_chunk` is a task name: `ml.nets`.\n"
        "```\nnot/checked.py\n```\n"
    )
    assert missing_paths(doc, text) == [
        "annotations/services/adjudication/tie_rule.py",
        "nets/densenet121.py",
        "learning/ml/",
        "learning.scoring",
        "annotations.services.overlays",
    ]


def test_the_five_things_a_newcomer_looks_for_are_in_the_design():
    """Issue #14's bar: the tie rule, the blinding rule, the CheXNet net, the NLP negation rules and
    the QC detectors are one step from the design's "Where is" table."""
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    table = design.split("## Where is", 1)[1].split("\n## ", 1)[0]
    for thing, path in [
        ("tie rule", "annotations/services/adjudication/rounds.py"),
        ("blinding rule", "annotations/access/blinding.py"),
        ("CheXNet net", "ml/nets/"),
        ("NLP negation rules", "ml/nlp/rules/"),
        ("QC detectors", "ml/detectors/"),
    ]:
        row = next((line for line in table.splitlines() if thing in line), "")
        assert f"`{path}" in row, f"the 'Where is' table has no row for the {thing} naming {path}"
    assert "_apply_tie_rule" in (ROOT / "annotations/services/adjudication/rounds.py").read_text()


_ENV_READS = (
    re.compile(r"\benv\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\""),  # django-environ in config/settings.py
    re.compile(r"os\.environ(?:\.get)?\(\s*\"([A-Z][A-Z0-9_]+)\""),
    re.compile(r"os\.environ\[\s*\"([A-Z][A-Z0-9_]+)\"\s*\]"),
    re.compile(r"os\.getenv\(\s*\"([A-Z][A-Z0-9_]+)\""),
    re.compile(r"\$\{([A-Z][A-Z0-9_]+):?[-?]"),  # shell: ${NAME:-default}
)
_ENV_SOURCES = (
    "config",
    "annotations",
    "learning",
    "ml",
    "imaging",
    "synthetic",
    "layouts",
    "tests",
    "bench",
    "scripts",
    "platform",
)


def environment_reads() -> dict[str, set[str]]:
    """Every environment variable the code, scripts and tests read, with where."""
    reads: dict[str, set[str]] = {}
    for top in _ENV_SOURCES:
        for path in _files(ROOT / top, (".py", ".sh")):
            if path == Path(__file__).resolve():  # its own patterns are no reads
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for pattern in _ENV_READS:
                for name in pattern.findall(text):
                    reads.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return reads


def test_every_environment_variable_read_is_documented():
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs/environment.md").read_text()))
    reads = environment_reads()
    assert {"ARBITER_VAR_DIR", "DATABASE_URL", "ARBITER_JOB_STALE_SECONDS"} <= reads.keys()  # not vacuous
    missing = {name: sorted(where) for name, where in reads.items() if name not in documented}
    assert not missing, f"read but not in docs/environment.md: {missing}"


PACKAGES = ("config", "annotations", "learning", "ml", "imaging", "synthetic", "layouts")

# Packages whose README a parallel branch of issue #14 writes (wt-layouts: layouts/README.md, one
# line per published data set). Empty it after merging.
README_PENDING: set[str] = set()


def test_every_package_has_a_readme():
    """Issue #14: every package has its README (Django's `management/commands` is described by the
    README of `management/`; migrations need none)."""
    lacking = []
    for top in PACKAGES:
        for init in sorted((ROOT / top).rglob("__init__.py")):
            package = init.parent.relative_to(ROOT)
            if "migrations" in package.parts or package.parts[-2:] == ("management", "commands"):
                continue
            if not (init.parent / "README.md").is_file() and str(package) not in README_PENDING:
                lacking.append(str(package))
    assert not lacking, f"packages without a README.md: {lacking}"
    arrived = sorted(p for p in README_PENDING if (ROOT / p / "README.md").is_file())
    assert not arrived, f"these have their README now; remove them from README_PENDING: {arrived}"


def test_every_relative_link_resolves():
    """Markdown links between the documents (`[ADR 0001](adr/0001-....md)`) point at files that exist."""
    broken = []
    for doc in documents():
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if (
                "://" not in target
                and not target.startswith("mailto:")
                and not (doc.parent / target).exists()
            ):
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
    assert not broken, "links to nothing:\n" + "\n".join(broken)
