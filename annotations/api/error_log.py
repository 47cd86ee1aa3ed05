"""Exceptions in the log without their messages: the type and the stack of an exception and of its
causes, never the message or local variables, which may quote patient data (a name in a report, a
value in a database error). Standard library only, so the logging configuration can load it before
Django's apps are ready."""

import logging
import traceback


def stack_without_messages(exc: BaseException) -> str:
    """The exception's type and frames, and those of its causes (root cause first)."""
    parts, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        frames = "".join(traceback.format_tb(current.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}{kind.__module__}.{kind.__qualname__}")
        current = current.__cause__ or current.__context__
    return "\n(raised while handling, or caused by:)\n".join(reversed(parts))


class WithholdExceptionText(logging.Filter):
    """A log record's exception as its type and stack only (LOGGING puts it on Django's request log,
    which records what escapes a middleware with its traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.msg}\n{stack_without_messages(record.exc_info[1])}"
            record.exc_info, record.exc_text = None, None
        return True
