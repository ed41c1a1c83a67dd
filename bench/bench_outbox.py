"""Emails through a real worker while the SMTP server goes away and drops answers.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_outbox.py [--emails 1000] [--drop-rate 0.05]
        [--outage 60] [--drops-keep | --drops-lose] [--label NAME]

In a throwaway database (``bench_<name>``), with a Redis of its own on a spare port, a real
worker (2 pool children, every queue) and a real beat (the project's schedule: the outbox sweep
every 30 s), the run writes ``--emails`` outbox rows in one transaction (a bulk decision) and
lets them go to a local SMTP server (aiosmtpd) that:

- drops the connection after DATA for ``--drop-rate`` of the messages, without answering:
  with ``--drops-keep`` (the default) it has kept the message, so the sender cannot know it
  arrived (the answer is lost); with ``--drops-lose`` it has not (it crashed before queueing);
- stops, once 30 % of the emails have arrived, for ``--outage`` seconds, then starts again on
  the same port.

It waits until every row is settled (sent, failed, or uncertain and left to staff) and counts,
from what the server received: emails delivered (each row has its own recipient), copies
beyond the first (duplicates, and how many carried a new Message-ID), rows failed, rows left
uncertain, and the times. Results are appended to bench/results/outbox.txt. Goal: every email
delivered, 0 failed, duplicates only from answers the server dropped after keeping the message.
"""

import argparse
import asyncio
import email
import email.policy
import os
import platform
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

RESULTS = ROOT / "bench" / "results" / "outbox.txt"
OUTAGE_AFTER = 0.3  # the share of emails received when the server stops
SETTLE_TIMEOUT = 20 * 60


class FlakyHandler:
    """Keeps what it accepts; drops the connection after DATA for a share of the messages."""

    def __init__(self, *, drop_rate: float, drops_keep: bool, seed: int):
        self.drop_rate = drop_rate
        self.drops_keep = drops_keep
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.received: list[tuple[str, str]] = []  # (recipient, Message-ID), in arrival order
        self.dropped = 0
        self.dropped_kept = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            drop = self.random.random() < self.drop_rate
            if not drop or self.drops_keep:
                self.received.append((str(message["To"]), str(message["Message-ID"])))
            if drop:
                self.dropped += 1
                self.dropped_kept += self.drops_keep
        if drop:
            server.transport.close()
            await asyncio.sleep(0)
        return "250 Message accepted for delivery"


