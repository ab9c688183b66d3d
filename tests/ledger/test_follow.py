"""The read models follow events another session records: woken by PostgreSQL's NOTIFY, by polling on SQLite."""

from __future__ import annotations

import queue
import threading
import time

from tests.ledger.support import open_ledger, start

# On PostgreSQL the follower polls only twice a minute: catching up within seconds shows that the
# notification woke it. SQLite has nothing to wake it: it looks five times a second.
POLL = {"sqlite": 0.2, "postgres": 30.0}
PROMPT = 5.0  # seconds


def test_a_following_session_sees_new_events_promptly(ledger_url, suite, results):
    kind = "postgres" if ledger_url.startswith("postgresql") else "sqlite"
    with open_ledger(ledger_url) as writer:
        start(writer, suite, results)
        with open_ledger(ledger_url) as reader:
            stop, seen = threading.Event(), queue.Queue[int]()

            def follow() -> None:
                for position in reader.follow(stop, poll=POLL[kind]):
                    seen.put(position)

            follower = threading.Thread(target=follow)
            follower.start()
            try:
                assert seen.get(timeout=60) == writer.app.max_position()  # caught up, and listening
                for n in range(2):
                    writer.app.record_analysis("default", planner="claude", text=f"thought {n}")
                    recorded, began = writer.app.max_position(), time.monotonic()
                    position = seen.get(timeout=PROMPT)
                    assert position == recorded and time.monotonic() - began < PROMPT
                    rows = reader.view.fetch("SELECT * FROM {p}cl_analyses WHERE lineage = ?", ("default",))
                    assert len(rows) == n + 1  # the read model itself is caught up, not only its position
            finally:
                stop.set()
                follower.join(timeout=PROMPT)
            assert not follower.is_alive()  # stopped promptly, even in a long poll
