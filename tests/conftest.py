"""Fixtures shared by the test modules: the bundled engine, knowledge folders, a controllable
clock, and stores on both databases (SQLite, and PostgreSQL when a server is given)."""

from __future__ import annotations

import os
import socket
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Secret, Settings
from bot.engine import Engine
from bot.kb_yaml import SafeLoader
from bot.knowledge import bundled_kb_path
from bot.store import PostgresStore, SQLiteStore, Store
from bot.testing.fake_slack import FakeSlack, refused_payloads
from bot.testing.loopback import LoopbackApp, app_on_loopback

# A developer's own database (DATABASE_URL) is never the suite's: every store a test opens is a
# temporary SQLite file or a fresh schema on SYNCDOC_TEST_DATABASE_URL's server.
os.environ.pop("DATABASE_URL", None)

CATALOGUE_PATH = Path("shared") / "reference" / "linnworks-errors.yaml"
MORE_CATALOGUE_PATH = CATALOGUE_PATH.with_name("linnworks-errors-more.yaml")


def _beside_checkout(path: Path) -> Path:
    """The shared catalogues sit beside the checkout (../shared), however deep the checkout is."""
    parents = Path(__file__).resolve().parents
    return next((p / path for p in parents if (p / path).exists()), parents[2] / path)


CATALOGUE = _beside_checkout(CATALOGUE_PATH)
# The 40 further errors of issue 9, in the same format plus source_url/source_quote.
MORE_CATALOGUE = _beside_checkout(MORE_CATALOGUE_PATH)


def load_yaml(path: Path) -> Any:
    """A data file of the suite or of bench/ (labelled pastes, lookups), read with libyaml when
    there is one (bot.kb_yaml's loader): every worker reads every data file as it collects."""
    return yaml.load(path.read_text("utf-8"), Loader=SafeLoader)


