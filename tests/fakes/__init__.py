"""Fakes that record state, for tests that assert on what happened (never mocks of our code)."""
