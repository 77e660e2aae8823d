"""Whether a log line reports a success: the words are the knowledge base's (settings.yaml
`success_phrases:` and `success_words:`), the shapes that log lines put them in are here.

A success line says something was done, in one of the shapes logs use: a count of things and
what was done to them ("180 items sent", "Revised 25 listings", "Labels printed: 30"), a thing
and what was done to it ("Inventory synced", "stock levels updated"), a status on its own ("Sync
succeeded", "GetOrders | OK", "Status: Completed"), a tick ("✓ Shopify stock push"), an HTTP
2xx answer ("-> 200 OK"), all of a count of things ("214/214 items") or an operation and the
count of things it handled ("GetOrders: 3 orders"). A line with a failure
word ("3 failed", "could not be updated", "token expired"), a cross, a warning or a negation
("12 prices not updated") never is, and "0 failed", "no errors" and "errors=0" are no failure
words. A person talking ("we updated the token, still failing?") is not a log line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.knowledge import KnowledgeSettings
from bot.match import Phrases, phrase_variants
from bot.normalise import MAX_SEGMENT_CHARS, clean_unicode

# The words of an error line: a failure word on a line makes it no success, whatever else it says.
FAILURE_WORDS = re.compile(
    r"error|exception|fail|denied|invalid|expired|rejected|unable|cannot|can't|could not|"
    r"not found|forbidden|time[d ]?out|throttl|exceeded|refused|unauthori[sz]ed|not allowed|"
    r"not authori|violation|corrupt|missing|too many|conflict|fatal",
    re.IGNORECASE,
)
_TICK = re.compile(r"[✓✔✅☑]")
# A cross, or a warning as a log level ("WARN", "[warning]", "Warning:"); "2 warnings" in a
# summary of a sync that completed is no failure.
_NOT_SUCCESS = re.compile(r"[✗✘❌⚠]|\bWARN(?:ING)?\b|(?i:\[warn(?:ing)?\]|\bwarn(?:ing)?:)")
# All of a count done: "214/214 items", "12 of 12 listings" (not a date's "05/05/2025").
_ALL_OF = re.compile(r"(?<![\d/.:])(\d+)\s*(?:/|of)\s*\1(?![\d/.:])", re.IGNORECASE)
_NONE_FAILED, _HTTP_OK, _TALK = (
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # "0 errors", "no failures", "Failed: 0", "errors=0": a success line's words, no error's.
        r"\b(?:0|no|zero|without(?: any)?)\s+(?:errors?|failures?|failed|issues?|exceptions?)\b|"
        r"\b(?:errors?|failures?|failed|issues?|exceptions?|rejected)(?:\s+count)?\s*[:=]?\s*0"
        r"(?!\d|[.,]\d|x)",
        # An HTTP answer of success: "-> 200 OK", "status 201".
        r"\b(?:http|status|code|response)\W{0,3}2\d\d\b|"
        r"\b2\d\d (?:ok|created|accepted|no content)\b|->\s*2\d\d\b",
        # A person talking, not a log: "did the sync complete?", "log below:", "when I upload".
        r"^(?:hi|hey|hello|morning|any|anyone|does|did|is|why|what|when|how|can|could|please|"
        r"thanks|getting|seeing|got|still|just|so|lol|fyi)\b|[?:]\s*$",
    )
)
_PERSONS = frozenset({"i", "we", "my", "me", "our", "you"})  # Not "us": Amazon US.
# Words before a done or status word that make it no report of something done: "not updated",
# "wasn't sent", "to complete", "will be updated".
_NOT_DONE = frozenset({"not", "never", "t", "no", "nothing", "to", "be", "will", "being"})
# What the shapes without a success word need: a tick, an HTTP 2xx, all of a count.
_MARKS = re.compile(r"[✓✔✅☑]|\b2\d\d\b|\d\s*(?:/|of)\s*\d")
# Letters, digits, spaces and the punctuation of log lines: most of a success line is these.
# Counted as the line's length less the other characters, which are few: a list of every
# character of every line was most of the time spent on success lines.
_OTHER_CHARS = re.compile(r"""[^\w\s.,:;!?'"()\[\]{}<>/|=+\-#%&*@$~✓✔✅☑]""")
_MIN_TEXT_SHARE = 0.9
# An operation and the count of things it handled, ending the line: "GetOrders: 3 orders",
# "Test/UpdateStock: 140 sku(s)", "GetOrders -> 34 orders". The operation is a method's name (two
# or more capitalised parts), so that a heading ("Pending: 3 orders") is not one; what follows
# the count must be one of `things`, and nothing may follow it ("3 orders skipped" is no success).
_OPERATION_COUNT = re.compile(
    r"(?<![\w])(?:\w+/)?[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+\s*(?::|->)\s*\d+\s+([A-Za-z]+)(?:\(s\))?"
    r"[\s.]*$"
)
_NEAR = 3  # A count this many words from what was done belongs to it ("4 new orders saved").


class SuccessLines:
    """Finds success lines with the knowledge base's words in the shapes log lines use."""

    def __init__(self, phrases: tuple[str, ...], words: Mapping[str, tuple[str, ...]]) -> None:
        self._phrases = Phrases(
            (variant, phrase) for phrase in phrases for variant in phrase_variants(phrase)
        )
        self._done = _folded(words.get("done", ()))
        self._things = _folded(words.get("things", ()))
        self._status = _folded(words.get("status", ()))
        # A line with none of these words and no mark below is no success: most lines of a paste
        # are looked at no further.
        self._vocabulary = self._done | self._status | self._phrases.anchors

    def reports_success(self, text: str, words: list[str]) -> bool:
        """Whether the line `text` (its `words`, as bot.match.words_of gives them) reports a
        success and no failure."""
        counted = None
        if self._vocabulary.isdisjoint(words) and not _MARKS.search(text):
            counted = _operation_count(text)
            if not counted:
                return False
        folded = clean_unicode(text[:MAX_SEGMENT_CHARS]).strip()
        if len(folded) - len(_OTHER_CHARS.findall(folded)) < _MIN_TEXT_SHARE * len(folded):
            return False  # Binary noise, not a line of a log: "ok" in it is chance.
        if FAILURE_WORDS.search(_NONE_FAILED.sub(" ", folded)) or _NOT_SUCCESS.search(folded):
            return False
        if next(self._phrases.found(words), None) is not None:
            return True
        if len(words) < 2 or _TALK.search(folded) or not _PERSONS.isdisjoint(words):
            return False  # "ok" on its own is a person answering, not a log line.
        if _TICK.search(folded) or _HTTP_OK.search(folded):
            return True
        if _ALL_OF.search(folded) and not self._things.isdisjoint(words):
            return True
        counted = counted or _operation_count(text)
        if counted and counted[1].casefold() in self._things:
            return True
        return self._done_shape(words)

    def _done_shape(self, words: list[str]) -> bool:
        for i, word in enumerate(words):
            if word in self._status:
                return not _negated(words, i)
            if word in self._done and not _negated(words, i):
                around = words[max(0, i - _NEAR) : i + _NEAR + 1]
                if any(w.isdigit() for w in around):
                    return True  # "180 items sent", "Revised 25 listings", "printed: 30"
                if any(w in self._things for w in words[max(0, i - 2) : i + 3]):
                    return True  # "Inventory synced", "stock levels updated"
        return False


def _operation_count(text: str) -> re.Match[str] | None:
    # Looked for only when a line gets that far: most lines of a log are decided before.
    return _OPERATION_COUNT.search(text[:MAX_SEGMENT_CHARS].rstrip())


def _negated(words: list[str], i: int) -> bool:
    return any(w in _NOT_DONE for w in words[max(0, i - 2) : i])


def _folded(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(word.casefold() for word in words)


def success_lines(settings: KnowledgeSettings) -> SuccessLines:
    """The success lines a knowledge base's settings describe."""
    return SuccessLines(settings.success_phrases, settings.success_words)
