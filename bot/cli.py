"""The `syncdoc` command. Exceptions become messages and exit codes here, and only here.

Why this module is long: it is the options of eight commands, declared in one parser so that
they read as `--help` shows them, and each command's short handler. What the handlers call lives
elsewhere (the engine, bot.lint, bot.render; the running bot's wiring in bot.slack.startup).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot import __version__
from bot.config import Settings
from bot.engine import Engine
from bot.exceptions import KnowledgeBaseError, SyncdocError, UsageError
from bot.kb_schema import SCHEMA_FILE
from bot.knowledge import Problem
from bot.loadcache import LoadCache
from bot.render import lint_command
from bot.render.json import gap_to_dict, report_to_dict, search_to_dict, stats_to_dict
from bot.render.text import render_search_text, render_stats_text, render_text

# Slack, gunicorn and the database drivers are imported by the commands that use them, so that
# `syncdoc explain` and `syncdoc lint` start without loading them (about half a second); the
# linter likewise, so that the running bot does not load it.
EXIT_RECOGNISED, EXIT_NOT_RECOGNISED, EXIT_INVALID = 0, 1, 2
MAX_STDIN_BYTES = 2_000_000
"""A paste is read up to this size; the rest is ignored (and the answer says so)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="syncdoc",
        description="Explain Linnworks sync errors: what they mean, how bad they are, what to do.",
    )
    parser.add_argument("--version", action="version", version=f"syncdoc {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    explain = commands.add_parser(
        "explain",
        help="explain an error or a log excerpt (text as arguments, or on stdin)",
        description="Explain pasted Linnworks errors. Reads stdin when no TEXT is given.",
    )
    explain.add_argument("text", nargs="*", metavar="TEXT", help="the pasted error text")
    output = explain.add_mutually_exclusive_group()
    _add_format_option(output)
    output.add_argument(
        "--jsonl",
        action="store_true",
        help='batch mode: stdin is JSON lines {"text": ...}, stdout one result per line',
    )
    explain.add_argument(
        "--colour",
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text output (default: when writing to a terminal)",
    )
    _add_kb_option(explain)
    explain.set_defaults(handler=_explain)
    _add_search_command(commands)

    lint_cmd = commands.add_parser(
        "lint",
        help="check the knowledge base: YAML, schema, duplicate ids, and a self-test",
        description=(
            "Check the knowledge base. Patterns are literal texts, never regular expressions. "
            "Run inside a checkout, it checks the checkout's knowledge/ folder. "
            "Exit 0 when clean, 1 when problems were found."
        ),
    )
    lint_cmd.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="text: FILE:LINE: message (default); github: ::error annotations for GitHub Actions",
    )
    lint_cmd.add_argument(
        "--kb",
        metavar="DIR",
        help="knowledge base folder (default: $SYNCDOC_KB, else the knowledge/ folder of the "
        "checkout you are in, else the bundled one)",
    )
    lint_cmd.set_defaults(handler=_lint)
    _add_slack_commands(commands)
    _add_maintainer_commands(commands)
    return parser


def _add_search_command(commands: argparse._SubParsersAction) -> None:
    search = commands.add_parser(
        "search",
        help="look errors up by words: title, error text, code, channel, meaning",
        description=(
            'Look knowledge base entries up by the words you remember ("feed rejected", '
            '"ebay token expired", "what does error 931 mean?"). Reads stdin when no WORDS '
            "are given. Exit 0 when something fits, 1 when nothing does."
        ),
    )
    search.add_argument("words", nargs="*", metavar="WORDS", help="what to look up")
    _add_format_option(search)
    search.add_argument(
        "--limit", type=int, default=5, metavar="N", help="show at most N entries (default 5)"
    )
    _add_kb_option(search)
    search.set_defaults(handler=_search)


