"""Reads a WAV header (the wave module reads only PCM, not the μ-law Twilio plays)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

ULAW = 7
PCM = 1


@dataclass(frozen=True)
class WavFormat:
    audio_format: int
    channels: int
    sample_rate: int
    bits: int
    data_bytes: int


def wav_format(data: bytes) -> WavFormat:
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF WAVE file")
    pos, fmt, size = 12, None, 0
    while pos + 8 <= len(data):
        chunk, length = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + length]
        if chunk == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif chunk == b"data":
            size = len(body)
        pos += 8 + length + (length & 1)
    if fmt is None:
        raise ValueError("no fmt chunk")
    return WavFormat(fmt[0], fmt[1], fmt[2], fmt[5], size)


def file_format(path: Path) -> WavFormat:
    return wav_format(path.read_bytes())
