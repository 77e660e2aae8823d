"""Slack's event deliveries in HTTP mode, acknowledged without Bolt's per-request machinery.

Almost every request Slack sends is an event (a message posted somewhere the bot is), and at
saturation Bolt's handling of each cost a worker more than a tenth of its CPU: its WSGI adapter,
a `BoltRequest` parsing the body into a fresh context, seven middlewares, matching every listener,
keyword injection, the per-request Web API client. For an event the work that matters is small:
check Slack's signature (slack-sdk's own `SignatureVerifier`, as Bolt uses), parse the body once,
drop a redelivery, and hand the listener registered for the event's type its event on the same
answer pool Bolt uses; then acknowledge. That is all this does.

Everything else still goes to Bolt, untouched: slash commands, shortcuts, button clicks, the
Request URL's challenge, events no listener here takes, and anything whose signature does not
check (so a forgery is refused, and logged, exactly as before). Listeners are defined once, in
bot/slack/listeners/, and registered with Bolt and here together (`events.register`); Socket
Mode runs them through Bolt alone.
"""

from __future__ import annotations

import inspect
import io
import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import Any
from weakref import WeakKeyDictionary

from slack_bolt import App, BoltContext
from slack_bolt.request.internals import extract_user_id
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.slack.dedupe import RedeliveryFilter
from bot.slack.executor import note, where_of
from bot.slack.identity import Identity

Listener = Callable[..., None]
WSGIResponse = Iterable[bytes]
StartResponse = Callable[..., Any]
ARGUMENTS = frozenset({"event", "body", "context", "client"})
"""What a listener taken here may ask for, by name, as Bolt would pass it."""
ACK_HEADERS = [("Content-Type", "text/plain;charset=utf-8"), ("Content-Length", "0")]

log = logging.getLogger(__name__)
_of_app: WeakKeyDictionary[App, EventDeliveries] = WeakKeyDictionary()


class EventDeliveries:
    """Acknowledges Slack's signed `event_callback` deliveries whose event type has a listener
    here, and runs that listener on `executor`; hands every other request to Bolt."""

    def __init__(
        self,
        signing_secret: str,
        identity: Identity,
        client: WebClient,
        executor: Executor,
        redeliveries: RedeliveryFilter,
    ) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._identity = identity
        self._client = client
        self._executor = executor
        self._redeliveries = redeliveries
        self._listeners: dict[str, tuple[Listener, frozenset[str]]] = {}

    def listen(self, event_type: str, listener: Listener) -> None:
        """Run `listener` for events of `event_type` (a listener also registered with Bolt)."""
        wanted = frozenset(inspect.signature(listener).parameters) & ARGUMENTS
        self._listeners[event_type] = (listener, wanted)

    def attach(self, app: App) -> None:
        """Make this the event route of `app` in `bot.slack.http.create_wsgi_app`."""
        _of_app[app] = self

    def __call__(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        bolt: Callable[[dict[str, Any], StartResponse], WSGIResponse],
    ) -> WSGIResponse:
        """Answer one POST to the Request URL; `bolt` answers what is not an event taken here."""
        if not environ.get("CONTENT_TYPE", "").startswith("application/json"):
            return bolt(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)  # for Bolt, if it is Bolt's after all
        payload = self._event_payload(environ, body)
        if payload is None:
            return bolt(environ, start_response)
        event = payload["event"]
        listener, wanted = self._listeners[event["type"]]
        if self._redeliveries.is_redelivery(payload, environ.get("HTTP_X_SLACK_RETRY_NUM")):
            return _ack(start_response)
        user = extract_user_id(payload)  # as Bolt finds the user (an edit's: the message's)
        authorized = self._identity.authorize(
            payload.get("enterprise_id"), payload.get("team_id"), user
        )
        if _from_this_bot(event, user, authorized.bot_user_id, authorized.bot_id):
            return _ack(start_response)  # as Bolt's IgnoringSelfEvents: the bot's own doings
        context = BoltContext(
            authorize_result=authorized,
            bot_token=authorized.bot_token,
            bot_id=authorized.bot_id,
            bot_user_id=authorized.bot_user_id,
            team_id=authorized.team_id,
            enterprise_id=authorized.enterprise_id,
            user_id=authorized.user_id,
            client=self._client,
        )
        given = {"event": event, "body": payload, "context": context, "client": self._client}
        note(where_of(payload))
        self._executor.submit(_run, listener, {name: given[name] for name in wanted})
        return _ack(start_response)

    def _event_payload(self, environ: dict[str, Any], body: bytes) -> dict[str, Any] | None:
        """The parsed body when it is a genuine event a listener here takes; None otherwise."""
        stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE")
        if not self._verifier.is_valid(body, stamp, signature):
            return None
        try:
            payload = json.loads(body)
        except ValueError:
            return None
        if not isinstance(payload, dict) or payload.get("type") != "event_callback":
            return None
        event = payload.get("event")
        if not isinstance(event, dict) or event.get("type") not in self._listeners:
            return None
        return payload


def deliveries_of(app: App) -> EventDeliveries | None:
    """The event route attached to `app` (None: Bolt takes every request)."""
    return _of_app.get(app)


def _run(listener: Listener, arguments: dict[str, Any]) -> None:
    try:
        listener(**arguments)
    except Exception as error:
        # As Bolt's own error handler for a listener that failed after the acknowledgement.
        log.exception("Failed to run listener function (error: %s)", error)


def _ack(start_response: StartResponse) -> WSGIResponse:
    start_response("200 OK", ACK_HEADERS)
    return [b""]


def _from_this_bot(
    event: dict[str, Any], user: str | None, bot_user_id: str | None, bot_id: str | None
) -> bool:
    if event.get("type") in ("member_joined_channel", "member_left_channel"):
        return False  # Bolt passes these on even for the bot itself
    return bool(
        (user is not None and user == bot_user_id)
        or (event.get("bot_id") is not None and event.get("bot_id") == bot_id)
    )
