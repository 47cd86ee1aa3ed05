"""The ConText algorithm of medspacy 1.3.1, on plain token offsets (no spaCy objects).

A line-by-line port of `medspacy.common.util.prune_overlapping_matches` and of
`ConTextModifier` / `ConTextGraph` (scope from the sentence and the rule's direction and
max_scope, `update_scopes`, `modifies`), quirks included, so that the fast engine reaches exactly
the decisions medspacy's ConText reaches on the same tokens, sentences and rules. Kept apart from
any tokenizer so it can be read against medspacy's source.
"""

from typing import TypeVar

from ml.nlp.rules import ContextRuleDef

T = TypeVar("T")


def tuple_overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """medspacy's overlap test (note: false when b strictly contains a)."""
    return a[0] <= b[0] < a[1] or a[0] < b[1] <= a[1]


# A match is a plain (start, end, payload) tuple: the fast engine makes many of them per report.
Match = tuple[int, int, T]


def prune_overlapping(matches: list[Match]) -> list[Match]:
    """Keep the longest of overlapping matches, exactly as medspacy's prune_overlapping_matches."""
    if len(matches) < 2:
        return matches
    while True:
        unpruned = sorted(matches, key=span_of)
        pruned: list[Match] = []
        count = len(unpruned)
        current = unpruned.pop(0)
        while True:
            if not unpruned:
                pruned.append(current)
                break
            following = unpruned.pop(0)
            if tuple_overlaps((current[0], current[1]), (following[0], following[1])):
                longer = following[1] - following[0] > current[1] - current[0]
                pruned.append(following if longer else current)
                if not unpruned:
                    break
                current = unpruned.pop(0)
            else:
                pruned.append(current)
                current = following
        if len(pruned) == count:
            return pruned
        matches = pruned


def span_of(match: Match) -> tuple[int, int]:
    return match[0], match[1]


class Modifier:
    """One matched ConText rule with its scope (token offsets), as ConTextModifier."""

    __slots__ = ("end", "rule", "scope_end", "scope_start", "start")

    def __init__(self, rule: ContextRuleDef, start: int, end: int, sent_start: int, sent_end: int) -> None:
        self.rule, self.start, self.end = rule, start, end
        direction, max_scope = rule.direction, rule.max_scope
        if direction == "FORWARD":
            self.scope_start, self.scope_end = end, sent_end
            if max_scope is not None and self.scope_end - self.scope_start > max_scope:
                self.scope_end = end + max_scope
        elif direction == "BACKWARD":
            self.scope_start, self.scope_end = sent_start, start
            if max_scope is not None and self.scope_end - self.scope_start > max_scope:
                self.scope_start = start - max_scope
        else:  # BIDIRECTIONAL, and TERMINATE / PSEUDO which take the whole sentence
            self.scope_start, self.scope_end = sent_start, sent_end
            if max_scope is not None and start - self.scope_start > max_scope:
                self.scope_start = start - max_scope
            if max_scope is not None and self.scope_end - end > max_scope:
                self.scope_end = end + max_scope

    def limit_scope(self, other: "Modifier") -> bool:
        if not tuple_overlaps((self.scope_start, self.scope_end), (other.scope_start, other.scope_end)):
            return False
        rule, other_rule = self.rule, other.rule
        if rule.direction == "TERMINATE":
            return False
        if (
            other_rule.direction != "TERMINATE"
            and other_rule.category not in rule.terminated_by
            and other_rule.category != rule.category
        ):
            return False
        original = (self.scope_start, self.scope_end)
        if rule.direction in ("FORWARD", "BIDIRECTIONAL") and other.start > self.start:
            self.scope_end = min(self.scope_end, other.start)
        if rule.direction in ("BACKWARD", "BIDIRECTIONAL") and other.end < self.end:
            self.scope_start = max(self.scope_start, other.end)
        return original != (self.scope_start, self.scope_end)

    def modifies(self, start: int, end: int) -> bool:
        if tuple_overlaps((self.start, self.end), (start, end)):
            return False
        if self.rule.direction in ("TERMINATE", "PSEUDO"):
            return False
        return tuple_overlaps((self.scope_start, self.scope_end), (start, end))


def apply_context(modifiers: list[Modifier], targets: list[tuple[int, int]]) -> list[list[Modifier]]:
    """ConTextGraph.update_scopes then apply_modifiers: for each target, the modifiers that modify it."""
    for i in range(len(modifiers) - 1):
        first = modifiers[i]
        for j in range(i + 1, len(modifiers)):
            second = modifiers[j]
            first.limit_scope(second)
            second.limit_scope(first)
    return [[m for m in modifiers if m.modifies(start, end)] for start, end in targets]
