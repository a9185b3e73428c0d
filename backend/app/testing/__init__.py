"""Helpers for tests and benchmarks (a throwaway PostgreSQL cluster); not used by the service."""
