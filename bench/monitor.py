#!/usr/bin/env python3
"""A deployment's monitoring during a bench: the metrics scraped and readiness asked once a second.

    bench/monitor.py --port 8089 --token TOKEN --seconds 3600 [--out FILE]

One process and one kept-alive connection, as Prometheus and an orchestrator's probe keep theirs.
The loop it replaces started two curl processes a second, and on a 2-core machine each took
20-30 ms of a core to start: requests due meanwhile waited, a stall of the bench's own making
(docs/BENCHMARKS.md, twentieth session). Answers are read and dropped; a failed request is
retried on a new connection the next second. Stops by itself after --seconds.

With --out, each scrape's heap in use and messages finished (sent, failed and skipped, from
Valjean's counters) are written to FILE as one line, "heap finished", replacing the last: the
benches' drain reads them there instead of starting a curl and two awks a second.
"""
import argparse, http.client, os, re, time

HEAP = re.compile(r'^jvm_memory_used_bytes\{area="heap"[^}]*\} (\S+)', re.M)
FINISHED = re.compile(r'^valjean_outbox_(?:sent|failed|skipped)_total\{[^}]*\} (\S+)', re.M)


def write_summary(path, body):
    heap = sum(float(v) for v in HEAP.findall(body))
    finished = sum(float(v) for v in FINISHED.findall(body))
    with open(path + ".tmp", "w") as f:
        f.write(f"{int(heap)} {int(finished)}\n")
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8089)
    ap.add_argument("--token", required=True, help="bearer token for /q/metrics")
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--out", help="file for the last scrape's heap and messages finished")
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
                response = conn.getresponse()
                body = response.read()
                if a.out and path == "/q/metrics" and response.status == 200:
                    write_summary(a.out, body.decode("utf-8", "replace"))
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    if conn is not None:
        conn.close()


if __name__ == "__main__":
    main()
