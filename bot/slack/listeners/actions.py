"""Clicks on our buttons: "Share in channel", "Show" on a lookup's result, and the article link
(which Slack reports too)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App

from bot.render.blocks import SlackMessage, context_block
from bot.render.slack import (
    ARTICLE_ACTION_ID,
    SHARE_ACTION_ID,
    SHARE_ENTRY_ACTION_ID,
    SHOW_ACTION_ID,
    render_entry,
    render_note,
    share_entry_block,
)
from bot.slack.answers import Answers, Asker
from bot.slack.listeners import acknowledge
from bot.slack.send import respond
from bot.slack.share import unpack

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
EXPIRED = "This button no longer works. Run the command again to get a fresh answer."


def register(app: App, answers: Answers) -> None:
    listeners = ActionListeners(answers)
    app.action(SHARE_ACTION_ID)(ack=acknowledge, lazy=[listeners.share_answer])
    app.action(SHOW_ACTION_ID)(ack=acknowledge, lazy=[listeners.show_entry])
    app.action(SHARE_ENTRY_ACTION_ID)(ack=acknowledge, lazy=[listeners.share_entry])
    # A link button still sends its click to the app, which must acknowledge it.
    app.action(ARTICLE_ACTION_ID)(acknowledge)


class ActionListeners:
    def __init__(self, answers: Answers) -> None:
        self.answers = answers

    def share_answer(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """Post the same answer for everyone in the channel, then remove the private copy."""
        response_url = body["response_url"]
        text = unpack(action.get("value") or "")
        if text is None:
            respond(response_url, render_note(EXPIRED))
            return
        user = (body.get("user") or {}).get("id", "")
        asker = Asker(user, (body.get("channel") or {}).get("id", ""), repeat=True)
        _, message = self.answers.explain(text, asker, [context_block(_shared_by(body))])
        _post_for_everyone(response_url, message)

    def show_entry(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """One entry of a lookup's results in full, for the person who clicked, with a Share
        button: in place of the list when only they can see it, else as a private reply."""
        entry = self.answers.engine.kb.by_id.get(action.get("value") or "")
        if entry is None:
            respond(body["response_url"], render_note(EXPIRED))
            return
        shown = render_entry(entry)
        message = SlackMessage(shown.text, (*shown.blocks, share_entry_block(entry.id)))
        container = body.get("container") or {}
        channel = str(container.get("channel_id", ""))
        private = bool(container.get("is_ephemeral")) or channel.startswith("D")
        respond(body["response_url"], message, replace_original=private)

    def share_entry(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """Post an entry shown from a lookup for everyone, then remove the private copy."""
        entry = self.answers.engine.kb.by_id.get(action.get("value") or "")
        if entry is None:
            respond(body["response_url"], render_note(EXPIRED))
            return
        shown = render_entry(entry)
        message = SlackMessage(shown.text, (*shown.blocks, context_block(_shared_by(body))))
        _post_for_everyone(body["response_url"], message)


def _shared_by(body: dict[str, Any]) -> str:
    user = (body.get("user") or {}).get("id", "")
    return f"Shared by <@{user}>." if _USER_ID.match(user) else "Shared from syncdoc."


def _post_for_everyone(response_url: str, message: SlackMessage) -> None:
    if respond(response_url, message, response_type="in_channel"):
        respond(response_url, None, delete_original=True)
