#!/usr/bin/env python3
"""A counting, fault-injecting SMTP sink for bench/chaos.sh (loopback only).

Accepts mail over SMTP with PIPELINING and counts every accepted message by its recipient, so a
script can tell lost and duplicated messages apart. Faults, each drawn per message:
  --p451 P    answer the content with "451 4.3.0 try again later" (not accepted)
  --pdrop P   close the connection after the content without answering (not accepted)
A control port answers one line, STATS (or MARK, which also starts a new epoch: call it at each
fault), with JSON: accepted, distinct, duplicates, in_flight (transactions whose content is being
received or awaits its reply), faults, and duplicates_by_epoch (repeats, by the epoch in which the
message was first accepted: the duplicates each fault caused).
Stops by itself after --max-seconds.
"""
import argparse
import asyncio
import json
import random
import signal
import sys
from collections import Counter

accepted = Counter()
first_epoch = {}
state = {"in_flight": 0, "f451": 0, "fdrop": 0, "connections": 0, "epoch": 0}


async def session(reader, writer, p451, pdrop, rng):
    state["connections"] += 1
    writer.write(b"220 faultsink ESMTP\r\n")
    recipient = None
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            cmd = line.decode("ascii", "replace").rstrip("\r\n")
            upper = cmd.upper()
            if upper.startswith("EHLO") or upper.startswith("HELO"):
                writer.write(b"250-faultsink\r\n250-PIPELINING\r\n250 SIZE 52428800\r\n")
            elif upper.startswith("MAIL FROM"):
                recipient = None
                writer.write(b"250 2.1.0 ok\r\n")
            elif upper.startswith("RCPT TO"):
                recipient = cmd[cmd.find("<") + 1:cmd.find(">")]
                writer.write(b"250 2.1.5 ok\r\n")
            elif upper == "DATA":
                if recipient is None:
                    writer.write(b"503 5.5.1 no valid recipients\r\n")
                    continue
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                state["in_flight"] += 1
                try:
                    while True:
                        data = await reader.readline()
                        if not data:
                            return
                        if data in (b".\r\n", b".\n"):
                            break
                    draw = rng.random()
                    if draw < pdrop:
                        state["fdrop"] += 1
                        writer.close()
                        return
                    if draw < pdrop + p451:
                        state["f451"] += 1
                        writer.write(b"451 4.3.0 try again later\r\n")
                    else:
                        accepted[recipient] += 1
                        first_epoch.setdefault(recipient, state["epoch"])
                        writer.write(b"250 2.0.0 queued\r\n")
                finally:
                    state["in_flight"] -= 1
            elif upper.startswith("RSET") or upper.startswith("NOOP"):
                writer.write(b"250 ok\r\n")
            elif upper.startswith("QUIT"):
                writer.write(b"221 bye\r\n")
                await writer.drain()
                return
            else:
                writer.write(b"502 5.5.2 not implemented\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        try:
            writer.close()
        except Exception:
            pass


def stats():
    total = sum(accepted.values())
    by_epoch = Counter()
    for recipient, n in accepted.items():
        if n > 1:
            by_epoch[first_epoch[recipient]] += n - 1
    return {
        "duplicates_by_epoch": {str(k): v for k, v in sorted(by_epoch.items())},
        "accepted": total,
        "distinct": len(accepted),
        "duplicates": total - len(accepted),
        "in_flight": state["in_flight"],
        "faults_451": state["f451"],
        "faults_drop": state["fdrop"],
        "connections": state["connections"],
    }


async def control(reader, writer):
    line = await reader.readline()
    if line.strip() == b"MARK":
        # A fault happens now: later first acceptances belong to the next epoch.
        state["epoch"] += 1
    writer.write((json.dumps(stats()) + "\n").encode())
    await writer.drain()
    writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=2526)
    ap.add_argument("--control", type=int, default=2527)
    ap.add_argument("--p451", type=float, default=0.0)
    ap.add_argument("--pdrop", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-seconds", type=int, default=1800)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    smtp = await asyncio.start_server(lambda r, w: session(r, w, args.p451, args.pdrop, rng), "127.0.0.1", args.port,
                                      limit=1 << 20)
    ctl = await asyncio.start_server(control, "127.0.0.1", args.control)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.max_seconds)
    except asyncio.TimeoutError:
        print("faultsink: time limit reached", file=sys.stderr)
    smtp.close()
    ctl.close()


if __name__ == "__main__":
    asyncio.run(main())
