"""One error hierarchy: pure code raises these; the CLI makes each one line and an exit code."""

from __future__ import annotations


class AllianceError(Exception):
    """Base of every error the tool reports to a person."""

    exit_code = 1


class DataError(AllianceError):
    """A data file is missing, unreadable or off the schema (exit 1)."""

    exit_code = 1

    def __init__(self, file: str, message: str, record: str | None = None,
                 field: str | None = None, rule: str = "schema", value: object = None) -> None:
        self.file = file
        self.record = record
        self.field = field
        self.message = message
        self.rule = rule
        """Which of ``alliance check``'s checks the problem belongs to."""
        self.value = value
        """The offending value, where one field holds it."""
        where = file
        if record is not None:
            where += f": {record}"
        if field is not None:
            where += f": field '{field}'"
        super().__init__(f"{where}: {message}")


class QueryError(AllianceError):
    """A value that can never match, or options that contradict each other (exit 2)."""

    exit_code = 2


class RefusalError(AllianceError):
    """The tool refuses to act, e.g. an export target already exists (exit 1)."""

    exit_code = 1


class ReaderGone(Exception):
    """The reader of standard output has closed it (EPIPE): end quietly.

    Not an OSError on purpose: typer turns an EPIPE OSError into its own exit status 1.
    """
