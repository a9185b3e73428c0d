"""The phone line over TwiML webhooks (Twilio; SignalWire cXML and Telnyx TeXML alike).

Routes under the Rasa server (the channel is named ``voice``, so the dialogue's ``channel: voice``
response variations are said):

- ``POST /webhooks/voice/twiml``         the number's Voice URL and every ``<Gather>``/``<Dial>``
  action: Twilio's form fields (``CallSid``, ``From``, ``SpeechResult``, ``Confidence``,
  ``Digits``, ``CallStatus``, ``DialCallStatus``) → one step of the call dialogue
  (bot/voice/call.py) → TwiML: ``<Gather input="dtmf speech" language="ko-KR">`` around ``<Play>``
  of each prompt's audio, or ``<Dial>`` to staff, or ``<Hangup/>``.
- ``GET  /webhooks/voice/audio/<key>.wav`` the prompt audio (8 kHz mono μ-law WAV, bot/voice/tts.py);
  ``<key>.txt`` its text, in the dev and test profiles only (the phone simulator shows it).
- ``GET  /webhooks/voice/simulator``     the phone simulator page, dev and test profiles only.

Every URL in the TwiML is absolute (SignalWire re-requests the current URL when ``action`` is
missing or relative), built from ``MINWON_VOICE_PUBLIC_URL`` when set, else from
``X-Forwarded-Proto``/``X-Forwarded-Host`` of a proxy, else the request itself. The same public
URL is what ``X-Twilio-Signature`` (or SignalWire's ``X-SignalWire-Signature``) is checked
against: HMAC-SHA1 over the URL and the sorted POST parameters under the auth token
(``MINWON_TWILIO_AUTH_TOKEN``), with twilio's own ``RequestValidator``. Without a token, requests
are accepted only in the dev and test profiles (a warning is logged); elsewhere every request is
refused with 403.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from bot.bounded import BoundedMap
from bot.input_guard import is_safe_id, is_valid_unicode
from bot.runtime_profile import current_profile, is_dev_or_test
from bot.voice.call import (
    VOICE,
    CallerInput,
    Outcome,
    StaffLine,
    VoiceDialogue,
    VoiceTurn,
    agent_tracker_reader,
    caller_number,
)
from bot.voice.fastagi import claiming
from bot.voice.prerender import fixed_voice_texts, prerender_on, prerender_wanted
from bot.voice.tts import SpeechOut, SpeechUnavailable

logger = logging.getLogger(__name__)

MAX_BODY_BYTES: Final = 64 * 1024
SIMULATOR_FILE: Final = Path(__file__).with_name("simulator.html")
AUTH_TOKEN_ENV: Final = "MINWON_TWILIO_AUTH_TOKEN"  # noqa: S105 - a variable name
PUBLIC_URL_ENV: Final = "MINWON_VOICE_PUBLIC_URL"
STAFF_NUMBER_ENV: Final = "MINWON_VOICE_STAFF_NUMBER"
SIGNATURE_HEADERS: Final = ("X-Twilio-Signature", "X-SignalWire-Signature")
ENDED: Final = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
LANGUAGE: Final = "ko-KR"
FALLBACK_VOICE: Final = "Polly.Seoyeon"  # used with <Say> only when our own audio failed
SPEECH_TIMEOUT_S: Final = 3
DIAL_TIMEOUT_S: Final = 30
_AUDIO_NAME: Final = re.compile(r"([0-9a-f]{32})\.(wav|txt)")
_HOST: Final = re.compile(r"[A-Za-z0-9.\-]+(?::\d{1,5})?")
CSP: Final = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; media-src 'self'; base-uri 'none'; form-action 'none'"
)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class TwimlVoiceInput(InputChannel):
    """The TwiML voice webhook (module docstring)."""

    @classmethod
    def name(cls) -> str:
        return VOICE

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TwimlVoiceInput:
        c = credentials or {}
        return cls(
            auth_token=os.environ.get(AUTH_TOKEN_ENV, ""),
            public_url=os.environ.get(PUBLIC_URL_ENV, ""),
            staff=StaffLine.parse(
                os.environ.get(STAFF_NUMBER_ENV, ""),
                str(c.get("staff_hours") or "09:00-18:00"),
                str(c.get("staff_days") or "0-4"),
            ),
            min_confidence=float(c.get("min_confidence", 0.4)),
            prerender=prerender_on(c),
        )

    def __init__(
        self,
        auth_token: str = "",
        public_url: str = "",
        staff: StaffLine | None = None,
        speech: SpeechOut | None = None,
        min_confidence: float = 0.4,
        prerender: bool = True,
        relaxed: bool | None = None,
    ) -> None:
        self.auth_token = auth_token.strip()
        self.public_url = public_url.strip().rstrip("/")
        self.staff = staff or StaffLine()
        self.speech = speech or SpeechOut()
        self.min_confidence = min_confidence
        self.prerender = prerender
        self.relaxed = is_dev_or_test() if relaxed is None else relaxed
        self.dialogue: VoiceDialogue | None = None
        # Conversations of calls in progress → the caller's number, for the signed caller claim
        # (identity by caller ID, docs/security.md). Filled from each request's `From` only when
        # the request is trustworthy: its Twilio signature was checked, or the dev/test profile.
        self.callers: BoundedMap[str, str] = BoundedMap(10_000, ttl_s=4 * 3600)
        if not self.auth_token:
            if self.relaxed:
                logger.warning("voice_auth_token_missing_signatures_not_checked")
            else:
                logger.error("voice_auth_token_not_configured_refusing_requests")

    # --- URLs and signatures --------------------------------------------------------------------
    def public_base(self, request: Request) -> str:
        """``scheme://host`` Twilio reached us at (module docstring)."""
        if self.public_url:
            return self.public_url
        proto = (request.headers.get("X-Forwarded-Proto") or "").split(",")[0].strip().lower()
        host = (request.headers.get("X-Forwarded-Host") or "").split(",")[0].strip()
        scheme = proto if proto in ("http", "https") else request.scheme
        if not _HOST.fullmatch(host):
            host = request.host
        return f"{scheme}://{host}"

    def public_url_of(self, request: Request) -> str:
        url = self.public_base(request) + request.path
        return f"{url}?{request.query_string}" if request.query_string else url

    def signature_ok(self, request: Request, form: Mapping[str, str]) -> bool:
        if not self.auth_token:
            return self.relaxed
        signature = next(
            (request.headers.get(h) for h in SIGNATURE_HEADERS if request.headers.get(h)), None
        )
        if not signature:
            return False
        validator = RequestValidator(self.auth_token)
        return bool(validator.validate(self.public_url_of(request), dict(form), signature))

    # --- TwiML --------------------------------------------------------------------------------
    async def twiml(self, turn: VoiceTurn, request: Request) -> str:
        base = self.public_base(request)
        action = f"{base}/webhooks/{VOICE}/twiml"
        doc = VoiceResponse()
        if turn.outcome is Outcome.ASK and turn.gather is not None:
            spec = turn.gather
            attributes: dict[str, Any] = {
                "input": " ".join(spec.inputs),
                "language": LANGUAGE,
                "action": action,
                "method": "POST",
                "action_on_empty_result": True,
                "timeout": spec.timeout_s,
                "speech_timeout": SPEECH_TIMEOUT_S,
                "finish_on_key": spec.finish_on_key,
            }
            if spec.num_digits is not None:
                attributes["num_digits"] = spec.num_digits
            if spec.hints:
                attributes["hints"] = ",".join(h.replace(",", " ")[:100] for h in spec.hints)
            target = doc.gather(**attributes)
        else:
            target = doc
        for prompt in turn.prompts:
            await self._speak(target, prompt, base)
        if turn.outcome is Outcome.TRANSFER and turn.transfer_to:
            doc.dial(turn.transfer_to, action=action, method="POST", timeout=DIAL_TIMEOUT_S)
        elif turn.outcome is Outcome.HANGUP:
            doc.hangup()
        return str(doc)

    async def _speak(self, target: Any, text: str, base: str) -> None:
        try:
            rendered = await self.speech.render(text)
        except SpeechUnavailable:
            logger.exception("voice_tts_failed_using_say")
            target.say(text, language=LANGUAGE, voice=FALLBACK_VOICE)
            return
        target.play(f"{base}/webhooks/{VOICE}/audio/{rendered.key}.wav")

    # --- the webhook --------------------------------------------------------------------------
    def _dialogue(self, on_new_message: OnNewMessage, app: Any) -> VoiceDialogue:
        if self.dialogue is None:
            self.dialogue = VoiceDialogue(
                claiming(on_new_message, self.callers),
                app=app,
                tracker_reader=agent_tracker_reader(app),
                staff=self.staff,
                min_confidence=self.min_confidence,
            )
        return self.dialogue

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint(f"voice_{id(self)}", __name__)

        @bp.listener("after_server_start")
        async def prerender(app: Any, _loop: Any) -> None:
            # ./minwon start renders them once for every process (bot/voice/prerender.py)
            if self.prerender and prerender_wanted(current_profile()):
                domain = getattr(getattr(app.ctx, "agent", None), "domain", None)
                self.speech.prerender_in_background(fixed_voice_texts(domain))

        @bp.route("/twiml", methods=["POST"])
        async def twiml(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.text("too large", status=413)
            form = _form(request)
            if form is None:
                return response.text("bad request", status=400)
            if not self.signature_ok(request, form):
                logger.warning("voice_signature_refused")
                return response.text("forbidden", status=403)
            call_id = form.get("CallSid", "")
            if not is_safe_id(call_id):
                return response.text("bad request", status=400)
            dialogue = self._dialogue(on_new_message, request.app)
            caller = form.get("From", "")
            conversation = dialogue.conversation_for(caller, call_id)
            number = caller_number(caller)
            if number and (self.auth_token or self.relaxed):
                self.callers.set(conversation, number)
            if form.get("CallStatus", "").lower() in ENDED:
                self.callers.pop(conversation)
                await dialogue.handle(call_id, caller, CallerInput.hangup())
                return _xml(str(VoiceResponse()))
            try:
                if form.get("DialCallStatus"):
                    if form["DialCallStatus"].lower() == "completed":
                        dialogue.end(call_id)
                        turn = VoiceTurn((), Outcome.HANGUP)
                    else:
                        turn = await dialogue.staff_unreachable(call_id, caller)
                else:
                    turn = await dialogue.handle(call_id, caller, caller_input(form, dialogue,
                                                                               call_id))
                return _xml(await self.twiml(turn, request))
            except Exception:
                logger.exception("voice_twiml_failed")
                doc = VoiceResponse()
                doc.say(dialogue.say("not_heard"), language=LANGUAGE, voice=FALLBACK_VOICE)
                doc.redirect(f"{self.public_base(request)}/webhooks/{VOICE}/twiml",
                             method="POST")
                return _xml(str(doc))

        @bp.route("/audio/<name>", methods=["GET", "HEAD"])
        async def audio(request: Request, name: str) -> HTTPResponse:
            match = _AUDIO_NAME.fullmatch(name)
            if not match or (match.group(2) == "txt" and not self.relaxed):
                return response.text("not found", status=404)
            rendered = self.speech.find(match.group(1))
            if rendered is None:
                return response.text("not found", status=404)
            if match.group(2) == "txt":
                return response.text(rendered.text_file.read_text(encoding="utf-8"),
                                     headers={"Cache-Control": "no-store"})
            return await response.file(
                str(rendered.ulaw_wav),
                mime_type="audio/wav",
                headers={"Cache-Control": "public, max-age=86400"},
            )

        @bp.route("/simulator", methods=["GET"])
        async def simulator(request: Request) -> HTTPResponse:
            if not self.relaxed:
                return response.text("not found", status=404)
            return response.html(
                SIMULATOR_FILE.read_text(encoding="utf-8"),
                headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store",
                         "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"},
            )

        return bp


def caller_input(form: Mapping[str, str], dialogue: VoiceDialogue, call_id: str) -> CallerInput:
    """What the caller did, from Twilio's form fields."""
    if not dialogue.is_active(call_id):
        return CallerInput.start()
    digits = form.get("Digits", "")
    if digits:
        return CallerInput.dtmf(digits)
    speech = form.get("SpeechResult", "")
    if speech.strip():
        try:
            confidence: float | None = float(form.get("Confidence", ""))
        except ValueError:
            confidence = None
        return CallerInput.speech(speech, confidence)
    return CallerInput.silence()


def _form(request: Request) -> dict[str, str] | None:
    """Twilio's form fields (first value of each), or None for a body that is not a form."""
    try:
        text = (request.body or b"").decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None
    form: dict[str, str] = {}
    for key, value in pairs:
        if not (is_valid_unicode(key) and is_valid_unicode(value)):
            return None
        form.setdefault(key, value)
    return form


def _xml(body: str) -> HTTPResponse:
    return response.text(body, content_type="text/xml; charset=utf-8")
