#!/usr/bin/env python3
"""A deployment's monitoring during a bench: the metrics scraped and readiness asked once a second.

    bench/monitor.py --port 8089 --token TOKEN --seconds 3600

One process and one kept-alive connection, as Prometheus and an orchestrator's probe keep theirs.
The loop it replaces started two curl processes a second, and on a 2-core machine each took
20-30 ms of a core to start: requests due meanwhile waited, a stall of the bench's own making
(docs/BENCHMARKS.md, twentieth session). Answers are read and dropped; a failed request is
retried on a new connection the next second. Stops by itself after --seconds.
"""
import argparse, http.client, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8089)
    ap.add_argument("--token", required=True, help="bearer token for /q/metrics")
    ap.add_argument("--seconds", type=float, required=True)
    a = ap.parse_args()
    requests = [("/q/metrics", {"Authorization": "Bearer " + a.token}), ("/q/health/ready", {})]
    end = time.monotonic() + a.seconds
    conn = None
    while time.monotonic() < end:
        started = time.monotonic()
        for path, headers in requests:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(a.host, a.port, timeout=10)
                conn.request("GET", path, headers=headers)
                conn.getresponse().read()
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    if conn is not None:
        conn.close()


if __name__ == "__main__":
    main()
