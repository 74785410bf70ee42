#!/usr/bin/env python3
"""Fixed-rate HTTP/1.1 load with a different body or path per request, for what hey cannot vary.

    bench/rate.py --rate 500 --seconds 20 --connections 16 --path /api/v1/subscriptions \
        --body '{"email":"r{n}@bench.example",...}' [--header 'Authorization: Bearer x'] [--paths FILE]

Requests are scheduled at fixed times (rate per second) and each latency is measured from its
scheduled time, not from when a connection became free, so a stall shows in the percentiles
instead of hiding (no coordinated omission). {n} in the body or path is the request's number;
with --paths, request n uses line n of FILE as its path. Prints one line of JSON: sent, status
counts, achieved rate, p50/p90/p99/max in ms. Stops by itself after --seconds plus a 10 s drain.
"""
import argparse, asyncio, json, sys, time


async def one(reader, writer, method, host, path, headers, body):
    data = body.encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(data)}\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n"
    writer.write(head.encode() + data)
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length, chunked = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        k, _, v = line.decode("latin-1").partition(":")
        if k.lower() == "content-length":
            length = int(v.strip())
        elif k.lower() == "transfer-encoding" and "chunked" in v.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8089)
    ap.add_argument("--method", default="POST")
    ap.add_argument("--path", default="/")
    ap.add_argument("--paths")
    ap.add_argument("--body")
    ap.add_argument("--header", action="append", default=[])
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--start", type=int, default=0, help="number of the first request")
    ap.add_argument("--trace", help="file for one line per request: scheduled second of the run, latency ms, status, wall clock")
    a = ap.parse_args()
    paths = open(a.paths).read().split() if a.paths else None
    total = int(a.rate * a.seconds)
    if paths is not None:
        total = min(total, len(paths) - a.start)
    queue = asyncio.Queue()
    latencies, statuses, trace = [], {}, []
    begin = time.perf_counter() + 0.2

    async def worker():
        reader, writer = await asyncio.open_connection(a.host, a.port)
        while True:
            item = await queue.get()
            if item is None:
                writer.close()
                return
            n, due = item
            path = paths[n] if paths is not None else a.path.replace("{n}", str(n))
            body = a.body.replace("{n}", str(n)) if a.body is not None else None
            try:
                status = await one(reader, writer, a.method, a.host, path, a.header + (["Content-Type: application/json"] if body else []), body)
            except (ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
                status = 0
                writer.close()
                reader, writer = await asyncio.open_connection(a.host, a.port)
            latencies.append((time.perf_counter() - due) * 1000)
            if a.trace:
                trace.append((due - begin, latencies[-1], status, time.time()))
            statuses[status] = statuses.get(status, 0) + 1

    workers = [asyncio.create_task(worker()) for _ in range(a.connections)]
    for i in range(total):
        due = begin + i / a.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((a.start + i, due))
    for _ in workers:
        queue.put_nowait(None)
    try:
        await asyncio.wait_for(asyncio.gather(*workers), timeout=10 + a.seconds)
    except asyncio.TimeoutError:
        pass
    elapsed = time.perf_counter() - begin
    if a.trace:
        with open(a.trace, "w") as f:
            f.writelines(f"{d:.4f} {ms:.1f} {st} {wall:.3f}\n" for d, ms, st, wall in sorted(trace))
    latencies.sort()
    pct = lambda p: round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 1) if latencies else None
    print(json.dumps({"sent": total, "done": len(latencies), "status": statuses, "rate": round(len(latencies) / elapsed, 1),
                      "p50": pct(50), "p90": pct(90), "p99": pct(99), "max": round(latencies[-1], 1) if latencies else None}))


if __name__ == "__main__":
    asyncio.run(main())
