"""Turning a raw paste into records and comparable segments.

A paste arrives with Slack markup, log prefixes, chat, stack traces and variable details (order
numbers, SKUs, account names). This module strips the markup, splits the paste into *records*
(one log line, or one exception with its stack frames), and gives each record one or more
*segments*: canonical strings in which variable parts are masked, so that "Synchronize orders for
[eBay0]" and "… for [Amazon UK]" compare equal while HTTP status codes and eBay error numbers,
which decide the meaning, are kept.

Why this module is long: one concept, a paste made comparable, read top to bottom in the order a
paste goes through it (markup, Unicode, canonical form, structure lines, records, segments); the
regular expressions of each step sit beside it, and every later step depends on the earlier ones.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

# Bounds that keep any paste, however large or hostile, to a bounded amount of work.
MAX_PASTE_CHARS = 200_000
MAX_RECORDS = 20_000
MAX_SEGMENT_CHARS = 2_000
MAX_SEGMENTS_PER_LINE = 16
MAX_SEGMENTS_PER_RECORD = 64
DISPLAY_CHARS = 300

_HARD_BREAK = "\ue000"  # Private-use: marks a boundary that wrapped-line joining must not cross.

# --- Slack markup -------------------------------------------------------------------------------
_SLACK_LINK_LABEL = re.compile(r"<((?:https?|mailto):[^<>|\s]{1,2000})\|([^<>]{0,500})>")
_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^<>|\s]{1,2000})>")
_SLACK_CHANNEL = re.compile(r"<#[A-Z0-9]{2,30}(?:\|([^<>]{0,100}))?>")
_SLACK_MENTION = re.compile(r"<[@!][^<>\s]{1,100}>")
_CODE_FENCE = re.compile(r"```")
_INLINE_CODE = re.compile(r"`([^`\n]{1,2000})`")
_QUOTE_MARKER = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.MULTILINE)
_EMPHASIS = re.compile(r"(?<![\w*~])([*~])(\S(?:[^*~\n]{0,500}?\S)?)\1(?![\w*~])")

# --- Unicode ------------------------------------------------------------------------------------
_CHAR_MAP = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`´", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
        **dict.fromkeys("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069", ""),
    }
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# French typography spaces the inside of guillemets: « Auth Token is Invalid » is a quote.
# The match may only start after a non-space: from every space of a long run it is quadratic.
_GUILLEMET_SPACE = re.compile(r"«\s+|(?<!\s)\s+»")

# --- Canonical form -----------------------------------------------------------------------------
# Shared with bot/redact.py, so that what redaction replaces is exactly what matching masks.
EMAIL_ADDRESS = re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}\b")
BRACKETED = re.compile(r"\[[^\[\]\n]{1,60}\]")
# The canonical form's rewrites in order: British spelling first, then the masks. Each is tried
# only on text holding one of its needles ("" for always): most pastes hold no URL, e-mail or
# date, and a failed search still walks the whole text. One plain loop over this table runs for
# every pattern at load time and every segment of a paste.
_BRITISH_STEMS = "author synchron recogn organ initial serial custom normal categor".split()
# The last field: whether a match holds a digit. A date's or a time's separators ("-", ".", ":")
# are in most texts; a digit is in fewer, and no rewrite adds one.
_REWRITES: tuple[tuple[re.Pattern[str], str, tuple[str, ...], bool], ...] = (
    (
        re.compile(rf"\b({'|'.join(_BRITISH_STEMS)})is"),
        r"\1iz",
        tuple(f"{stem}is" for stem in _BRITISH_STEMS),
        False,
    ),
    (re.compile(r"\bdespatch"), "dispatch", ("despatch",), False),
    (
        re.compile(r"\b(?:https?|ftp)://[^\s\"'<>]{1,2000}|\bwww\.[^\s\"'<>]{1,2000}"),
        " #url ",
        ("://", "www."),
        False,
    ),
    (EMAIL_ADDRESS, " #email ", ("@",), False),
    (
        re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
        " #id ",
        ("-",),
        False,
    ),
    (re.compile(r"\b[0-9a-f]{16,}\b"), " #id ", ("",), False),
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"
            r"(?:z|[+-]\d{2}:?\d{2})?)?\b"
        ),
        " #ts ",
        ("-",),
        True,
    ),
    (re.compile(r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"), " #ts ", ("/", "."), True),
    (
        re.compile(r"\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:\s?[ap]m)?\b"),
        " #ts ",
        (":",),
        True,
    ),
    # Placeholders the catalogue uses in its texts: <the new order ID>, ####, XXX, XXXX-XXXX-SM.
    (re.compile(r"<[^<>\n]{1,60}>"), " #n ", ("<",), False),
    (re.compile(r"#{3,}"), " #n ", ("###",), False),
    (re.compile(r"(?<![\w-])[\w-]*x{3,}[\w-]*"), " #n ", ("xxx",), False),
    (BRACKETED, " [#acct] ", ("[",), False),
)
_DIGIT = re.compile(r"\d")
# A quoted value of at most three words is a value (SKU, account, colour), not part of the error;
# a quoted camelCase name ('nonNegativeInteger') is a type or field name, which is.
QUOTED_VALUE = re.compile(r"""(?<![\w'"])(['"])([^'"\n]{1,48}?)\1(?![\w'"])""")
MAX_VALUE_WORDS = 3
_CAMEL_CASE = re.compile(r"[a-z]+(?:[A-Z][a-z0-9]*)+")
# Only words holding a digit can be SKUs or order numbers; the look-ahead spares the rest a call.
# It looks at most 100 characters ahead: unbounded, it rescanned the rest of a run such as
# "a.a.a.a…" from every start (quadratic: seconds for one paste of such lines).
_ID_LIKE = re.compile(r"(?<![\w#-])(?=[a-z0-9._-]{0,100}\d)[a-z0-9]+(?:[-_.][a-z0-9]+)*(?![\w-])")
_SPACES = re.compile(r"\s+")
_TRAILING_ELLIPSIS = re.compile(r"\s*['\"]?\s*(?:\.\.\.|…)\s*$")

# Prefixes that wrap an error without changing which error it is, any number in a row: each
# alternative takes at least one character and nothing follows the run, so it never backtracks.
_PREFIXES = re.compile(
    r"(?:(?:"
    r"#(?:ts|n|id|q)\b"
    r"|[^\w#\[(]+"
    r"|\[#acct\]"
    r"|(?:error|err|warning|warn|fatal|critical|exception|unhandled exception)\b\s*[:|-]?"
    r"|step:.{0,200}?(?:is thrown|error)\s*:"
    r"|start sync error\s*:"
    r"|http request failed\s*:"
    r"|http/\d(?:\.\d)?\s"
    r"|(?:[a-z_][\w]*\.){1,8}[a-z_]*exception\s*:"
    r"|-{1,3}>"
    r")\s*)*"
)

# --- Lines that are structure, not messages ------------------------------------------------------
_NOISE_LINE = re.compile(
    r"^\s*(?:"
    r"[\W_]*"  # punctuation only: braces, brackets, separators
    r"|at\s+[\w.$<>`\[\],]+\s*\(.*\)\s*(?:in\s.*)?"  # .NET / Java / JS stack frames
    r"|at\s+\S+\s+\(?\S+:\d+(?::\d+)?\)?"
    r"|file\s+\".*\",\s+line\s+\d+.*"  # Python stack frames
    r"|---\s*end of .*---"
    r"|(?:content-type|content-length|date|server|connection|cache-control|vary|x-[\w-]+|"
    r"strict-transport-security|set-cookie|transfer-encoding|accept|host|user-agent|via|"
    r"expires|pragma|etag|last-modified|access-control-[\w-]+)\s*:.*"
    r")\s*$",
    re.IGNORECASE,
)
_CONTINUATION = re.compile(r"^\s*(?:-{1,3}>|caused by\b|inner exception\b)", re.IGNORECASE)
_ENDS_SENTENCE = re.compile(r"""[.!?:;)\]}"'>]\s*$""")
_WRAP_MIN_CHARS = 40
_STARTS_LOWER = re.compile(r"^\s*(?:[a-z](?![A-Z])|\()")  # Not a name such as "eBay"
_SAME_START_BACK = 3  # Records a log line is compared with: an error may sit between two alike.

# Messages inside JSON and XML response bodies.
JSON_MESSAGE_KEYS = (
    "message|error|errors|error_description|description|detail|title|msg|reason|"
    "longmessage|shortmessage|error_message"
)
_JSON_MESSAGE = re.compile(
    rf"""(?<![\w-])['"]?(?:{JSON_MESSAGE_KEYS})['"]?\s*:\s*u?(['"])((?:(?!\1)[^\\\n]|\\.){{3,1000}})\1""",
    re.IGNORECASE,
)
# The code of a JSON error body names the error as a bare code does: {"code":"rest_forbidden"}.
_JSON_CODE = re.compile(
    r"""(?<![\w-])['"]?(?:code|error_code|errorcode)['"]?\s*:\s*(['"])([A-Za-z][\w.]{2,80})\1""",
    re.IGNORECASE,
)
_XML_MESSAGE = re.compile(
    r"<(message|shortmessage|longmessage|error|errormessage|description|detail)>"
    r"([^<]{3,1000})</\1>",
    re.IGNORECASE,
)
# Inner exceptions ("--> "), and the " - " with which log lines set a message off its context.
_INNER = re.compile(r"\s-{1,3}>?\s")
# Log viewers and spreadsheets paste as columns. The match may only start after a non-space: a
# search from every position of a long run of spaces is quadratic (seconds for one paste).
_COLUMNS = re.compile(r"(?<!\s)\s*(?:\t|\s[|¦]\s| {2,})\s*")
# A quoted phrase of two or more words: "404 Not Found" and "Access denied" are errors in chat,
# though as values of at most three words they are masked inside the whole line.
_QUOTED_PHRASE = re.compile(
    r"""(?<!\w)(['"])(?=[^'"\n]{8})([^'"\n\s][^'"\n]{0,300}?\s[^'"\n]{1,300}?)\1(?!\w)"""
)
# One quoted word ("Throttled") is an error in chat when it is a word, not a value: letters only.
_QUOTED_WORD = re.compile(r"""(?<![\w'"])(['"])([A-Za-z][a-z]{4,39})\1(?![\w'"])""")
# Three or more words in capitals amid lower case are a quotation: "says DISPATCH NOTE IS IGNORED".
_CAPITALS = re.compile(r"(?<![\w'])[A-Z]{2,}(?:\s+[A-Z]{2,}){2,}(?![\w'])")
# Two to four capitalised words amid lower case are one too: "show Despatch Rejected in the trail".
_TITLE_CASE = re.compile(r"(?<=[a-z,] )[A-Z][a-z]+(?: [A-Z][a-z]+){1,3}(?=[ ,.;:!?]|$)")
_LOWER = re.compile(r"[a-z]{3}")
_CUT_MARK = re.compile(r"(?:\.\.\.|…)\W{0,3}$")
_AFTER_COLON = re.compile(r":\s+(?=\S)")
# Words with which people introduce the error they are quoting: "keeps saying ...", "fails with".
_AFTER_CUE = re.compile(
    r"\b(?:says?|saying|said|shows?|showing|getting|gets|got|seeing|returns?|returned|"
    r"returning|with|throws?|threw|reports?|reported|reads?)\s+"
    r"(?:(?:an?|the|this|that)\s+)?(?:error\s+)?(?=\S)",
    re.IGNORECASE,
)
_OPEN_QUOTE = re.compile(r"""(?<!\w)["“](?=[^"”\n]{8,}$)""")
# A message that opens its line or follows a separator, with its code in brackets after it:
# "Item condition required (21916884) on the new listings", "FAILED - Throttled (THROTTLED)".
_BEFORE_ITS_CODE = re.compile(
    r"(?:^|(?<=[-:|>] ))([A-Z][A-Za-z ,']{3,120}?)\s\((?:[A-Z][A-Z_]{2,40}|\d{2,10})\)"
)
# A quoted message said to come from an operation ('"Feed Rejected" on SubmitInventoryChange')
# is that operation's error as logs write it: "SubmitInventoryChange: Feed Rejected".
_QUOTED_ON_OPERATION = re.compile(
    r"""(['"])([^'"\n]{3,200}?)\1\s+(?:on|in|from|for|during)\s+(?:the\s+)?"""
    r"([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+)\b"
)
_KEY_VALUE = re.compile(r"\b[a-z_]{3,40}=([a-z][\w.]{3,80})", re.IGNORECASE)
_CLAUSE_END = re.compile(r",\s|;\s|\s\(|\s[-–→]+\s|\.\s|\.$")
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)][.!?;])\s+(?=[A-Z])")
_TIMESTAMP_START = re.compile(r"^\W{0,2}(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}:\d{2})")