def _add_slack_commands(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser(
        "run",
        help="answer in Slack over Socket Mode (needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN)",
        description="Connect to Slack over Socket Mode and answer until stopped (SIGTERM, Ctrl-C). "
        "No public URL needed.",
    )
    _add_kb_option(run)
    run.set_defaults(handler=_run)

    serve = commands.add_parser(
        "serve",
        help="answer in Slack over HTTP (needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)",
        description="Serve Slack's requests at POST /slack/events and a health check at "
        "GET /healthz, with gunicorn, until stopped (SIGTERM, Ctrl-C).",
    )
    serve.add_argument(
        "--port", type=_port, help="port to listen on (default: $PORT, else 3000; 0: any free port)"
    )
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    _add_kb_option(serve)
    serve.set_defaults(handler=_serve)

    manifest = commands.add_parser(
        "manifest",
        help="print the Slack app manifest to paste when creating the app",
        description="Print the Slack app manifest, with the command name from $SYNCDOC_COMMAND. "
        "Without --request-url it is for Socket Mode (syncdoc run).",
    )
    manifest.add_argument(
        "--request-url",
        metavar="URL",
        help="HTTP mode (syncdoc serve): the public https URL of POST /slack/events",
    )
    manifest.set_defaults(handler=_manifest)


def _add_maintainer_commands(commands: argparse._SubParsersAction) -> None:
    gaps = commands.add_parser(
        "gaps",
        help="unknown errors people pasted, most seen first, each with a draft entry",
        description=(
            "List the errors people pasted that the knowledge base does not know yet, most often "
            "seen first, with customer data removed. The text output is a YAML file of draft "
            "entries: fill in each TODO, then run `syncdoc lint`."
        ),
    )
    _add_format_option(gaps)
    gaps.add_argument(
        "--limit", type=int, default=50, metavar="N", help="show at most N errors (default 50)"
    )
    _add_kb_option(gaps)
    gaps.set_defaults(handler=_gaps)

    stats = commands.add_parser(
        "stats",
        help="usage statistics: hits per entry, votes, unused entries, confused pairs",
        description="Show what the bot matched, how people voted, and what it missed.",
    )
    _add_format_option(stats)
    _add_kb_option(stats)
    stats.set_defaults(handler=_stats)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 65535, not {text!r}")
    return int(text)


def _add_format_option(parser: argparse.ArgumentParser | argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )


def _add_kb_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kb",
        metavar="DIR",
        help="knowledge base folder (default: $SYNCDOC_KB, else the bundled one)",
    )


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None) -> int:
    """Run the command line; returns the exit code instead of exiting (tests call this)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        # A maintainer linting inside a checkout means its knowledge/ folder, not the copy
        # installed by `pip install .`, which their edits never reach; --kb and SYNCDOC_KB win.
        checkout = checkout_kb(Path.cwd()) if args.command == "lint" else None
        settings = Settings.from_env(
            kb_path=getattr(args, "kb", None),
            port=getattr(args, "port", None),
            default_kb_path=checkout,
        )
        return args.handler(args, settings, stdin or sys.stdin)
    except KnowledgeBaseError as exc:
        print(exc.format_message(), file=sys.stderr)
        print(
            f"syncdoc: the knowledge base is invalid; run `{lint_command(settings.kb_path)}`.",
            file=sys.stderr,
        )
        return EXIT_INVALID
    except SyncdocError as exc:
        print(f"syncdoc: {exc.format_message()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`syncdoc explain … | head`): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_RECOGNISED


def read_stdin(stream: TextIO) -> str:
    """Stdin as text, whatever it holds: invalid UTF-8 is replaced, size is capped."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        return stream.read(MAX_STDIN_BYTES)
    return buffer.read(MAX_STDIN_BYTES).decode("utf-8", errors="replace")


def _engine(settings: Settings) -> Engine:
    cache = LoadCache(settings.cache_dir) if settings.cache_dir is not None else None
    return Engine.from_path(settings.kb_path, cache=cache)


def _explain(args: argparse.Namespace, settings: Settings, stdin: TextIO) -> int:
    engine = _engine(settings)
    if args.jsonl:
        if args.text:
            raise UsageError("--jsonl reads JSON lines from stdin; give no TEXT arguments")
        return _explain_jsonl(engine, stdin)
    text = " ".join(args.text) if args.text else read_stdin(stdin)
    if not text.strip():
        raise UsageError("nothing to explain: give the error as arguments or on stdin")
    report = engine.explain(text)
    if args.format == "json":
        print(json.dumps(report_to_dict(report), ensure_ascii=False))
    else:
        colour = args.colour == "always" or (
            args.colour == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        )
        width = min(shutil.get_terminal_size((88, 24)).columns, 100)
        sys.stdout.write(render_text(report, colour=colour, width=width))
    return EXIT_RECOGNISED if report.recognised else EXIT_NOT_RECOGNISED


def _search(args: argparse.Namespace, settings: Settings, stdin: TextIO) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    text = " ".join(args.words) if args.words else read_stdin(stdin)
    if not text.strip():
        raise UsageError("nothing to look up: give words as arguments or on stdin")
    hits = _engine(settings).search(text, args.limit)
    if args.format == "json":
        print(json.dumps(search_to_dict(hits), ensure_ascii=False))
    else:
        width = min(shutil.get_terminal_size((88, 24)).columns, 100)
        sys.stdout.write(render_search_text(hits, width=width))
    return EXIT_RECOGNISED if hits else EXIT_NOT_RECOGNISED


