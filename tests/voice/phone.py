"""A caller on the TwiML webhook of a running Rasa server, as Twilio drives it.

Every step posts Twilio's form fields to ``/webhooks/voice/twiml``, checks the TwiML against the
verbs' documented attributes (twiml_schema.py), fetches every ``<Play>`` URL (it must be 8 kHz
mono μ-law WAV) and reads each prompt's text (``<key>.txt``, served in the test profile).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

import httpx

from bot.voice.spoken_korean import DIGIT_NAMES
from tests.voice.audio_format import ULAW, wav_format
from tests.voice.twiml_schema import gather_of, play_urls, twiml_problems

_SPOKEN_RUN = re.compile("[" + "".join(DIGIT_NAMES) + r"]{4}(?:, [" + "".join(DIGIT_NAMES) + "]{4})")


@dataclass
class Turn:
    xml: str
    prompts: list[str]
    gather: dict[str, str] | None

    @property
    def text(self) -> str:
        return " ".join(self.prompts)

    @property
    def hung_up(self) -> bool:
        return "<Hangup" in self.xml

    @property
    def dialled(self) -> bool:
        return "<Dial" in self.xml


@dataclass
class Phone:
    rasa_url: str
    caller: str = "+821056789012"
    call_sid: str = field(default_factory=lambda: "CA" + uuid.uuid4().hex)
    transcript: list[tuple[str, str]] = field(default_factory=list)
    audio_checked: int = 0

    def _post(self, said: str, **fields: str) -> Turn:
        form = {"CallSid": self.call_sid, "AccountSid": "ACtest", "From": self.caller,
                "To": "+8227000000", "CallStatus": "in-progress", "Direction": "inbound",
                "ApiVersion": "2010-04-01", **fields}
        response = httpx.post(f"{self.rasa_url}/webhooks/voice/twiml", data=form, timeout=120)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        problems = twiml_problems(response.text)
        assert problems == [], (problems, response.text)
        prompts = []
        for url in play_urls(response.text):
            audio = httpx.get(url, timeout=30)
            assert audio.status_code == 200, url
            fmt = wav_format(audio.content)
            assert (fmt.audio_format, fmt.channels, fmt.sample_rate, fmt.bits) == (ULAW, 1, 8000, 8)
            assert fmt.data_bytes >= 2400, url  # at least 0.3 s of speech
            self.audio_checked += 1
            prompts.append(httpx.get(url[: -len(".wav")] + ".txt", timeout=30).text)
        turn = Turn(response.text, prompts, gather_of(response.text))
        self.transcript.append((said, turn.text))
        return turn

    def dial(self) -> Turn:
        return self._post("(calls)", CallStatus="ringing")

    def press(self, digits: str) -> Turn:
        return self._post(f"[{digits}]", Digits=digits)

    def speak(self, text: str, confidence: float = 0.9) -> Turn:
        return self._post(text, SpeechResult=text, Confidence=str(confidence))

    def silence(self) -> Turn:
        return self._post("(silence)")

    def hang_up(self) -> None:
        self._post("(hangs up)", CallStatus="completed")

    def story(self) -> str:
        return "\n".join(f"> {said}\n< {heard}" for said, heard in self.transcript)


def order_number_heard(text: str) -> str:
    """The order number a prompt said digit by digit ("이공이육, 일이공사" → "20261204")."""
    match = _SPOKEN_RUN.search(text)
    assert match, text
    return "".join(str(DIGIT_NAMES.index(c)) for c in match.group(0) if c in DIGIT_NAMES)
