"""From text to the search index's terms: a text's tokens and words (codes split at dots,
underscores, hyphens and camelCase humps), spelling folded as the matcher folds it, words stemmed,
the words a lookup ignores, and the sets of words people use for the same thing.

Both sides use it: building the index (bot/search_build.py) and bringing typed words to the index's
terms (bot/search_typed.py). The index cuts tens of thousands of tokens at once (`many_token_words`,
`many_code_terms`, `runs_tokens`), a lookup a few: tests/test_search_build.py holds the two forms
equal.

Why this module is long: the words of a token, their folding and the words a lookup ignores are
one definition, in the per-token form and the many-token form side by side, so that a change to
one is made to the other."""

from __future__ import annotations

import importlib.util
import re
import string
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import chain, compress, filterfalse, islice, repeat
from operator import contains
from pathlib import Path
from types import ModuleType
from typing import cast

import Stemmer

from bot.normalise import canonical, clean_unicode

_RAW_TOKEN = re.compile(r"[^\W_]+(?:[._-][^\W_]+)*")
ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*")
_LETTERS_DIGITS = re.compile(r"[^\W_]+")
_PIECE_SEPARATOR = re.compile(r"[._-]")
_LOWER_RUNS = re.compile(r"[a-z]+|[0-9]+")
_LETTER_MEETS_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
_SEPARATORS = "._-"
_SEPARATORS_TO_SPACES = str.maketrans(_SEPARATORS, "   ")
_NO_SEPARATORS = str.maketrans("", "", _SEPARATORS)
# Letters as "a", digits as "0": "a0" or "0a" in a token's shape is a letter next to a digit.
_SHAPES = str.maketrans(string.ascii_lowercase + string.digits, "a" * 26 + "0" * 10)
_ONE_SEPARATOR = str.maketrans("._", "--")
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
    # Read only to build an index: an index read back from the load cache keeps its stop words
    # and postings.
    return frozenset(_bm25s_stopwords().STOPWORDS_EN_PLUS) - _NAMING_WORDS | _OWN_STOPWORDS


def _bm25s_stopwords() -> ModuleType:
    """bm25s's module of stop word lists, read on its own: it is plain tuples, but importing it
    imports bm25s (its engine, importlib.metadata), which cost a twentieth of building an index
    of 10,000 entries."""
    loaded = sys.modules.get("bm25s.stopwords")
    if loaded is not None:
        return loaded
    package = importlib.util.find_spec("bm25s")  # Finds the package without importing it.
    if package is None or not package.submodule_search_locations:
        raise ModuleNotFoundError("bm25s")
    folder = Path(package.submodule_search_locations[0])
    spec = importlib.util.spec_from_file_location("bm25s.stopwords", folder / "stopwords.py")
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError("bm25s.stopwords")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def fold_all(words: Iterable[str]) -> None:
    """Fold many words at once. The matcher's folding (`canonical`) is a chain of regular
    expressions: called once per word, it took longer than the rest of building an index."""
    if len(_FOLDED) > _MAX_FOLDED:
        _FOLDED.clear()
    new = list(dict.fromkeys(filterfalse(_FOLDED.__contains__, words)))
    alpha = list(compress(new, letters_only(new)))
    folded = canonical(" ".join(alpha)).split() if alpha else []
    if len(folded) != len(alpha):  # A mask took a word ("xxx"): fold them one by one.
        folded = [canonical(w) for w in alpha]
    spelled = [f if ok else w for w, f, ok in zip(alpha, folded, letters_only(folded), strict=True)]
    _FOLDED.update(zip(new, new, strict=True))
    _FOLDED.update(zip(alpha, _stemmer.stemWords(spelled), strict=True))


def fold_many(words: Sequence[str]) -> list[str]:
    """`fold` of each of `words`, folded together."""
    fold_all(words)
    folded = list(map(_FOLDED.get, words))
    # Another thread's words may have made the shared table forget these meanwhile.
    return [fold(w) for w in words] if None in folded else cast(list[str], folded)


