"""The one base of every error an operator or a producer must act on (its message, in Chinese, says what to do).

Entry points report these by message, never by traceback: the CLI exits with ``exit_code``; a scheduled task fails
at once unless ``retryable`` (retrying cannot fix bad data or a wrong request; it can outlast a held lock).
"""

from __future__ import annotations


class ActionableError(Exception):
    exit_code = 2
    retryable = False
