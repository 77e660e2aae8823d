"""Events: messages in channels and DMs, @mentions, and the App Home tab.

Every event type the manifest subscribes to has a listener here, even when it has nothing to say,
because Slack answers an unhandled event's 404 with retries and may turn the subscription off.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.recorder import HandledElsewhere
from bot.render.slack import render_help, render_home
from bot.slack.answers import Answers, Asker
from bot.slack.deliveries import EventDeliveries
from bot.slack.send import post_message

Event = dict[str, Any]

ANSWERED_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
"""Message subtypes that are a person posting; edits, deletions, joins and bots are not."""

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
# Possessive runs (*+): with plain ones, "@syncdoc" and a few thousand spaces took the regex
# minutes of backtracking (cubic) before any answer.
_HELP = re.compile(r"^\s*+(?:help|\?|hi|hello|hey)?\s*+[.!?]*+\s*+$", re.IGNORECASE)

log = logging.getLogger(__name__)


def register(app: App, answers: Answers, deliveries: EventDeliveries | None = None) -> None:
    """Each listener with Bolt, and with the lean route for Slack's HTTP deliveries if given."""
    listeners = EventListeners(answers)
    for event_type, listener in (
        ("message", listeners.on_message),
        ("app_mention", listeners.on_mention),
        ("app_home_opened", listeners.on_home_opened),
    ):
        app.event(event_type)(listener)
        if deliveries is not None:
            deliveries.listen(event_type, listener)


def ignore_reason(event: Event, bot_user_id: str | None) -> str | None:
    """Why a message event gets no answer at all, or None when a person wrote it."""
    if event.get("subtype") not in ANSWERED_SUBTYPES:
        return f"subtype {event.get('subtype')}"
    if event.get("bot_id") or event.get("bot_profile"):
        return "written by an app"
    user = event.get("user")
    if not user or user in (bot_user_id, "USLACKBOT"):
        return "not written by a person"
    return None


def is_direct_message(event: Event) -> bool:
    return event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D")


class EventListeners:
    def __init__(self, answers: Answers) -> None:
        self.answers = answers

    def on_message(
        self, event: Event, body: dict[str, Any], context: BoltContext, client: WebClient
    ) -> None:
        reason = ignore_reason(event, context.bot_user_id)
        if reason:
            log.debug("no answer to message %s: %s", event.get("ts"), reason)
            return
        text = event.get("text") or ""
        if is_direct_message(event):
            if not self._handled_elsewhere(body):
                self._answer_always(client, event, text, thread_ts=event.get("thread_ts"))
            return
        if context.bot_user_id and f"<@{context.bot_user_id}" in text:
            return  # The app_mention event for this message answers it.
        # Recorded whether or not it is answered (the inbox and bursts count what people paste),
        # sent only when recognised: in a channel, silence is the answer to anything else. The
        # redelivery check goes with the recording: one call to the store per paste.
        try:
            report, message = self.answers.explain(text, _asker(event), delivery=_delivery(body))
        except HandledElsewhere:
            log.info("dropped redelivery of event %s: another process handled it", _id(body))
            return
        if report.recognised:
            post_message(
                client,
                event["channel"],
                message,
                thread_ts=_thread_of(event),
                outbox=self.answers.outbox,
            )

    def on_mention(
        self, event: Event, body: dict[str, Any], context: BoltContext, client: WebClient
    ) -> None:
        if self._handled_elsewhere(body):
            return
        if is_direct_message(event) or ignore_reason(event, context.bot_user_id):
            return  # A DM arrives as a message event too, and is answered there.
        self._answer_always(client, event, event.get("text") or "", thread_ts=_thread_of(event))

    def on_home_opened(self, event: Event, body: dict[str, Any], client: WebClient) -> None:
        if self._handled_elsewhere(body) or event.get("tab") != "home":
            return
        view = render_home(
            self.answers.engine.kb, self.answers.command, extra_blocks=self.answers.home_blocks()
        )
        try:
            client.views_publish(user_id=event["user"], view=view)
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("could not publish the App Home tab: %r", exc)

    def _handled_elsewhere(self, body: dict[str, Any]) -> bool:
        """A redelivery that another process sharing the store has already handled."""
        key = _delivery(body)
        if key and not self.answers.first_delivery(key):
            log.info("dropped redelivery of event %s: another process handled it", _id(body))
            return True
        return False

    def _answer_always(
        self, client: WebClient, event: Event, text: str, *, thread_ts: str | None
    ) -> None:
        if _HELP.match(_MENTION.sub("", text)):
            message = render_help(self.answers.command)
        else:
            message = self.answers.lookup(text, _asker(event))
        post_message(
            client, event["channel"], message, thread_ts=thread_ts, outbox=self.answers.outbox
        )


def _delivery(body: dict[str, Any]) -> str | None:
    """The key under which the stores remember this Slack delivery (None: not an event)."""
    return f"event:{body['event_id']}" if body.get("event_id") else None


def _id(body: dict[str, Any]) -> str:
    return str(body.get("event_id"))


def _asker(event: Event) -> Asker:
    return Asker(event.get("user", ""), event["channel"])


def _thread_of(event: Event) -> str:
    """Replies go into the message's thread, or start one under it."""
    return event.get("thread_ts") or event["ts"]
