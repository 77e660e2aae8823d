"""The load cache: a restart with an unchanged base reads it back; anything else is rebuilt."""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.engine import Engine, LoadedBase
from bot.knowledge import bundled_kb_path, load_knowledge_base
from bot.loadcache import SECRET_FILE, LoadCache, default_cache_dir
from bot.render.json import report_to_dict

from conftest import ALPHA, BETA, kb_entry

READ_BACK = "read from"


@pytest.fixture
def kb_dir(alpha_kb: Path) -> Path:
    return alpha_kb


@pytest.fixture
def cache(tmp_path: Path) -> LoadCache:
    return LoadCache(tmp_path / "cache")


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="bot.loadcache")
    return caplog


def matched(engine: Engine, text: str) -> list[str]:
    return [f.entry.id for f in engine.explain(text).matches]


def test_a_restart_with_the_same_base_reads_it_from_the_cache(kb_dir, cache, log):
    Engine.from_path(kb_dir, cache=cache)
    log.clear()
    engine = Engine.from_path(kb_dir, cache=cache)
    assert READ_BACK in log.text
    assert matched(engine, ALPHA) == ["alpha-closed"]


def test_the_cached_base_answers_exactly_as_a_freshly_loaded_one(tmp_path, engine):
    # The session's engine is the bundled base loaded without a cache: a fresh one, whose
    # answers other tests in this worker may already have worked out.
    fresh = engine
    cache = LoadCache(tmp_path / "cache")
    Engine.from_path(bundled_kb_path(), cache=cache)
    cached = Engine.from_path(bundled_kb_path(), cache=cache)
    examples = [example for entry in fresh.kb for example in entry.examples]
    assert [report_to_dict(cached.explain(e)) for e in examples] == [
        report_to_dict(fresh.explain(e)) for e in examples
    ]


SEARCH_READ_BACK = "search of knowledge base"


def test_a_built_search_index_is_read_back_on_the_first_lookup_after_a_restart(tmp_path, log):
    cache = LoadCache(tmp_path / "cache")
    first = Engine.from_path(bundled_kb_path(), cache=cache)
    expected = [h.entry.id for h in first.search("feed rejected")]  # builds the index
    log.clear()
    restarted = Engine.from_path(bundled_kb_path(), cache=cache)
    assert SEARCH_READ_BACK not in log.text  # a start reads only the base
    assert [h.entry.id for h in restarted.search("feed rejected")] == expected
    assert SEARCH_READ_BACK in log.text


def test_a_search_index_read_back_answers_exactly_as_a_freshly_built_one(tmp_path, engine):
    cache = LoadCache(tmp_path / "cache")
    Engine.from_path(bundled_kb_path(), cache=cache).prepare_search()
    restarted = Engine.from_path(bundled_kb_path(), cache=cache)
    fresh = engine  # built its index without a cache, as the session's lookup tests use it
    words = [entry.title.lower() for entry in fresh.kb] + ["ebay token expird", "printer jam"]
    assert [restarted.search(w) for w in words] == [fresh.search(w) for w in words]


def _searched(cache: LoadCache, kb_dir: Path) -> Path:
    Engine.from_path(kb_dir, cache=cache).prepare_search()
    return cache.file_for(kb_dir, "search")


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda file: file.write_bytes(_flip_last_byte(file.read_bytes())), "integrity check"),
        (lambda file: file.write_bytes(b""), "not a syncdoc load cache"),
        (
            lambda file: file.write_bytes(
                file.with_name(file.name.replace(".search", "")).read_bytes()
            ),
            "made for another",
        ),
    ],
    ids=["changed", "empty", "the base's file"],
)
def test_a_spoiled_search_index_file_is_ignored_and_the_index_built_again(
    kb_dir, cache, log, spoil, reason
):
    spoil(_searched(cache, kb_dir))
    log.clear()
    engine = Engine.from_path(kb_dir, cache=cache)
    assert [h.entry.id for h in engine.search("alpha category closed")] == ["alpha-closed"]
    assert reason in log.text
    assert SEARCH_READ_BACK + f" {kb_dir} read from" not in log.text


