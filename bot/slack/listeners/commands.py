"""The slash command (default `/syncerror`): help, list, one entry by id, explain the text, or
look the words up.

Slack shows an error unless the command is acknowledged within 3 seconds, so the acknowledgement
goes out first and the answer follows through the command's response_url, visible only to the
person who asked, with a "Share in channel" button.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.render.blocks import SlackMessage
from bot.render.slack import echo, render_entry, render_entry_list, render_help, render_note
from bot.slack.answers import Answers, Asker
from bot.slack.listeners import acknowledge
from bot.slack.send import respond


def register(app: App, answers: Answers) -> None:
    listeners = CommandListeners(answers)
    app.command(answers.command)(ack=acknowledge, lazy=[listeners.answer_command])


class CommandListeners:
    def __init__(self, answers: Answers) -> None:
        self.answers = answers

    def answer_command(self, command: dict[str, Any]) -> None:
        asker = Asker(command.get("user_id", ""), command.get("channel_id", ""))
        respond(
            command["response_url"],
            self.reply_to(command.get("text") or "", asker),
            outbox=self.answers.outbox,
            where=f"{asker.channel} for {asker.user} ({command.get('command')})",
        )

    def reply_to(self, text: str, asker: Asker) -> SlackMessage:
        words = text.split()
        name = self.answers.command
        kb = self.answers.engine.kb
        if not words or (len(words) == 1 and words[0].lower() in ("help", "?")):
            return render_help(name)
        if words[0].lower() == "list" and len(words) <= 2:
            if len(words) == 1:
                return render_entry_list(kb)
            channel = words[1].lower()
            entries = [e for e in kb if e.channel == channel]
            if entries:
                return render_entry_list(entries, channel=channel)
            known = ", ".join(sorted({e.channel for e in kb}))
            return render_note(f"No known errors for channel {echo(channel)}. Channels: {known}.")
        if len(words) == 1 and words[0].lower() in kb.by_id:
            return render_entry(kb.by_id[words[0].lower()])
        return self.answers.lookup(text, asker, shareable=True)