@dataclass(frozen=True)
class Segment:
    """One comparable piece of a record: `canon` is matched, `display` is shown to people.

    `core` is `canon` without log prefixes; `plain` is folded but unmasked, for finding codes
    such as "token_rejected" that may sit inside a quoted JSON value. `may_be_cut` is true when
    the segment runs to the end of its line, where a paste may have been cut short. `quoted` is
    true when a person set the text off from their own words (in quotes, or in capitals amid
    lower case): it may be any part of an error, not only its start.
    """

    canon: str
    core: str
    plain: str
    display: str
    may_be_cut: bool = True
    quoted: bool = False


@dataclass(frozen=True)
class Record:
    """One log line or one exception block, with the segments that may name its error."""

    index: int
    text: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class NormalisedPaste:
    records: tuple[Record, ...]
    truncated: bool


# --- Public helpers -------------------------------------------------------------------------------
def strip_slack_markup(text: str) -> str:
    """Plain text from Slack's message markup; code spans become lines of their own."""
    text = _SLACK_LINK_LABEL.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SLACK_LINK.sub(r"\1", text)
    text = _SLACK_CHANNEL.sub(lambda m: "#" + (m.group(1) or "channel"), text)
    text = _SLACK_MENTION.sub(" ", text)
    text = html.unescape(text)
    text = _QUOTE_MARKER.sub("", text)
    text = _CODE_FENCE.sub(f"\n{_HARD_BREAK}\n", text)
    text = _INLINE_CODE.sub(lambda m: _own_line(m.group(1)), text)
    # People put the error in bold to single it out; a bold phrase stands on its own like code.
    return _EMPHASIS.sub(lambda m: _own_line(m.group(2)) if " " in m.group(2) else m.group(2), text)


