"""The transport-neutral call dialogue (bot/voice/call.py) over a scripted Rasa."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.turn_guard import TurnGuard
from bot.voice.call import (
    CallerInput,
    CallMemory,
    Outcome,
    StaffLine,
    VoiceDialogue,
    caller_number,
    voice_conversation_id,
)
from bot.voice.questions import Kind
from bot.voice.spoken_korean import unspeakable
from tests.voice.fake_rasa import GREET, FakeRasa, said

KEY = b"k" * 32
ASK_BIRTH = said("utter_ask_birth_date", "생년월일 여섯 자리를 눌러 주세요.")
ASK_PHONE = said("utter_ask_phone_number", "휴대전화 번호를 눌러 주세요.")
ASK_COPIES = said("utter_ask_copies", "몇 통 필요하세요?",
                  [("한 통", '/inform{"copies":"1"}'), ("두 통", '/inform{"copies":"2"}')])
ASK_METHOD = said("utter_ask_method", "발급기는 일 번, 창구는 이 번이에요.",
                  [("무인민원발급기", '/inform{"method":"kiosk"}'),
                   ("주민센터 창구", '/inform{"method":"counter"}')])


async def _up(app: object) -> bool:
    return True


def dialogue(script: dict, **kwargs: object) -> tuple[VoiceDialogue, FakeRasa]:
    rasa = FakeRasa(script)
    return VoiceDialogue(rasa, key=KEY, turns=TurnGuard(is_action_server_up=_up),
                         **kwargs), rasa  # type: ignore[arg-type]


def run(coro):  # noqa: ANN001, ANN201
    return asyncio.run(coro)


def test_a_call_opens_with_the_greeting_and_a_one_key_menu() -> None:
    voice, rasa = dialogue({"/greet": [GREET]})
    turn = run(voice.handle("CA1", "+821012345678", CallerInput.start()))
    assert rasa.texts == ["/greet"]
    assert turn.outcome is Outcome.ASK
    assert turn.gather is not None and turn.gather.num_digits == 1
    assert turn.gather.inputs == ("dtmf", "speech")
    assert rasa.received[0].input_channel == "voice"
    assert rasa.received[0].sender_id.startswith("voice:")
    assert "01012345678" not in rasa.received[0].sender_id


def test_menu_digits_send_the_buttons_payload_and_number_questions_send_entities() -> None:
    voice, rasa = dialogue({
        "/greet": [GREET], "/request_delivery": [ASK_BIRTH],
        '/inform{"birth_date":"1950-03-02"}': [ASK_PHONE],
        '/inform{"phone_number":"01012345678"}': [ASK_COPIES],
        '/inform{"copies":"2"}': [ASK_METHOD],
    })
    run(voice.handle("CA1", "+821012345678", CallerInput.start()))
    birth = run(voice.handle("CA1", "+821012345678", CallerInput.dtmf("2")))
    assert birth.question.kind is Kind.BIRTH_DATE
    assert birth.gather is not None and (birth.gather.num_digits, birth.gather.finish_on_key) == (
        6, "#")
    phone = run(voice.handle("CA1", "+821012345678", CallerInput.dtmf("500302")))
    assert phone.gather is not None and phone.gather.num_digits == 11
    copies = run(voice.handle("CA1", "+821012345678", CallerInput.dtmf("01012345678")))
    assert copies.question.kind is Kind.COPIES
    assert copies.gather is not None and copies.gather.num_digits is None
    run(voice.handle("CA1", "+821012345678", CallerInput.dtmf("2#")))
    assert rasa.texts[1:] == ["/request_delivery", '/inform{"birth_date":"1950-03-02"}',
                              '/inform{"phone_number":"01012345678"}', '/inform{"copies":"2"}']


def test_star_repeats_without_asking_rasa_and_a_bad_key_is_explained() -> None:
    voice, rasa = dialogue({"/greet": [GREET]})
    first = run(voice.handle("CA1", "01012345678", CallerInput.start()))
    again = run(voice.handle("CA1", "01012345678", CallerInput.dtmf("*")))
    assert again.prompts == first.prompts
    wrong = run(voice.handle("CA1", "01012345678", CallerInput.dtmf("9")))
    assert "없는 번호" in wrong.prompts[0]
    assert rasa.texts == ["/greet"]


def test_silence_asks_again_then_offers_the_keypad_then_a_person() -> None:
    voice, rasa = dialogue({"/greet": [GREET], "/request_delivery": [ASK_BIRTH],
                            "/human_handoff": [said("utter_handoff_opened", "접수했어요.")]})
    run(voice.handle("CA1", "01012345678", CallerInput.start()))
    run(voice.handle("CA1", "01012345678", CallerInput.dtmf("2")))
    once = run(voice.handle("CA1", "01012345678", CallerInput.silence()))
    assert "한 번 더" in once.prompts[0] and once.prompts[1:] == ("생년월일 여섯 자리를 눌러 주세요.",)
    twice = run(voice.handle("CA1", "01012345678", CallerInput.speech("음", confidence=0.1)))
    assert "번호를 눌러서" in twice.prompts[0] and "여섯 자리" in twice.prompts[1]
    third = run(voice.handle("CA1", "01012345678", CallerInput.silence()))
    assert rasa.texts[-1] == "/human_handoff"
    assert rasa.received[-1].metadata["voice"]["callback_number"] == "01012345678"
    assert third.outcome is Outcome.HANGUP


def test_zero_transfers_to_staff_on_duty_and_opens_a_ticket_otherwise() -> None:
    monday_10 = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Seoul"))
    line = StaffLine.parse("+8227001234", "09:00-18:00", "0-4")
    assert line.on_duty(monday_10)
    assert not line.on_duty(monday_10.replace(hour=19))
    assert not StaffLine.parse("", "00:00-23:59", "0-6").on_duty(monday_10)

    voice, rasa = dialogue({"/greet": [GREET]}, staff=StaffLine.parse("+8227001234",
                                                                       "00:00-23:59", "0-6"))
    run(voice.handle("CA1", "01012345678", CallerInput.start()))
    turn = run(voice.handle("CA1", "01012345678", CallerInput.dtmf("0")))
    assert (turn.outcome, turn.transfer_to) == (Outcome.TRANSFER, "+8227001234")

    voice, rasa = dialogue({"/greet": [GREET], "/human_handoff": [
        said("utter_handoff_after_hours_serving", "접수했어요. 다시 전화드릴게요.")]})
    run(voice.handle("CA2", "01012345678", CallerInput.start()))
    turn = run(voice.handle("CA2", "01012345678", CallerInput.speech("영 번")))
    assert rasa.texts[-1] == "/human_handoff"
    assert turn.outcome is Outcome.ASK


def test_a_call_back_can_continue_the_open_request_or_start_over() -> None:
    memory = CallMemory("certificate_form", (ASK_BIRTH,))

    async def reader(conversation: str) -> CallMemory:
        return memory

    voice, rasa = dialogue({"/greet": [GREET]}, tracker_reader=reader)
    offer = run(voice.handle("CA9", "01012345678", CallerInput.start()))
    assert "이어서" in offer.prompts[0] and rasa.texts == []
    resumed = run(voice.handle("CA9", "01012345678", CallerInput.dtmf("1")))
    assert resumed.prompts == ("생년월일 여섯 자리를 눌러 주세요.",)
    assert resumed.question.kind is Kind.BIRTH_DATE

    voice, rasa = dialogue({"/greet": [GREET]}, tracker_reader=reader)
    run(voice.handle("CA10", "01012345678", CallerInput.start()))
    fresh = run(voice.handle("CA10", "01012345678", CallerInput.speech("처음부터요")))
    assert rasa.texts == ["/restart", "/greet"]
    assert fresh.prompts[0] == "처음부터 다시 할게요."


def test_hangup_forgets_the_call_and_speech_masks_rrns() -> None:
    voice, rasa = dialogue({"/greet": [GREET]})
    run(voice.handle("CA1", "01012345678", CallerInput.start()))
    run(voice.handle("CA1", "01012345678", CallerInput.speech("오오공삼공이 일이삼사오육칠")))
    assert "1234567" not in rasa.texts[-1] and "일이삼사오육칠" not in rasa.texts[-1]
    assert run(voice.handle("CA1", "01012345678", CallerInput.hangup())).outcome is Outcome.HANGUP
    assert not voice.is_active("CA1")


def test_conversation_ids_hash_the_caller_and_fall_back_to_the_call() -> None:
    assert caller_number("+82 10-1234-5678") == "01012345678"
    assert caller_number("anonymous") is None
    same = voice_conversation_id("+821012345678", "CA1", KEY)
    assert same == voice_conversation_id("010-1234-5678", "CA2", KEY)
    assert voice_conversation_id("anonymous", "CA1", KEY) != voice_conversation_id(
        "anonymous", "CA2", KEY)
    assert voice_conversation_id("01012345678", "CA1", b"x" * 32) != same


def test_own_sentences_are_written_for_the_ear() -> None:
    voice, _ = dialogue({})
    for key in voice.texts.names():
        if key.endswith("_words"):
            continue
        assert unspeakable(voice.say(key)) == [], key


@pytest.mark.parametrize("digits", ["12345", "991399"])
def test_a_birth_date_of_the_wrong_shape_is_asked_again(digits: str) -> None:
    voice, rasa = dialogue({"/greet": [GREET], "/request_delivery": [ASK_BIRTH]})
    run(voice.handle("CA1", "01012345678", CallerInput.start()))
    run(voice.handle("CA1", "01012345678", CallerInput.dtmf("2")))
    turn = run(voice.handle("CA1", "01012345678", CallerInput.dtmf(digits)))
    assert "자리 수" in turn.prompts[0]
    assert rasa.texts == ["/greet", "/request_delivery"]


def test_a_silent_turn_keeps_the_call_unless_staff_have_the_conversation() -> None:
    paused = False

    async def reader(conversation: str) -> CallMemory:
        return CallMemory(None, (), paused=paused)

    voice, rasa = dialogue({"/greet": [GREET]}, tracker_reader=reader)
    first = run(voice.handle("CA1", "01012345678", CallerInput.start()))
    silent = run(voice.handle("CA1", "01012345678", CallerInput.speech("등본 주세요")))
    assert silent.outcome is Outcome.ASK and silent.prompts[1:] == first.prompts
    paused = True
    during_handoff = run(voice.handle("CA1", "01012345678", CallerInput.speech("여보세요")))
    assert during_handoff.outcome is Outcome.HANGUP
    assert "다시 전화드릴게요" in " ".join(during_handoff.prompts)


ASK_CODE = said("utter_ask_otp_code", "문자로 받은 인증번호 여섯 자리를 눌러 주세요.")
ASK_ORDER = said("utter_ask_order_id", "신청번호 여덟 자리를 눌러 주세요.")


@pytest.mark.parametrize(
    "question", [GREET, ASK_METHOD, ASK_COPIES, ASK_BIRTH, ASK_PHONE, ASK_CODE, ASK_ORDER],
    ids=["menu", "method", "copies", "birth_date", "phone", "otp_code", "order_id"],
)
def test_star_repeats_and_zero_reaches_a_person_on_every_question(question: dict) -> None:
    voice, rasa = dialogue({"/greet": [question], "/human_handoff": [
        said("utter_handoff_after_hours_serving", "접수했어요. 다시 전화드릴게요.")]})
    asked = run(voice.handle("CA1", "01012345678", CallerInput.start()))
    again = run(voice.handle("CA1", "01012345678", CallerInput.dtmf("*")))
    assert again.prompts == asked.prompts
    assert again.gather == asked.gather
    assert rasa.texts == ["/greet"]  # a repeat is not a turn
    person = run(voice.handle("CA1", "01012345678", CallerInput.dtmf("0")))
    assert rasa.texts[-1] == "/human_handoff"
    assert "전화드릴게요" in " ".join(person.prompts)
