"""Phrase files: the words that mention each finding, editable by an admin without code changes.

One plain-text file per finding, `phrases/<schema>/<finding slug>.txt` (slug: "Pleural Effusion" ->
`pleural_effusion.txt`), plus one per flag under `phrases/flags/` (`implant.txt`). A file has up to
five blocks; lines before the first block header belong to `[mention]`:

    [mention]    the finding is there unless ConText negates it or makes it uncertain
    [negative]   the phrase itself says the finding is absent ("normal heart size")
    [uncertain]  the phrase itself says the finding is uncertain ("questionably enlarged heart")
    [probable]   the phrase itself hedges but leans present ("borderline heart size"): uncertain in
                 the CheXpert schema, present in ChestX-ray14's (see aggregate.py)
    [exclude]    not a mention although it contains one ("pericardial effusion" for Pleural Effusion)

Each line is one phrase, matched case-insensitively on whole tokens. `#` starts a comment.
`(a|b)` is a choice, `(s)` -- a group with one choice -- is optional, so `effusion(s)` means
"effusion" or "effusions" and `(left |right )pleural effusion` three phrases. `@include
chexpert/pleural_effusion` pulls in every block of another file (path relative to the phrases
root, without `.txt`). Where phrases overlap in a report the longest wins, so an `[exclude]`
phrase silences the shorter mention inside it.
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layouts.label_schemas import SCHEMAS, get_schema
from ml.nlp.errors import PhraseFileError, UnknownSchemaError
from ml.nlp.tokenizer import phrase_tokens

DEFAULT_PHRASES_DIR = Path(__file__).with_name("phrases")

MENTION = "mention"
NEGATIVE = "negative"
UNCERTAIN = "uncertain"
PROBABLE = "probable"
EXCLUDE = "exclude"
KINDS = (MENTION, NEGATIVE, UNCERTAIN, PROBABLE, EXCLUDE)

IMPLANT = "Implant"
FLAGS: tuple[str, ...] = (IMPLANT,)
MAX_EXPANSIONS_PER_LINE = 5000

_BLOCK = re.compile(r"^\[(\w+)\]$")


def finding_slug(name: str) -> str:
    """File stem for a finding: "Pleural Effusion" -> "pleural_effusion", "Pleural_Thickening" -> same."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass
class PhraseFile:
    """One finding's phrases by kind, expanded to plain strings."""

    path: Path
    phrases: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})


@dataclass(frozen=True)
class Lexicon:
    """Every phrase of a schema, as token tuples -> the (finding, kind) pairs they stand for."""

    schema: str
    findings: tuple[str, ...]  # labelled findings in schema order, then flags
    entries: dict[tuple[str, ...], frozenset[tuple[str, str]]]
    digest: str  # sha256 of every file read, for the pipeline version


def expand(pattern: str, where: str = "") -> list[str]:
    """All strings a phrase line stands for (choices and optional groups expanded)."""
    return list(dict.fromkeys(" ".join(r.split()) for r in _expand(pattern, where) if r.strip()))


def _expand(pattern: str, where: str) -> list[str]:
    results = [""]
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            results = [r + pattern[i + 1] for r in results]
            i += 2
            continue
        if ch == ")" or ch == "|":
            raise PhraseFileError(f"{where}: unbalanced {ch!r} in {pattern!r}")
        if ch != "(":
            results = [r + ch for r in results]
            i += 1
            continue
        depth, j = 1, i + 1
        while j < len(pattern) and depth:
            if pattern[j] == "\\":
                j += 2
                continue
            depth += {"(": 1, ")": -1}.get(pattern[j], 0)
            j += 1
        if depth:
            raise PhraseFileError(f"{where}: unclosed '(' in {pattern!r}")
        choices = _split_top(pattern[i + 1 : j - 1])
        options: list[str] = []
        for choice in choices:
            options.extend(_expand(choice, where))
        if len(choices) == 1:
            options.append("")
        results = [r + o for r in results for o in options]
        if len(results) > MAX_EXPANSIONS_PER_LINE:
            raise PhraseFileError(f"{where}: {pattern!r} expands to over {MAX_EXPANSIONS_PER_LINE} phrases")
        i = j
    return results


def _split_top(body: str) -> list[str]:
    parts, depth, start, i = [], 0, 0, 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    parts.append(body[start:])
    return parts


