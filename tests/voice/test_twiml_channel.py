"""The TwiML webhook over HTTP with a scripted Rasa: signatures, proxies, TwiML, audio."""

from __future__ import annotations

import wave
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from bot.turn_guard import TurnGuard
from bot.voice.call import StaffLine, VoiceDialogue
from bot.voice.tts import SpeechOut
from bot.voice.twiml import TwimlVoiceInput
from tests.bot.servers import serve_sanic
from tests.voice.audio_format import PCM, ULAW, file_format, wav_format
from tests.voice.fake_rasa import GREET, FakeRasa, said
from tests.voice.twiml_schema import gather_of, play_urls, twiml_problems

TOKEN = "test-auth-token-0123456789abcdef0123"  # noqa: S105
PATH = "/webhooks/voice/twiml"
ASK_BIRTH = said("utter_ask_birth_date", "생년월일 여섯 자리를 눌러 주세요.")


async def _up(app: object) -> bool:
    return True


@asynccontextmanager
async def voice_line(
    tmp_path: Path, rasa: FakeRasa, **kwargs: Any
) -> AsyncIterator[tuple[str, TwimlVoiceInput]]:
    kwargs.setdefault("relaxed", False)
    channel = TwimlVoiceInput(speech=SpeechOut(tmp_path / "audio", key=b"a" * 32),
                              prerender=False, **kwargs)
    channel.dialogue = VoiceDialogue(rasa, key=b"k" * 32, staff=channel.staff,
                                     turns=TurnGuard(is_action_server_up=_up))
    async with serve_sanic([(channel.blueprint(rasa), "/webhooks/voice")]) as base:
        yield base, channel


def call_form(**fields: str) -> dict[str, str]:
    return {"CallSid": "CA0123456789abcdef", "From": "+821012345678", "To": "+8227000000",
            "AccountSid": "AC1", "CallStatus": "in-progress", "Direction": "inbound",
            "ApiVersion": "2010-04-01", **fields}


def signed(url: str, form: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, form)}


async def post(base: str, form: dict[str, str], headers: dict[str, str] | None = None
               ) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(base + PATH, data=form, headers=headers or {})


async def test_signed_requests_are_answered_and_wrong_or_missing_signatures_refused(
    tmp_path: Path,
) -> None:
    rasa = FakeRasa({"/greet": [GREET]})
    async with voice_line(tmp_path, rasa, auth_token=TOKEN) as (base, _):
        form = call_form(CallStatus="ringing")
        right = await post(base, form, signed(base + PATH, form))
        assert right.status_code == 200, right.text
        assert right.headers["content-type"].startswith("text/xml")
        assert twiml_problems(right.text) == []
        wrong = await post(base, form, signed(base + PATH, form, token="another-token"))
        missing = await post(base, form)
        tampered = await post(base, {**form, "From": "+821099999999"},
                              signed(base + PATH, form))
        assert (wrong.status_code, missing.status_code, tampered.status_code) == (403, 403, 403)
        assert rasa.texts == ["/greet"]


async def test_behind_a_proxy_urls_and_signatures_use_the_public_address(tmp_path: Path) -> None:
    rasa = FakeRasa({"/greet": [GREET]})
    async with voice_line(tmp_path, rasa, auth_token=TOKEN) as (base, _):
        form = call_form(CallStatus="ringing")
        public = "https://ivr.example.go.kr" + PATH
        proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ivr.example.go.kr"}
        answer = await post(base, form, {**proxy, **signed(public, form)})
        assert answer.status_code == 200, answer.text
        assert gather_of(answer.text)["action"] == public  # type: ignore[index]
        assert all(u.startswith("https://ivr.example.go.kr/webhooks/voice/audio/")
                   for u in play_urls(answer.text))
        # the signature over the internal http:// URL is not the one Twilio made
        assert (await post(base, form, {**proxy, **signed(base + PATH, form)})).status_code == 403


async def test_a_configured_public_url_wins(tmp_path: Path) -> None:
    async with voice_line(tmp_path, FakeRasa({"/greet": [GREET]}), auth_token=TOKEN,
                          public_url="https://voice.example.kr/") as (base, _):
        form = call_form(CallStatus="ringing")
        url = "https://voice.example.kr" + PATH
        answer = await post(base, form, signed(url, form))
        assert answer.status_code == 200
        assert gather_of(answer.text)["action"] == url  # type: ignore[index]


