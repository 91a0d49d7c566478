#!/usr/bin/env python3
"""Files N cases through the HTTP API with C concurrent clients, then checks the database.

Usage: bench/filing_load.py --base-url URL --database-url URL --schema S --token T [--cases N] [--clients C]

The pre-qualifications must exist (scripts/bench-filing seeds them). Prints the rate and the
checks; exits non-zero when any filing failed or the database does not hold exactly what was filed.
"""
import argparse, http.client, json, subprocess, sys, threading, time, urllib.parse

COMBOS = [(p, m, f) for p in (False, True) for m in (False, True) for f in ("none", "seal", "sealAndExtract")]
# hr.qualification always; hr.deemedYears and the four social items with the pension; two medical items.
ITEMS = {"hr": 1, "pension": 5, "medical": 2}


def expected_tasks(p, m, f):
    return ITEMS["hr"] + (ITEMS["pension"] if p else 0) + (ITEMS["medical"] if m else 0) + \
        {"none": 0, "seal": 1, "sealAndExtract": 2}[f]


def check_char(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def person(i):
    """A valid male resident ID born 1955-1964 (long past the earliest filing date) and a name."""
    year = 1955 + (i // 3360) % 10
    month = 1 + (i // 280) % 12
    day = 1 + (i // 10) % 28
    seq = (i % 10) * 100 + 1 + 2 * ((i // 1000) % 49)  # odd: male
    first17 = f"220102{year:04d}{month:02d}{day:02d}{seq % 1000:03d}"
    return first17 + check_char(first17), f"退休人{i}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--cases", type=int, default=10000)
    ap.add_argument("--clients", type=int, default=16)
    args = ap.parse_args()
    url = urllib.parse.urlparse(args.base_url)
    statuses, lock = {}, threading.Lock()
    next_index = [0]

    def client():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        while True:
            with lock:
                i = next_index[0]
                if i >= args.cases:
                    break
                next_index[0] += 1
            idn, name = person(i)
            p, m, f = COMBOS[i % len(COMBOS)]
            body = {"retiree": {"name": name, "idNumber": idn}, "pensionBenefit": p, "medicalTransfer": m,
                    "housingFund": {"action": f, "centre": "changchun"} if f != "none" else {"action": "none"}}
            if f == "sealAndExtract":
                body["bankAccount"] = {"bank": "中国工商银行", "accountNumber": "6222020200112233445", "holderName": name}
            conn.request("POST", "/api/v1/cases", json.dumps(body).encode(),
                         {"Authorization": "Bearer " + args.token, "Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    rate = args.cases / elapsed
    print(json.dumps({"cases": args.cases, "clients": args.clients, "seconds": round(elapsed, 2),
                      "casesPerSecond": round(rate, 1), "statuses": statuses,
                      "expectedTasks": sum(expected_tasks(*COMBOS[i % len(COMBOS)]) for i in range(args.cases))}))
    return 0 if statuses == {201: args.cases} else 1


if __name__ == "__main__":
    sys.exit(main())