def _own_line(text: str) -> str:
    return f"\n{_HARD_BREAK}\n{text}\n{_HARD_BREAK}\n"


def clean_unicode(text: str) -> str:
    """Fold look-alike characters (curly quotes, dashes, full-width forms); drop invisible ones."""
    if text.isascii():
        # NFKC leaves ASCII as it is, and the backtick is the one ASCII character folded.
        text = text.replace("`", "'")
    else:
        text = unicodedata.normalize("NFKC", text)
        if "«" in text or "»" in text:
            text = _GUILLEMET_SPACE.sub(lambda m: m.group(0).strip(), text)
        text = text.translate(_CHAR_MAP)
    return _CONTROL.sub(" ", text)


def canonical(text: str) -> str:
    """The form that patterns and pastes are compared in: folded, masked, single-spaced."""
    text = clean_unicode(text)
    if "'" in text or '"' in text:
        text = QUOTED_VALUE.sub(_mask_quoted, text)
    text = text.casefold()
    digits = _DIGIT.search(text) is not None
    for pattern, replacement, needs, needs_digit in _REWRITES:
        if needs_digit and not digits:
            continue
        for needle in needs:
            if needle in text:
                text = pattern.sub(replacement, text)
                break
    if digits and _DIGIT.search(text):  # The rewrites may have taken them all; none adds one.
        text = _ID_LIKE.sub(_mask_identifier, text)
    # str.split() splits at exactly what \s matches, and strips what strip() strips.
    text = " ".join(text.split())
    return _TRAILING_ELLIPSIS.sub("", text) if "..." in text or "…" in text else text


