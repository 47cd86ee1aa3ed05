"""Exceptions the NLP labeler raises, each with a message a user can act on."""


class NLPError(Exception):
    """Base class for every error the report labeler raises on purpose."""


class PhraseFileError(NLPError):
    """A phrase, section or ConText rule file is missing or malformed (the message names file and line)."""


class UnknownSchemaError(NLPError):
    """The schema has no phrase files (or does not exist)."""


class ReportCSVError(NLPError):
    """An input or gold CSV cannot be used: missing text column, unknown label column, bad value."""
