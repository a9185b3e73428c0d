"""SQLAlchemy statements only; no district rules live here."""
