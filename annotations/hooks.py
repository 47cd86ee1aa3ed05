"""The domain's extension points: how another app (learning) plugs into the domain without the
domain importing it.

The domain (`annotations`) never imports `learning`. Where a domain process must reach work that
learning owns, it looks here, and learning registers its functions when Django starts
(`learning.apps.LearningConfig.ready` -> `learning.hooks.register`). With learning not installed
every hook is simply absent: the reaper fails a job kind it cannot re-send, a cancel is never
blocked, and so on.

Hooks, one concern each:

* `job_sender(kind)`: re-send the task of a job of that kind (the reaper, a queued job's resend).
* `job_recoverer(kind)`: recover a stale running job of that kind in its own way (a scoring job
  keeps its chunk plan) instead of the generic re-queue.
* `job_cancel_blocker(kind)`: why a running job of that kind can no longer be cancelled, or None.
* `job_end_steps(kind)`: clean-up run when a job of that kind has ended by whatever route (an
  import frees its upload folder).
* `reap_passes()`: extra passes of each reaper run (stale training runs, dead scoring chunks), each
  returning a count under its name.
* `priority_source()`: where the reading worklist takes its priorities from: the scores a ranking
  stored per (image, strategy, model version), and the random baseline's reproducible scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from annotations.models import Dataset, Job

JobSender = Callable[["Job"], bool]
JobRecoverer = Callable[["Job", datetime, datetime, dict[str, int]], None]
CancelBlocker = Callable[["Job"], str | None]
ReapPass = Callable[[datetime], int]


@dataclass(frozen=True)
class PrioritySource:
    """`scores(strategy, model_version)`: a queryset of stored scores with `image_id`, `dataset_id`
    and `score`; `fill_random(dataset, image_ids, seed)`: (re)store the random baseline's scores."""

    scores: Callable[[str, object | None], QuerySet]
    fill_random: Callable[[Dataset, list[int], int], None]


_priority_source: PrioritySource | None = None
_senders: dict[str, JobSender] = {}
_recoverers: dict[str, JobRecoverer] = {}
_cancel_blockers: dict[str, CancelBlocker] = {}
_reap_passes: dict[str, ReapPass] = {}
_end_steps: dict[str, list[Callable[[Job], None]]] = {}


def register_job_kind(
    kind: str,
    *,
    send: JobSender,
    recover: JobRecoverer | None = None,
    cancel_blocker: CancelBlocker | None = None,
) -> None:
    """Register how the domain re-sends (and, optionally, recovers or refuses to cancel) jobs of
    `kind`. Registering again replaces the earlier entry (idempotent across `ready()` calls)."""
    _senders[kind] = send
    if recover is not None:
        _recoverers[kind] = recover
    if cancel_blocker is not None:
        _cancel_blockers[kind] = cancel_blocker


def register_job_end_step(kind: str, step: Callable[[Job], None]) -> None:
    """Run `step(job)` once a job of `kind` has ended (succeeded, failed or cancelled)."""
    steps = _end_steps.setdefault(kind, [])
    if step not in steps:
        steps.append(step)


def job_end_steps(kind: str) -> list[Callable[[Job], None]]:
    return list(_end_steps.get(kind, ()))


def register_reap_pass(name: str, reap: ReapPass) -> None:
    """Run `reap(now)` on every reaper pass; its return value is counted under `name`."""
    _reap_passes[name] = reap


def job_sender(kind: str) -> JobSender | None:
    return _senders.get(kind)


def job_recoverer(kind: str) -> JobRecoverer | None:
    return _recoverers.get(kind)


def job_cancel_blocker(kind: str) -> CancelBlocker | None:
    return _cancel_blockers.get(kind)


def reap_passes() -> dict[str, ReapPass]:
    return dict(_reap_passes)


def register_priority_source(source: PrioritySource) -> None:
    global _priority_source
    _priority_source = source


def priority_source() -> PrioritySource | None:
    return _priority_source
