"""ConText modifier rules: medspacy's defaults plus our radiology changes, read without medspacy.

`rules/medspacy_context_rules.json` is medspacy 1.3.1's English rule set, verbatim (MIT licence).
`rules/radiology_context_rules.json` removes a few of them, adds radiology rules ("cannot be
excluded", "no change in", "is not seen"...), and sets which categories end which scopes. Both
engines use the rules read here: the spaCy engine hands them to medspacy's ConText as
`ConTextRule` objects, the fast engine expands each into the token sequences it matches.
"""

import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from ml.nlp.errors import PhraseFileError
from ml.nlp.tokenizer import phrase_tokens

RULES_DIR = Path(__file__).with_name("rules")
DEFAULT_RULE_FILES = (RULES_DIR / "medspacy_context_rules.json", RULES_DIR / "radiology_context_rules.json")

NEGATED = "NEGATED_EXISTENCE"
POSSIBLE = "POSSIBLE_EXISTENCE"
PROBABLE = "PROBABLE_EXISTENCE"  # ours: "probable", "likely", "suggestive of", "versus"
HYPOTHETICAL = "HYPOTHETICAL"
HISTORICAL = "HISTORICAL"
FAMILY = "FAMILY"
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO")
_RULE_KEYS = {"literal", "category", "direction", "pattern", "max_scope", "terminated_by"}


@dataclass(frozen=True)
class ContextRuleDef:
    """One ConText rule, as medspacy's ConTextRule would hold it (category and direction upper-cased)."""

    literal: str
    category: str
    direction: str
    pattern: tuple[dict, ...] | None = None
    max_scope: int | None = None
    terminated_by: frozenset[str] = frozenset()

    def token_sequences(self) -> list[tuple[str, ...]]:
        """Every token sequence this rule matches (its literal tokenized, or its pattern expanded)."""
        if self.pattern is None:
            return [phrase_tokens(self.literal)]
        choices: list[list[tuple[str, ...]]] = []
        for spec in self.pattern:
            value = spec["LOWER"]
            words = list(value["IN"]) if isinstance(value, dict) else [value]
            options = [(w,) for w in words]
            if spec.get("OP") == "?":
                options.append(())
            choices.append(options)
        sequences = {tuple(itertools.chain.from_iterable(combo)) for combo in itertools.product(*choices)}
        return sorted(s for s in sequences if s)


@dataclass(frozen=True)
class ContextRules:
    rules: tuple[ContextRuleDef, ...]
    digest: str


def _check_pattern(pattern: object, where: str) -> tuple[dict, ...]:
    if not isinstance(pattern, list) or not pattern:
        raise PhraseFileError(f"{where}: 'pattern' must be a non-empty list of token specs")
    for spec in pattern:
        if not isinstance(spec, dict) or set(spec) - {"LOWER", "OP"} or "LOWER" not in spec:
            raise PhraseFileError(f"{where}: token spec {spec!r} must use only LOWER and OP")
        if spec.get("OP") not in (None, "?"):
            raise PhraseFileError(f"{where}: only OP '?' is supported, not {spec['OP']!r}")
        value = spec["LOWER"]
        if isinstance(value, dict):
            if set(value) != {"IN"} or not isinstance(value["IN"], list):
                raise PhraseFileError(f"{where}: LOWER must be a string or {{'IN': [...]}}, not {value!r}")
        elif not isinstance(value, str):
            raise PhraseFileError(f"{where}: LOWER must be a string or {{'IN': [...]}}, not {value!r}")
    return tuple(pattern)


def _rule(data: dict, where: str) -> ContextRuleDef:
    unknown = set(data) - _RULE_KEYS
    if unknown:
        raise PhraseFileError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}")
    try:
        literal, category = data["literal"], data["category"].upper()
    except KeyError as exc:
        raise PhraseFileError(f"{where}: a rule needs {exc.args[0]!r}") from None
    direction = data.get("direction", "BIDIRECTIONAL").upper()
    if direction not in DIRECTIONS:
        raise PhraseFileError(f"{where}: direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
    max_scope = data.get("max_scope")
    if max_scope is not None and (not isinstance(max_scope, int) or max_scope <= 0):
        raise PhraseFileError(f"{where}: max_scope must be a positive integer")
    pattern = data.get("pattern")
    return ContextRuleDef(
        literal=literal,
        category=category,
        direction=direction,
        pattern=None if pattern is None else _check_pattern(pattern, where),
        max_scope=max_scope,
        terminated_by=frozenset(c.upper() for c in data.get("terminated_by", ())),
    )


def load_context_rules(files: tuple[Path, ...] = DEFAULT_RULE_FILES) -> ContextRules:
    """Read rule files in order: each may add rules, remove earlier ones and add terminations."""
    hasher = hashlib.sha256()
    rules: list[ContextRuleDef] = []
    by_category: dict[str, set[str]] = {}
    by_direction: dict[str, set[str]] = {}
    for path in files:
        try:
            source = path.read_text(encoding="utf-8")
            data = json.loads(source)
        except (OSError, ValueError) as exc:
            raise PhraseFileError(f"cannot read ConText rule file {path}: {exc}") from exc
        hasher.update(path.name.encode() + b"\0" + source.encode() + b"\0")
        removed = set(data.get("remove", ()))
        unknown = removed - {r.literal for r in rules}
        if unknown:
            raise PhraseFileError(f"{path}: 'remove' names rules that are not loaded: {sorted(unknown)}")
        rules = [r for r in rules if r.literal not in removed]
        for i, item in enumerate(data.get("context_rules", ())):
            rules.append(_rule(item, f"{path} rule #{i} ({item.get('literal')!r})"))
        for key, target in (("terminating_types", by_category), ("terminated_by_direction", by_direction)):
            for name, categories in data.get(key, {}).items():
                target.setdefault(name.upper(), set()).update(c.upper() for c in categories)
    final = tuple(
        ContextRuleDef(
            r.literal,
            r.category,
            r.direction,
            r.pattern,
            r.max_scope,
            r.terminated_by | by_category.get(r.category, set()) | by_direction.get(r.direction, set()),
        )
        for r in rules
    )
    _check_conflicts(final)
    return ContextRules(rules=final, digest=hasher.hexdigest())


def _check_conflicts(rules: tuple[ContextRuleDef, ...]) -> None:
    """No two rules may match the same tokens: which one spaCy reports is undefined, and the
    evidence names the rule, so the engines could disagree."""
    seen: dict[tuple[str, ...], ContextRuleDef] = {}
    clashes = []
    for rule in rules:
        for seq in rule.token_sequences():
            other = seen.setdefault(seq, rule)
            if other is not rule:
                clashes.append(f"{other.literal!r} and {rule.literal!r} both match {' '.join(seq)!r}")
    if clashes:
        raise PhraseFileError("ConText rules overlap: " + "; ".join(clashes))
