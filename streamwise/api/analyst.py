"""``POST /v1/ask``: the analyst agent's answer, the SQL it ran, the table and a chart."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from agents.contracts import QuestionRequest

from .auth import Principal, require
from .context import Ctx
from .models import AskAnswer, AskBody

router = APIRouter(prefix="/v1", tags=["analyst"])


@router.post("/ask", response_model=AskAnswer)
async def ask(body: AskBody, who: Annotated[Principal, Depends(require("analyst"))],
              ctx: Ctx) -> AskAnswer:
    request = QuestionRequest(agent="analyst", text=body.question,
                              event_id=f"ask-{uuid.uuid4().hex[:12]}")
    result = await ctx.platform.agents.run(request)
    answer = result.answer
    return AskAnswer(event_id=result.event_id, status=result.status, answer=result.message,
                     sql=answer.sql if answer else None,
                     columns=answer.columns if answer else [],
                     rows=answer.rows if answer else [],
                     chart=answer.chart if answer else None)
