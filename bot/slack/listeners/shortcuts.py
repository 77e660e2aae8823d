"""The message shortcut "Explain this error": explains a message to the person who chose it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.render.slack import render_note
from bot.slack.answers import Answers, Asker
from bot.slack.listeners import acknowledge
from bot.slack.send import post_ephemeral, respond

CALLBACK_ID = "explain_error"
NO_TEXT = "That message has no text I can read. Copy the error into `{command} &lt;error text&gt;`."


def register(app: App, answers: Answers) -> None:
    listeners = ShortcutListeners(answers)
    app.shortcut(CALLBACK_ID)(ack=acknowledge, lazy=[listeners.explain_message])


def message_text(message: dict[str, Any]) -> str:
    """The readable text of a message: its text, else what its attachments say."""
    text = message.get("text") or ""
    if text.strip():
        return text
    attachments = message.get("attachments") or []
    return "\n".join(a.get("text") or a.get("fallback") or "" for a in attachments).strip()


class ShortcutListeners:
    def __init__(self, answers: Answers) -> None:
        self.answers = answers

    def explain_message(self, shortcut: dict[str, Any], client: WebClient) -> None:
        text = message_text(shortcut.get("message") or {})
        if text:
            asker = Asker(shortcut["user"]["id"], shortcut["channel"]["id"])
            message = self.answers.shareable(text, asker)
        else:
            message = render_note(NO_TEXT.format(command=self.answers.command))
        # A message shortcut always comes with a response_url, which works in channels the bot is
        # not in; chat.postEphemeral is the fallback should Slack ever leave it out.
        channel, user = shortcut["channel"]["id"], shortcut["user"]["id"]
        outbox = self.answers.outbox
        if shortcut.get("response_url"):
            where = f"{channel} for {user} (shortcut)"
            respond(shortcut["response_url"], message, outbox=outbox, where=where)
        else:
            post_ephemeral(client, channel, user, message, outbox=outbox)
