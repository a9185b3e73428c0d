"""The TwiML verbs and attributes the voice line may send, from Twilio's TwiML reference
(<Gather>: action, actionOnEmptyResult, finishOnKey "0-9 # * or ''", hints, input "dtmf | speech |
dtmf speech", language BCP-47, method, numDigits positive integer, speechTimeout, timeout …;
<Play> loop, digits; <Say> voice, language, loop; <Dial> action, method, timeout, callerId …;
<Pause> length; <Redirect> method; <Hangup/>) and ../shared/protocols.md §4.2–4.3.

``twiml_problems(xml)`` returns every way a document breaks these rules ([] when it is valid).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

ALLOWED: dict[str, dict[str, object]] = {
    "Response": {"attributes": set(), "children": {"Gather", "Play", "Say", "Pause", "Dial",
                                                   "Hangup", "Redirect", "Reject"}},
    "Gather": {"attributes": {"action", "actionOnEmptyResult", "finishOnKey", "hints", "input",
                              "language", "method", "numDigits", "partialResultCallback",
                              "partialResultCallbackMethod", "profanityFilter", "speechTimeout",
                              "speechModel", "enhanced", "timeout", "bargeIn", "maxSpeechTime"},
               "children": {"Play", "Say", "Pause"}},
    "Play": {"attributes": {"loop", "digits"}, "children": set()},
    "Say": {"attributes": {"voice", "language", "loop"}, "children": set()},
    "Pause": {"attributes": {"length"}, "children": set()},
    "Dial": {"attributes": {"action", "method", "timeout", "callerId", "hangupOnStar",
                            "timeLimit", "record", "answerOnBridge", "ringTone"},
             "children": {"Number", "Sip", "Client", "Queue", "Conference"}},
    "Number": {"attributes": set(), "children": set()},
    "Hangup": {"attributes": set(), "children": set()},
    "Redirect": {"attributes": {"method"}, "children": set()},
    "Reject": {"attributes": {"reason"}, "children": set()},
}
_POSITIVE = re.compile(r"[1-9]\d*")
_BCP47 = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")


def _absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def twiml_problems(xml: str) -> list[str]:
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as e:
        return [f"not XML: {e}"]
    if root.tag != "Response":
        return [f"root is <{root.tag}>, not <Response>"]
    problems: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        rule = ALLOWED.get(node.tag)
        if rule is None:
            problems.append(f"unknown verb <{node.tag}>")
            continue
        for name in set(node.attrib) - rule["attributes"]:  # type: ignore[operator]
            problems.append(f"<{node.tag}> has no attribute {name}")
        for child in node:
            if child.tag not in rule["children"]:  # type: ignore[operator]
                problems.append(f"<{child.tag}> cannot be inside <{node.tag}>")
            stack.append(child)
        a = node.attrib
        if "method" in a and a["method"] not in ("GET", "POST"):
            problems.append(f"<{node.tag}> method {a['method']!r}")
        if "action" in a and not _absolute(a["action"]):
            problems.append(f"<{node.tag}> action is not absolute: {a['action']!r}")
        if node.tag == "Gather":
            if a.get("input") not in (None, "dtmf", "speech", "dtmf speech", "speech dtmf"):
                problems.append(f"Gather input {a.get('input')!r}")
            if "numDigits" in a and not _POSITIVE.fullmatch(a["numDigits"]):
                problems.append(f"Gather numDigits {a['numDigits']!r}")
            if "finishOnKey" in a and a["finishOnKey"] not in ("", *"0123456789#*"):
                problems.append(f"Gather finishOnKey {a['finishOnKey']!r}")
            for name in ("timeout", "speechTimeout"):
                if name in a and not (_POSITIVE.fullmatch(a[name]) or a[name] == "auto"):
                    problems.append(f"Gather {name} {a[name]!r}")
            if a.get("speechTimeout") == "auto" and a.get("speechModel", "default") == "default":
                problems.append("speechTimeout auto with the default model (Twilio error 13335)")
            if "language" in a and not _BCP47.fullmatch(a["language"]):
                problems.append(f"Gather language {a['language']!r}")
            if a.get("actionOnEmptyResult") not in (None, "true", "false"):
                problems.append(f"Gather actionOnEmptyResult {a['actionOnEmptyResult']!r}")
            for hint in (a.get("hints") or "").split(","):
                if len(hint) > 100:
                    problems.append("a hint over 100 characters")
        if node.tag == "Play" and not _absolute((node.text or "").strip()):
            problems.append(f"Play URL is not absolute: {node.text!r}")
        if node.tag == "Dial" and not (node.text or "").strip() and not len(node):
            problems.append("Dial without a number")
    return problems


def play_urls(xml: str) -> list[str]:
    return [(n.text or "").strip() for n in ET.fromstring(xml).iter("Play")]


def gather_of(xml: str) -> dict[str, str] | None:
    node = ET.fromstring(xml).find("Gather")
    return None if node is None else dict(node.attrib)