def letters_only(words: list[str]) -> list[bool]:
    """Whether each word is `ALPHA` (lowercase ASCII letters; words never hold a line break),
    told by string methods, a fraction of the cost of an expression's call."""
    return [w.isascii() and w.isalpha() and w.islower() for w in words]


def _synonym_map() -> dict[str, frozenset[str]]:
    fold_all(" ".join(_SYNONYMS).split())  # At once: each is a chain of expressions.
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
        # Ids, field names, numbers: with no capital to split at, the words are the runs of
        # letters and of digits.
        if raw.islower() or raw.isdigit():
            return _LOWER_RUNS.findall(raw)
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


def many_token_words(raws: Sequence[str]) -> list[tuple[str, ...]]:
    """`token_words` of each of `raws`. Most raw tokens of a base (words, ids, field names,
    numbers) have no capital: their words are their runs of letters and of digits (the pieces
    between dots, underscores and hyphens, cut again where a letter meets a digit), and the token
    without its separators first when it has several; cut for all of them in a few passes over
    them joined rather than token by token."""
    plain = [raw.isascii() and (raw.islower() or raw.isdigit()) for raw in raws]
    joined = "\n".join(compress(raws, plain))
    spaced = joined.translate(_SEPARATORS_TO_SPACES)
    shapes = joined.translate(_SHAPES)
    if "a0" in shapes or "0a" in shapes:  # Some piece mixes letters and digits ("v2").
        spaced = _LETTER_MEETS_DIGIT.sub(" ", spaced)
    found = [
        (whole, *words) if len(words := line.split()) > 1 else tuple(words)
        for whole, line in zip(
            joined.translate(_NO_SEPARATORS).split("\n"), spaced.split("\n"), strict=True
        )
    ]
    plain_words = iter(found)
    return [
        next(plain_words) if p else token_words(raw) for raw, p in zip(raws, plain, strict=True)
    ]


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


def _code_words(raw: str) -> tuple[str, ...]:
    """The words of a raw token's error codes, unfolded: a number, or an identifier whole and
    each of its dotted parts."""
    # Most raw tokens of a base are words and ids (hyphens, no capitals, dots or underscores):
    # none of `_CODE_SHAPE`'s shapes, told without the expression.
    if raw.isascii() and ("-" in raw or (raw.islower() and "." not in raw and "_" not in raw)):
        return ()
    if raw.isdigit():
        return (raw,) if len(raw) >= 3 else ()
    if not _CODE_SHAPE.match(raw):
        return ()
    parts = [p for p in raw.split(".") if p]
    return tuple("".join(_pieces(p)) for p in [raw, *parts])


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


def runs_tokens(runs: Sequence[str]) -> list[Sequence[str]]:
    """`raw_tokens` of each of `runs`, ASCII runs of letters, digits, dots, underscores and
    hyphens (the tokens never cross anything else). A run whose separators never meet holds one
    token, itself without separators at either end, or none: one pass over all runs tells
    which, the expression is left to the others ("a..b", "-x--y")."""
    # `str.strip`, `str.translate` and `in` over all runs cost a fraction of the expression's
    # call per run.
    found: list[Sequence[str]] = [
        (token,) if token else () for token in map(str.strip, runs, repeat(_SEPARATORS))
    ]
    meeting = " ".join(runs).translate(_ONE_SEPARATOR).split(" ") if runs else []
    for i in compress(range(len(runs)), map(contains, meeting, repeat("--"))):
        found[i] = ASCII_TOKEN.findall(runs[i])
    return found


def code_terms(raw: str) -> tuple[str, ...]:
    """Error codes: numbers (eBay's and Amazon's, HTTP statuses) and identifiers."""
    return tuple(map(fold, _code_words(raw)))


def many_code_terms(raws: Sequence[str]) -> list[tuple[str, ...]]:
    """`code_terms` of each of `raws`, their words folded together."""
    words = list(map(_code_words, raws))
    folded = iter(fold_many(list(chain.from_iterable(words))))
    return [tuple(islice(folded, len(w))) if w else () for w in words]


SYNONYM_OF = _synonym_map()
