"""Bearer tokens from the environment, mapped to roles.

``STREAMWISE_API_TOKENS`` (the variable ``api.tokens_env`` names) holds comma-separated
``ROLE=TOKEN`` pairs; a customer's chat token is scoped to one customer with
``customer:USER_ID=TOKEN``::

    STREAMWISE_API_TOKENS="operator=op-secret,support=sup-secret,analyst=an-secret,customer:mia_li_3668=mia-secret"

A request carries its token as ``Authorization: Bearer TOKEN``; the web console,
whose pages and event streams a browser loads without custom headers, sends it as
the ``streamwise_token`` cookie it sets at sign-in (HttpOnly, SameSite=Strict).
The operator may call everything; each endpoint names the other roles it admits.
Tokens are compared in constant time and never logged or echoed: a principal's
``name`` is its role (and customer id), not its token.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..errors import ConfigError

Role = Literal["operator", "support", "analyst", "customer"]
ROLES: tuple[Role, ...] = ("operator", "support", "analyst", "customer")
COOKIE = "streamwise_token"


@dataclass(frozen=True)
class Principal:
    role: Role
    customer_id: str | None = None  # set for a customer token only

    @property
    def name(self) -> str:
        return f"customer:{self.customer_id}" if self.customer_id else self.role


class TokenTable:
    """The configured tokens; looks one up in constant time per entry."""

    def __init__(self, entries: Mapping[str, Principal]) -> None:
        self._entries = dict(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, token: str) -> Principal | None:
        found = None
        for known, principal in self._entries.items():
            # No early exit: every entry is compared, so timing says nothing about which.
            if hmac.compare_digest(known.encode(), token.encode()):
                found = principal
        return found


def parse_tokens(spec: str) -> TokenTable:
    """``ROLE=TOKEN,customer:USER_ID=TOKEN,...`` -> a table. Raises ``ConfigError`` naming
    the entry's position (never its token) when one is malformed."""
    entries: dict[str, Principal] = {}
    for position, item in enumerate((i.strip() for i in spec.split(",")), start=1):
        if not item:
            continue
        who, sep, token = item.partition("=")
        role, _, customer = who.strip().partition(":")
        if not sep or not token.strip():
            raise ConfigError(f"API token entry {position} is not ROLE=TOKEN")
        if role not in ROLES:
            raise ConfigError(f"API token entry {position}: unknown role {role!r} "
                              f"(one of {', '.join(ROLES)})")
        if (role == "customer") != bool(customer):
            raise ConfigError(f"API token entry {position}: a customer token is written "
                              "customer:USER_ID=TOKEN, and only a customer's names a user")
        if token.strip() in entries:
            raise ConfigError(f"API token entry {position} repeats another entry's token")
        entries[token.strip()] = Principal(role=role, customer_id=customer or None)  # type: ignore[arg-type]
    return TokenTable(entries)


def tokens_from_env(variable: str) -> TokenTable:
    return parse_tokens(os.environ.get(variable, ""))


_bearer = HTTPBearer(auto_error=False)


def principal(request: Request,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
              ) -> Principal:
    """The caller, from the bearer token or the console's cookie; 401 without a valid one."""
    token = credentials.credentials if credentials else request.cookies.get(COOKIE)
    table: TokenTable = request.app.state.tokens
    found = table.lookup(token) if token else None
    if found is None:
        raise HTTPException(401, "a valid bearer token is required (Authorization: Bearer ...)",
                            headers={"WWW-Authenticate": "Bearer"})
    return found


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting the operator and ``roles``; 403 for any other role."""
    admitted = {"operator", *roles}

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role not in admitted:
            raise HTTPException(403, f"the {who.role} role may not call this endpoint "
                                     f"(allowed: {', '.join(sorted(admitted))})")
        return who

    return check
