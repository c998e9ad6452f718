"""The model behind the local server: a pool of ``llama_cpp.Llama`` instances.

Each instance runs one sequence at a time and keeps its KV cache between
requests; llama.cpp reuses the longest common prefix of consecutive prompts,
so a shared system prompt (and tool list) is evaluated once. With several
instances free, a request goes to the one holding the longest prefix of its
prompt. Requests beyond the pool wait in a bounded queue, first come first
served; past its bound they are refused at once
(``QueueFullError``) so that callers back off instead of piling up.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from llama_cpp import Llama, LlamaGrammar, LlamaRAMCache, LlamaState, StoppingCriteriaList

from ._grammar import GrammarError, response_format_gbnf, tool_call_gbnf
from ._prompt import PromptRenderer
from .protocol import ChatCompletionRequest, NamedToolChoice

Mode = Literal["text", "auto", "call", "json"]
STOP = ["<|im_end|>", "<|endoftext|>"]


class BadRequestError(ValueError):
    def __init__(self, message: str, *, param: str | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.param = param
        self.code = code


class QueueFullError(RuntimeError):
    def __init__(self, waiting: int, retry_after_s: int) -> None:
        super().__init__(f"the server is busy: {waiting} requests already wait for the model; "
                         f"retry after {retry_after_s}s")
        self.retry_after_s = retry_after_s


@dataclass
class Prepared:
    tokens: list[int]
    mode: Mode
    grammar: str | None
    max_tokens: int
    temperature: float
    top_p: float
    stop: list[str]
    seed: int | None


@dataclass
class Generation:
    text: str = ""
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class PrefixStateCache(LlamaRAMCache):
    """``LlamaRAMCache`` whose states hold one row of logits, and whose bound counts it.

    llama-cpp-python saves up to ``n_batch`` rows of logits with each state (512 x
    151,936 floats, ~311 MB for Qwen2.5) but counts only the KV bytes against the
    capacity: a 2 GB cache grew past 12 GB here. Without ``logits_all`` the rows are
    never read (sampling reads the context's logits, and a restored state is
    re-decoded before sampling), so one row keeps ``load_state``'s copy valid.
    """

    def __setitem__(self, key: Sequence[int], value: LlamaState) -> None:
        if value.scores.shape[0] > 1:
            value.scores = value.scores[-1:].copy()
        super().__setitem__(key, value)

    @property
    def cache_size(self) -> int:
        return sum(s.llama_state_size + s.scores.nbytes + s.input_ids.nbytes
                   for s in self.cache_state.values())


class Engine:
    def __init__(self, model_path: str, *, model_name: str, n_ctx: int = 4096,
                 n_threads: int = 1, parallel: int = 1, queue_size: int = 32,
                 default_temperature: float = 0.0, cache_mb: int = 0) -> None:
        self.model_name = model_name
        self.n_ctx = n_ctx
        self.queue_size = queue_size
        self.default_temperature = default_temperature
        self._llamas = [
            Llama(model_path, n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                  verbose=False)
            for _ in range(parallel)
        ]
        if cache_mb:
            # llama.cpp restores the state of the longest cached prefix before
            # evaluating a prompt, so agents that interleave keep their own prefixes.
            for llama in self._llamas:
                llama.set_cache(PrefixStateCache(capacity_bytes=cache_mb << 20))
        first = self._llamas[0]
        meta = first.metadata
        vocab_text = first.detokenize
        self._renderer = PromptRenderer(
            meta.get("tokenizer.chat_template"),
            eos_token=vocab_text([first.token_eos()]).decode("utf-8", "replace"),
            bos_token=vocab_text([first.token_bos()]).decode("utf-8", "replace"))
        self._free: list[Llama] = list(self._llamas)
        self._waiting: collections.deque[asyncio.Future[Llama]] = collections.deque()
        self.busy = 0

    @property
    def parallel(self) -> int:
        return len(self._llamas)

    def tokenize(self, text: str) -> list[int]:
        return list(self._llamas[0].tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def prepare(self, req: ChatCompletionRequest) -> Prepared:
        choice = req.effective_tool_choice()
        tools = {t.function.name: t.function.parameters for t in req.tools or ()}
        mode: Mode = "text"
        grammar: str | None = None
        try:
            if isinstance(choice, NamedToolChoice):
                mode = "call"
                name = choice.function["name"]
                grammar = tool_call_gbnf({name: tools[name]}, allow_text=False)
            elif choice in ("auto", "required"):
                mode = "auto" if choice == "auto" else "call"
                grammar = tool_call_gbnf(tools, allow_text=choice == "auto")
            elif req.response_format and req.response_format.type != "text":
                mode = "json"
                rf = req.response_format
                grammar = response_format_gbnf(
                    rf.type, rf.json_schema.schema_ if rf.json_schema else None)
        except GrammarError as exc:
            raise BadRequestError(str(exc), param="tools" if req.tools else "response_format")\
                from None
        # "none" keeps the tools out of the prompt too, as OpenAI does not call them.
        render_tools = req.tools if choice != "none" else None
        try:
            prompt = self._renderer.render(req.messages, render_tools)
        except ValueError as exc:
            raise BadRequestError(f"cannot render the conversation: {exc}",
                                  param="messages") from None
        tokens = self.tokenize(prompt)
        limit = req.token_limit()
        if len(tokens) + (limit or 1) > self.n_ctx:
            raise BadRequestError(
                f"this model's context is {self.n_ctx} tokens; the messages take "
                f"{len(tokens)} tokens and max_tokens asks for {limit or 1} more "
                f"({len(tokens) + (limit or 1)} in all). Shorten the messages or max_tokens.",
                param="messages", code="context_length_exceeded")
        stop = [req.stop] if isinstance(req.stop, str) else list(req.stop or ())
        return Prepared(
            tokens=tokens, mode=mode, grammar=grammar,
            max_tokens=limit or self.n_ctx - len(tokens),
            temperature=self.default_temperature if req.temperature is None else req.temperature,
            top_p=1.0 if req.top_p is None else req.top_p, stop=STOP + stop, seed=req.seed)

    @contextlib.asynccontextmanager
    async def slot(self, tokens: list[int] | None = None) -> AsyncIterator[Llama]:
        """One model instance for the duration of a request; waits in the bounded queue."""
        llama = await self._acquire(tokens)
        self.busy += 1
        try:
            yield llama
        finally:
            self.busy -= 1
            self._release(llama)

    async def _acquire(self, tokens: list[int] | None) -> Llama:
        if self._free and not self._waiting:
            # Of the free instances, the one with the least of ``tokens`` to evaluate.
            best = self._free[0]
            if tokens and len(self._free) > 1:
                best = max(self._free, key=lambda one: _common_prefix(one, tokens))
            self._free.remove(best)
            return best
        if len(self._waiting) >= self.queue_size:
            raise QueueFullError(len(self._waiting),
                                 retry_after_s=max(1, len(self._waiting) // 2))
        handed: asyncio.Future[Llama] = asyncio.get_running_loop().create_future()
        self._waiting.append(handed)
        try:
            return await handed
        except asyncio.CancelledError:
            if handed.done() and not handed.cancelled():
                self._release(handed.result())  # handed over as the caller gave up
            else:
                self._waiting.remove(handed)
            raise

    def _release(self, llama: Llama) -> None:
        # Straight to the longest waiter, so a newcomer cannot overtake the queue.
        while self._waiting:
            handed = self._waiting.popleft()
            if not handed.done():
                handed.set_result(llama)
                return
        self._free.append(llama)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def generate(self, llama: Llama, p: Prepared, *, on_text: Callable[[str], None] | None = None,
                 cancelled: threading.Event | None = None) -> Generation:
        """Run one completion (blocking: call it from a worker thread)."""
        gen = Generation(prompt_tokens=len(p.tokens), cached_tokens=_common_prefix(llama, p.tokens))
        counted = [0]

        def count_and_cancel(_ids: np.ndarray, _logits: np.ndarray) -> bool:
            counted[0] += 1
            return bool(cancelled is not None and cancelled.is_set())

        grammar = LlamaGrammar.from_string(p.grammar, verbose=False) if p.grammar else None
        stream = llama.create_completion(
            p.tokens, max_tokens=p.max_tokens, temperature=p.temperature, top_p=p.top_p,
            stop=p.stop, stream=True, seed=p.seed, grammar=grammar,
            stopping_criteria=StoppingCriteriaList([count_and_cancel]))
        parts: list[str] = []
        for chunk in stream:
            choice: Any = chunk["choices"][0]  # type: ignore[index]
            text = choice["text"]
            if text:
                parts.append(text)
                if on_text is not None:
                    on_text(text)
            if choice.get("finish_reason"):
                gen.finish_reason = choice["finish_reason"]
        gen.text = "".join(parts)
        # The criteria also sees the token sampled past max_tokens (then dropped).
        gen.completion_tokens = min(counted[0], p.max_tokens)
        return gen


def _common_prefix(llama: Llama, tokens: list[int]) -> int:
    """Prompt tokens that will not be evaluated: the longer of the prefix shared with
    the state in place and the longest prefix in the RAM cache of states."""
    n = Llama.longest_token_prefix(llama._input_ids[: llama.n_tokens].tolist(), tokens)
    cache = llama.cache
    if isinstance(cache, LlamaRAMCache):
        key = cache._find_longest_prefix_key(tuple(tokens))  # the lookup llama.cpp itself makes
        if key is not None:
            n = max(n, Llama.longest_token_prefix(list(key), tokens))
    return n
