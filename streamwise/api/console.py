"""The web console: server-rendered pages (Jinja2) with htmx, served by the API's own app.

Pages: the live decision feed, chat, approvals, traces, dead letters, the analyst.
A browser signs in once with a token (``POST /console/login``), kept in an HttpOnly,
SameSite=Strict cookie that the API's ``principal`` dependency also reads, so the
pages' scripts call the same ``/v1`` endpoints as any client. Actions that change
something (decide, redrive, ask) post to ``/console/...`` routes that call the API's
own handlers and answer with an HTML fragment for htmx to swap in.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from . import analyst, approvals, dlq, traces
from .auth import COOKIE, Principal, Role
from .context import Ctx
from .models import ApprovalDecide, AskBody

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=2, default=str)
router = APIRouter(prefix="/console", include_in_schema=False)

PAGES: list[tuple[str, str, tuple[Role, ...]]] = [
    ("feed", "Decisions", ("support", "analyst")),
    ("chat", "Chat", ("support", "customer")),
    ("approvals", "Approvals", ("support",)),
    ("traces", "Traces", ("support", "analyst")),
    ("dlq", "Dead letters", ()),
    ("analyst", "Analyst", ("analyst",)),
]


class SignIn(Exception):
    """No valid console cookie: the page sends the browser to the sign-in form."""


def viewer(request: Request) -> Principal:
    token = request.cookies.get(COOKIE)
    found = request.app.state.tokens.lookup(token) if token else None
    if found is None:
        raise SignIn()
    return found  # type: ignore[no-any-return]


Viewer = Annotated[Principal, Depends(viewer)]


def page(request: Request, who: Principal, name: str, section: str = "",
         **values: Any) -> HTMLResponse:
    """Page ``name`` of the nav's ``section`` (default: itself), or 403 for a role it is not for."""
    section = section or name
    roles = next(r for p, _, r in PAGES if p == section)
    allowed = who.role == "operator" or who.role in roles
    shown = [(p, title) for p, title, r in PAGES if who.role == "operator" or who.role in r]
    return templates.TemplateResponse(
        request, f"{name}.html" if allowed else "forbidden.html",
        {"who": who, "pages": shown, "current": section, **values},
        status_code=200 if allowed else 403)


def fragment(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, f"_{name}.html", values, status_code=status_code)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, error: str = "") -> HTMLResponse:
    return templates.TemplateResponse(request, "login.html", {"error": error})


@router.post("/login")
async def login(request: Request) -> Response:
    # A urlencoded form, read by hand: one field does not need python-multipart.
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    if not token or request.app.state.tokens.lookup(token) is None:
        return templates.TemplateResponse(request, "login.html",
                                          {"error": "That token is not valid."}, status_code=401)
    answer = RedirectResponse("/console/", status_code=303)
    answer.set_cookie(COOKIE, token, httponly=True, samesite="strict",
                      secure=request.url.scheme == "https", path="/")
    return answer


@router.post("/logout")
async def logout() -> Response:
    answer = RedirectResponse("/console/login", status_code=303)
    answer.delete_cookie(COOKIE, path="/")
    return answer


@router.get("/", response_class=HTMLResponse)
async def feed_page(request: Request, who: Viewer) -> HTMLResponse:
    return page(request, who, "feed")


@router.get("/chat", response_class=HTMLResponse)
async def chat_page(request: Request, who: Viewer, session: str = "") -> HTMLResponse:
    return page(request, who, "chat", session=session)


@router.get("/approvals", response_class=HTMLResponse)
async def approvals_page(request: Request, who: Viewer, ctx: Ctx) -> HTMLResponse:
    if who.role not in ("operator", "support"):
        return page(request, who, "approvals")
    pending = await approvals.list_approvals(who, ctx)
    return page(request, who, "approvals", pending=pending)


@router.post("/approvals/{thread_id}", response_class=HTMLResponse)
async def decide(request: Request, thread_id: str, who: Viewer, ctx: Ctx) -> HTMLResponse:
    _admit(who, "support")
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}

    async def act() -> Any:
        return await approvals.decide(thread_id, ApprovalDecide.model_validate(form), who, ctx)

    return await _form_action(request, act, "outcome", "outcome")


