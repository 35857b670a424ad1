#!/usr/bin/env python3
"""Timing of the biggest lottery the bot accepts: N members join, 1000 prizes are drawn, results pushed, verified.

    .venv/bin/python bench/bench_lottery.py [--members 1000] [--threads 8]

Uses a temporary database file and a sender that only counts, so nothing leaves the machine. Prints the time
for the joins (through the real router, from --threads threads), the draw including recording every result push,
the time until the push worker has handled them all, `85 编号 开奖`-style result text, and lottery-verify.
"""

import argparse
import copy
import os
import sys
import tempfile
import threading
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bot.app import App  # noqa: E402
from bot.config import DEFAULTS  # noqa: E402
from bot.timeutil import to_utc_text, utc_now  # noqa: E402
from plugins.lottery.commands import create_lottery  # noqa: E402
from plugins.lottery.jobs import draw_now  # noqa: E402
from plugins.lottery.lotteries import participants, winners  # noqa: E402
from plugins.lottery.verify import verify  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-lottery-")
    config = copy.deepcopy(DEFAULTS)
    config.update(database=os.path.join(folder, "bench.db"), admins=["o-admin"], groups=["研发一组"], _path="bench")
    delivered = []
    app = App(config, sender=lambda openid, text: delivered.append(openid)).setup()
    openids = [f"o-{i:05d}" for i in range(args.members)]
    with app.transaction() as tx:
        for i, openid in enumerate(openids):
            tx.execute("INSERT INTO users (openid, name, group_id, status, created_at) VALUES (?, ?, 1, 'member', ?)",
                       [openid, f"成员{i}", to_utc_text(utc_now())])
    with app.transaction() as tx:
        lottery_id = create_lottery(tx, "压测", utc_now() + timedelta(days=1), [("一等奖", 10), ("奶茶券", 990)],
                                    None, "o-admin")

    started = time.perf_counter()
    chunks = [openids[i::args.threads] for i in range(args.threads)]
    threads = [threading.Thread(target=lambda c=c: [app.handle_text(o, f"6 {lottery_id}") for o in c]) for c in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    joined = time.perf_counter() - started
    count = len(participants(app.store, lottery_id))

    started = time.perf_counter()
    draw_now(app, lottery_id, "o-admin")
    drawn = time.perf_counter() - started
    started = time.perf_counter()
    app.pusher.flush(120)
    pushed = time.perf_counter() - started
    started = time.perf_counter()
    reply = app.handle_text("o-admin", f"85 {lottery_id} 开奖")
    replied = time.perf_counter() - started
    started = time.perf_counter()
    ok = verify(app.store, lottery_id, out=lambda _: None)
    verified = time.perf_counter() - started

    print(f"members joined: {count} in {joined:.2f}s from {args.threads} threads ({count / joined:.0f}/s)")
    recorded = app.store.one("SELECT COUNT(*) AS n FROM pushes WHERE kind = 'lottery'")["n"]
    print(f"draw of {len(winners(app.store, lottery_id))} prizes + recording {recorded} result pushes: {drawn:.2f}s")
    print(f"push worker drained {len(delivered)} pushes in a further {pushed:.2f}s")
    print(f"'85 编号 开奖' on the drawn lottery: {replied * 1000:.0f} ms, reply {len(reply.encode())} bytes")
    print(f"lottery-verify: {'OK' if ok else 'FAILED'} in {verified:.2f}s")
    return 0 if ok and count == args.members else 1


if __name__ == "__main__":
    sys.exit(main())