def test_the_search_index_of_another_base_is_ignored(tmp_path, kb_dir, cache, log):
    other = tmp_path / "other"
    other.mkdir()
    (other / "beta.yaml").write_text(kb_entry("beta-weight", "Beta weight", BETA))
    _searched(cache, other).replace(cache.file_for(kb_dir, "search"))
    log.clear()
    engine = Engine.from_path(kb_dir, cache=cache)
    assert engine.search("beta weight consignment") == []
    assert [h.entry.id for h in engine.search("alpha category closed")] == ["alpha-closed"]
    assert "made for another" in log.text


def test_a_reload_caches_the_new_bases_search_index_for_the_next_start(kb_dir, cache, log):
    engine = Engine.from_path(kb_dir, cache=cache)
    engine.prepare_search()
    (kb_dir / "beta.yaml").write_text(kb_entry("beta-weight", "Beta weight", BETA))
    engine.replace(load_knowledge_base(kb_dir))
    log.clear()
    restarted = Engine.from_path(kb_dir, cache=cache)
    assert [h.entry.id for h in restarted.search("beta weight consignment")] == ["beta-weight"]
    assert SEARCH_READ_BACK in log.text


def test_an_unchanged_base_does_not_rewrite_the_cache_file(kb_dir, cache):
    Engine.from_path(kb_dir, cache=cache)
    file = cache.file_for(kb_dir)
    os.utime(file, (1_000_000_000, 1_000_000_000))
    Engine.from_path(kb_dir, cache=cache)
    assert file.stat().st_mtime == 1_000_000_000


def test_a_changed_base_is_loaded_again_and_served(kb_dir, cache, log):
    Engine.from_path(kb_dir, cache=cache)
    (kb_dir / "beta.yaml").write_text(kb_entry("beta-weight", "Beta weight", BETA))
    log.clear()
    engine = Engine.from_path(kb_dir, cache=cache)
    assert READ_BACK not in log.text
    assert matched(engine, BETA) == ["beta-weight"]


def test_a_reload_caches_the_new_base_for_the_next_start(kb_dir, cache, log):
    engine = Engine.from_path(kb_dir, cache=cache)
    (kb_dir / "beta.yaml").write_text(kb_entry("beta-weight", "Beta weight", BETA))
    engine.replace(load_knowledge_base(kb_dir))
    log.clear()
    restarted = Engine.from_path(kb_dir, cache=cache)
    assert READ_BACK in log.text
    assert matched(restarted, BETA) == ["beta-weight"]


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def _other_secret(folder: Path) -> None:
    (folder / SECRET_FILE).write_bytes(b"x" * 32)


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda file: file.write_bytes(_flip_last_byte(file.read_bytes())), "integrity check"),
        (lambda file: file.write_bytes(file.read_bytes()[:-200]), "integrity check"),
        (lambda file: file.write_bytes(b""), "not a syncdoc load cache"),
        (lambda file: file.write_bytes(os.urandom(4096)), "not a syncdoc load cache"),
        (lambda file: _other_secret(file.parent), "integrity check"),
    ],
    ids=["changed", "truncated", "empty", "garbage", "foreign"],
)
def test_a_spoiled_cache_file_is_ignored_and_the_right_answer_given(
    kb_dir, cache, log, spoil, reason
):
    Engine.from_path(kb_dir, cache=cache)
    spoil(cache.file_for(kb_dir))
    log.clear()
    engine = Engine.from_path(kb_dir, cache=cache)
    assert reason in log.text
    assert READ_BACK not in log.text
    assert matched(engine, ALPHA) == ["alpha-closed"]


def test_a_cache_file_made_for_another_base_is_ignored(tmp_path, kb_dir, cache, log):
    other = tmp_path / "other"
    other.mkdir()
    (other / "beta.yaml").write_text(kb_entry("beta-weight", "Beta weight", BETA))
    Engine.from_path(other, cache=cache)
    cache.file_for(other).replace(cache.file_for(kb_dir))
    log.clear()
    engine = Engine.from_path(kb_dir, cache=cache)
    assert "made for another base" in log.text
    assert matched(engine, ALPHA) == ["alpha-closed"]
    assert matched(engine, BETA) == []


