"""From text to a Slack answer, in steps: the engine explains, the maintainers' loop records
the paste (where answering writes the database, beyond the redelivery check), the Slack
renderer presents; the listener then sends.

`Answers` is what every listener holds. It reads the engine on each call, so a knowledge base
swapped in by a reload is used by the very next answer. Each paste is recorded whether or not the
listener then answers it (`MaintainersLoop.record`), and the answer carries what the recording
gave it: feedback buttons, a burst note. `extras` are functions called for every paste, answered
or not, with the report and who asked where; the blocks they return are added to the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.engine import Engine
from bot.normalise import strip_slack_markup
from bot.recorder import HandledElsewhere, is_paste
from bot.render.blocks import Block, SlackMessage, context_block, escape
from bot.render.slack import DEFAULT_UNKNOWN_HINT, render_report, render_search_results, share_block
from bot.slack.outbox import Outbox
from bot.slack.share import pack
from bot.triage import Report

if TYPE_CHECKING:
    from bot.recorder import RecordedPaste
    from bot.slack.maintainers import MaintainersLoop


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
MAX_LOOKUP_WORDS = 12
MAX_QUESTION_WORDS = 30


class Answers:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        extras: Sequence[AnswerExtra] = (),
        home_extras: Sequence[HomeExtra] = (),
        outbox: Outbox | None = None,
        first_delivery: Callable[[str], bool] | None = None,
        loop: MaintainersLoop | None = None,
        *,
        recording_checks_delivery: bool = False,
    ):
        self.engine = engine
        self.loop = loop
        """Records each paste and adds its feedback buttons (None: nothing is recorded)."""
        self.outbox = outbox
        """Where answers Slack did not take wait to be sent again (None: not sent again)."""
        self.first_delivery = first_delivery or (lambda key: True)
        """Whether no other process sharing the store has handled the Slack delivery `key`."""
        self.recording_checks_delivery = recording_checks_delivery and loop is not None
        """The store `first_delivery` asks is the one `loop` records in: a paste's delivery is
        checked with its recording, in one call to the store."""
        self.command = settings.command
        self.unknown_hint = unknown_hint(settings.maintainers_channel)
        self._extras = tuple(extras)
        self._home_extras = tuple(home_extras)

    def explain(
        self,
        text: str,
        asker: Asker,
        extra_blocks: Sequence[Block] = (),
        *,
        delivery: str | None = None,
    ) -> tuple[Report, SlackMessage]:
        """The engine's report on `text` (recorded) and the message that presents it. With the
        Slack `delivery` key it came in: `HandledElsewhere` (nothing recorded) when another
        process sharing the store has handled that delivery."""
        report = self.engine.explain(text)
        recorded = self.record(report, asker, delivery)
        return report, self._render(report, asker, recorded, extra_blocks)

    def shareable(self, text: str, asker: Asker) -> SlackMessage:
        """The answer to `text` (recorded) for one person, with a button that posts it for
        everyone."""
        report = self.engine.explain(text)
        recorded = self.record(report, asker)
        return self._render(report, asker, recorded, [_share(text)])

    def lookup(self, text: str, asker: Asker, *, shareable: bool = False) -> SlackMessage:
        """The answer to what a person asked syncdoc (recorded): an error recognised
        confidently is explained; typed words (`is_lookup`) are looked up, each entry found
        with a Show button; a paste that is not recognised is answered as such, with "did you
        mean". A known text that context held back ("423 Locked" naming no channel) keeps its
        "did you mean", which says why it was not claimed."""
        report = self.engine.explain(text)
        recorded = self.record(report, asker)
        held_back = any(c.held_back for c in report.candidates)
        if report.recognised or held_back or not is_lookup(text):
            return self._render(report, asker, recorded, [_share(text)] if shareable else [])
        return render_search_results(
            _typed_words(text),
            self.engine.search(text),
            unknown_hint=self.unknown_hint,
            extra_blocks=self._extra_blocks(report, asker, recorded),
        )

    def record(
        self, report: Report, asker: Asker, delivery: str | None = None
    ) -> RecordedPaste | None:
        """Record the paste for the maintainers: where answering writes the database (beyond
        the redelivery check, made here for a `delivery`: with the recording when the store
        takes both, else on its own first)."""
        if delivery is not None and not (self.recording_checks_delivery and is_paste(report)):
            if not self.first_delivery(delivery):
                raise HandledElsewhere(delivery)
            delivery = None
        return self.loop.record(report, asker, delivery) if self.loop else None

    def _render(
        self,
        report: Report,
        asker: Asker,
        recorded: RecordedPaste | None,
        extra_blocks: Sequence[Block] = (),
    ) -> SlackMessage:
        blocks = self._extra_blocks(report, asker, recorded)
        return render_report(
            report, unknown_hint=self.unknown_hint, extra_blocks=[*blocks, *extra_blocks]
        )

    def _extra_blocks(
        self, report: Report, asker: Asker, recorded: RecordedPaste | None
    ) -> list[Block]:
        blocks = [block for extra in self._extras for block in extra(report, asker)]
        return blocks + (self.loop.answer_blocks(report, recorded) if self.loop else [])

    def home_blocks(self) -> list[Block]:
        """What the home extras add to the App Home tab (for example usage statistics)."""
        return [block for extra in self._home_extras for block in extra()]


def _share(text: str) -> Block:
    value = pack(text)
    return share_block(value) if value else context_block(TOO_LONG_TO_SHARE)


def _typed_words(text: str) -> str:
    """What the person typed, as they see it: Slack's markup and escapes undone, one line."""
    plain = strip_slack_markup(text)
    return " ".join("".join(c if c.isprintable() else " " for c in plain).split())


def is_lookup(text: str) -> bool:
    """Words a person typed to look an error up, rather than a pasted error or log: one line,
    short, or a question."""
    if "\n" in text.strip():
        return False
    plain = strip_slack_markup(text).strip()  # An @mention is not a word of the lookup.
    words = len(plain.split())
    return 0 < words <= MAX_LOOKUP_WORDS or (plain.endswith("?") and words <= MAX_QUESTION_WORDS)


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
