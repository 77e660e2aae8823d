"""Slack down for a while: the real `syncdoc serve` keeps acknowledging, keeps every answer in its
outbox, and posts each exactly once when Slack is back.

    python bench/slack_outage.py                      # 60 s of 503s, 10 events/s throughout
    python bench/slack_outage.py --failure html --outage 30 --rate 20

The fake Slack (bot.testing.fake_slack) runs in this process on 127.0.0.1; `syncdoc serve` in a
subprocess with a throw-away data folder. Events (the knowledge base's own examples, each needing
one threaded reply) are offered at `--rate` per second for `--before` seconds, then through an
outage of `--outage` seconds during which every chat.postMessage fails as `--failure` says, then
for `--after` seconds. Reported: events acknowledged, replies expected, delivered, lost,
duplicated, how long the last reply took after Slack came back, and what the server logged.
Exit 0 when nothing was lost or duplicated, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bot.engine import Engine
from bot.knowledge import bundled_kb_path
from bot.slack.http import EVENTS_PATH
from bot.testing.fake_slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    Failure,
    FakeSlack,
    SlackSender,
    message_event,
)
from bot.testing.process import syncdoc

FAILURES = {
    "503": Failure.unavailable,
    "502": Failure.bad_gateway,
    "html": Failure.html_page,
    "429": lambda: Failure.rate_limited(retry_after=1),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage", type=float, default=60, help="seconds Slack fails")
    parser.add_argument("--before", type=float, default=5, help="seconds of traffic before")
    parser.add_argument("--after", type=float, default=10, help="seconds of traffic after")
    parser.add_argument("--rate", type=float, default=10, help="events offered per second")
    parser.add_argument("--failure", choices=sorted(FAILURES), default="503")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    pastes = [ex for entry in Engine.from_path(bundled_kb_path()).kb for ex in entry.examples]
    acked: list[str] = []
    sent_at: dict[str, float] = {}
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    with FakeSlack() as fake:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
        }
        with syncdoc(["serve", "--host", "127.0.0.1", "--port", "0"], env) as process:
            base = process.wait_for_line(r"Slack requests at (http://\S+?)/slack/events").group(1)
            sender = SlackSender(base + EVENTS_PATH)

            def send(n: int) -> None:
                event = message_event(pastes[n % len(pastes)])
                status = sender.event(event).status
                with lock:
                    statuses[status] += 1
                    if status == 200:
                        acked.append(event["event"]["ts"])
                        sent_at[event["event"]["ts"]] = time.time()

            total = args.before + args.outage + args.after
            started = time.monotonic()
            outage_at = started + args.before
            outage_started = False
            back_wall = 0.0
            with ThreadPoolExecutor(50) as pool:
                for n in range(int(total * args.rate)):
                    due = started + n / args.rate
                    time.sleep(max(0.0, due - time.monotonic()))
                    if not outage_started and time.monotonic() >= outage_at:
                        fake.outage(args.outage, FAILURES[args.failure](), "chat.postMessage")
                        outage_started = True
                        back_wall = time.time() + args.outage
                        print(f"Slack fails ({args.failure}) for {args.outage:.0f} s", flush=True)
                    pool.submit(send, n)
            deadline = time.monotonic() + 400
            while time.monotonic() < deadline:
                delivered = {c.params.get("thread_ts") for c in fake.calls_to("chat.postMessage")}
                if all(ts in delivered for ts in acked):
                    break
                time.sleep(0.5)
            time.sleep(2)  # a late duplicate, were there one, would arrive now
            process.stop()
        posts = Counter(
            c.params.get("thread_ts") for c in fake.calls_to("chat.postMessage") if c.ok
        )
        # When the last answer to an event sent during the outage was posted, after Slack was back.
        during = {ts for ts, at in sent_at.items() if back_wall - args.outage <= at < back_wall}
        last = max(
            (
                c.at
                for c in fake.calls_to("chat.postMessage")
                if c.ok and c.params.get("thread_ts") in during
            ),
            default=back_wall,
        )
    log = process.output
    figures = {
        "failure": args.failure,
        "outage_seconds": args.outage,
        "events_offered": sum(statuses.values()),
        "statuses": dict(statuses),
        "replies_expected": len(acked),
        "replies_delivered": sum(1 for ts in acked if posts[ts]),
        "replies_lost": sum(1 for ts in acked if not posts[ts]),
        "replies_duplicated": sum(posts[ts] - 1 for ts in acked if posts[ts] > 1),
        "outage_answers_all_sent_after_s": round(last - back_wall, 1),
        "answers_kept_for_later": log.count("Slack did not take the answer"),
        "answers_not_sent_logged": log.count("answer not sent"),
        "tracebacks": log.count("Traceback"),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2)
    return 0 if figures["replies_lost"] == 0 and figures["replies_duplicated"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
