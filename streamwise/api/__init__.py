"""The HTTP API and web console (FastAPI): ``streamwise serve``.

Public: ``create_app``, ``ApiContext``, ``SessionLog``, ``parse_tokens``/``tokens_from_env``.
"""

from .app import create_app
from .auth import Principal, TokenTable, parse_tokens, tokens_from_env
from .context import ApiContext, OutgoingReply
from .sessions import SessionLog

__all__ = ["ApiContext", "OutgoingReply", "Principal", "SessionLog", "TokenTable",
           "create_app", "parse_tokens", "tokens_from_env"]
