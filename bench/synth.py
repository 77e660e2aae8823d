"""Synthetic knowledge bases: real YAML folders, valid against knowledge/schema.json.

Entries are drawn from one seeded random stream in order, so the first 100 entries of the
10,000-entry base are the 100-entry base: a paste made from entry 42 has the same true answer at
every size, and only the crowd of look-alike entries around it grows. The real knowledge base's
entries are copied in beside them so that realistic pastes have a true answer.
"""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge import SETTINGS_FILE, bundled_kb_path, load_knowledge_base
from bot.normalise import canonical

ENTRIES_PER_FILE = 100  # files well within bot.kb_yaml.MAX_FILE_BYTES
_WORD = re.compile(r"[a-z][a-z0-9_]{2,}")
REFERENCE_CATALOGUE = Path("/work/shared/reference/linnworks-errors.yaml")
"""Fallback source of real entries while the repository's knowledge base has no YAML yet."""

CHANNELS = {
    "amazon": "Amazon",
    "ebay": "eBay",
    "shopify": "Shopify",
    "magento": "Magento",
    "woocommerce": "WooCommerce",
    "bigcommerce": "BigCommerce",
    "etsy": "Etsy",
    "walmart": "Walmart",
    "onbuy": "OnBuy",
    "prestashop": "PrestaShop",
    "tiktok-shop": "TikTok Shop",
    "royal-mail": "Royal Mail",
    "dpd": "DPD",
    "evri": "Evri",
    "parcelforce": "Parcelforce",
    "general": "Linnworks",
    "import": "Import",
    "inventory": "Inventory",
}
OBJECTS = (
    "order", "orders", "listing", "inventory item", "stock level", "SKU", "variation", "shipment",
    "tracking number", "shipping label", "feed", "product", "price", "warehouse location",
    "bin rack", "purchase order", "supplier", "refund", "cancellation", "return", "invoice",
    "customer address", "postcode", "barcode", "EAN", "UPC", "ASIN", "image", "description",
    "category", "attribute", "item specific", "template", "fulfilment centre", "batch",
    "composite item", "extended property", "currency", "tax rate", "VAT number", "despatch note",
    "manifest", "consignment", "service code", "package type", "weight", "dimensions", "webhook",
    "access token", "refresh token", "API key", "subscription", "sales channel", "order note",
)  # fmt: skip
PROBLEMS = (
    "could not be found", "was rejected", "is invalid", "has expired", "is missing",
    "is required", "cannot be updated", "could not be created", "was not accepted",
    "exceeds the maximum length", "is already in use", "is locked by another process",
    "timed out", "is not supported", "does not match the channel value", "was skipped",
    "is out of range", "is not allowed for this account", "failed validation",
    "could not be parsed", "conflicts with an existing record", "was throttled",
    "has been revoked", "is not mapped", "is disabled on the channel", "was declined",
)  # fmt: skip
CONTEXTS = (
    "for marketplace {market}", "in location {location}", "during the last sync",
    "for the selected account", "because the token is no longer valid",
    "while processing the request", "on the channel side", "after {retries} retries",
    "for order {order}", "in feed {feed}", "for this seller", "in the current batch",
    "when downloading orders", "when updating stock levels", "when submitting tracking",
    "when creating the listing", "when printing the label", "for the default warehouse",
)  # fmt: skip
OPERATIONS = (
    "GetOrders", "SubmitFeed", "UpdateInventory", "CreateListing", "ReviseItem", "GetShipments",
    "CreateLabel", "UploadTracking", "SyncPrices", "ImportProducts", "GetCategories",
    "RefundOrder", "CancelOrder", "GetInventoryLevels", "UpdateFulfillment", "GetListings",
    "SubmitPriceChange", "CreateManifest", "GetRates", "ConfirmShipment",
)  # fmt: skip
# Field and attribute names give a base the long tail of rare words real catalogues have (the real
# base's 288 distinct words in 90 patterns extrapolate, by Heaps' law, to several thousand at
# 10,000 entries); without them every word would be common and the base unrealistically uniform.
FIELD_PARTS = (
    "item", "package", "quantity", "weight", "unit", "bullet", "point", "brand", "colour", "size",
    "material", "pattern", "style", "model", "number", "part", "condition", "note", "country",
    "origin", "hazmat", "battery", "lithium", "voltage", "wattage", "capacity", "length", "width",
    "height", "depth", "handling", "time", "fulfillment", "latency", "sale", "start", "end",
    "date", "list", "retail", "cost", "shipping", "template", "group", "merchant", "sku",
    "standard", "product", "external", "id", "type", "parent", "child", "relationship", "theme",
    "variation", "keyword", "search", "term", "target", "audience", "age", "range", "gender",
    "department", "fabric", "care", "instructions", "closure", "neck", "sleeve", "fit", "rise",
    "leg", "inseam", "waist", "heel", "toe", "sole", "strap", "lens", "frame", "screen",
    "resolution", "warranty", "description", "safety", "warning", "manufacturer", "contact",
    "label", "language", "edition", "format", "binding", "author", "publisher", "isbn",
    "release", "region", "rating", "flavour", "ingredients", "allergen", "expiry", "batch",
)  # fmt: skip
VERBS = ("Get", "Submit", "Update", "Create", "Delete", "List", "Sync", "Revise", "Confirm")
ACTIONS = (
    "check the channel settings", "reauthorise the account", "review the listing template",
    "map the shipping service", "correct the product data", "contact the channel support",
    "renew the token", "wait for the next sync", "update the SKU mapping",
)  # fmt: skip
HTTP = {
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict",
    410: "Gone", 413: "Payload Too Large", 415: "Unsupported Media Type",
    422: "Unprocessable Entity", 423: "Locked", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}  # fmt: skip