def strip_prefixes(canon: str) -> str:
    """Remove log and Linnworks wrapper prefixes ("Step: … Error:", timestamps, levels)."""
    prefixes = _PREFIXES.match(canon)
    return canon[prefixes.end() if prefixes else 0 :].rstrip(" .")


# Remembered: a paste's lines come back in its pieces, and log lines paste after paste (in
# bench/slope.py's pastes, about one segment in three has been made before).
@lru_cache(maxsize=4_096)
def make_segment(text: str, *, may_be_cut: bool = True, quoted: bool = False) -> Segment:
    text = text[:MAX_SEGMENT_CHARS]
    canon = canonical(text)
    plain = _plain(text)
    return Segment(
        canon=canon,
        core=strip_prefixes(canon),
        plain=plain.casefold(),
        display=_shorten(plain),
        # "You exceeded your quota for the requested...": a person cut it short on purpose.
        may_be_cut=may_be_cut or bool(_CUT_MARK.search(text)),
        quoted=quoted,
    )


def display_text(text: str) -> str:
    """`text` as an answer shows it: look-alikes folded, single-spaced, at most DISPLAY_CHARS."""
    return _shorten(_plain(text[:MAX_SEGMENT_CHARS]))


def _plain(text: str) -> str:
    return _SPACES.sub(" ", clean_unicode(text)).strip()


def _shorten(plain: str) -> str:
    return plain if len(plain) <= DISPLAY_CHARS else plain[: DISPLAY_CHARS - 1] + "…"