async def _form_action(request: Request, act: Callable[[], Awaitable[Any]], template: str,
                       name: str) -> HTMLResponse:
    """A form's action as a fragment: its result, or the problem (422 for bad input, the
    HTTP error's status otherwise) for the page to show in place."""
    try:
        result = await act()
    except ValidationError as exc:
        return fragment(request, "problem", 422, message=str(exc.errors()[0]["msg"]))
    except HTTPException as exc:
        return fragment(request, "problem", exc.status_code, message=str(exc.detail))
    return fragment(request, template, **{name: result})


@router.get("/traces", response_class=HTMLResponse)
async def traces_page(request: Request, who: Viewer, ctx: Ctx, agent: str = "",
                      status: str = "", decision: str = "", thread_id: str = "") -> HTMLResponse:
    if who.role not in ("operator", "support", "analyst"):
        return page(request, who, "traces")
    found = await traces.list_traces(who, ctx, agent=agent or None, status=status or None,
                                     decision=decision or None, thread_id=thread_id or None)
    filters = {"agent": agent, "status": status, "decision": decision, "thread_id": thread_id}
    if request.headers.get("HX-Request"):
        return fragment(request, "trace_rows", runs=found, filters=filters)
    return page(request, who, "traces", runs=found, filters=filters)


@router.get("/traces/{event_id}", response_class=HTMLResponse)
async def trace_page(request: Request, event_id: str, who: Viewer, ctx: Ctx) -> HTMLResponse:
    if who.role not in ("operator", "support", "analyst"):
        return page(request, who, "trace", "traces")
    try:
        run = await traces.get_trace(event_id, who, ctx)
    except HTTPException as exc:
        return page(request, who, "trace", "traces", run=None, problem=exc.detail)
    return page(request, who, "trace", "traces", run=run)


@router.get("/dlq", response_class=HTMLResponse)
async def dlq_page(request: Request, who: Viewer, ctx: Ctx, topic: str = "") -> HTMLResponse:
    if who.role != "operator":
        return page(request, who, "dlq")
    topics = dlq.source_topics()
    chosen = topic or topics[0]
    try:
        records = await dlq.list_letters(chosen, who, ctx)
        problem = ""
    except HTTPException as exc:
        records, problem = [], str(exc.detail)
    return page(request, who, "dlq", topics=topics, topic=chosen, records=records,
                problem=problem)


@router.post("/dlq/{topic}/redrive", response_class=HTMLResponse)
async def redrive(request: Request, topic: str, who: Viewer, ctx: Ctx) -> HTMLResponse:
    _admit(who)
    form = parse_qs((await request.body()).decode())

    async def act() -> Any:
        body = dlq.RedriveBody(records=form.get("record", []), all=bool(form.get("all")))
        return await dlq.redrive(dlq._topic(topic), body, who, ctx)

    return await _form_action(request, act, "redriven", "result")


@router.get("/analyst", response_class=HTMLResponse)
async def analyst_page(request: Request, who: Viewer) -> HTMLResponse:
    return page(request, who, "analyst")


@router.post("/ask", response_class=HTMLResponse)
async def ask(request: Request, who: Viewer, ctx: Ctx) -> HTMLResponse:
    _admit(who, "analyst")
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
    try:
        body = AskBody.model_validate(form)
    except ValidationError:
        return fragment(request, "problem", 422, message="Ask a question first.")
    answer = await analyst.ask(body, who, ctx)
    return fragment(request, "answer", answer=answer,
                    chart=json.dumps(answer.chart) if answer.chart else "")


def _admit(who: Principal, *roles: Role) -> None:
    if who.role != "operator" and who.role not in roles:
        raise HTTPException(403, f"the {who.role} role may not do this")


def mount(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=307)

    async def sign_in(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/console/login", status_code=303)

    app.add_exception_handler(SignIn, sign_in)
