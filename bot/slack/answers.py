"""From text to a Slack answer: the engine explains, the Slack renderer presents.

`Answers` is what every listener holds. It reads the engine on each call, so a knowledge base
swapped in by a reload is used by the very next answer. `extras` are functions called for every
paste, answered or not, with the report and who asked where; the blocks they return are added to
the answer (for example feedback buttons, or "Tell the maintainers" when nothing was recognised).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.config import Settings
from bot.engine import Engine
from bot.render.slack import (
    DEFAULT_UNKNOWN_HINT,
    Block,
    SlackMessage,
    context_block,
    escape,
    render_report,
    share_block,
)
from bot.slack.outbox import Outbox
from bot.slack.share import pack
from bot.triage import Report


@dataclass(frozen=True)
class Asker:
    """Who sent the text, and in which conversation (Slack ids). `repeat` marks the same answer
    shown again (shared in the channel): it gets its own buttons but is not another paste."""

    user: str
    channel: str
    repeat: bool = False


AnswerExtra = Callable[[Report, Asker], Sequence[Block]]
HomeExtra = Callable[[], Sequence[Block]]

TOO_LONG_TO_SHARE = (
    "This paste is too long to share from here: post it in the channel and I'll answer in the "
    "thread."
)
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


class Answers:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        extras: Sequence[AnswerExtra] = (),
        home_extras: Sequence[HomeExtra] = (),
        outbox: Outbox | None = None,
        first_delivery: Callable[[str], bool] | None = None,
    ):
        self.engine = engine
        self.outbox = outbox
        """Where answers Slack did not take wait to be sent again (None: not sent again)."""
        self.first_delivery = first_delivery or (lambda key: True)
        """Whether no other process sharing the store has handled the Slack delivery `key`."""
        self.command = settings.command
        self.unknown_hint = unknown_hint(settings.maintainers_channel)
        self._extras = tuple(extras)
        self._home_extras = tuple(home_extras)

    def explain(
        self, text: str, asker: Asker, extra_blocks: Sequence[Block] = ()
    ) -> tuple[Report, SlackMessage]:
        """The engine's report on `text` and the message that presents it."""
        report = self.engine.explain(text)
        blocks = [block for extra in self._extras for block in extra(report, asker)]
        message = render_report(
            report, unknown_hint=self.unknown_hint, extra_blocks=[*blocks, *extra_blocks]
        )
        return report, message

    def shareable(self, text: str, asker: Asker) -> SlackMessage:
        """The answer to `text` for one person, with a button that posts it for everyone."""
        value = pack(text)
        extra = share_block(value) if value else context_block(TOO_LONG_TO_SHARE)
        return self.explain(text, asker, [extra])[1]

    def home_blocks(self) -> list[Block]:
        """What the home extras add to the App Home tab (for example usage statistics)."""
        return [block for extra in self._home_extras for block in extra()]


def unknown_hint(maintainers_channel: str | None) -> str:
    """How a person gets an unknown error added, pointing at the maintainers' channel if set."""
    if not maintainers_channel:
        return DEFAULT_UNKNOWN_HINT
    channel = maintainers_channel.lstrip("#")
    where = f"<#{channel}>" if _CHANNEL_ID.match(channel) else f"#{escape(channel)}"
    return (
        f"Post it in {where} with the full error text and where it appeared; the maintainers add "
        "it to the knowledge base."
    )
