"""Errors a user can act on. They carry the file (and row/field where known) and what to do."""

from ground.errors import ActionableError


class IngestionError(ActionableError):
    """A problem with the request itself (unknown feed or producer, missing folder): nothing was read."""


class BatchError(Exception):
    """The whole batch cannot be accepted (encoding, empty, schema drift). Stops only that batch.

    ``rule`` is the machine-readable reason recorded in the ledger and in quarantine.
    """

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message
