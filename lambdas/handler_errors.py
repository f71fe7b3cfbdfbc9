"""The edge of every handler: errors leave with their type and the patient's reference only.

Messages of core errors can hold keys (``cannot list patients/<name>/``), and keys hold names;
whatever a handler raises reaches the Lambda error log, the Step Functions history and the
history table. :func:`clean_errors` logs the error type and re-raises a :class:`HandlerError`
that says only that, with no chained cause and no message from the core.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from aws_lambda_powertools import Logger

__all__ = ["HandlerError", "clean_errors"]

P = ParamSpec("P")
R = TypeVar("R")


class HandlerError(Exception):
    """A handler failed; the message is ``<error type> (patient <ref>)`` and nothing else."""


def clean_errors(logger: Logger, ref_of: Callable[..., str]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Wrap a handler: any exception becomes a :class:`HandlerError` naming its type and the
    patient reference ``ref_of(*args)`` gives (``"?"`` when even that fails)."""

    def wrap(handler: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(handler)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return handler(*args, **kwargs)
            except Exception as exc:
                try:
                    ref = ref_of(*args)
                except Exception:
                    ref = "?"
                logger.error("handler failed", extra={"error_type": type(exc).__name__, "patient_ref": ref})
                raise HandlerError(f"{type(exc).__name__} (patient {ref})") from None

        return run

    return wrap
