"""Errors of the tools package.

Tools *raise* these; the registry *returns* them to the model as a structured
``ToolError(code, message, hint)``, never through the graph.

    ToolsError
     ├── ToolRefusal              the call was understood and refused; nothing changed
     │    ├── NotFound            an id does not exist             (code "not_found")
     │    ├── InvalidArguments    arguments fail validation        (code "invalid_arguments")
     │    ├── PolicyViolation     policy forbids it                (code "policy")
     │    └── Forbidden           this actor may not do/see this   (code "forbidden")
     ├── ApprovalRequired         allowed only after a human approves (returned as needs_approval)
     └── StoreError               the store is missing or broken; a programming or ops error
"""

from __future__ import annotations

from typing import Any


class ToolsError(Exception):
    """Base of errors raised by the tools package."""


class ToolRefusal(ToolsError):
    code = "refused"

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class NotFound(ToolRefusal):
    code = "not_found"


class InvalidArguments(ToolRefusal):
    code = "invalid_arguments"


class PolicyViolation(ToolRefusal):
    code = "policy"


class Forbidden(ToolRefusal):
    code = "forbidden"


class ApprovalRequired(ToolsError):
    """The action is allowed only once a person approves it; nothing was changed."""

    def __init__(self, reason: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details or {}


class StoreError(ToolsError):
    """The store is missing, not seeded, or broken."""