def is_noise(line: str) -> bool:
    """Structure rather than a message: blank lines, braces, stack frames, HTTP headers."""
    return len(line) < 400 and bool(_NOISE_LINE.match(line))


def normalise(paste: str) -> NormalisedPaste:
    """Split a paste into records, each with the segments that may carry its error."""
    truncated = len(paste) > MAX_PASTE_CHARS
    text = strip_slack_markup(paste[:MAX_PASTE_CHARS])
    records: list[Record] = []
    lines = _logical_lines(text)
    for line_text, continues in lines:
        if continues and records:
            previous = records[-1]
            text_so_far = f"{previous.text}\n{line_text}"
            # Each line brings its own segments, so a long first line cannot crowd out the error
            # on the line it introduces.
            segments = _dedupe(previous.segments + _segments(line_text), MAX_SEGMENTS_PER_RECORD)
            records[-1] = Record(previous.index, text_so_far, segments)
            continue
        if len(records) >= MAX_RECORDS:
            truncated = True
            break
        segments = _segments(line_text)
        if segments:
            records.append(Record(len(records), line_text, segments))
    return NormalisedPaste(records=tuple(records), truncated=truncated)


def is_short_value(quoted: str) -> bool:
    """Whether the inside of quotes is short enough to be a value (a SKU, a name), not words."""
    return len(quoted.split()) <= MAX_VALUE_WORDS


# --- Internals ------------------------------------------------------------------------------------
def _mask_quoted(match: re.Match[str]) -> str:
    inner = match.group(2)
    if not is_short_value(inner) or _CAMEL_CASE.fullmatch(inner):
        return match.group(0)
    return " #q "


def _mask_identifier(match: re.Match[str]) -> str:
    token = match.group(0)
    digits = sum(c.isdigit() for c in token)
    if digits and (digits >= 4 or any(c.isalpha() for c in token)):
        return "#n"
    return token


def _logical_lines(text: str) -> list[tuple[str, bool]]:
    """Lines with wrapped ones joined; each flagged when it continues the previous record."""
    out: list[tuple[str, bool]] = []
    joinable = introduces = False
    for raw in text.split("\n"):
        if raw.strip() == _HARD_BREAK:
            joinable = False
            continue
        line = raw.strip()
        if not line:
            joinable = False
            continue
        if is_noise(line):
            # Stack frames and headers belong to the record above; they end any wrapping.
            joinable = False
            continue
        if (
            joinable
            and _STARTS_LOWER.match(line)
            and out
            and not any(_same_start(earlier, line) for earlier, _ in out[-_SAME_START_BACK:])
        ):
            previous, continues = out[-1]
            out[-1] = (f"{previous} {line}", continues)
        else:
            # "getting this since morning:" introduces the error on the next line: one record.
            continues = bool(_CONTINUATION.match(line)) or (
                introduces and not _TIMESTAMP_START.match(line)
            )
            out.append((line, continues and bool(out)))
        # Only a long line can have been wrapped; a short one is a line of its own.
        joinable = len(line) >= _WRAP_MIN_CHARS and not _ENDS_SENTENCE.search(line)
        introduces = line.endswith(":")
    return out


def _same_start(previous: str, line: str) -> bool:
    """Log records tend to start alike ("line 4: ...", "eBay: ...", "eBay RelistItem: ..."),
    with a record between them at times; wrapped text does not."""
    return _first_word(previous) == _first_word(line)


def _first_word(line: str) -> str:
    return line.split(maxsplit=1)[0].strip(":;,.|-[]()").casefold()


def _segments(line: str) -> tuple[Segment, ...]:
    """The line and the pieces of it that may name an error on their own.

    A very long line is read in overlapping windows, every one of them whole; the pieces found
    inside them are capped. Only a piece that runs to the end of the line may be a paste cut
    short; a sentence followed by more text, or a JSON value, is complete as it stands.
    """
    # Curly quotes, guillemets and dashes set a message off as their ASCII forms do: « … »,
    # {“code”:”…”} and "Audit Trail #1 – date – message" are split like quotes and " - ".
    if not line.isascii():
        line = clean_unicode(line)
    windows = [line[i : i + MAX_SEGMENT_CHARS] for i in range(0, min(len(line), 20_000), 1_500)]
    # A line ending in a colon announces a reason that is not there: it was not cut short.
    found = [(window, not window.rstrip().endswith(":"), False) for window in windows]
    parts: list[tuple[str, bool, bool]] = []
    for window in windows:
        parts.extend(_parts(window))
        if len(parts) >= MAX_SEGMENTS_PER_LINE:
            break
    found.extend(parts[:MAX_SEGMENTS_PER_LINE])
    segments = [
        make_segment(_unescape_json(t), may_be_cut=cut, quoted=quoted)
        for t, cut, quoted in found
        if t.strip()
    ]
    return _dedupe(
        tuple(s for s in segments if _has_letter(s.canon)),
        MAX_SEGMENTS_PER_LINE + len(windows),
    )