class MailServer:
    def __init__(self, handler: FlakyHandler, port: int):
        self.handler = handler
        self.port = port
        self.controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--drop-rate", type=float, default=0.05)
    parser.add_argument("--outage", type=float, default=60.0, help="seconds the SMTP server stays down")
    keep = parser.add_mutually_exclusive_group()
    keep.add_argument("--drops-keep", dest="drops_keep", action="store_true", default=True)
    keep.add_argument("--drops-lose", dest="drops_keep", action="store_false")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    from tests.redis_server import RedisServer
    from tests.stack import free_port

    redis_server = RedisServer().start()
    os.environ["CELERY_BROKER_URL"] = redis_server.url()

    import logging

    import django

    django.setup()
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)  # aiosmtpd's own lines on each drop
    logging.getLogger("core.outbox").setLevel(logging.CRITICAL)

    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import setup_databases, teardown_databases

    from cnam_portal.celery import app as celery_app
    from core import outbox
    from core.models import Notification
    from tests.celery_worker import Beat, Worker
    from tests.factories import ApplicationFactory

    if connection.vendor != "postgresql":
        print("The worker shares the database: set DATABASE_URL to a PostgreSQL server.", file=sys.stderr)
        return 2
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = redis_server.url()

    handler = FlakyHandler(drop_rate=args.drop_rate, drops_keep=args.drops_keep, seed=args.seed)
    mail = MailServer(handler, free_port())
    data_dir = Path(tempfile.mkdtemp(prefix="cnam-bench-outbox-"))
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    processes = []
    try:
        application = ApplicationFactory()
        mail.start()
        common = {"broker_url": redis_server.url(), "mail_port": mail.port, "data_dir": data_dir}
        worker = Worker(concurrency=2, **common)
        beat = Beat(**common)
        for process in (worker, beat):
            process.start()
            processes.append(process)

        started = time.monotonic()
        with transaction.atomic():
            outbox.notifications_create(
                rows=[
                    Notification(
                        idempotency_key=f"bench-outbox-{index}",
                        template="application_received",
                        recipient_email=f"personne{index}@example.org",
                        application=application,
                    )
                    for index in range(args.emails)
                ]
            )

        while len(handler.received) < args.emails * OUTAGE_AFTER:
            time.sleep(0.05)
        mail.stop()
        outage_started = time.monotonic()
        time.sleep(args.outage)
        mail.start()
        returned = time.monotonic()

        settled_states = Counter()
        deadline = returned + SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            unsettled = Notification.objects.filter(
                state__in=[Notification.State.PENDING, Notification.State.SENDING]
            ) | Notification.objects.filter(state=Notification.State.UNCERTAIN, next_attempt_at__isnull=False)
            if not unsettled.exists():
                break
            time.sleep(0.5)
        settled = time.monotonic()
        settled_states = Counter(Notification.objects.values_list("state", flat=True))
        attempts = Counter(Notification.objects.values_list("attempts", flat=True))
    finally:
        for process in processes:
            process.stop()
        mail.stop()
        teardown_databases(old_config, verbosity=0)
        redis_server.cleanup()

    copies = Counter(recipient for recipient, _message_id in handler.received)
    delivered = len(copies)
    duplicates = sum(count - 1 for count in copies.values())
    # A resend that a mail client cannot recognise as one: a second Message-ID for the same email.
    new_ids = len(set(handler.received)) - delivered
    sent_state = settled_states.get(Notification.State.SENT, 0)
    failed = settled_states.get(Notification.State.FAILED, 0)
    uncertain = settled_states.get(Notification.State.UNCERTAIN, 0)
    unsettled_left = settled_states.get(Notification.State.PENDING, 0) + settled_states.get(
        Notification.State.SENDING, 0
    )
    drops = "kept by the server (answer lost)" if args.drops_keep else "lost by the server"
    sweep_every = celery_app.conf.beat_schedule["send-pending-notifications"]["schedule"]
    lines = [
        f"Outbox under SMTP faults (bench/bench_outbox.py){' — ' + args.label if args.label else ''}",
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"machine: {platform.machine()} cpus={os.cpu_count()} python={platform.python_version()} "
        f"db={connection.vendor} worker=2 children, beat sweep every {sweep_every:.0f} s",
        f"emails: {args.emails}; dropped after DATA: {args.drop_rate:.0%} ({drops}); "
        f"SMTP down {args.outage:.0f} s once {OUTAGE_AFTER:.0%} had arrived",
        f"connections dropped after DATA: {handler.dropped}",
        f"delivered (distinct recipients): {delivered} / {args.emails}",
        f"duplicates (copies beyond the first): {duplicates}, of which with a new Message-ID: {new_ids}",
        f"rows sent: {sent_state}; failed: {failed}; uncertain, left to staff: {uncertain}; "
        f"unsettled: {unsettled_left}",
        f"attempts per row: {dict(sorted(attempts.items()))}",
        f"SMTP down at: {outage_started - started:.1f} s; back at: {returned - started:.1f} s",
        f"all settled at: {settled - started:.1f} s ({settled - returned:.1f} s after SMTP returned)",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    with RESULTS.open("a") as handle:
        handle.write(text + "\n")
    goal = delivered == args.emails and failed == 0 and duplicates <= handler.dropped_kept
    return 0 if goal else 1


if __name__ == "__main__":
    sys.exit(main())
