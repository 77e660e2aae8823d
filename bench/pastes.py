"""The paste set: what people actually put in Slack, made from known patterns by a seeded mutator.

Every method in a run answers the same pastes. A paste made from an entry's pattern has that
entry as its answer (or any entry sharing the same pattern text); an unknown paste has none, and
claiming anything for it is a false claim.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import asdict, dataclass

from synth import CHANNELS, MARKETS, SourceEntry

from bot.normalise import canonical

KINDS = ("exact", "log-prefix", "chat", "typo", "truncated", "multi-line log", "unknown")
_WEIGHTS = (10, 15, 15, 15, 10, 15, 20)
REAL_SHARE = 0.7
"""Share of known pastes made from the real knowledge base; the rest from synthetic entries."""

STABLE_SYNTHETIC = 100
"""Synthetic pastes come from the first entries, which every base size contains."""

_CODE_LIKE = re.compile(r"^[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)+$|^[A-Za-z]*[a-z][A-Z][A-Za-z]*$")

ACCOUNTS = ("[eBay UK]", "[Amazon DE]", "[Shopify Main]", "[Woo - Outlet]", "[Magento2]", "[eBay0]")
INFO_LINES = (
    "INFO Sync started for {account}",
    "INFO Downloaded {n} orders from {account}",
    "INFO Updated stock levels for {n} items on {account}",
    "INFO Processing despatch queue ({n} orders)",
    "INFO Sync finished in {n}s",
    "DEBUG Requesting page {n} of open orders",
    "INFO Price update queued for {n} listings",
    "WARN Retrying request in {n} seconds",
    "INFO Token refreshed for {account}",
    "INFO Imported {n} rows from stock.csv",
)
STACK_FRAMES = (
    "   at Linnworks.Channels.Sync.SyncRunner.Run(SyncContext ctx) in C:\\build\\Sync.cs:line {n}",
    "   at Linnworks.Channels.Http.ApiClient.Send(HttpRequestMessage request)",
    "   at System.Net.HttpWebRequest.GetResponse()",
    "--- End of stack trace from previous location ---",
)
CHAT = (
    "anyone seen this on {channel}? `{error}`",
    "hey all, getting this since this morning: {error} any ideas?",
    "{error}\n^ this keeps showing up in the automation log, what does it mean?",
    "> {error}\nis this something I need to fix?",
    "<@U024BE7LH> seeing this on {account} again ```{error}``` can you have a look",
    "Morning! Linnworks shows *{error}* for {channel} orders, should I worry?",
    "FYI the {channel} sync says: {error} (third time today)",
)
LOG_PREFIXES = (
    "{ts} ERROR {error}",
    "[{iso}] {account} {error}",
    "{date} | Sync | Error | {error}",
    "error {error}",
    "{ts} {account} {error}",
)
UNKNOWN_ERRORS = (
    "npm ERR! code ERESOLVE npm ERR! ERESOLVE unable to resolve dependency tree",
    "psycopg2.OperationalError: could not connect to server: Connection refused",
    "java.lang.OutOfMemoryError: Java heap space",
    'Traceback (most recent call last):\n  File "app.py", line 12, in <module>\n'
    "    main()\nKeyError: 'customer_id'",
    "fatal: refusing to merge unrelated histories",
    "Error: ENOENT: no such file or directory, open '/app/config.json'",
    "The printer 'Zebra ZD420' is offline. Check the cable and try again.",
    "SSL certificate problem: unable to get local issuer certificate",
    "ORA-00942: table or view does not exist",
    "Segmentation fault (core dumped)",
    "Warning: mysqli_connect(): (HY000/2002): Connection refused in /var/www/db.php on line 12",
    "AccessDeniedException: User: arn:aws:iam::123456789012:user/dev is not authorized to "
    "perform: s3:GetObject",
    "Uncaught TypeError: Cannot read properties of undefined (reading 'map')",
    "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)",
    "The Xero invoice INV-0042 could not be posted: Account code '200' is archived",
    "QuickBooks Error 6123, 0: We're sorry, but QuickBooks can't open your company file.",
    "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)",
    "curl: (7) Failed to connect to localhost port 8080: Connection refused",
    "The remote name could not be resolved: 'api.example.com'",
    "The build pipeline failed at step 'deploy-staging': exit code 137",
    "Outlook cannot connect to the server. Check your network connection.",
    "docker: Error response from daemon: Conflict. The container name '/web' is already in use.",
    "Deadlock found when trying to get lock; try restarting transaction",
)
UNKNOWN_CHAT = (
    "hi team, can someone approve my holiday request for friday?",
    "lunch is in the kitchen, first come first served",
    "Your Zoom meeting has ended because the host left",
    "does anyone know how to add a new user to Linnworks? thanks",
    "the courier collection is late again today, orders are packed and waiting",
)


@dataclass(frozen=True)
class Paste:
    """One paste, how it was made, and which entry ids count as the right answer."""

    text: str
    kind: str
    answers: tuple[str, ...]
    source: str  # "real", "synthetic" or "none"

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def make_pastes(sources: list[SourceEntry], count: int, seed: int) -> list[Paste]:
    """`count` pastes in a fixed order, the same for every size whose base holds `sources`."""
    rng = random.Random(seed)
    real = [s for s in sources if not s.synthetic]
    synthetic = [s for s in sources if s.synthetic][:STABLE_SYNTHETIC]
    owners: dict[str, set[str]] = {}
    for source in sources:
        for pattern in source.patterns:
            owners.setdefault(canonical(pattern), set()).add(source.id)

    pastes = []
    for _ in range(count):
        kind = rng.choices(KINDS, _WEIGHTS)[0]
        if kind == "unknown" or not (real or synthetic):
            pastes.append(_unknown(rng))
            continue
        origin = "real" if real and (rng.random() < REAL_SHARE or not synthetic) else "synthetic"
        fits = _ELIGIBLE.get(kind, _any)
        pool = [e for e in (real if origin == "real" else synthetic) if any(map(fits, e.patterns))]
        entry = rng.choice(pool)
        pattern = rng.choice([p for p in entry.patterns if fits(p)])
        answers = tuple(sorted(owners[canonical(pattern)]))
        text = _MUTATORS[kind](rng, _fill(rng, pattern), entry)
        pastes.append(Paste(text, kind, answers, origin))
    return pastes


def stratified_order(pastes: list[Paste]) -> list[int]:
    """Indices interleaving the kinds, so a time-boxed prefix still samples every kind."""
    by_kind: dict[str, list[int]] = {}
    for index, paste in enumerate(pastes):
        by_kind.setdefault(paste.kind, []).append(index)
    queues = [by_kind[k] for k in KINDS if k in by_kind]
    order = []
    while any(queues):
        for queue in queues:
            if queue:
                order.append(queue.pop(0))
    return order


# --- Filling placeholders -----------------------------------------------------------------------
def _fill(rng: random.Random, pattern: str) -> str:
    """Replace the catalogue's placeholders with the kind of values a real log carries."""
    text = pattern.replace("[SubSource]", rng.choice(ACCOUNTS))
    text = re.sub(r"<[^<>\n]{1,60}>", lambda _: str(rng.randint(100_000, 99_999_999)), text)
    text = re.sub(r"#{3,}", lambda m: _digits(rng, len(m.group(0))), text)
    text = re.sub(r"X{3,}", lambda m: _alnum(rng, len(m.group(0))), text)
    text = text.replace("'SKU'", f"'{_sku(rng)}'").replace("FEED_ID", _digits(rng, 11))
    return text


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))