def read_phrase_file(path: Path, root: Path, hasher: Any, _seen: tuple[Path, ...] = ()) -> PhraseFile:
    """Parse one phrase file (following @include), adding what it read to `hasher`."""
    if path in _seen:
        chain = " -> ".join(str(p) for p in (*_seen, path))
        raise PhraseFileError(f"@include cycle: {chain}")
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PhraseFileError(f"phrase file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PhraseFileError(f"cannot read phrase file {path}: {exc}") from exc
    hasher.update(str(path.relative_to(root)).encode() + b"\0" + source.encode() + b"\0")
    result = PhraseFile(path)
    kind = MENTION
    for lineno, raw in enumerate(source.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        where = f"{path}:{lineno}"
        if not line:
            continue
        block = _BLOCK.match(line)
        if block:
            kind = block.group(1).lower()
            if kind not in KINDS:
                raise PhraseFileError(f"{where}: unknown block [{kind}]; use one of {', '.join(KINDS)}")
            continue
        if line.startswith("@include"):
            target = line[len("@include") :].strip()
            if not target:
                raise PhraseFileError(f"{where}: @include needs a path such as chexpert/pleural_effusion")
            included = read_phrase_file(root / f"{target}.txt", root, hasher, (*_seen, path))
            for k in KINDS:
                result.phrases[k].extend(included.phrases[k])
            continue
        result.phrases[kind].extend(expand(line, where))
    return result


def schema_files(root: Path, schema: str, flags: tuple[str, ...]) -> dict[str, Path]:
    """finding name -> its phrase file, for the schema's labelled findings and the given flags."""
    try:
        definition = get_schema(schema)
    except KeyError as exc:
        raise UnknownSchemaError(str(exc.args[0])) from None
    folder = root / schema
    if not folder.is_dir():
        have = [key for key in sorted(SCHEMAS) if (root / key).is_dir()]
        raise UnknownSchemaError(
            f"no phrase files for schema {schema!r} (expected folder {folder}); schemas with phrase files: "
            f"{', '.join(have) or 'none'}"
        )
    files = {name: folder / f"{finding_slug(name)}.txt" for name in definition.labelled_findings}
    # A derived finding (No Finding) may have a file too: the other abnormalities that make a report
    # not normal although it names none of the schema's findings (see aggregate.py).
    derived = {name: folder / f"{finding_slug(name)}.txt" for name in definition.derived}
    files.update({name: path for name, path in derived.items() if path.is_file()})
    expected = {p.name for p in (*files.values(), *derived.values())}
    strays = sorted(p.name for p in folder.glob("*.txt") if p.name not in expected)
    if strays:
        raise PhraseFileError(
            f"{folder}: {', '.join(strays)} match no finding of {schema!r}; expected files: "
            f"{', '.join(sorted(expected))}"
        )
    for flag in flags:
        if flag not in FLAGS:
            raise UnknownSchemaError(f"unknown flag {flag!r}; known flags: {', '.join(FLAGS)}")
        files[flag] = root / "flags" / f"{finding_slug(flag)}.txt"
    return files


def load_lexicon(schema: str, root: Path | None = None, flags: tuple[str, ...] = ()) -> Lexicon:
    """Read and compile every phrase file of `schema` (and `flags`) under `root`."""
    root = (root or DEFAULT_PHRASES_DIR).resolve()
    hasher = hashlib.sha256()
    entries: dict[tuple[str, ...], set[tuple[str, str]]] = {}
    files = schema_files(root, schema, flags)
    for finding, path in files.items():
        parsed = read_phrase_file(path, root, hasher)
        if not parsed.phrases[MENTION] and not parsed.phrases[NEGATIVE]:
            raise PhraseFileError(f"{path}: no [mention] or [negative] phrases for {finding!r}")
        for kind in KINDS:
            for phrase in parsed.phrases[kind]:
                tokens = phrase_tokens(phrase)
                if not tokens:
                    continue
                pairs = entries.setdefault(tokens, set())
                clash = {k for f, k in pairs if f == finding and k != kind}
                if clash:
                    raise PhraseFileError(
                        f"{path}: {phrase!r} is both [{kind}] and [{clash.pop()}] for {finding!r}"
                    )
                pairs.add((finding, kind))
    return Lexicon(
        schema=schema,
        findings=tuple(files),
        entries={t: frozenset(p) for t, p in entries.items()},
        digest=hasher.hexdigest(),
    )
