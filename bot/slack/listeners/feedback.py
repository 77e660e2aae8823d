"""Clicks on the maintainers' loop buttons: 👍 / 👎 on an answer, "Was it one of these?" after a
👎, and "Tell the maintainers" on an answer that knew nothing.

Each reply goes only to the person who clicked (through the click's response_url), except the
"Was it one of these?" question, which goes in the answer's thread when the answer is a message
in a channel, so that the choices stay next to the answer they correct.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.exceptions import StoreError
from bot.recorder import alternatives
from bot.render.maintainers import (
    CHOOSE_ACTION,
    REPORT_ACTION,
    VOTE_HELPFUL_ACTION,
    VOTE_WRONG_ACTION,
    alternatives_message,
    parse_choice,
    report_notice,
)
from bot.render.slack import SlackMessage, escape, render_entry, render_note
from bot.slack.listeners import acknowledge
from bot.slack.maintainers import MaintainersLoop
from bot.slack.send import post_message, respond

log = logging.getLogger(__name__)

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

    def helpful(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        try:
            if self.store.answer(action.get("value", "")) is None:
                self._reply(body, render_note(UNKNOWN_ANSWER))
                return
            self.store.vote(action["value"], _user(body), helpful=True)
        except StoreError as exc:
            log.warning("could not record a vote: %s", exc)
            self._reply(body, render_note(UNAVAILABLE))
            return
        self._reply(body, render_note(HELPFUL))

    def wrong(self, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        try:
            answer = self.store.answer(action.get("value", ""))
            if answer is None:
                self._reply(body, render_note(UNKNOWN_ANSWER))
                return
            self.store.vote(answer.id, _user(body), helpful=False)
        except StoreError as exc:
            log.warning("could not record a vote: %s", exc)
            self._reply(body, render_note(UNAVAILABLE))
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
        try:
            answer = self.store.answer(answer_id)
            if answer is None:
                self._reply(body, render_note(UNKNOWN_ANSWER))
                return
            self.store.record_confusion(
                answer.id, _user(body), answered=answer.entry_id, chosen=chosen
            )
        except StoreError as exc:
            log.warning("could not record a choice: %s", exc)
            self._reply(body, render_note(UNAVAILABLE))
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
        try:
            answer = self.store.answer(action.get("value", ""))
            if answer is None:
                self._reply(body, render_note(UNKNOWN_ANSWER))
                return
            items = self.store.mark_reported(answer.templates, user=user)
        except StoreError as exc:
            log.warning("could not mark an unknown error as reported: %s", exc)
            self._reply(body, render_note(UNAVAILABLE))
            return
        told = bool(items) and self.loop.notify(report_notice(items, user))
        self._reply(body, render_note(REPORTED if told else REPORTED_QUIETLY))
