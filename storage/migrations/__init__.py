"""Alembic migrations; run them through :mod:`storage.migrate`, which configures Alembic in code."""
