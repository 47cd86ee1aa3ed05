"""The blinding rule has one owner: annotations/access. No module elsewhere reads the dataset's
visibility policy fields (show_report_on_first_read, show_nlp_evidence, show_model_overlays,
show_similar_cases_on_first_read), so no module can decide visibility on its own again; they ask
the access_* gatekeepers of annotations.access.blinding.

Allowed elsewhere: the model that defines the fields, its migrations, the serializer that accepts
them and the dataset services that write them (a policy update, the protocol presets) — as field
names (strings, class attributes), never read off a dataset to decide something.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from annotations.models import Dataset

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("config", "annotations", "learning", "imaging", "ml", "synthetic", "layouts", "bench", "scripts")
OWNER = "annotations/access/"
# Files that define or write the policy; they may name the fields as strings.
DEFINERS = (
    "annotations/models/datasets.py",
    "annotations/migrations/",
    "annotations/api/serializers.py",
    "annotations/services/datasets/",
)
QUERY_CALLS = {"filter", "exclude", "get", "Q", "values", "values_list", "only", "defer", "order_by"}


def policy_fields() -> set[str]:
    return {f.name for f in Dataset._meta.get_fields() if f.name.startswith("show_")}


def violations(source: str, fields: set[str], *, may_name: bool) -> list[str]:
    """Where `source` reads a policy field: an attribute load, getattr, an ORM lookup (keyword or
    string, through a relation or not); bare field-name strings only where `may_name`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in fields and isinstance(node.ctx, ast.Load):
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name == "getattr" and len(node.args) >= 2:
                arg = node.args[1]
                if isinstance(arg, ast.Constant) and arg.value in fields:
                    found.append(f"line {node.lineno}: getattr(..., {arg.value!r})")
            for kw in node.keywords:
                lookup = kw.arg and any(f"__{f}" in kw.arg for f in fields)  # through a relation
                if lookup or (kw.arg in fields and name in QUERY_CALLS):
                    found.append(f"line {node.lineno}: {name}({kw.arg}=...)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if any(f"__{f}" in text for f in fields):
                found.append(f"line {node.lineno}: lookup {text!r}")
            elif text in fields and not may_name:
                found.append(f"line {node.lineno}: {text!r}")
    return found


def test_the_policy_fields_are_known():
    assert policy_fields() >= {
        "show_report_on_first_read",
        "show_nlp_evidence",
        "show_model_overlays",
        "show_similar_cases_on_first_read",
    }


def test_no_module_outside_annotations_access_reads_the_blinding_policy():
    fields = policy_fields()
    offenders = {}
    scanned = 0
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(OWNER):
                continue
            scanned += 1
            found = violations(path.read_text(), fields, may_name=rel.startswith(DEFINERS))
            if found:
                offenders[rel] = found
    assert scanned > 300
    assert not offenders, (
        "These modules read the dataset's visibility policy themselves; ask a gatekeeper of "
        f"annotations.access.blinding instead: {offenders}"
    )


def test_the_owner_does_read_them():
    """The check looks where the rule is: annotations/access/blinding.py reads every field."""
    source = (ROOT / OWNER / "blinding.py").read_text()
    read = {v.split(".")[-1] for v in violations(source, policy_fields(), may_name=False)}
    assert read == policy_fields()


@pytest.mark.parametrize(
    "snippet",
    [
        "show = dataset.show_nlp_evidence",
        "if not item.dataset.show_report_on_first_read: pass",
        "Dataset.objects.filter(show_model_overlays=True)",
        "Image.objects.filter(dataset__show_model_overlays=False)",
        "Read.objects.values_list('image__dataset__show_similar_cases_on_first_read', flat=True)",
        "getattr(ds, 'show_similar_cases_on_first_read')",
        "Q(show_nlp_evidence=True)",
    ],
)
def test_the_check_catches_a_decision_made_elsewhere(snippet):
    assert violations(snippet, policy_fields(), may_name=True)


@pytest.mark.parametrize(
    "snippet",
    [
        "FIELDS = ('show_nlp_evidence', 'show_model_overlays')",  # a definer lists the fields
        "class S:\n    show_model_overlays = BooleanField()",  # a serializer field
        "dataset.show_model_overlays = False",  # a write, not a read
        "preset = {'show_report_on_first_read': False}",
    ],
)
def test_definers_may_name_the_fields(snippet):
    assert not violations(snippet, policy_fields(), may_name=True)