class _Planted:
    """A pickle that runs code when it is read: what a forged cache file would hold."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_forged_cache_file_is_never_unpickled(tmp_path, kb_dir, cache):
    Engine.from_path(kb_dir, cache=cache)
    file = cache.file_for(kb_dir)
    marker = tmp_path / "code-ran"
    authentic = file.read_bytes()
    head = authentic[: authentic.index(b"\n", authentic.index(b"\n") + 1) + 1]
    file.write_bytes(head + b"\0" * 32 + pickle.dumps(_Planted(marker)))
    engine = Engine.from_path(kb_dir, cache=cache)
    assert not marker.exists()
    assert matched(engine, ALPHA) == ["alpha-closed"]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_secret_others_can_read_turns_the_cache_off(kb_dir, cache, log):
    Engine.from_path(kb_dir, cache=cache)
    (cache.folder / SECRET_FILE).chmod(0o644)
    log.clear()
    engine = Engine.from_path(kb_dir, cache=cache)
    assert "not private" in log.text
    assert READ_BACK not in log.text
    assert matched(engine, ALPHA) == ["alpha-closed"]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_new_cache_folder_and_its_files_are_private(kb_dir, cache):
    Engine.from_path(kb_dir, cache=cache)
    modes = [p.stat().st_mode & 0o777 for p in (cache.folder, *cache.folder.iterdir())]
    assert modes == [0o700, 0o600, 0o600]


def test_a_cache_folder_that_cannot_be_written_only_means_no_cache(tmp_path, kb_dir, log):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    cache = LoadCache(blocker / "cache")
    Engine.from_path(kb_dir, cache=cache)
    engine = Engine.from_path(kb_dir, cache=cache)
    assert "cannot write" in log.text
    assert matched(engine, ALPHA) == ["alpha-closed"]


def test_readers_never_see_half_a_file_while_others_write(kb_dir, cache):
    engine = Engine.from_path(kb_dir, cache=cache)
    loaded = LoadedBase(engine.kb, engine.matcher)
    seen: list[object] = []
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            cache.put(kb_dir, engine.kb.fingerprint, loaded)

    writers = [threading.Thread(target=write) for _ in range(3)]
    for writer in writers:
        writer.start()
    try:
        for _ in range(200):
            seen.append(cache.get(kb_dir, engine.kb.fingerprint))
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    assert None not in seen
    assert [p.name for p in cache.folder.iterdir() if p.name.startswith(".")] == []


def test_processes_starting_together_all_answer_and_leave_one_good_file(kb_dir, tmp_path):
    script = (
        "import sys; from bot.engine import Engine; from bot.loadcache import LoadCache; "
        "e = Engine.from_path(sys.argv[1], cache=LoadCache(sys.argv[2])); "
        "print([f.entry.id for f in e.explain(sys.argv[3]).matches])"
    )
    folder = tmp_path / "shared-cache"
    command = [sys.executable, "-c", script, str(kb_dir), str(folder), ALPHA]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [run.communicate(timeout=60)[0].strip() for run in runs]
    assert outputs == ["['alpha-closed']"] * 4
    assert matched(Engine.from_path(kb_dir, cache=LoadCache(folder)), ALPHA) == ["alpha-closed"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [SECRET_FILE, LoadCache(folder).file_for(kb_dir).name]
    )


def test_the_command_line_reads_a_cached_base_back(kb_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SYNCDOC_CACHE_DIR", str(tmp_path / "cli-cache"))
    assert main(["explain", "--kb", str(kb_dir), "--format", "json", ALPHA]) == 0
    first = capsys.readouterr().out
    file = LoadCache(tmp_path / "cli-cache").file_for(kb_dir)
    os.utime(file, (1_000_000_000, 1_000_000_000))
    assert main(["explain", "--kb", str(kb_dir), "--format", "json", ALPHA]) == 0
    assert capsys.readouterr().out == first
    assert file.stat().st_mtime == 1_000_000_000


def test_the_cache_can_be_turned_off(kb_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SYNCDOC_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert main(["explain", "--kb", str(kb_dir), ALPHA]) == 0
    assert Settings.from_env().cache_dir is None
    assert not (tmp_path / "xdg").exists()


def test_the_cache_folder_is_the_users_cache_folder_unless_set():
    assert Settings.from_env({}).cache_dir == default_cache_dir()
    assert Settings.from_env({"SYNCDOC_CACHE_DIR": "/srv/cache"}).cache_dir == Path("/srv/cache")
