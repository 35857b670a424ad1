"""Export benchmark: time and peak RSS of the daily report for 10k, 100k (50 teams) and 1M expense rows.

Run:  .venv/bin/python bench/bench_export.py [ROWS ...]      (default: 10000 100000 1000000)
Each size runs in its own subprocess so its peak RSS (ru_maxrss) is its own. Targets: 100k <= 10 s, <= 200 MB.
"""

import copy
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def seed_ledger(conn, rows, teams=50, members=1000):
    """Insert `members` members over group ids 1..`teams` and `rows` expenses (a third settled), in one commit."""
    rng = random.Random(1)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO users (openid, name, group_id, status, created_at) VALUES (?, ?, ?, 'member', ?)",
                     [(f"o-{i}", f"组员{i}", i % teams + 1, "2026-01-01T00:00:00.000000+00:00")
                      for i in range(members)])
    batch = []
    for i in range(rows):
        user = i % members
        batch.append((f"o-{user}", user % teams + 1, rng.randint(100, 50000), "下午茶 奶茶与水果",
                      f"2026-{i % 12 + 1:02d}-{i % 28 + 1:02d}", f"2026-{i % 12 + 1:02d}-{i % 28 + 1:02d}T07:30:00.000000+00:00",
                      "settled" if i % 3 == 0 else "open"))
        if len(batch) == 50000:
            conn.executemany("INSERT INTO expenses (openid, group_id, amount_fen, note, spent_on, recorded_at, status) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
            batch = []
    if batch:
        conn.executemany("INSERT INTO expenses (openid, group_id, amount_fen, note, spent_on, recorded_at, status) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
    conn.execute("COMMIT")


def one(rows):
    sys.path.insert(0, ROOT)
    from bot.app import App
    from bot.config import DEFAULTS
    from plugins.export.jobs import run_report

    folder = tempfile.mkdtemp(prefix="teabot-bench-")
    config = copy.deepcopy(DEFAULTS)
    config.update(database=os.path.join(folder, "teabot.db"), exports_dir=os.path.join(folder, "exports"),
                  groups=[f"研发{i:02d}组" for i in range(50)])
    app = App(config, sender=lambda openid, text: None).setup()
    seed_ledger(app.store.db.conn, rows)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    row = run_report(app)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert row["state"] == "done" and row["rows"] == rows
    print(json.dumps({"rows": rows, "seconds": round(seconds, 2), "peak_rss_mb": round(peak / 1024, 1),
                      "rss_before_export_mb": round(rss_before / 1024, 1), "file_mb": round(row["bytes"] / 2**20, 1)}))


def main(sizes):
    print(f"{'rows':>9} {'seconds':>8} {'rows/s':>8} {'peak RSS MB':>12} {'file MB':>8}")
    for rows in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(rows)], capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{rows:>9} {result['seconds']:>8} {int(rows / result['seconds']):>8} {result['peak_rss_mb']:>12} "
              f"{result['file_mb']:>8}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(int(sys.argv[2]))
    else:
        main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