CODE_WORDS = (
    "token", "sku", "order", "listing", "feed", "scope", "quota", "label", "carrier", "shipment",
    "price", "stock", "address", "webhook", "signature", "consumer", "session", "client",
    "payload", "variant", "location", "refund", "tracking", "manifest",
)  # fmt: skip
CODE_STATES = (
    "rejected", "revoked", "invalid", "expired", "missing", "denied", "exceeded", "not_found",
    "locked", "unsupported", "duplicate", "mismatch",
)  # fmt: skip
MARKETS = ("UK", "DE", "FR", "IT", "ES", "US", "CA", "AU", "NL", "PL", "SE")
LOCATIONS = ("Default", "Warehouse 2", "Leeds", "Bristol DC", "FBA UK", "Returns")
SEVERITIES = ("transient", "action_required", "info")
TAGS = ("orders", "stock", "listing", "auth", "shipping", "feed", "pricing", "import", "api")


@dataclass(frozen=True)
class BuiltBase:
    """A knowledge base folder on disk and what a paste generator needs to know about it."""

    path: Path
    synthetic: int
    real: int
    patterns: int
    files: int
    words: int
    """Distinct words of three or more letters across all patterns: how varied the base is."""


@dataclass(frozen=True)
class SourceEntry:
    """An entry pastes can be made from: its id and its patterns as written."""

    id: str
    channel: str
    patterns: tuple[str, ...]
    synthetic: bool


