import io
import logging

import pytest

from bot.logs import SecretRedactingFilter, redact


@pytest.mark.parametrize("token", ["xoxb-123-456-abcDEF", "xoxp-1-2-3", "xapp-1-A123-456-zz", "xoxs-1-abc"])
def test_tokens_are_redacted(token: str) -> None:
    assert token not in redact(f"calling Slack with {token} now")


def _logged(filter_: logging.Filter, message: str, *args: object, exc: BaseException | None = None) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(filter_)
    logger = logging.getLogger("test.redaction")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        if exc is None:
            logger.warning(message, *args)
        else:
            try:
                raise exc
            except type(exc):
                logger.exception(message, *args)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_filter_redacts_arguments_and_configured_secrets() -> None:
    output = _logged(
        SecretRedactingFilter(("signing-s3cret",)), "token=%s secret=%s", "xoxb-9-9-zz", "signing-s3cret"
    )
    assert "xoxb-9-9-zz" not in output
    assert "signing-s3cret" not in output
    assert "[redacted]" in output


def test_filter_redacts_tracebacks() -> None:
    output = _logged(SecretRedactingFilter(), "failed", exc=RuntimeError("bad token xoxb-7-7-leak"))
    assert "RuntimeError" in output
    assert "xoxb-7-7-leak" not in output
