"""How the fake Slack fails on demand (`FakeSlack.fail_next`, `FakeSlack.outage`): rate limits,
server errors, HTML pages from Slack's edge or a proxy, reset connections, slow answers."""

from __future__ import annotations

from dataclasses import dataclass

SLACK_DOWN_PAGE = (
    "<!DOCTYPE html><html><head><title>Slack is temporarily unavailable</title></head>"
    "<body><h1>Slack is having trouble</h1><p>Please try again in a few minutes.</p></body></html>"
)


@dataclass(frozen=True)
class Failure:
    """How one call should fail. `status` 429 comes with `retry_after` seconds. `html` answers
    with an HTML page instead of Slack's JSON; `processed` handles the call normally (a message
    is posted and recorded as such) before the failure, as when Slack fails after acting."""

    status: int = 500
    retry_after: int | None = None
    error: str | None = None
    reset: bool = False
    delay: float = 0.0
    html: bool = False
    processed: bool = False

    @classmethod
    def rate_limited(cls, retry_after: int = 1) -> Failure:
        return cls(status=429, retry_after=retry_after, error="ratelimited")

    @classmethod
    def server_error(cls) -> Failure:
        return cls(status=500, error="internal_error")

    @classmethod
    def connection_reset(cls) -> Failure:
        return cls(reset=True)

    @classmethod
    def refused(cls, error: str) -> Failure:
        """HTTP 200 with `ok: false` and this error, as Slack refuses most calls."""
        return cls(status=200, error=error)

    @classmethod
    def unavailable(cls) -> Failure:
        """HTTP 503 with an HTML page, as Slack's edge answers while Slack is down: not acted on."""
        return cls(status=503, html=True)

    @classmethod
    def bad_gateway(cls) -> Failure:
        """HTTP 502 with an HTML page, from a proxy that could not reach Slack: not acted on."""
        return cls(status=502, html=True)

    @classmethod
    def html_page(cls) -> Failure:
        """HTTP 200 with an HTML page instead of Slack's JSON (a captive portal, a proxy)."""
        return cls(status=200, html=True)

    @classmethod
    def processed_then_reset(cls) -> Failure:
        """The call is handled (the message is posted), then the connection is reset before the
        answer: the client cannot tell this from a reset before Slack acted."""
        return cls(reset=True, processed=True)

    @classmethod
    def slow(cls, seconds: float) -> Failure:
        """Not a failure: the normal answer, after `seconds`."""
        return cls(status=200, delay=seconds)