def _explain_jsonl(engine: Engine, stdin: TextIO) -> int:
    recognised = False
    for number, line in enumerate(read_stdin(stdin).splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"]
            if not isinstance(text, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            result = {"error": f'line {number}: expected a JSON object with a "text" string'}
        else:
            report = engine.explain(text)
            recognised = recognised or report.recognised
            result = report_to_dict(report)
        print(json.dumps(result, ensure_ascii=False), flush=False)
    return EXIT_RECOGNISED if recognised else EXIT_NOT_RECOGNISED


def _lint(args: argparse.Namespace, settings: Settings, stdin: TextIO) -> int:
    from bot.lint import lint_folder

    path = settings.kb_path
    result = lint_folder(path)
    for problem in result.problems:
        print(github_annotation(problem) if args.format == "github" else problem)
    entries = f"{result.entries} entr{'ies' if result.entries != 1 else 'y'}"
    if result.problems:
        count = len(result.problems)
        print(
            f"{_folder(path)}: {entries}, {count} problem{'s' if count != 1 else ''}",
            file=sys.stderr,
        )
        return 1
    print(f"{_folder(path)}: {entries}, clean")
    return 0


def checkout_kb(start: Path) -> Path | None:
    """The `knowledge/` folder (with its schema) in `start` or the nearest folder above it,
    relative to `start` when it can be, so that problems name files as the maintainer sees them."""
    for folder in (start, *start.parents):
        if (folder / "knowledge" / SCHEMA_FILE).is_file():
            return Path(os.path.relpath(folder / "knowledge", start))
    return None


def _folder(path: Path) -> str:
    return str(path).rstrip("/\\") + "/"


def github_annotation(problem: Problem) -> str:
    """A problem as a GitHub Actions workflow command, shown on the file's line in a PR.

    Paths are made relative to the working directory (the repository root in a workflow)."""
    file = _escape_property(os.path.relpath(problem.file)) if problem.file else ""
    where = f"file={file}" + (f",line={problem.line}" if problem.line > 0 else "")
    return f"::error {where}::{_escape_data(problem.message)}"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _gaps(args: argparse.Namespace, settings: Settings, stdin: TextIO) -> int:
    from bot.inbox import written_up
    from bot.render.drafts import draft_entry, drafts_document
    from bot.store import open_store

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    engine = _engine(settings)
    with open_store(settings) as store:
        items = [i for i in store.inbox() if not written_up(i, engine)][: args.limit]
    if args.format == "json":
        gaps = [gap_to_dict(i, draft_entry(i, engine.kb)) for i in items]
        print(json.dumps(gaps, ensure_ascii=False))
    elif items:
        sys.stdout.write(drafts_document(items, engine.kb))
    else:
        print("# No unknown errors: everything people pasted is in the knowledge base.")
    return 0


def _stats(args: argparse.Namespace, settings: Settings, stdin: TextIO) -> int:
    from bot.stats import collect
    from bot.store import open_store

    engine = _engine(settings)
    with open_store(settings) as store:
        stats = collect(store, engine.kb)
    if args.format == "json":
        print(json.dumps(stats_to_dict(stats), ensure_ascii=False))
    else:
        sys.stdout.write(render_stats_text(stats))
    return 0


EXIT_ANSWERS_DROPPED = 1
"""`run` and `serve` stopped with acknowledged answers that were not sent (each was logged)."""


def _run(args: argparse.Namespace, settings: Settings, stdin: TextIO) -> int:
    from bot.slack.shutdown import finish
    from bot.slack.socket_mode import run_socket_mode
    from bot.slack.startup import start_bot

    slack = start_bot(settings, lambda: _engine(settings), "slack_app_token")
    assert settings.slack_app_token is not None
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with slack.watcher:
        run_socket_mode(slack.app, settings.slack_app_token.reveal(), stop)
    dropped = finish(slack.executor, slack.outbox, settings.shutdown_seconds)
    return EXIT_ANSWERS_DROPPED if dropped else 0


def _serve(args: argparse.Namespace, settings: Settings, stdin: TextIO) -> int:
    from bot.slack.http import create_wsgi_app, serve
    from bot.slack.shutdown import finish
    from bot.slack.startup import start_bot
    from bot.store import sqlite_path

    slack = start_bot(settings, lambda: _engine(settings), "slack_signing_secret")
    # Finished before gunicorn forks: a fork in the middle of the build copies the index's lock
    # held by a thread the workers do not have, and every lookup in them then waits forever.
    slack.engine.prepare_search()
    workers = settings.workers or os.cpu_count() or 1
    if workers > 1:
        # Every worker watches the knowledge folder; one of them tells the maintainers.
        slack.notifier.only_one(sqlite_path(settings).with_name("notices.lock"))
    dropped = serve(
        create_wsgi_app(slack.app, slack.engine, slack.health),
        host=args.host,
        port=settings.port,
        workers=workers,
        log_level=settings.log_level,
        on_worker_start=slack.start_worker,
        on_worker_stop=lambda: finish(slack.executor, slack.outbox, settings.shutdown_seconds),
        stop_seconds=settings.shutdown_seconds,
    )
    return EXIT_ANSWERS_DROPPED if dropped else 0


def _manifest(args: argparse.Namespace, settings: Settings, stdin: TextIO) -> int:
    from bot.slack.manifest import manifest_yaml, request_url_problem

    url = args.request_url
    problem = request_url_problem(url) if url is not None else None
    if problem:
        raise UsageError(problem)
    sys.stdout.write(manifest_yaml(settings.command, url))
    return 0
