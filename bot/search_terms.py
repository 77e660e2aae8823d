"""From text to the search index's terms: a text's tokens and words (codes split at dots,
underscores, hyphens and camelCase humps), spelling folded as the matcher folds it, words stemmed,
the words a lookup ignores, and the sets of words people use for the same thing.

Both sides use it: building the index (bot/search_build.py) and bringing typed words to the index's
terms (bot/search_typed.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

import Stemmer

from bot.normalise import canonical, clean_unicode

_RAW_TOKEN = re.compile(r"[^\W_]+(?:[._-][^\W_]+)*")
ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*")
_LETTERS_DIGITS = re.compile(r"[^\W_]+")
_PIECE_SEPARATOR = re.compile(r"[._-]")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
ALPHA = re.compile(r"^[a-z]+$")
# Identifiers: joined by dots or underscores, or camelCase with two humps ("QuotaExceeded";
# not "eBay").
_CODE_SHAPE = re.compile(
    r"^[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)+$|^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$|^[a-z]+(?:[A-Z][a-z0-9]*){2,}$"
)

# Words that carry no meaning in a lookup: English grammar (bm25s's list, less the words that
# name an error: "not found", "below standard", "too many"), contractions typed without their
# apostrophe, how people ask ("what does ... mean?", "how do I fix ...", "thanks, that fixed it"),
# and words every entry of an error catalogue shares.
_NAMING_WORDS = {"below", "above", "down", "off", "same", "too", "under", "up"}
_OWN_STOPWORDS = {
    *"""
    cant cannot dont doesnt didnt isnt arent wasnt werent wont wouldnt couldnt shouldnt havent
    hasnt hadnt im ive id youre theyre thats whats its
    a an the is are was were be been do does did can could should would will shall may might
    must it this that these those i we our us you your they their them my me
    what why how when where which who whom whose mean means meaning meant explain explains
    know knows anyone anybody someone please help thanks thank hi hello hey keep keeps
    kept getting get gets got take takes took taking seeing see saw seen saying says said say
    show shows showing
    just still again also any anything some all very really now today yesterday always
    sometimes every each after before since while need needs wrong going go goes went thing
    things something lot lots happen happens happening happened
    error errors issue issues problem problems message messages linnworks
    team teams guys folks everyone everybody morning afternoon evening tonight day days week
    weeks lately recently suddenly constantly randomly random apparently quick question
    questions idea ideas advice suggestions remind reminds sure think thought seem seems seemed
    wonder wondering worry worried worrying weird strange bit stuff bunch loads pls plz cheers
    hmm hiya tell telling tells told ask asks asked asking come comes coming came pop pops
    popped popping
    fix fixes fixed fixing solve solves solved
    """.split(),
}


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    # bm25s is imported only to build an index: an index read back from the load cache keeps
    # its stop words and postings, so a lookup does not import it (a tenth of a restart).
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS) - _NAMING_WORDS | _OWN_STOPWORDS


# Words people use for the same thing as the base's words. A typed word also stands for the
# others of its set, with less weight than the word itself.
_SYNONYMS = (
    "image images picture pictures photo photos pic pics img imgs",
    "quantity quantities qty",
    "negative minus",
    "inventory stock",
    "rejected refused bounced declined",
    "denied forbidden blocked",
    "success successful succeeded ok okay worked",
    "permission permissions scope scopes access rights",
    "expired lapsed expiry",
    "limit cap quota maximum max",
    "duplicate duplicated duplicates identical repeated twice",
    "catalogue catalog",
    "notify notification notified",
    "policy restricted prohibited banned",
    "performance metrics",
    "corrupt corrupted broken malformed",
    "missing lacks lacking",
    "canada ca",
    "timeout timed",
    "throttled throttling ratelimited",
    "required needed mandatory compulsory",
    "belongs owned registered",
    "another different",
    # Numbers in words, as people write them in a sentence ("more than eight images").
    "one 1",
    "two 2",
    "three 3",
    "four 4",
    "five 5",
    "six 6",
    "seven 7",
    "eight 8",
    "nine 9",
    "ten 10",
    "twelve 12",
)


_stemmer = Stemmer.Stemmer("english")


_FOLDED: dict[str, str] = {}
"""Word -> term, shared by every index and lookup of the process."""
_MAX_FOLDED = 500_000


def fold(word: str) -> str:
    """A lowercase word in the matcher's spelling (authorization, dispatch), then stemmed."""
    term = _FOLDED.get(word)
    if term is None:
        fold_all({word})
        term = _FOLDED[word]
    return term


