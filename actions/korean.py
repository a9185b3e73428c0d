"""Korean particles chosen from the word before them, in a rendered response.

A response writes the particle after a variable as a marker holding both forms, the form after
a final consonant first, in hangulpy's notation (see docs/wording.md for the list); the form is
chosen here from the word the variable became. The word's last readable letter decides: a
Hangul syllable by its final consonant (a final rieul takes the short form of the
instrumental particle), digits as they are read aloud in Sino-Korean (3, 1, 10 are read
sam, il, sip), an upper-case abbreviation by its letters' names (SMS, URL). Closing quotes,
brackets and a trailing parenthesised aside are skipped, so the particle agrees with the word a
listener hears: a name followed by "(role)" takes the particle of the name.
"""

from __future__ import annotations

import re
from typing import Final

from hangulpy.josa import JOSA_RULES, josa_pick

# `[A/B]`: two forms of a particle (the form after a final consonant first).
MARKER: Final = re.compile(r"\[([^\[\]/\s]+/[^\[\]/\s]+)\]")
# A parenthesised aside at the end of a word ("(https://www.gov.kr)", a role after a name).
_TRAILING_ASIDE: Final = re.compile(r"\s*\([^()]*\)\s*$")


class UnknownParticle(ValueError):
    """A response names a particle marker hangulpy has no rule for (a typo in the catalogue)."""


def pick_particle(word: str, particle: str) -> str:
    """Return the form of `particle` (a marker's "A/B") that follows `word`.

    Raises:
        UnknownParticle: `particle` is not a known pair.
    """
    if particle not in JOSA_RULES:
        raise UnknownParticle(f"no rule for the particle marker [{particle}]")
    heard = word
    while _TRAILING_ASIDE.search(heard) and _TRAILING_ASIDE.sub("", heard).strip():
        heard = _TRAILING_ASIDE.sub("", heard)
    return josa_pick(heard, particle)


def attach_particles(text: str) -> str:
    """Return `text` with every particle marker replaced by the form its preceding word takes.

    Raises:
        UnknownParticle: a marker names no known particle.
    """
    parts: list[str] = []
    end = 0
    for match in MARKER.finditer(text):
        parts.append(text[end : match.start()])
        parts.append(pick_particle("".join(parts), match.group(1)))
        end = match.end()
    parts.append(text[end:])
    return "".join(parts)


def has_marker(text: str) -> bool:
    """Return whether `text` still holds a particle marker."""
    return MARKER.search(text) is not None