async def test_each_turn_is_a_valid_gather_per_question_with_8khz_prompt_audio(
    tmp_path: Path,
) -> None:
    rasa = FakeRasa({"/greet": [GREET], "/request_delivery": [ASK_BIRTH]})
    async with voice_line(tmp_path, rasa, relaxed=True) as (base, channel):
        first = await post(base, call_form(CallStatus="ringing"))
        gather = gather_of(first.text)
        assert gather is not None
        assert (gather["input"], gather["language"], gather["numDigits"]) == (
            "dtmf speech", "ko-KR", "1")
        assert gather["actionOnEmptyResult"] == "true"
        second = await post(base, call_form(Digits="2"))
        assert twiml_problems(second.text) == []
        gather = gather_of(second.text)
        assert (gather["numDigits"], gather["finishOnKey"]) == ("6", "#")  # type: ignore[index]
        async with httpx.AsyncClient() as client:
            for url in play_urls(first.text) + play_urls(second.text):
                audio = await client.get(url)
                assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
                fmt = wav_format(audio.content)
                assert (fmt.audio_format, fmt.channels, fmt.sample_rate, fmt.bits) == (
                    ULAW, 1, 8000, 8)
                assert fmt.data_bytes > 8000 * 0.5  # at least half a second of speech
                text = await client.get(url.replace(".wav", ".txt"))
                assert text.status_code == 200 and text.text
            key = play_urls(second.text)[0].rsplit("/", 1)[1][:-4]
            rendered = channel.speech.find(key)
            assert rendered is not None
            with wave.open(str(rendered.pcm_wav)) as pcm:  # what Asterisk plays
                assert (pcm.getframerate(), pcm.getnchannels(), pcm.getsampwidth()) == (8000, 1, 2)
            assert file_format(rendered.pcm_wav).audio_format == PCM
            assert rendered.sln.stat().st_size == rendered.pcm_wav.stat().st_size - 44
            for name in ("../../etc/passwd", "0" * 32 + ".wav", "x.wav"):
                assert (await client.get(f"{base}/webhooks/voice/audio/{name}")).status_code == 404


async def test_completed_closes_the_call_and_the_next_request_starts_anew(tmp_path: Path) -> None:
    rasa = FakeRasa({"/greet": [GREET]})
    async with voice_line(tmp_path, rasa, relaxed=True) as (base, channel):
        await post(base, call_form(CallStatus="ringing"))
        assert channel.dialogue is not None and channel.dialogue.is_active("CA0123456789abcdef")
        ended = await post(base, call_form(CallStatus="completed"))
        assert ended.status_code == 200 and twiml_problems(ended.text) == []
        assert not channel.dialogue.is_active("CA0123456789abcdef")


async def test_zero_dials_staff_on_duty_and_an_unanswered_transfer_opens_a_ticket(
    tmp_path: Path,
) -> None:
    rasa = FakeRasa({"/greet": [GREET], "/human_handoff": [
        said("utter_handoff_opened", "상담 요청을 접수했어요. 직원이 이 번호로 전화드릴게요.")]})
    always = StaffLine.parse("+8227001234", "00:00-23:59", "0-6")
    async with voice_line(tmp_path, rasa, relaxed=True, staff=always) as (base, _):
        await post(base, call_form(CallStatus="ringing"))
        dial = await post(base, call_form(Digits="0"))
        assert twiml_problems(dial.text) == []
        assert "<Dial" in dial.text and "+8227001234" in dial.text
        unanswered = await post(base, call_form(DialCallStatus="no-answer"))
        assert rasa.texts[-1] == "/human_handoff"
        assert rasa.received[-1].metadata["voice"]["callback_number"] == "01012345678"
        assert "<Hangup" in unanswered.text and twiml_problems(unanswered.text) == []


@pytest.mark.parametrize("body", [b"\xff\xfe", b"CallSid=a/b&From=1", b"CallSid=" + b"x" * 70000])
async def test_bad_bodies_are_refused_without_reaching_rasa(tmp_path: Path, body: bytes) -> None:
    rasa = FakeRasa({"/greet": [GREET]})
    async with voice_line(tmp_path, rasa, relaxed=True) as (base, _):
        async with httpx.AsyncClient() as client:
            answer = await client.post(base + PATH, content=body, headers={
                "Content-Type": "application/x-www-form-urlencoded"})
        assert answer.status_code in (400, 413)
        assert rasa.texts == []


async def test_without_a_token_outside_dev_and_test_everything_is_refused(tmp_path: Path) -> None:
    rasa = FakeRasa({"/greet": [GREET]})
    async with voice_line(tmp_path, rasa, relaxed=False) as (base, _):
        assert (await post(base, call_form(CallStatus="ringing"))).status_code == 403
        async with httpx.AsyncClient() as client:
            assert (await client.get(base + "/webhooks/voice/simulator")).status_code == 404
        assert rasa.texts == []