def fold_all(words: set[str]) -> None:
    """Fold many words at once. The matcher's folding (`canonical`) is a chain of regular
    expressions: called once per word, it took longer than the rest of building an index."""
    if len(_FOLDED) > _MAX_FOLDED:
        _FOLDED.clear()
    alpha = [w for w in words if w not in _FOLDED and ALPHA.match(w)]
    folded = canonical(" ".join(alpha)).split() if alpha else []
    if len(folded) != len(alpha):  # A mask took a word ("xxx"): fold them one by one.
        folded = [canonical(w) for w in alpha]
    spelled = [f if ALPHA.match(f) else w for w, f in zip(alpha, folded, strict=True)]
    _FOLDED.update(zip(alpha, _stemmer.stemWords(spelled), strict=True))
    _FOLDED.update((w, w) for w in words if w not in _FOLDED)


def _synonym_map() -> dict[str, frozenset[str]]:
    mapping: dict[str, set[str]] = {}
    for line in _SYNONYMS:
        terms = {fold(word) for word in line.split()}
        for term in terms:
            mapping.setdefault(term, set()).update(terms - {term})
    return {term: frozenset(others) for term, others in mapping.items()}


def _pieces(raw: str) -> list[str]:
    """A raw token's words: split at dots, underscores, hyphens and camelCase humps."""
    if raw.isascii():
        # Most tokens of a base, the same words without the expressions: "Amazon", "SKU".
        if raw.isalpha() and (raw.istitle() or raw.isupper()):
            return [raw.lower()]
        # Ids, field names, numbers: a piece of lowercase letters or of digits is one word.
        if raw.islower() or raw.isdigit():
            return [
                word
                for piece in _PIECE_SEPARATOR.split(raw)
                for word in (
                    (piece,)
                    if piece.isalpha() or piece.isdigit()
                    else _CAMEL.findall(piece) or (piece,)
                )
            ]
    words: list[str] = []
    for piece in _PIECE_SEPARATOR.split(raw):
        words.extend(_CAMEL.findall(piece) or [piece])
    return [w.lower() for w in words]


@lru_cache(maxsize=200_000)
def token_words(raw: str) -> tuple[str, ...]:
    """A raw token's lowercase words; the first is the whole token when it has several
    ("SubmitInventoryChange": submitinventorychange, submit, inventory, change)."""
    words = _pieces(raw)
    return ("".join(words), *words) if len(words) > 1 else tuple(words)


def text_words(text: str) -> list[tuple[str, ...]]:
    """Each raw token's words, in order."""
    return [token_words(raw) for raw in _RAW_TOKEN.findall(clean_unicode(text))]


def keep(word: str, stopwords: frozenset[str]) -> bool:
    if word.isdigit():
        return True
    return len(word) >= 2 and word not in stopwords


@lru_cache(maxsize=200_000)
def token_terms(raw: str) -> tuple[str, ...]:
    # A base of 10,000 entries has a million raw tokens but only tens of thousands distinct.
    stopwords = stop_words()
    return tuple(fold(w) for w in token_words(raw) if keep(w, stopwords))


@lru_cache(maxsize=200_000)
def _token_codes(raw: str) -> tuple[str, ...]:
    if not _CODE_SHAPE.match(raw):
        return ()
    parts = [p for p in raw.split(".") if p]
    return tuple(fold("".join(_pieces(p))) for p in [raw, *parts])


def one_word(name: str) -> str:
    """A channel's name as one word ("Seller Central": sellercentral, "SP-API": spapi): its words
    alone ("central", "api", "failed" of Shopify's "HTTP request failed") do not name it."""
    return "".join(_LETTERS_DIGITS.findall(clean_unicode(name))).lower()


def channel_terms(channels: Mapping[str, Sequence[str]]) -> frozenset[str]:
    """The terms that name a channel: its id and its names (settings.yaml `channels:`), not
    Linnworks' areas ("import", "shipping")."""
    return frozenset(
        fold(one_word(name)) for channel, names in channels.items() for name in (channel, *names)
    )


def raw_tokens(text: str) -> list[str]:
    # Nearly all of a base is ASCII, which has nothing to fold; NFKC over every text of a large
    # base costs as much as the rest of the tokenising.
    if text.isascii():
        return ASCII_TOKEN.findall(text)  # The same tokens, several times faster.
    return _RAW_TOKEN.findall(clean_unicode(text))


def code_terms(raw: str) -> tuple[str, ...]:
    """Error codes: numbers (eBay's and Amazon's, HTTP statuses) and identifiers."""
    return (raw,) if raw.isdigit() and len(raw) >= 3 else _token_codes(raw)


SYNONYM_OF = _synonym_map()