def real_entries_source(explicit: Path | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The real entries to copy in: a knowledge base folder's, else the reference catalogue's."""
    folder = explicit or bundled_kb_path()
    if folder.is_dir() and any(folder.glob("*.yaml")):
        kb = load_knowledge_base(folder)
        return str(folder), [_entry_to_dict(e) for e in kb]
    if REFERENCE_CATALOGUE.is_file():
        catalogue = yaml.safe_load(REFERENCE_CATALOGUE.read_text(encoding="utf-8"))
        return str(REFERENCE_CATALOGUE), [_catalogue_to_dict(item) for item in catalogue]
    return "none", []


def _entry_to_dict(entry: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id,
        "title": entry.title,
        "channel": entry.channel,
        "severity": entry.severity,
        "patterns": list(entry.patterns),
        "meaning": entry.meaning,
        "fix": list(entry.fix),
    }
    if entry.article:
        item["article"] = {"title": entry.article.title, "url": entry.article.url}
    if entry.sources:
        item["sources"] = list(entry.sources)
    if entry.examples:
        item["examples"] = list(entry.examples)
    if entry.counter_examples:
        item["counter_examples"] = list(entry.counter_examples)
    if entry.severity == "transient":
        item["escalate_after"] = entry.escalate_after
    if entry.tags:
        item["tags"] = list(entry.tags)
    if entry.generic_patterns:
        item["generic"] = list(entry.generic_patterns)
    return item


def _catalogue_to_dict(item: dict[str, Any]) -> dict[str, Any]:
    title = item["id"].replace("-", " ").capitalize()
    return {
        "id": item["id"],
        "title": title[:120],
        "channel": item["channel"],
        "severity": item["severity"],
        "patterns": list(item["messages"]),
        "meaning": item["meaning"],
        "fix": list(item["fix"]),
        # The schema asks for https; a few catalogue links are plain http.
        "article": {
            "title": item["article_title"],
            "url": re.sub(r"^http://", "https://", item["article_url"]),
        },
    }


def build_base(
    root: Path, synthetic: int, real: list[dict[str, Any]], seed: int
) -> tuple[BuiltBase, list[SourceEntry]]:
    """Write `synthetic` generated entries plus the real ones as YAML files under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(bundled_kb_path() / "schema.json", root / "schema.json")
    # The channel names, other systems and success phrases the real entries are judged with.
    if (bundled_kb_path() / SETTINGS_FILE).is_file():
        shutil.copy(bundled_kb_path() / SETTINGS_FILE, root / SETTINGS_FILE)
    taken = {canonical(p) for item in real for p in item["patterns"]}
    generated = list(_generate(synthetic, seed, taken))

    files = 0
    if real:
        _write_yaml(root / "real.yaml", real, "The real knowledge base, copied in unchanged.")
        files += 1
    by_channel: dict[str, list[dict[str, Any]]] = {}
    for item in generated:
        by_channel.setdefault(item["channel"], []).append(item)
    for channel, items in sorted(by_channel.items()):
        for start in range(0, len(items), ENTRIES_PER_FILE):
            chunk = items[start : start + ENTRIES_PER_FILE]
            name = f"synthetic-{channel}-{start // ENTRIES_PER_FILE + 1:02d}.yaml"
            _write_yaml(root / name, chunk, f"Synthetic {channel} entries for the benchmark.")
            files += 1

    sources = [
        SourceEntry(i["id"], i["channel"], tuple(i["patterns"]), synthetic=False) for i in real
    ] + [
        SourceEntry(i["id"], i["channel"], tuple(i["patterns"]), synthetic=True) for i in generated
    ]
    built = BuiltBase(
        path=root,
        synthetic=len(generated),
        real=len(real),
        patterns=sum(len(s.patterns) for s in sources),
        files=files,
        words=distinct_words(p for s in sources for p in s.patterns),
    )
    return built, sources


def distinct_words(patterns: Iterable[str]) -> int:
    return len({w for p in patterns for w in _WORD.findall(p.casefold())})


def _write_yaml(path: Path, items: list[dict[str, Any]], comment: str) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    body = yaml.dump(items, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    header = f"# yaml-language-server: $schema=./schema.json\n# {comment}\n\n"
    path.write_text(header + body, encoding="utf-8")


def _generate(count: int, seed: int, taken: set[str]) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for index in range(count):
        for _ in range(50):
            entry = _entry(rng, index)
            canons = [canonical(p) for p in entry["patterns"]]
            if not any(c in taken for c in canons):
                break
        else:
            raise RuntimeError(f"no distinct entry #{index} after 50 tries; widen the vocabulary")
        taken.update(canons)
        yield entry


def _entry(rng: random.Random, index: int) -> dict[str, Any]:
    channel = rng.choice(list(CHANNELS))
    name = CHANNELS[channel]
    obj, problem = rng.choice(OBJECTS), rng.choice(PROBLEMS)
    core, is_code = _core(rng, name, obj, problem)
    patterns = [core]
    if not is_code:
        variants = [
            f"Start sync Error: {name} {rng.choice(OPERATIONS)}: {core}",
            f"Step: Synchronize orders for [SubSource], Unhandled Error is thrown: {core}",
            f"error {core}",
            f"{name} Error ({rng.randint(100, 999)}): {core}",
        ]
        patterns += rng.sample(variants, rng.choice((0, 0, 1, 2)))
    severity = rng.choice(SEVERITIES)
    slug = re.sub(r"[^a-z0-9]+", "-", f"{obj} {problem}".lower()).strip("-")
    entry_id = f"{channel}-{slug}"[:70].rstrip("-") + f"-{index:05d}"
    item: dict[str, Any] = {
        "id": entry_id,
        "title": f"{name}: {obj} {problem}"[:120],
        "channel": channel,
        "severity": severity,
        "patterns": patterns,
        "meaning": (
            f"{name} reported that the {obj} {problem}. "
            f"Linnworks stops processing this {obj} until the cause is fixed; "
            f"other {rng.choice(OBJECTS)} records carry on as normal."
        ),
        "fix": [
            f"Open Settings > Automation Logs and find the {name} entries for this {obj}.",
            *(f"{a[0].upper()}{a[1:]}." for a in rng.sample(ACTIONS, rng.randint(1, 3))),
        ],
        "article": {
            "title": f"{name} {obj} errors",
            "url": f"https://help.linnworks.com/support/solutions/articles/7000{index:06d}-{slug}",
        },
        "examples": [f"{_timestamp(rng)} ERROR {patterns[-1]}"],
        "tags": rng.sample(TAGS, rng.randint(1, 3)),
    }
    if severity == "transient" and rng.random() < 0.5:
        item["escalate_after"] = rng.randint(3, 10)
    return item


def _core(rng: random.Random, channel: str, obj: str, problem: str) -> tuple[str, bool]:
    """One error message; True when it is an identifier-like code rather than a sentence."""
    kind = rng.random()
    context = rng.choice(CONTEXTS).format(
        market=rng.choice(MARKETS),
        location=rng.choice(LOCATIONS),
        retries=rng.randint(2, 9),
        order=rng.randint(100_000, 9_999_999),
        feed=rng.randint(10**10, 10**11),
    )
    core, is_code = _sentence(rng, kind, channel, obj, problem, context)
    if not is_code and rng.random() < 0.5:
        core += " " if core.endswith(".") else ". "
        if rng.random() < 0.75:
            core += rng.choice(("Field: {}.", "Attribute: {}.", "Affected field {}.")).format(
                _field(rng)
            )
        else:
            core += f"Operation: {_operation(rng)}."
    return core, is_code


def _sentence(
    rng: random.Random, kind: float, channel: str, obj: str, problem: str, context: str
) -> tuple[str, bool]:
    if kind < 0.30:
        return f"The {obj} {problem} {context}.", False
    if kind < 0.45:
        return f"{channel} {rng.choice(OPERATIONS)}: {obj.capitalize()} {problem}", False
    if kind < 0.60:
        code = rng.choice(list(HTTP))
        return (
            f"{rng.choice(OPERATIONS)} failed: The remote server returned an error: "
            f"({code}) {HTTP[code]}. The {obj} {problem}.",
            False,
        )
    if kind < 0.72:
        action = rng.choice(ACTIONS)
        return (
            f"Unable to process {obj} for {channel} account {context}: the {obj} {problem}. "
            f"Please {action} and try again.",
            False,
        )
    if kind < 0.82:
        return _code(rng), True
    if kind < 0.92:
        return f"Error {rng.randint(100, 999)} - {obj.capitalize()} {problem}", False
    other = rng.choice(OBJECTS)
    return (
        f"Could not update {obj} because the {other} {rng.choice(PROBLEMS)} {context}; "
        f"the {obj} {problem}.",
        False,
    )


def _field(rng: random.Random) -> str:
    return "_".join(rng.sample(FIELD_PARTS, rng.choice((2, 2, 3))))


def _operation(rng: random.Random) -> str:
    return rng.choice(VERBS) + "".join(
        w.capitalize() for w in [*rng.sample(FIELD_PARTS, 2), rng.choice(CODE_WORDS)]
    )


def _code(rng: random.Random) -> str:
    words = rng.sample(CODE_WORDS, 2)
    state = rng.choice(CODE_STATES)
    style = rng.random()
    if style < 0.5:
        return f"{words[0]}_{words[1]}_{state}"
    if style < 0.8:
        return f"{words[0].upper()}.{words[1].upper()}_{state.upper()}"
    return "".join(w.capitalize() for w in (*words, *state.split("_")))


def _timestamp(rng: random.Random) -> str:
    return (
        f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    )
