"""Rasa input channel for a Kakao i Open Builder skill: ``POST /webhooks/kakao/webhook``.

What it does, in order (protocols.md §1): refuse every request (403) when no secret is configured
outside the dev and test profiles; check the shared-secret header (401 missing, 403 wrong); check
the bot-id allowlist (403); answer a request it cannot use (a malformed body, an empty or non-text
utterance such as a photo) with a polite SkillResponse rather than an HTTP error Kakao would show
as a failure; answer a repeated request with the first answer; mask RRNs and hand the turn to
Rasa as conversation ``kakao:<botUserKey>`` through ``bot.turn_guard.TurnGuard``. The answer must
leave within Kakao's 5 s: after ``sync_budget_s`` (3.5 s) a slow turn is answered with
``useCallback`` and its result POSTed once to ``callbackUrl`` (valid one minute), or, without a
callback URL, with a "please press 'show answer' shortly" text while the result waits in the
mailbox. The turn itself is never cancelled: a cancelled Rasa turn is never saved.

Kakao cannot be pushed to, so ``get_output_channel()`` returns an output that files messages
(staff replies during a handoff) in the mailbox, delivered with the resident's next response;
it accepts ``kakao:`` conversation ids only.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.conversation_ids import KAKAO, conversation_id, platform_id
from bot.input_guard import BodyRefused, parse_json_body
from bot.kakao.mailbox import Mailbox, RecentAnswers
from bot.kakao.payload import PayloadError, SkillRequest, parse_skill_payload
from bot.kakao.skill_response import (
    more_quick_reply,
    render_pages,
    simple_text,
    use_callback_response,
)
from bot.reply import ChannelTexts, Reply, domain_of
from bot.runtime_profile import is_dev_or_test
from bot.turn_guard import TurnGuard
from bot.turn_runner import off_loop
from nlu.pii import mask_rrn

logger = logging.getLogger(__name__)

TEXTS_FILE = Path(__file__).with_name("texts.yml")
MAX_BODY_BYTES = 64 * 1024
CALLBACK_VALID_S = 55.0  # the callback URL lives 60 s; keep a margin for the POST itself
DEFAULT_CALLBACK_PREFIXES = ("https://bot-api.kakao.com/",)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def _json(body: Any, status: int = 200) -> HTTPResponse:
    return response.json(
        body,
        status=status,
        dumps=partial(json.dumps, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )


def _error(status: int, code: str, detail: str = "") -> HTTPResponse:
    body = {"error": code}
    if detail:
        body["detail"] = detail
    return _json(body, status=status)


def _as_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, Iterable):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return (str(value),)


class KakaoCollector(CollectingOutputChannel):
    """Collects one turn's messages. Named ``kakao`` so ``channel: kakao`` response variations
    apply, and keeps a text whole: the serialiser decides where bubbles break."""

    @classmethod
    def name(cls) -> str:
        return "kakao"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text.strip()))


class KakaoMailboxOutput(KakaoCollector):
    """The output Rasa uses outside a turn (staff replies): files messages in the mailbox."""

    def __init__(self, mailbox: Mailbox) -> None:
        super().__init__()
        self.mailbox = mailbox

    async def _persist_message(self, message: dict[str, Any]) -> None:
        recipient = str(message.get("recipient_id"))
        if platform_id(KAKAO, recipient) is None:
            logger.warning("kakao_push_not_a_kakao_conversation")
            return
        await self.mailbox.put(recipient, [message])


class KakaoInput(InputChannel):
    """Kakao i Open Builder skill webhook."""

    @classmethod
    def name(cls) -> str:
        return "kakao"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> KakaoInput:
        c = credentials or {}
        return cls(
            secret_header=str(c.get("secret_header") or "X-Skill-Token"),
            secret=str(c.get("secret") or ""),
            bot_ids=_as_list(c.get("bot_ids")),
            sync_budget_s=float(c.get("sync_budget_s") or 3.5),
            dedupe_window_s=float(c.get("dedupe_window_s") or 3.0),
            callback_url_prefixes=_as_list(c.get("callback_url_prefixes"))
            or DEFAULT_CALLBACK_PREFIXES,
        )

    def __init__(
        self,
        secret_header: str = "X-Skill-Token",  # noqa: S107 - a header name, not a secret
        secret: str = "",
        bot_ids: Iterable[str] = (),
        sync_budget_s: float = 3.5,
        dedupe_window_s: float = 3.0,
        callback_url_prefixes: Iterable[str] = DEFAULT_CALLBACK_PREFIXES,
        texts: ChannelTexts | None = None,
        turns: TurnGuard | None = None,
    ) -> None:
        self.secret_header = secret_header
        self.secret = secret
        self.bot_ids = frozenset(bot_ids)
        self.sync_budget_s = sync_budget_s
        self.callback_url_prefixes = tuple(callback_url_prefixes)
        self.texts = texts or ChannelTexts.from_yaml("kakao", TEXTS_FILE)
        # shared by every Rasa instance when Redis is configured (bot/state_store.py)
        self.mailbox = Mailbox.open()
        self.recent = RecentAnswers.open(dedupe_window_s, running_for_s=sync_budget_s + 10.0)
        self.turns = turns or TurnGuard()
        self._background: set[asyncio.Future[Any]] = set()
        # without a secret anyone could write as any Kakao user: only a developer may run so
        self.refuses_all = not secret and not is_dev_or_test()
        if self.refuses_all:
            logger.error("kakao_secret_not_configured_refusing_requests")
        elif not secret:
            logger.warning("kakao_secret_not_configured")

    def get_output_channel(self) -> KakaoMailboxOutput:
        return KakaoMailboxOutput(self.mailbox)

    # -- request checks -------------------------------------------------------------------

    def _check_secret(self, request: Request) -> HTTPResponse | None:
        if self.refuses_all:
            return _error(403, "channel_not_configured")
        if not self.secret:
            return None
        got = request.headers.get(self.secret_header)
        if not got:
            return _error(401, "missing_secret")
        # surrogateescape: a header with stray non-ASCII bytes is just a wrong secret
        given = got.encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self.secret.encode("utf-8")):
            return _error(403, "wrong_secret")
        return None

    def _callback_url(self, skill: SkillRequest) -> str | None:
        url = skill.callback_url
        if url and any(url.startswith(p) for p in self.callback_url_prefixes):
            return url
        if url:
            logger.warning(
                "kakao_callback_url_not_allowed",
                extra={"conversation_id": conversation_id(KAKAO, skill.sender_id)},
            )
        return None

    # -- the webhook ----------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint(f"kakao_webhook_{id(self)}", __name__)
        # the turn's CPU work runs off the server's loop, so the 3.5 s switch fires on time
        on_new_message = off_loop(on_new_message)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return _json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            started = time.monotonic()
            refused = self._check_secret(request)
            if refused is not None:
                return refused
            try:
                skill = parse_skill_payload(parse_json_body(request.body, MAX_BODY_BYTES))
            except (BodyRefused, PayloadError) as e:
                # Kakao shows any HTTP error as a broken bot: say it politely instead
                logger.info("kakao_request_unusable", extra={"reason": str(e)[:80]})
                return _json(self._notice_response("unreadable", request))
            if self.bot_ids and skill.bot_id not in self.bot_ids:
                return _error(403, "bot_not_allowed")
            if not skill.wants_more and not skill.rasa_text.strip():
                return _json(self._notice_response("not_text", request))

            # "more"/"show answer" presses never reach Rasa and are identical every time, so
            # they are not de-duplicated; every other request body is answered once
            # (on whichever instance the first one reached: the claim is SET NX in Redis)
            if not skill.wants_more and not await self._claim(skill):
                logger.info(
                    "kakao_duplicate_request",
                    extra={"conversation_id": conversation_id(KAKAO, skill.sender_id)},
                )
                # wait for the first request's answer, within Kakao's time
                budget = self.sync_budget_s + 0.5 - (time.monotonic() - started)
                earlier = await self.recent.wait_for(skill.dedupe_key, max(0.0, budget))
                if earlier is not None:
                    return _json(earlier)
                return _json(self._notice_response("late", request))
            try:
                answer = await self._answer(skill, request, on_new_message, started)
            except Exception:
                if not skill.wants_more:
                    with contextlib.suppress(Exception):  # a repeat may run its own turn then
                        await self.recent.abandon(skill.dedupe_key)
                logger.exception(
                    "kakao_request_failed",
                    extra={"conversation_id": conversation_id(KAKAO, skill.sender_id)},
                )
                return _json(self._notice_response("error", request))
            if not skill.wants_more:
                try:
                    await self.recent.finish(skill.dedupe_key, answer)
                except Exception:  # the state store is down: a repeat runs its own turn
                    logger.exception("kakao_state_store_failed")
            return _json(answer)

        return bp

    async def _claim(self, skill: SkillRequest) -> bool:
        """``True`` when this request is the first with its body (the caller answers it)."""
        try:
            return await self.recent.claim(skill.dedupe_key)
        except Exception:  # the state store is down: answer rather than fail (no 5xx to Kakao)
            logger.exception("kakao_state_store_failed")
            return True

    def _words(self, request: Request) -> dict[str, str]:
        domain = domain_of(request.app)
        return {key: self.texts.get(key, domain) for key in self.texts.names()}

    def _notice_response(self, key: str, request: Request) -> dict[str, Any]:
        """One of the channel's own sentences; the waiting ones offer "show answer"."""
        words = self._words(request)
        template: dict[str, Any] = {"outputs": [simple_text(words[key])]}
        if key in {"late", "still_preparing"}:
            template["quickReplies"] = [more_quick_reply(words["show_answer"])]
        return {"version": "2.0", "template": template}

    async def _render(
        self, sender_id: str, messages: list[dict[str, Any]], words: dict[str, str]
    ) -> dict[str, Any]:
        """Render waiting mailbox messages plus ``messages``; keep further pages for "more"."""
        reply = Reply.from_rasa(await self.mailbox.take(sender_id) + messages)
        pages = render_pages(reply, words)
        await self.mailbox.set_pages(sender_id, pages[1:])
        return pages[0]

    async def _answer(
        self, skill: SkillRequest, request: Request, on_new_message: OnNewMessage, started: float
    ) -> dict[str, Any]:
        sender = conversation_id(KAKAO, skill.sender_id)
        words = self._words(request)
        if skill.wants_more:
            page = await self.mailbox.next_page(sender)
            if page is not None:
                return page
            if await self.mailbox.has_messages(sender):
                return await self._render(sender, [], words)
            if await self.mailbox.has_turn_in_flight(sender):
                return self._notice_response("still_preparing", request)
            return self._notice_response("nothing_more", request)

        await self.mailbox.drop_pages(sender)  # the resident moved on from the previous answer
        collector = KakaoCollector()
        message = UserMessage(
            mask_rrn(skill.rasa_text),
            collector,
            sender,
            input_channel=self.name(),
            metadata={
                "kakao": {
                    "bot_id": skill.bot_id,
                    "block_id": skill.block_id,
                    "surface": skill.surface,
                    "trigger": skill.trigger,
                    "button": skill.payload is not None,
                }
            },
        )
        # counted until its answer is delivered or filed, so a "show answer" press on any
        # instance never finds neither the turn nor its answer
        await self.mailbox.turn_started(sender)
        turn = asyncio.ensure_future(self.turns.run(message, on_new_message, request.app))
        self._background.add(turn)
        turn.add_done_callback(self._background.discard)

        budget = max(0.0, self.sync_budget_s - (time.monotonic() - started))
        # asyncio.wait never cancels the turn, even when this request handler is cancelled
        try:
            done, _ = await asyncio.wait({turn}, timeout=budget)
        except asyncio.CancelledError:  # Kakao hung up: keep the answer for the next message
            self._file_when_done(turn, collector, sender, words)
            raise
        if turn in done:
            outcome = "sync"
            try:
                answer = await self._render(
                    sender, self._turn_messages(turn, collector, words), words
                )
            finally:
                await self.mailbox.turn_finished(sender)
        else:
            callback_url = self._callback_url(skill)
            if callback_url:
                outcome = "callback"
                deadline = started + CALLBACK_VALID_S
                follow_up = asyncio.ensure_future(
                    self._post_when_done(turn, collector, sender, callback_url, deadline, words)
                )
                self._background.add(follow_up)
                follow_up.add_done_callback(self._background.discard)
                answer = use_callback_response(words["wait"])
            else:
                outcome = "late"
                self._file_when_done(turn, collector, sender, words)
                answer = self._notice_response("late", request)
        logger.info(
            "kakao_turn",
            extra={
                "conversation_id": sender,
                "outcome": outcome,
                "duration_ms": round((time.monotonic() - started) * 1000),
            },
        )
        return answer

    def _file_when_done(
        self,
        turn: asyncio.Future[Any],
        collector: KakaoCollector,
        sender: str,
        words: dict[str, str],
    ) -> None:
        """Put the turn's answer in the mailbox when it ends (nobody waits for it any more)."""

        async def file() -> None:
            await asyncio.wait({turn})
            try:
                await self.mailbox.put(sender, self._turn_messages(turn, collector, words))
            finally:
                await self.mailbox.turn_finished(sender)

        task = asyncio.ensure_future(file())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @staticmethod
    def _turn_messages(
        turn: asyncio.Future[Any], collector: KakaoCollector, words: dict[str, str]
    ) -> list[dict[str, Any]]:
        if turn.cancelled() or turn.exception() is not None:
            if not turn.cancelled():
                logger.error("kakao_turn_failed", exc_info=turn.exception())
            return [*collector.messages, {"text": words["error"]}]
        return list(collector.messages)

    async def _post_when_done(
        self,
        turn: asyncio.Future[Any],
        collector: KakaoCollector,
        sender: str,
        callback_url: str,
        deadline: float,
        words: dict[str, str],
    ) -> None:
        """Wait for the turn, then POST its answer once to the callback URL (protocols.md §1.4).

        If the URL has expired or Kakao refuses the POST, the answer goes to the mailbox instead.
        """
        await asyncio.wait({turn})
        try:
            await self._post_or_file(turn, collector, sender, callback_url, deadline, words)
        finally:
            await self.mailbox.turn_finished(sender)

    async def _post_or_file(
        self,
        turn: asyncio.Future[Any],
        collector: KakaoCollector,
        sender: str,
        callback_url: str,
        deadline: float,
        words: dict[str, str],
    ) -> None:
        messages = self._turn_messages(turn, collector, words)
        if time.monotonic() > deadline:
            logger.warning("kakao_callback_expired", extra={"conversation_id": sender})
            await self.mailbox.put(sender, messages)
            return
        waiting = await self.mailbox.take(sender)
        pages = render_pages(Reply.from_rasa(waiting + messages), words)
        status = "error"
        try:
            timeout_s = max(1.0, min(10.0, deadline - time.monotonic()))
            async with httpx.AsyncClient(timeout=timeout_s) as client:
                resp = await client.post(callback_url, json=pages[0])
            result = resp.json() if resp.content else {}
            status = str(result.get("status", "")) if isinstance(result, dict) else ""
            if resp.status_code == 200 and status in {"SUCCESS", ""}:
                await self.mailbox.set_pages(sender, pages[1:])
                logger.info("kakao_callback_sent", extra={"conversation_id": sender})
                return
        except (httpx.HTTPError, ValueError):
            pass
        logger.warning("kakao_callback_failed", extra={"conversation_id": sender, "status": status})
        await self.mailbox.put(sender, waiting + messages)