def _alnum(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(n))


def _sku(rng: random.Random) -> str:
    product, colour = rng.choice(("TSHIRT", "MUG", "HOODIE", "CAP")), rng.choice(("RED", "BLK"))
    return f"{product}-{colour}-{rng.randint(1, 40)}"


def _values(rng: random.Random, entry: SourceEntry) -> dict[str, str]:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    hh, mm, ss = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    return {
        "ts": f"2026-{month:02d}-{day:02d} {hh:02d}:{mm:02d}:{ss:02d}",
        "iso": f"2026-{month:02d}-{day:02d}T{hh:02d}:{mm:02d}:{ss:02d}.{rng.randint(0, 999):03d}Z",
        "date": f"{day:02d}/{month:02d}/2026 {hh:02d}:{mm:02d}",
        "account": rng.choice(ACCOUNTS),
        "channel": CHANNELS.get(entry.channel, entry.channel.capitalize()),
        "market": rng.choice(MARKETS),
    }


# --- Mutators -----------------------------------------------------------------------------------
def _exact(rng: random.Random, error: str, entry: SourceEntry) -> str:
    return error


def _log_prefix(rng: random.Random, error: str, entry: SourceEntry) -> str:
    return rng.choice(LOG_PREFIXES).format(error=error, **_values(rng, entry))


