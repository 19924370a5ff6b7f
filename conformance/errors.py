"""Typed errors: every expected failure is a ConformanceError with a clear message."""

from __future__ import annotations


class ConformanceError(Exception):
    """Base of every error the CLI reports without a traceback."""


class SourceError(ConformanceError):
    """A standard source part is missing, of the wrong part or edition, or truncated."""


class DownloadError(SourceError):
    """A part could not be downloaded from NEMA."""


class StandardDataError(ConformanceError):
    """A build folder is missing, incomplete or fails its schema."""


class RuleFileError(ConformanceError):
    """A YAML rule file is invalid; the message names file:line:column."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        where = ""
        if file is not None:
            where = file
            if line is not None:
                where += f":{line}"
                if column is not None:
                    where += f":{column}"
            where += ": "
        super().__init__(where + message)
        self.file = file
        self.line = line
        self.column = column
        self.detail = message


class InputError(ConformanceError):
    """A dataset input (path, bytes, stream) cannot be used."""


class UsageError(ConformanceError):
    """The command line or call arguments are wrong."""
