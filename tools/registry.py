"""The tool registry: typed tools, their OpenAI schemas, and safe calls.

A tool is a plain function ``def name(args: InModel, env: ToolEnv) -> OutModel``
whose docstring is the model's description, declared with ``@tool(...)``::

    @tool(side_effect=True, roles={"customer", "support"})
    def cancel_pending_order(args: CancelPendingOrderArgs, env: ToolEnv) -> Order:
        "Cancel a pending order. ..."

``ToolRegistry.call(name, raw_args, ctx)`` never raises for anything the model
did wrong: validation, not-found, policy and permission failures come back as
``ToolResult(status="error", error=ToolError(code, message, hint))``; an action
that needs a person comes back as ``status="needs_approval"``. Side-effecting
calls require ``ctx.idempotency_key``; a repeated key returns the first result
and changes nothing, and only to the actor (role and user id) that made the first
call. Any other exception a tool raises is logged and returned as a generic
``internal_error``: one broken call never aborts an agent run.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from .config import ToolSettings
from .context import Role, ToolContext
from .errors import ApprovalRequired, ToolRefusal
from .store import Cursor, Store

In = TypeVar("In", bound=BaseModel)
Out = TypeVar("Out", bound=BaseModel)

log = logging.getLogger(__name__)

ALL_ROLES: frozenset[Role] = frozenset({"system", "customer", "support", "analyst"})


class ToolError(BaseModel):
    """What the model (and the person) is told when a call fails."""

    code: str
    message: str
    hint: str = ""


class ApprovalRequest(BaseModel):
    """The call is allowed only after approval; nothing changed yet."""

    tool: str
    reason: str
    arguments: dict[str, Any]
    details: dict[str, Any] = {}


class ToolResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    tool: str
    status: Literal["ok", "error", "needs_approval"]
    output: BaseModel | None = None
    error: ToolError | None = None
    approval: ApprovalRequest | None = None
    replayed: bool = False  # True when an idempotency key returned a stored result

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def for_model(self) -> str:
        """The JSON text given back to the model as the tool message."""
        if self.status == "ok":
            assert self.output is not None
            return self.output.model_dump_json()
        if self.status == "needs_approval":
            assert self.approval is not None
            return json.dumps({"needs_approval": self.approval.model_dump(mode="json")})
        assert self.error is not None
        return json.dumps({"error": self.error.model_dump()})


@dataclass
class ToolEnv:
    """What a tool function gets besides its arguments."""

    db: Cursor  # a cursor inside the call's transaction (DuckDB or PostgreSQL)
    ctx: ToolContext
    settings: ToolSettings


@dataclass(frozen=True)
class Tool(Generic[In, Out]):
    name: str
    description: str
    input_model: type[In]
    output_model: type[Out]
    func: Callable[[In, ToolEnv], Out]
    side_effect: bool = False
    roles: frozenset[Role] = ALL_ROLES

    def openai_schema(self) -> dict[str, Any]:
        # Without pydantic's titles ("Order Id" beside "order_id"): every prompt
        # carries the tools, and on a CPU each of its tokens costs time.
        params = _untitled(self.input_model.model_json_schema())
        params.setdefault("properties", {})
        params.setdefault("required", [])
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": params},
        }


def _untitled(schema: Any) -> Any:
    """A JSON schema without its ``title`` annotations (a property named title stays)."""
    if isinstance(schema, list):
        return [_untitled(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    return {k: _untitled(v) for k, v in schema.items()
            if not (k == "title" and isinstance(v, str))}


def tool(
    *, side_effect: bool = False, roles: Iterable[Role] = ALL_ROLES, name: str | None = None
) -> Callable[[Callable[[Any, ToolEnv], Any]], Tool[Any, Any]]:
    """Declare a tool from a typed function; its docstring is the description."""

    def wrap(func: Callable[[Any, ToolEnv], Any]) -> Tool[Any, Any]:
        hints = typing.get_type_hints(func)
        params = list(inspect.signature(func).parameters)
        input_model, output_model = hints[params[0]], hints["return"]
        doc = inspect.getdoc(func)
        if not doc:
            raise TypeError(f"tool {func.__name__} needs a docstring: the model's description")
        # Wrapped source lines become one line each; blank lines still separate paragraphs.
        doc = re.sub(r"(?<!\n)\n(?!\n)", " ", doc)
        return Tool(
            name=name or func.__name__,
            description=doc,
            input_model=input_model,
            output_model=output_model,
            func=func,
            side_effect=side_effect,
            roles=frozenset(roles),
        )

    return wrap


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
        + (" (a \\u escape must encode a whole character; send valid UTF-8 JSON)"
           if e["type"] in ("json_invalid", "string_unicode") else "")
        for e in exc.errors(include_url=False, include_input=False)
    )


def _lone_surrogate(value: Any, where: str = "arguments") -> str | None:
    """Where a lone surrogate hides in raw arguments (keys too), for every input model alike."""
    if isinstance(value, str):
        return where if any("\ud800" <= ch <= "\udfff" for ch in value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _lone_surrogate(key, where) or _lone_surrogate(item, f"{where}.{key}")
            if found:
                return found
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = _lone_surrogate(item, f"{where}[{i}]")
            if found:
                return found
    return None


def _same_actor(stored: str, ctx: ToolContext) -> bool:
    actor = json.loads(stored)
    return bool(actor.get("role") == ctx.actor.role
                and actor.get("user_id") == ctx.actor.user_id)


class ToolRegistry:
    def __init__(self, store: Store, settings: ToolSettings | None = None,
                 tools: Iterable[Tool[Any, Any]] = ()) -> None:
        self.store = store
        self.settings = settings or ToolSettings()
        self._tools: dict[str, Tool[Any, Any]] = {}
        for t in tools:
            self.register(t)

    def register(self, t: Tool[Any, Any]) -> None:
        if t.name in self._tools:
            raise ValueError(f"tool {t.name!r} is registered twice")
        self._tools[t.name] = t

    def __contains__(self, name: str) -> bool:
        return name in self._tools

    def get(self, name: str) -> Tool[Any, Any]:
        return self._tools[name]

    def names(self, role: Role | None = None) -> list[str]:
        return [n for n, t in self._tools.items() if role is None or role in t.roles]

    def openai_tools(self, role: Role | None = None,
                     names: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The OpenAI ``tools`` list, optionally only what ``role`` may call."""
        wanted = set(names) if names is not None else None
        return [
            t.openai_schema()
            for n, t in self._tools.items()
            if (role is None or role in t.roles) and (wanted is None or n in wanted)
        ]

    def call(self, name: str, raw_args: dict[str, Any] | str | None,
             ctx: ToolContext) -> ToolResult:
        """Validate and run one call; every failure the model can fix is returned, not raised."""
        t = self._tools.get(name)
        if t is None:
            return self._error(name, "unknown_tool", f"there is no tool named {name!r}",
                               f"use one of: {', '.join(sorted(self._tools))}")
        if ctx.actor.role not in t.roles:
            return self._error(name, "forbidden",
                               f"{ctx.actor.role} may not call {name}",
                               "ask a support agent or transfer to a human")
        broken = _lone_surrogate(raw_args)
        if broken is not None:
            return self._error(name, "invalid_arguments",
                               f"{broken[:100]}: contains a lone UTF-16 surrogate (a broken \\u "
                               "escape), which is not text",
                               "send the arguments as valid Unicode and call again")
        try:
            # strict: a model's "5" or true is not taken for a number, whatever the input model.
            if isinstance(raw_args, str):
                args = t.input_model.model_validate_json(raw_args or "{}", strict=True)
            else:
                args = t.input_model.model_validate(raw_args or {}, strict=True)
        except ValidationError as exc:
            return self._error(name, "invalid_arguments", _validation_message(exc),
                               "fix the arguments to match the tool's JSON schema and call again")
        if t.side_effect and not ctx.idempotency_key:
            return self._error(name, "missing_idempotency_key",
                               f"{name} changes data and needs an idempotency key",
                               "the caller must derive one from the event or chat turn")
        try:
            # One transaction: the effect and its idempotency record commit together; on
            # PostgreSQL it is run again from scratch when a concurrent transaction won.
            result = self.store.run(lambda db: self._attempt(t, args, ctx, db))
        except ToolRefusal as exc:
            return self._error(name, exc.code, exc.message, exc.hint)
        except ApprovalRequired as exc:
            return ToolResult(
                tool=name, status="needs_approval",
                approval=ApprovalRequest(tool=name, reason=exc.reason,
                                         arguments=args.model_dump(mode="json"),
                                         details=exc.details),
            )
        except Exception:
            # A bug or a broken store: the transaction rolled back; the model gets no internals.
            log.exception("tool %s failed (trace %s)", name, ctx.trace_id)
            return self._error(name, "internal_error", f"{name} failed unexpectedly; "
                               "nothing was changed",
                               "try again later, or transfer to a human agent")
        return result

    def _attempt(self, t: Tool[Any, Any], args: BaseModel, ctx: ToolContext,
                 db: Cursor) -> ToolResult:
        name = t.name
        if t.side_effect:
            previous = db.execute(
                "SELECT tool, result, arguments, actor FROM tool_effects "
                "WHERE idempotency_key = ?",
                [ctx.idempotency_key],
            ).fetchone()
            # Another actor's key says nothing of that actor's call or its result.
            if previous is not None and not _same_actor(previous[3], ctx):
                return self._error(
                    name, "idempotency_conflict",
                    f"idempotency key {ctx.idempotency_key!r} is already in use",
                    "derive a distinct key for each distinct call")
            # A key reused for another call must not hand back someone else's result.
            if previous is not None and (
                previous[0] != name
                or json.loads(previous[2]) != json.loads(args.model_dump_json())
            ):
                return self._error(
                    name, "idempotency_conflict",
                    f"idempotency key {ctx.idempotency_key!r} was already used for "
                    f"a different call ({previous[0]})",
                    "derive a distinct key for each distinct call")
            if previous is not None:
                return ToolResult(
                    tool=name, status="ok", replayed=True,
                    output=t.output_model.model_validate_json(previous[1]),
                )
        output = t.func(args, ToolEnv(db=db, ctx=ctx, settings=self.settings))
        if t.side_effect:
            db.execute(
                "INSERT INTO tool_effects VALUES (?, ?, ?, ?, ?, ?, ?)",
                [ctx.idempotency_key, name, args.model_dump_json(),
                 output.model_dump_json(), ctx.actor.model_dump_json(),
                 ctx.trace_id, ctx.now()],
            )
        return ToolResult(tool=name, status="ok", output=output)

    @staticmethod
    def _error(name: str, code: str, message: str, hint: str = "") -> ToolResult:
        return ToolResult(tool=name, status="error",
                          error=ToolError(code=code, message=message, hint=hint))
