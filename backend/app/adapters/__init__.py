"""Edges a district replaces: the SMS gateway and the resident registry."""
