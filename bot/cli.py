"""Command-line entry point (placeholder during bootstrap)."""


def main() -> None:
    """Entry point."""
