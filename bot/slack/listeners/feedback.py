"""Clicks on the maintainers' loop buttons: 👍 / 👎 on an answer, "Was it one of these?" after a
👎, and "Tell the maintainers" on an answer that knew nothing.

Each reply goes only to the person who clicked (through the click's response_url), except the
"Was it one of these?" question, which goes in the answer's thread when the answer is a message
in a channel, so that the choices stay next to the answer they correct.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from slack_bolt import App
from slack_sdk import WebClient

from bot.exceptions import StoreError
from bot.recorder import alternatives
from bot.render.blocks import SlackMessage, escape
from bot.render.feedback import (
    CHOOSE_ACTION,
    REPORT_ACTION,
    VOTE_HELPFUL_ACTION,
    VOTE_WRONG_ACTION,
    parse_choice,
)
from bot.render.maintainers import alternatives_message, report_notice
from bot.render.slack import render_entry, render_note
from bot.slack.listeners import acknowledge
from bot.slack.maintainers import MaintainersLoop
from bot.slack.send import post_message, respond

if TYPE_CHECKING:
    from bot.store import Answer

log = logging.getLogger(__name__)
Recorded = TypeVar("Recorded")

UNAVAILABLE = "Sorry, I could not note that right now. Please try again in a minute."
UNKNOWN_ANSWER = "That answer is too old for feedback. Paste the error again for a fresh answer."
HELPFUL = "Thanks! Noted as helpful."
REPORTED = "Thanks! The maintainers have been told; they will add it to the knowledge base."
REPORTED_QUIETLY = (
    "Thanks! Marked for the maintainers: they will see it among the errors to add (`syncdoc gaps`)."
)
NONE_OF_THESE = "Thanks! Noted that it was none of these; the maintainers will look at it."


def register(app: App, loop: MaintainersLoop) -> None:
    listeners = FeedbackListeners(loop)
    app.action(VOTE_HELPFUL_ACTION)(ack=acknowledge, lazy=[listeners.helpful])
    app.action(VOTE_WRONG_ACTION)(ack=acknowledge, lazy=[listeners.wrong])
    app.action(re.compile(rf"^{CHOOSE_ACTION}_\w+$"))(ack=acknowledge, lazy=[listeners.choose])
    app.action(REPORT_ACTION)(ack=acknowledge, lazy=[listeners.report])


def _user(body: dict[str, Any]) -> str:
    return (body.get("user") or {}).get("id", "")


class FeedbackListeners:
    def __init__(self, loop: MaintainersLoop) -> None:
        self.loop = loop
        self.store = loop.store

    def _reply(self, body: dict[str, Any], message: SlackMessage) -> None:
        if body.get("response_url"):
            respond(body["response_url"], message)

    def _record(
        self,
        body: dict[str, Any],
        answer_id: str,
        what: str,
        record: Callable[[Answer], Recorded],
    ) -> tuple[Answer, Recorded] | None:
        """`record` the click on the answer `answer_id`: the answer and what `record` returned,
        or None when the answer is unknown or the store failed (the person is told which)."""
        try:
            answer = self.store.answer(answer_id)
            if answer is None:
                self._reply(body, render_note(UNKNOWN_ANSWER))
                return None
            return answer, record(answer)
        except StoreError as exc:
            log.warning("could not %s: %s", what, exc)
            self._reply(body, render_note(UNAVAILABLE))
            return None

    def _vote(
        self, body: dict[str, Any], action: dict[str, Any], *, helpful: bool
    ) -> Answer | None:
        """Record a 👍 or 👎: the answer voted on, or None when that could not be done."""
        user = _user(body)
        vote = self._record(
            body,
            action.get("value", ""),
            "record a vote",
            lambda answer: self.store.vote(answer.id, user, helpful=helpful),
        )
        return vote[0] if vote else None

    def helpful(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        if self._vote(body, action, helpful=True) is not None:
            self._reply(body, render_note(HELPFUL))

    def wrong(self, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        answer = self._vote(body, action, helpful=False)
        if answer is None:
            return
        question = alternatives_message(answer.id, alternatives(answer, self.loop.engine))
        container = body.get("container") or {}
        message = body.get("message") or {}
        if not container.get("is_ephemeral") and message.get("ts") and container.get("channel_id"):
            thread = message.get("thread_ts") or message["ts"]
            if post_message(client, container["channel_id"], question, thread_ts=thread):
                return
        self._reply(body, question)

    def choose(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        answer_id, chosen = parse_choice(action.get("value", ""))
        kb = self.loop.engine.kb
        user = _user(body)
        choice = self._record(
            body,
            answer_id,
            "record a choice",
            lambda answer: self.store.record_confusion(
                answer.id, user, answered=answer.entry_id, chosen=chosen
            ),
        )
        if choice is None:
            return
        if chosen is not None and chosen in kb.by_id:
            entry = kb.by_id[chosen]
            note = render_note(f"Thanks! Noted that it was *{escape(entry.title)}*:")
            shown = render_entry(entry)
            self._reply(body, SlackMessage(shown.text, note.blocks + shown.blocks))
        else:
            self._reply(body, render_note(NONE_OF_THESE))

    def report(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        user = _user(body)
        reported = self._record(
            body,
            action.get("value", ""),
            "mark an unknown error as reported",
            lambda answer: self.store.mark_reported(answer.templates, user=user),
        )
        if reported is None:
            return
        items = reported[1]
        told = bool(items) and self.loop.notify(report_notice(items, user))
        self._reply(body, render_note(REPORTED if told else REPORTED_QUIETLY))
