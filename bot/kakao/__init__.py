"""Kakao i Open Builder skill channel: SkillPayload in, SkillResponse 2.0 out."""
