"""Clicks on our buttons: "Share in channel", and the article link (which Slack reports too)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App

from bot.render.slack import ARTICLE_ACTION_ID, SHARE_ACTION_ID, context_block, render_note
from bot.slack.answers import Answers, Asker
from bot.slack.listeners import acknowledge
from bot.slack.send import respond
from bot.slack.share import unpack

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
EXPIRED = "This button no longer works. Run the command again to get a fresh answer."


def register(app: App, answers: Answers) -> None:
    listeners = ActionListeners(answers)
    app.action(SHARE_ACTION_ID)(ack=acknowledge, lazy=[listeners.share_answer])
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
        shared_by = f"Shared by <@{user}>." if _USER_ID.match(user) else "Shared from syncdoc."
        asker = Asker(user, (body.get("channel") or {}).get("id", ""), repeat=True)
        _, message = self.answers.explain(text, asker, [context_block(shared_by)])
        if respond(response_url, message, response_type="in_channel"):
            respond(response_url, None, delete_original=True)
