#!/usr/bin/env python3
"""Which process was running when a fixed-rate phase's slow requests were due.

    perf record -k CLOCK_REALTIME -e cpu-clock -a -F 999 -o sys.data -- sleep 11 &   # beside the phase
    TRACE=DIR bench/signup.sh ...   (or bench/rate.py --trace FILE)
    perf script -i sys.data -F comm,pid,tid,time > sys.txt
    bench/stalls.py sys.txt DIR/fixed-200.txt [--slow 25] [kdamond.0 curl ...]

For each process name given (kdamond.0 by default), its bursts of CPU samples (samples less than
--gap seconds apart) become windows from --before seconds ahead of a burst to --after seconds past
it. Prints the share of requests that were due inside the windows, the share of the slow ones
(latency over --slow ms) that were, and the p99 inside and outside. A process that causes the tail
holds far more of the slow requests than of all requests. The perf clock must be the wall clock
(-k CLOCK_REALTIME): the trace's times are.
"""
import argparse


def bursts(times, gap):
    out = []
    for t in sorted(times):
        if out and t - out[-1][1] <= gap:
            out[-1][1] = t
        else:
            out.append([t, t])
    return out


def p99(values):
    values = sorted(values)
    return values[int(0.99 * (len(values) - 1))] if values else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("samples", help="perf script -F comm,pid,tid,time output")
    ap.add_argument("trace", help="bench/rate.py --trace output")
    ap.add_argument("names", nargs="*", default=["kdamond.0"])
    ap.add_argument("--slow", type=float, default=25.0, help="ms")
    ap.add_argument("--gap", type=float, default=0.1, help="s between samples of one burst")
    ap.add_argument("--before", type=float, default=0.06, help="s: a request due this long before a burst waited for it")
    ap.add_argument("--after", type=float, default=0.02, help="s")
    a = ap.parse_args()

    seen = {n: [] for n in a.names}
    with open(a.samples) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[0] in seen:
                seen[parts[0]].append(float(parts[-1].rstrip(":")))
    # each request: when it was due (its completion's wall clock less its latency), its latency
    requests = []
    with open(a.trace) as f:
        for line in f:
            _, ms, _, wall = line.split()
            requests.append((float(wall) - float(ms) / 1000, float(ms)))
    if not requests:
        raise SystemExit("no requests in " + a.trace)

    all_windows = []
    for name in a.names:
        windows = [(b[0] - a.before, b[1] + a.after) for b in bursts(seen[name], a.gap)]
        all_windows += windows
        inside = [ms for due, ms in requests if any(lo <= due <= hi for lo, hi in windows)]
        outside = [ms for due, ms in requests if not any(lo <= due <= hi for lo, hi in windows)]
        slow = sum(1 for _, ms in requests if ms > a.slow)
        slow_inside = sum(1 for ms in inside if ms > a.slow)
        print(f"{name}: {len(windows)} bursts; {len(inside) / len(requests):.0%} of {len(requests)} requests due inside them, "
              f"{slow_inside} of {slow} slow ones ({slow_inside / max(1, slow):.0%}); p99 inside {p99(inside):.1f} ms, "
              f"outside {p99(outside):.1f} ms")
    rest = [ms for due, ms in requests if not any(lo <= due <= hi for lo, hi in all_windows)]
    print(f"outside every window: {len(rest)} requests, p99 {p99(rest):.1f} ms, max {max(rest, default=0):.1f} ms")


if __name__ == "__main__":
    main()