def _chat(rng: random.Random, error: str, entry: SourceEntry) -> str:
    return rng.choice(CHAT).format(error=error, **_values(rng, entry))


def _typo(rng: random.Random, error: str, entry: SourceEntry) -> str:
    """One or two slips of the keyboard in words; numbers and codes are copied, not typed."""
    words = error.split(" ")
    typeable = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 5]
    for i in rng.sample(typeable, min(len(typeable), rng.choice((1, 1, 2)))):
        word, at = words[i], rng.randint(1, len(words[i]) - 2)
        edit = rng.choice(("swap", "drop", "double"))
        if edit == "swap":
            word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        elif edit == "drop":
            word = word[:at] + word[at + 1 :]
        else:
            word = word[:at] + word[at] + word[at:]
        words[i] = word
    return " ".join(words)


def _truncated(rng: random.Random, error: str, entry: SourceEntry) -> str:
    """Cut where a Slack preview or a narrow log column would, at a word boundary."""
    cut = error.rfind(" ", 0, int(len(error) * rng.uniform(0.55, 0.85)))
    return error[: cut if cut > 20 else len(error)] + rng.choice(("...", "…", ""))


def _multi_line(rng: random.Random, error: str, entry: SourceEntry) -> str:
    """About twenty lines of a sync log in which the error shows up one to six times."""
    events = [None] * rng.randint(16, 22)
    for at in rng.sample(range(len(events)), rng.randint(1, 6)):
        events[at] = error
    clock = dt.datetime(2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23))
    lines = []
    for event in events:
        clock += dt.timedelta(seconds=rng.randint(1, 90))
        values = _values(rng, entry)
        if event is None:
            info = rng.choice(INFO_LINES).format(n=rng.randint(2, 400), **values)
            lines.append(f"{clock:%Y-%m-%d %H:%M:%S} {info}")
            continue
        lines.append(f"{clock:%Y-%m-%d %H:%M:%S} ERROR {event}")
        if rng.random() < 0.3:
            lines += [f.format(n=rng.randint(10, 900)) for f in STACK_FRAMES]
    return "\n".join(lines)


def _unknown(rng: random.Random) -> Paste:
    if rng.random() < 0.2:
        return Paste(rng.choice(UNKNOWN_CHAT), "unknown", (), "none")
    text = rng.choice(UNKNOWN_ERRORS)
    if rng.random() < 0.4:
        text = rng.choice(LOG_PREFIXES).format(
            error=text, **_values(rng, SourceEntry("none", "general", (), False))
        )
    return Paste(text, "unknown", (), "none")


def _any(pattern: str) -> bool:
    return True


def _has_typeable_word(pattern: str) -> bool:
    return not _CODE_LIKE.match(pattern.strip()) and any(
        w.isalpha() and len(w) >= 5 for w in pattern.split(" ")
    )


def _long(pattern: str) -> bool:
    return len(pattern) >= 50


_ELIGIBLE = {"typo": _has_typeable_word, "truncated": _long}


_MUTATORS = {
    "exact": _exact,
    "log-prefix": _log_prefix,
    "chat": _chat,
    "typo": _typo,
    "truncated": _truncated,
    "multi-line log": _multi_line,
}