def _parts(text: str) -> Iterator[tuple[str, bool, bool]]:
    """Pieces of `text` that may be an error on their own, each with whether it may be cut and
    whether a person quoted it."""
    for splitter, needs in _SPLITTERS:
        if not any(needle in text for needle in needs):
            continue  # A quick look for what the expression needs spares a walk of the text.
        parts = splitter.split(text)[:6]
        if len(parts) > 1:
            yield from ((part, False, False) for part in parts[:-1])
            yield parts[-1], True, False
    for body, needs in _BODIES:
        if any(needle in text for needle in needs):
            quoted = body is _QUOTED_PHRASE
            yield from ((m.group(2), False, quoted) for m in body.finditer(text))
    if "'" in text or '"' in text:
        yield from ((m.group(2), False, True) for m in _QUOTED_WORD.finditer(text))
    if _LOWER.search(text):
        yield from ((m.group(0), False, True) for m in _CAPITALS.finditer(text))
        yield from ((m.group(0), False, True) for m in _TITLE_CASE.finditer(text))
    if "=" in text:
        yield from ((m.group(1), False, False) for m in _KEY_VALUE.finditer(text))
    if "'" in text or '"' in text:
        for m in _QUOTED_ON_OPERATION.finditer(text):
            yield f"{m.group(3)}: {m.group(2)}", False, True
    if "(" in text:
        yield from ((m.group(1), False, False) for m in _BEFORE_ITS_CODE.finditer(text))
    for intro, needs in _INTROS:
        if needs and not any(needle in text for needle in needs):
            continue
        for match in itertools.islice(intro.finditer(text), 3):
            tail = text[match.end() :]
            yield tail, not tail.rstrip().endswith(":"), False
            clause = _CLAUSE_END.split(tail, maxsplit=1)[0]
            if clause != tail:
                yield clause, False, intro is _AFTER_CUE and _quotes_after_cue(match[0], tail)


# Each expression of `_parts` with text it cannot match without (none: always tried).
# Each expression with the characters it cannot match without (none: always tried).
_Needs = tuple[re.Pattern[str], tuple[str, ...]]
_SPLITTERS: tuple[_Needs, ...] = (
    (_INNER, ("-",)),
    (_COLUMNS, ("\t", "|", "¦", "  ")),
    (_SENTENCE_END, (".", "!", "?", ";")),
)
_BODIES: tuple[_Needs, ...] = (
    # Both need a colon and a quote: a log line's time has a colon, seldom a quote.
    (_JSON_MESSAGE, ("'", '"')),
    (_JSON_CODE, ("'", '"')),
    (_XML_MESSAGE, ("<",)),
    (_QUOTED_PHRASE, ("'", '"')),
)
_INTROS: tuple[_Needs, ...] = ((_AFTER_COLON, (":",)), (_AFTER_CUE, ()), (_OPEN_QUOTE, ('"', "“")))


def _quotes_after_cue(cue: str, tail: str) -> bool:
    """Whether a person quotes without quote marks: after a cue word of their own lower-case
    chat ("price import says There are some errors ...") the error's own capital starts it."""
    return cue[0].islower() and tail[0].isupper() and tail[1:2].islower()


def _has_letter(text: str) -> bool:
    if text.isascii():
        return _ASCII_LETTER.search(text) is not None
    return any(c.isalpha() for c in text)


_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _unescape_json(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", " ").replace("\\/", "/")


def _dedupe(segments: tuple[Segment, ...], limit: int) -> tuple[Segment, ...]:
    """Each text once, where it was first seen, at most `limit`. Seen again at a line's end it
    may be cut short, and seen again in quotes it may be any part of an error: the one kept
    says so."""
    kept: dict[str, Segment] = {}
    for segment in segments:
        first = kept.setdefault(segment.canon, segment)
        if first is not segment:
            kept[segment.canon] = replace(
                first,
                may_be_cut=first.may_be_cut or segment.may_be_cut,
                quoted=first.quoted or segment.quoted,
            )
    return tuple(kept.values())[:limit]
