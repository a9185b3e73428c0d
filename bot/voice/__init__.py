"""The voice line: a transport-neutral call dialogue (call.py) under TwiML (twiml.py) and
Asterisk FastAGI; text for the ear (spoken_korean.py) and speech out (tts.py). See docs/voice.md."""