VALID_ENTRY = """\
- id: demo-token-expired
  title: Demo token expired
  channel: demo
  severity: action_required
  patterns:
    - The demo authorisation token has expired for this account
  meaning: The token the integration uses is no longer accepted.
  fix:
    - Re-authorise the channel.
  article:
    title: Demo article
    url: https://example.com/demo
"""


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis ships a pytest plugin, so pytest rewrites the asserts of all its 70 modules as
    it does a test's, in every worker and again in the main process (which imports it for its
    summary), caching nothing when PYTHONDONTWRITEBYTECODE is set: seconds of CPU per run for
    asserts inside Hypothesis, which are not ours to explain. Our tests are rewritten as before;
    should pytest's (private) list of packages to rewrite change, Hypothesis is simply
    rewritten again."""
    marked = getattr(getattr(config.pluginmanager, "rewrite_hook", None), "_must_rewrite", None)
    if isinstance(marked, set):
        marked.discard("hypothesis")


def labelled_cases(
    cases: list[dict[str, str]], known: dict[str, str], name: Callable[[dict[str, str]], str]
) -> list[object]:
    """The cases of a labelled paste set (bench/*.yaml) as parameters; a case whose paste holds
    a key of `known` is a strict expected failure with that reason, so fixing it turns red."""
    return [
        pytest.param(
            case,
            id=name(case),
            marks=[
                pytest.mark.xfail(reason=why, strict=True)
                for key, why in known.items()
                if key in case["paste"]
            ],
        )
        for case in cases
    ]


def kb_entry(entry_id: str, title: str, pattern: str) -> str:
    """One valid knowledge base entry as YAML, for tests that write their own base."""
    return f"""\
- id: {entry_id}
  title: {title}
  channel: demo
  severity: action_required
  patterns:
    - {pattern}
  meaning: Something went wrong in a way this test describes.
  fix:
    - Do the thing the test expects.
  article:
    title: Demo article
    url: https://example.com/demo
"""


ALPHA = "The alpha channel rejected the listing because the category is closed"
BETA = "The beta courier refused the consignment because the weight is missing"


@pytest.fixture
def alpha_kb(tmp_path: Path) -> Path:
    """A knowledge folder holding one entry, `alpha-closed` ("Alpha v1"), whose pattern is ALPHA."""
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "alpha.yaml").write_text(kb_entry("alpha-closed", "Alpha v1", ALPHA))
    return folder


@pytest.fixture(autouse=True, scope="session")
def _private_load_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """`syncdoc` commands run in tests keep their load cache in the run's temporary folder, not
    in the user's cache folder; one folder for the run, so later commands read what earlier
    ones cached. Set once per worker: a test that changes it gets it back afterwards through its
    own monkeypatch."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYNCDOC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "load-cache"))
        yield


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The bundled knowledge base, loaded once for the whole run."""
    return Engine.from_path(bundled_kb_path())


@pytest.fixture
def unreadable(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Make opening a file fail with "Permission denied", as chmod 000 does for anyone but root
    (the tests may run as root)."""
    refused: set[Path] = set()
    real_open = Path.open

    def open_unless_refused(self, *args, **kwargs):
        if self in refused:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_unless_refused)
    return refused.add


@pytest.fixture
def write_kb(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML files (name -> text) into a fresh knowledge folder and return its path."""

    def write(**files: str) -> Path:
        folder = tmp_path / "kb"
        folder.mkdir(exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
        return folder

    return write


class FakeClock:
    """A clock the test moves by hand, so that "30 minutes later" takes no time. It starts at the
    real time, so that what it records is recent to a `syncdoc` command run in the same test."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def unused_port() -> int:
    """A loopback port that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL to an empty schema of its own on the test PostgreSQL server, dropped afterwards.

    Without a server the test is skipped on a developer's machine, but fails under CI, which
    starts one (.ci/run): a storage layer never tested against PostgreSQL must not pass silently.
    """
    server = os.environ.get("SYNCDOC_TEST_DATABASE_URL")
    if not server:
        message = "no PostgreSQL server: set SYNCDOC_TEST_DATABASE_URL (see .ci/postgres)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server else "?"
    yield f"{server}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """Where a store lives: a SQLite file path, or a PostgreSQL URL (one fresh schema)."""
    if request.param == "sqlite":
        return str(tmp_path / "data" / "syncdoc.sqlite3")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def open_store_at(clock: FakeClock) -> Iterator[Callable[[str], Store]]:
    """Opens a store (SQLite path or PostgreSQL URL) that is closed after the test."""
    opened: list[Store] = []

    def open_at(location: str) -> Store:
        if location.startswith("postgresql://"):
            new: Store = PostgresStore(Secret(location), clock=clock)
        else:
            new = SQLiteStore(location, clock=clock)
        opened.append(new)
        return new

    yield open_at
    for each in opened:
        each.close()


@pytest.fixture
def store(store_url: str, open_store_at: Callable[[str], Store]) -> Store:
    """A migrated, empty store, on SQLite and on PostgreSQL."""
    return open_store_at(store_url)


@pytest.fixture
def syncdoc_env(store_url, tmp_path, monkeypatch) -> Settings:
    """The environment `syncdoc` runs with: the same store as the test's, SQLite or PostgreSQL."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    if store_url.startswith("postgresql://"):
        monkeypatch.setenv("DATABASE_URL", store_url)
    else:
        monkeypatch.setenv("SYNCDOC_DATA_DIR", str(tmp_path / "data"))
    return Settings.from_env()


@pytest.fixture(autouse=True)
def every_payload_is_one_slack_accepts(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails any test during which the bot sent a fake Slack (bot/testing/fake_slack/) a
    message, response_url body or view that Slack would refuse, with Slack's reasons."""
    before = len(refused_payloads())
    yield
    refused = refused_payloads()[before:]
    if refused and request.node.get_closest_marker("sends_invalid_payloads") is None:
        lines = [f"{r.method}: {r.error}: {'; '.join(r.problems)}" for r in refused]
        pytest.fail("Slack would refuse what was sent:\n" + "\n".join(lines), pytrace=False)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on loopback, recording every call (bot/testing/fake_slack/)."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def app(slack: FakeSlack, engine: Engine) -> Iterator[LoopbackApp]:
    """The real Bolt app over loopback HTTP, talking to `slack`."""
    with app_on_loopback(slack, engine) as running:
        yield running
