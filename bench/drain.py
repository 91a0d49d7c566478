#!/usr/bin/env python3
"""The engine drain benchmark's measuring half (scripts/bench-drain runs it; python3 stdlib only).

Usage:
  bench/drain.py run --bin WORKERS --schema S --prefix P --tasks N --workers W --out RESULT.json
                     [--concurrency 64] [--batch-size 32] [--metrics-port 19190] [--latency-tasks 200] [--pace-ms 20]
                     [--deadline 600] [--stop-deadline 30] [--log-dir DIR] [--pid-file FILE]
  bench/drain.py report --result RESULT.json [--pgbench PGBENCH.json] [--machine MACHINE.json]

`run` expects the schema to exist and be migrated (DATABASE_URL, REDIS_URL in the environment). It
  1. seeds N queued tasks (8 per case, every one an item the simulator answers `succeeded`) by SQL,
     and publishes one stream message per task, pipelined, before any worker runs;
  2. starts W worker processes and waits until no task is left unfinished;
  3. checks the invariants: every task succeeded, one `succeeded` event per task, one ledger row per
     task with calls = 1, every case completed;
  4. measures pickup latency on the idle queue: K more tasks, each published alone ~pace ms apart;
  5. reads each worker's peak RSS (VmHWM), then stops them (SIGTERM, SIGKILL only past a deadline).
It writes everything to RESULT.json and exits 1 when an invariant does not hold, 2 on other errors.
`report` prints the table and the final JSON line, adding pgbench's figures and the machine.
"""
import argparse, json, math, os, signal, socket, subprocess, sys, time, urllib.parse

# The items whose simulated outcome does not depend on dates or the payment day, with data that
# passes their checks (passed pre-qualification, 360 medical months for a man, fund not frozen).
# One case holds each at most once (tasks are unique per case and item), so 8 tasks per case.
ITEMS = ["hr.qualification", "social.pensionTransfer", "medical.deemedYears", "fund.seal",
         "hr.deemedYears", "social.insuranceTermination", "medical.transfer", "fund.extraction"]
PER_CASE = len(ITEMS)
AGENCIES = ["hr", "social", "medical", "fund"]
UNFINISHED = "status NOT IN ('succeeded', 'failed', 'dead', 'cancelled', 'abandoned')"


def log(message):
    print(f"[bench-drain] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# A tiny RESP client over one persistent socket: enough for XADD, XLEN, XPENDING.

class RespError(Exception):
    pass


class Redis:
    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")
        if u.password:
            self.call("AUTH", *([urllib.parse.unquote(u.username)] if u.username else []),
                      urllib.parse.unquote(u.password))
        db = (u.path or "/").lstrip("/")
        if db and db != "0":
            self.call("SELECT", db)

    @staticmethod
    def encode(args):
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        return b"".join(parts)

    def read(self):
        line = self.reader.readline()
        if not line:
            raise ConnectionError("Redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = self.reader.read(size + 2)
            return data[:-2].decode()
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self.read() for _ in range(size)]
        raise ConnectionError(f"unexpected RESP reply {line!r}")

    def send(self, *args):
        self.sock.sendall(self.encode(args))

    def call(self, *args):
        self.send(*args)
        reply = self.read()
        if isinstance(reply, RespError):
            raise reply
        return reply

    def pipeline(self, commands, batch=1000):
        """Sends the commands in pipelined batches; returns every reply (errors as RespError)."""
        replies = []
        for start in range(0, len(commands), batch):
            chunk = commands[start:start + batch]
            self.sock.sendall(b"".join(self.encode(c) for c in chunk))
            replies.extend(self.read() for _ in chunk)
        return replies


# ---------------------------------------------------------------------------------------------
# One persistent psql session (libpq does the connecting and authenticating).

class Psql:
    def __init__(self, url, schema):
        self.proc = subprocess.Popen(
            ["psql", url, "-X", "-q", "-t", "-A", "-F", "\t", "-v", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.count = 0
        self.query(f"SET search_path = {schema}")

    def query(self, sql):
        """Runs SQL (one or more statements); returns the rows of its output as lists of strings."""
        self.count += 1
        marker = f"__bench_drain_{self.count}__"
        self.proc.stdin.write(sql.strip().rstrip(";") + ";\n\\echo " + marker + "\n")
        self.proc.stdin.flush()
        rows = []
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line == marker:
                return rows
            if line:
                rows.append(line.split("\t"))
        raise RuntimeError("psql stopped (its error is above)")

    def value(self, sql):
        rows = self.query(sql)
        return rows[0][0] if rows and rows[0] else None

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


# ---------------------------------------------------------------------------------------------
# Seeding. Task i belongs to case i // 8 and does ITEMS[i % 8]; ids are md5-derived, so the same
# index always names the same task and case.

def task_id_sql(i):
    return f"md5('bench-drain-task-' || {i})::uuid"


def case_id_sql(n):
    return f"md5('bench-drain-case-' || {n})::uuid"


SEED_ACCOUNTS = """
INSERT INTO organisations (id, name, kind) VALUES ('bench-drain', 'bench-drain employer', 'employer');
INSERT INTO api_tokens (id, token_hash, role, name, organisation_id)
VALUES ('00000000-0000-4000-8000-00000000d4a1', sha256(convert_to('bench-drain', 'UTF8')), 'agent', 'bench-drain',
        'bench-drain');
"""


def seed_sql(first_task, count, age_s=0):
    """Cases, pre-qualifications, queued tasks and their `filed` events for tasks [first, first+count).

    `age_s` backdates the tasks as if they had been handed to Redis that long ago (the --lost run)."""
    last_task = first_task + count - 1
    first_case, last_case = first_task // PER_CASE, last_task // PER_CASE
    items = ", ".join(f"({k}, '{item}')" for k, item in enumerate(ITEMS))
    # Valid male resident IDs: region 220102, born 1955-01-01 + n/500 days, odd sequence, ISO 7064 check.
    return f"""
CREATE TEMP TABLE bench_people ON COMMIT DROP AS
SELECT n, first17 || substr('10X98765432',
         (SELECT sum(substr(first17, k, 1)::int * (ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[k])
            FROM generate_series(1, 17) k)::int % 11 + 1, 1) AS id_number,
       '退休人' || n AS name, birth
FROM (SELECT n, date '1955-01-01' + n / 500 AS birth,
             '220102' || to_char(date '1955-01-01' + n / 500, 'YYYYMMDD') || lpad((2 * (n % 500) + 1)::text, 3, '0')
               AS first17
      FROM generate_series({first_case}, {last_case}) n) p;
INSERT INTO prequalifications (id_number, name, category, organisation_id, passed, contribution_months,
                               deemed_months, medical_contribution_months, fund_centre)
SELECT id_number, name, 'male', 'bench-drain', true, 360, 24, 360, 'changchun' FROM bench_people;
INSERT INTO cases (id, seq, case_no, status, filed_at, filed_by, filed_by_token, organisation_id,
                   retiree_id_number, retiree_name, sex, birth_date, category, retirement_date, pension_benefit,
                   medical_transfer, housing_fund_action, fund_centre, bank_name, bank_account_number,
                   bank_holder_name, real_name_required, updated_at)
SELECT {case_id_sql('n')}, seq,
       'RT' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(seq::text, 8, '0'),
       'inProgress', now(), 'agent', '00000000-0000-4000-8000-00000000d4a1', 'bench-drain',
       id_number, name, 'male', birth, 'male', (birth + interval '60 years')::date, true, true,
       'sealAndExtract', 'changchun', '中国工商银行', '6222020200112233445', name, false, now()
FROM (SELECT *, nextval('case_numbers') AS seq FROM bench_people ORDER BY n) s;
WITH inserted AS (
  INSERT INTO tasks (id, case_id, item, agency, status, attempt, ready_at, due_by, updated_at, case_seq,
                     retiree_id_number)
  SELECT {task_id_sql('i')}, c.id, it.item, split_part(it.item, '.', 1),
         'queued', 0, now() - {age_s} * interval '1 second', now() + interval '7 days',
         now() - {age_s} * interval '1 second', c.seq, c.retiree_id_number
  FROM generate_series({first_task}, {last_task}) i JOIN (VALUES {items}) it(k, item) ON it.k = i % {PER_CASE}
  JOIN cases c ON c.id = {case_id_sql(f'i / {PER_CASE}')}
  RETURNING id, case_id, item)
INSERT INTO events (case_id, task_id, item, at, from_status, to_status, attempt, actor, detail)
SELECT case_id, id, item, now(), NULL, 'queued', 0, 'agent:bench-drain', 'filed' FROM inserted;
"""


def seed(db, first_task, count, age_s=0):
    db.query("BEGIN;\n" + seed_sql(first_task, count, age_s) + "\nCOMMIT")
    db.query("ANALYZE prequalifications, cases, tasks, events")  # this schema's tables only
    rows = db.query(f"""SELECT t.id::text, t.agency, t.attempt FROM generate_series({first_task}, {first_task + count - 1}) i
                        JOIN tasks t ON t.id = {task_id_sql('i')} WHERE t.status = 'queued' ORDER BY i""")
    if len(rows) != count:
        raise RuntimeError(f"seeded {len(rows)} queued tasks, expected {count}")
    return [(task, agency, int(attempt)) for task, agency, attempt in rows]


def xadd(prefix, task, agency, attempt):
    return ["XADD", f"{prefix}:{{{agency}}}:stream", "*", "task", task, "attempt", attempt]


def stream_lengths(redis, prefix):
    return {a: redis.call("XLEN", f"{prefix}:{{{a}}}:stream") for a in AGENCIES}


def entries_added(redis, prefix):
    """Every entry ever added to the streams (XINFO STREAM's entries-added: trimming does not lower it)."""
    total = 0
    for a in AGENCIES:
        try:
            info = redis.call("XINFO", "STREAM", f"{prefix}:{{{a}}}:stream")
        except RespError:  # no stream yet
            continue
        total += dict(zip(info[::2], info[1::2]))["entries-added"]
    return total


def used_memory(redis):
    text = redis.call("INFO", "memory")
    return int(next(l.split(":", 1)[1] for l in text.splitlines() if l.startswith("used_memory:")))


def pending_per_stream(redis, prefix):
    result = {}
    for a in AGENCIES:
        try:
            result[a] = redis.call("XPENDING", f"{prefix}:{{{a}}}:stream", "workers")[0]
        except RespError:
            result[a] = 0
    return result


def pending_messages(redis, prefix):
    total = 0
    for a in AGENCIES:
        try:
            total += redis.call("XPENDING", f"{prefix}:{{{a}}}:stream", "workers")[0]
        except RespError:  # no group yet
            pass
    return total


# ---------------------------------------------------------------------------------------------
# Worker processes.

def port_free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def start_workers(args):
    procs = []
    for w in range(args.workers):
        port = args.metrics_port + w
        logfile = open(os.path.join(args.log_dir, f"worker-{w}.log"), "wb")
        proc = subprocess.Popen(
            [args.bin, "run", "--database-schema", args.schema, "--key-prefix", args.prefix,
             "--agencies", ",".join(AGENCIES), "--concurrency", str(args.concurrency),
             "--batch-size", str(args.batch_size),
             "--metrics-port", str(port), "--log-level", "warning"],
            stdout=logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        logfile.close()
        procs.append(proc)
        if args.pid_file:
            with open(args.pid_file, "a") as f:
                f.write(f"{proc.pid}\n")
    return procs


def proc_status(pid):
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
    except OSError:
        pass
    return fields


def kib_to_mib(text):
    return round(int(text.split()[0]) / 1024, 1) if text else None


def stop_workers(procs, deadline_s):
    """SIGTERM to all, then wait up to the deadline; SIGKILL only those still running."""
    results = []
    started = time.monotonic()
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        killed = False
        try:
            p.wait(timeout=max(0.0, deadline_s - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            killed = True
        results.append({"pid": p.pid, "exitCode": p.returncode, "killed": killed,
                        "stopSeconds": round(time.monotonic() - started, 2)})
    return results


def worker_logs(log_dir, workers):
    lines = []
    for w in range(workers):
        path = os.path.join(log_dir, f"worker-{w}.log")
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                lines += [f"worker-{w}: {line.rstrip()}" for line in f if line.strip()]
    return lines


# ---------------------------------------------------------------------------------------------
# The measurements.

def wait_until_finished(db, procs, scope, total, deadline_s, poll_s=0.15, label="drain"):
    """Polls until no task in `scope` (a query of task ids, or None for every task) is unfinished;
    returns (finished, wall s, succeeded). The end of a drain is read from the events afterwards, so
    the polling interval does not change the measured rate, only how soon the script notices."""
    started = time.monotonic()
    last_report = started
    where = f"WHERE id IN ({scope})" if scope else ""
    while True:
        pending, succeeded = db.query(
            f"SELECT count(*) FILTER (WHERE {UNFINISHED}), count(*) FILTER (WHERE status = 'succeeded') "
            f"FROM tasks {where}")[0]
        pending, succeeded = int(pending), int(succeeded)
        now = time.monotonic()
        if pending == 0:
            return True, now - started, succeeded
        dead = [p.pid for p in procs if p.poll() is not None]
        if dead:
            log(f"{label}: worker process(es) {dead} exited during the run")
            return False, now - started, succeeded
        if now - started > deadline_s:
            log(f"{label}: deadline of {deadline_s} s passed with {pending} tasks unfinished")
            return False, now - started, succeeded
        if now - last_report >= 5:
            log(f"{label}: {succeeded}/{total} succeeded after {now - started:.0f} s")
            last_report = now
        time.sleep(poll_s)


def nearest_rank(sorted_values, q):
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def check(invariants, name, ok, detail):
    invariants.append({"name": name, "ok": bool(ok), "detail": detail})
    log(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")


def verify(db, scope, expected, invariants, label):
    """The invariants over the tasks in `scope` (a query of task ids; `expected` of them)."""
    statuses = dict((s, int(c)) for s, c in db.query(
        f"SELECT status, count(*) FROM tasks WHERE id IN ({scope}) GROUP BY status ORDER BY status"))
    succeeded = statuses.get("succeeded", 0)
    check(invariants, f"{label}: every task succeeded", succeeded == expected and sum(statuses.values()) == expected,
          f"{succeeded} of {expected} succeeded; statuses {statuses}")
    events, distinct, missing = map(int, db.query(f"""
        SELECT count(e.task_id), count(DISTINCT e.task_id),
               (SELECT count(*) FROM tasks t WHERE t.id IN ({scope}) AND NOT EXISTS
                  (SELECT 1 FROM events x WHERE x.task_id = t.id AND x.to_status = 'succeeded'))
        FROM events e WHERE e.to_status = 'succeeded' AND e.task_id IN ({scope})
        """)[0])
    check(invariants, f"{label}: exactly one succeeded event per task",
          events == expected and distinct == expected and missing == 0,
          f"{events} succeeded events for {distinct} tasks; {missing} tasks without one")
    rows, doubled, extra, calls = db.query(f"""
        SELECT count(*), count(*) FILTER (WHERE l.calls <> 1),
               count(*) FILTER (WHERE t.id IS NULL OR t.item <> l.item), coalesce(sum(l.calls), 0)
        FROM simulator_ledger l LEFT JOIN tasks t ON t.id::text = l.idempotency_key
        """)[0]
    rows, doubled, extra, calls = int(rows), int(doubled), int(extra), int(calls)
    total = int(db.value("SELECT count(*) FROM tasks"))
    check(invariants, f"{label}: ledger has one row per task, calls = 1 (none lost, none doubled)",
          rows == total and doubled == 0 and extra == 0 and calls == total,
          f"{rows} ledger rows for {total} tasks; {doubled} rows with calls <> 1; {extra} rows matching no task; "
          f"{calls} calls")
    cases = dict((s, int(c)) for s, c in db.query(
        f"SELECT c.status, count(*) FROM cases c WHERE c.id IN (SELECT case_id FROM tasks WHERE id IN ({scope})) "
        "GROUP BY c.status"))
    check(invariants, f"{label}: every case completed", set(cases) == {"completed"}, f"case statuses {cases}")


def run(args):
    db = Psql(os.environ["DATABASE_URL"], args.schema)
    redis = Redis(os.environ["REDIS_URL"])
    result = {"tasks": args.tasks, "workers": args.workers, "concurrency": args.concurrency,
              "batchSize": args.batch_size,
              "latencyTasks": args.latency_tasks, "invariants": []}
    invariants = result["invariants"]
    procs = []
    try:
        busy = [args.metrics_port + w for w in range(args.workers) if not port_free(args.metrics_port + w)]
        if busy:
            raise RuntimeError(f"metrics port(s) {busy} already in use; set METRICS_PORT")

        # 1. Seed and publish the whole backlog before any worker runs.
        t = time.monotonic()
        result["redisUsedMemoryBefore"] = used_memory(redis)
        db.query(SEED_ACCOUNTS)
        published = 0.0
        if args.lost:
            # As after a FLUSHALL: PostgreSQL says every task became ready two minutes ago (and was
            # handed to Redis then), and Redis has none of them. Only the reconciler brings them back.
            seed(db, 0, args.tasks, age_s=120)
            result["lost"] = True
        else:
            # In chunks, each published right after its commit, as filing does: a task's ready time
            # and its stream entry's time stay seconds apart, so the reconciler sees healthy backlog.
            chunk = 50_000  # a multiple of PER_CASE
            for first in range(0, args.tasks, chunk):
                backlog = seed(db, first, min(chunk, args.tasks - first))
                t_publish = time.monotonic()
                replies = redis.pipeline([xadd(args.prefix, *task) for task in backlog])
                bad = [r for r in replies if not isinstance(r, str)]
                if bad:
                    raise RuntimeError(f"{len(bad)} XADDs failed, e.g. {bad[0]!r}")
                published += time.monotonic() - t_publish
        result["publishSeconds"] = round(published, 2)
        result["seedSeconds"] = round(time.monotonic() - t - published, 2)
        lengths = stream_lengths(redis, args.prefix)
        log(f"seeded {args.tasks} tasks in {result['seedSeconds']} s, published in {result['publishSeconds']} s: "
            f"{lengths}")

        # 2. Drain: launch the workers, wait until nothing is left.
        launched = time.time()
        procs = start_workers(args)
        # Only the backlog exists yet, so every task is in scope. Polled once a second: a scan of the
        # task table at the drain's own pace would take PostgreSQL time from the workers.
        if args.lost:
            recovered_at = None
            deadline = time.monotonic() + args.deadline
            while time.monotonic() < deadline:
                # Nothing else publishes in this run: every entry the streams ever took is a republish.
                if entries_added(redis, args.prefix) >= args.tasks:
                    recovered_at = time.time()
                    break
                time.sleep(0.2)
            if recovered_at:
                seconds = recovered_at - launched
                result["recovery"] = {"seconds": round(seconds, 2), "tasksPerSecond": round(args.tasks / seconds, 1),
                                      "basis": "wall clock from the first worker's launch until the streams had taken one "
                                               "entry per lost task (XINFO entries-added), polled every 0.2 s"}
                log(f"the reconciler republished {args.tasks} lost tasks in {seconds:.1f} s "
                    f"({result['recovery']['tasksPerSecond']} tasks/s)")
            check(invariants, "every lost task republished by the reconciler", recovered_at is not None,
                  f"{args.tasks} tasks, deadline {args.deadline} s")
        finished, wall, _ = wait_until_finished(db, procs, None, args.tasks, args.deadline, poll_s=1.0)
        first_claim, last_success = db.query(
            "SELECT extract(epoch FROM min(at) FILTER (WHERE to_status = 'running')), "
            "extract(epoch FROM max(at) FILTER (WHERE to_status = 'succeeded')) FROM events")[0]
        result["drain"] = {"finished": finished, "wallSeconds": round(wall, 2)}
        if finished and last_success:
            seconds = float(last_success) - launched
            steady = float(last_success) - float(first_claim)
            result["drain"].update({
                "seconds": round(seconds, 3),
                "tasksPerSecond": round(args.tasks / seconds, 1),
                "rateBasis": "tasks / (max `at` of succeeded events - wall clock just before the first worker was launched)",
                "firstClaimAfterLaunchSeconds": round(float(first_claim) - launched, 3),
                "steadyTasksPerSecond": round(args.tasks / steady, 1) if steady > 0 else None,
            })
            log(f"drained {args.tasks} tasks: {result['drain']['tasksPerSecond']} tasks/s over {seconds:.2f} s")

        # 3. Invariants over the backlog.
        check(invariants, "drain finished before the deadline and no worker died", finished,
              f"wall {wall:.1f} s, deadline {args.deadline} s")
        if finished:
            verify(db, "SELECT id FROM tasks", args.tasks, invariants, "backlog")
        claims, reclaimed = map(int, db.query(
            "SELECT count(*) FILTER (WHERE to_status = 'running'), "
            "(SELECT count(*) FROM tasks WHERE attempt > 1) FROM events")[0])
        result["claimEvents"] = claims
        result["tasksClaimedMoreThanOnce"] = reclaimed
        # Messages beyond those published: the reconciler republishes tasks still queued after 60 s.
        result["extraStreamMessages"] = entries_added(redis, args.prefix) - (0 if args.lost else args.tasks)

        # 4. Pickup latency on the idle queue, one task at a time.
        if finished and args.latency_tasks > 0:
            time.sleep(1.0)  # let every slot go back to its blocking read
            first = math.ceil(args.tasks / PER_CASE) * PER_CASE  # fresh cases
            extra = seed(db, first, args.latency_tasks)
            sent = {}
            for task, agency, attempt in extra:
                command = Redis.encode(xadd(args.prefix, task, agency, attempt))
                t0 = time.time()
                redis.sock.sendall(command)
                reply = redis.read()
                if not isinstance(reply, str):
                    raise RuntimeError(f"XADD failed: {reply!r}")
                sent[task] = t0
                time.sleep(max(0.0, t0 + args.pace_ms / 1000 - time.time()))
            scope = f"SELECT {task_id_sql('i')} FROM generate_series({first}, {first + args.latency_tasks - 1}) i"
            done, _, _ = wait_until_finished(db, procs, scope, args.latency_tasks, 60, label="latency")
            check(invariants, "latency tasks finished and no worker died", done, f"{args.latency_tasks} tasks")
            claims = dict(db.query(f"""SELECT e.task_id::text, extract(epoch FROM min(e.at)) FROM events e
                                      WHERE e.to_status = 'running' AND e.task_id IN ({scope})
                                      GROUP BY e.task_id"""))
            delays = sorted((float(claims[t]) - t0) * 1000 for t, t0 in sent.items() if t in claims)
            if delays:
                result["pickupMs"] = {"n": len(delays), "p50": round(nearest_rank(delays, 0.50), 2),
                                      "p99": round(nearest_rank(delays, 0.99), 2), "max": round(delays[-1], 2),
                                      "min": round(delays[0], 2), "paceMs": args.pace_ms,
                                      "basis": "claim event `at` - wall clock just before sending XADD"}
                log(f"pickup latency over {len(delays)} tasks: p50 {result['pickupMs']['p50']} ms, "
                    f"p99 {result['pickupMs']['p99']} ms, max {result['pickupMs']['max']} ms")
            if done:
                verify(db, scope, args.latency_tasks, invariants, "idle pickups")

        # 5. Bounded streams: the janitor (every 10 s in each worker) trims what was acknowledged.
        if finished:
            t = time.monotonic()
            trimmed = False
            while time.monotonic() - t < 90:
                lengths, pending = stream_lengths(redis, args.prefix), pending_per_stream(redis, args.prefix)
                if all(lengths[a] == pending[a] for a in AGENCIES):
                    trimmed = True
                    break
                time.sleep(0.5)
            result["streamsAfterDrain"] = {"entries": lengths, "pending": pending,
                                           "trimmedWithinSeconds": round(time.monotonic() - t, 1)}
            result["redisUsedMemoryAfter"] = used_memory(redis)
            grown = result["redisUsedMemoryAfter"] - result["redisUsedMemoryBefore"]
            result["redisUsedMemoryGrowthMiB"] = round(grown / 1048576, 2)
            check(invariants, "after the drain the streams hold only unacknowledged entries", trimmed,
                  f"entries {lengths}, pending {pending}")
            check(invariants, "Redis used_memory back within 8 MiB of where it started", grown < 8 * 1048576,
                  f"{result['redisUsedMemoryBefore']} -> {result['redisUsedMemoryAfter']} bytes "
                  f"({result['redisUsedMemoryGrowthMiB']} MiB)")

        # 6. Peak RSS, then stop.
        result["pendingMessagesAtEnd"] = pending_messages(redis, args.prefix)
        result["workerPeakRssMiB"] = [kib_to_mib(proc_status(p.pid).get("VmHWM")) for p in procs]
        result["workerRssMiB"] = [kib_to_mib(proc_status(p.pid).get("VmRSS")) for p in procs]
        result["stop"] = stop_workers(procs, args.stop_deadline)
        check(invariants, "workers stopped on SIGTERM within the deadline",
              all(not s["killed"] for s in result["stop"]), f"{result['stop']}")
    finally:
        if procs and any(p.poll() is None for p in procs):
            stop_workers(procs, args.stop_deadline)
        logs = worker_logs(args.log_dir, args.workers)
        result["workerLogLines"] = len(logs)
        result["workerLogSample"] = logs[:15]
        with open(args.out, "w") as f:
            json.dump(result, f)
        db.close()
    return 0 if all(i["ok"] for i in invariants) else 1


# ---------------------------------------------------------------------------------------------

def report(args):
    with open(args.result) as f:
        r = json.load(f)
    pg = json.load(open(args.pgbench)) if args.pgbench else {}
    machine = json.load(open(args.machine)) if args.machine else {}
    drain = r.get("drain", {})
    rate = drain.get("tasksPerSecond")
    if rate and pg.get("tps"):
        pg["ratio"] = round(rate / pg["tps"], 4)
    rows = [
        ("machine", f"{machine.get('nproc')} CPUs, {machine.get('cpuModel')}"),
        ("PostgreSQL", f"{machine.get('postgres')}; fsync={machine.get('fsync')}, "
                       f"synchronous_commit={machine.get('synchronousCommit')}"),
        ("Redis", f"appendonly={machine.get('redisAppendonly')}, appendfsync={machine.get('redisAppendfsync')}"),
        ("backlog", f"{r['tasks']} tasks ({PER_CASE} per case), {r['workers']} workers x 4 agencies x "
                    f"{r['concurrency']} slots, batches of {r.get('batchSize')}; seeded {r.get('seedSeconds')} s, published {r.get('publishSeconds')} s"),
    ]
    if rate:
        rows += [
            ("drain", f"{drain['seconds']} s from launch to last success (polled wall {drain['wallSeconds']} s)"),
            ("engine throughput", f"{rate} tasks/s (basis: {drain['rateBasis']})"),
            ("  after first claim", f"{drain['steadyTasksPerSecond']} tasks/s "
                                    f"(first claim {drain['firstClaimAfterLaunchSeconds']} s after launch)")]
    else:
        rows.append(("drain", f"NOT FINISHED (gave up after {drain.get('wallSeconds')} s)"))
    rows += [
        ("claims", f"{r.get('claimEvents')} claim events; {r.get('tasksClaimedMoreThanOnce')} tasks claimed more "
                   f"than once; {r.get('extraStreamMessages')} stream messages beyond those published; "
                   f"{r.get('pendingMessagesAtEnd')} unacknowledged at the end"),
    ]
    if r.get("recovery"):
        rows.append(("reconciler recovery", f"{r['recovery']['tasksPerSecond']} tasks/s: {r['tasks']} lost tasks "
                                            f"republished in {r['recovery']['seconds']} s ({r['recovery']['basis']})"))
    if "redisUsedMemoryAfter" in r:
        streams = r.get("streamsAfterDrain", {})
        rows.append(("Redis after the drain", f"used_memory {r['redisUsedMemoryBefore']} -> {r['redisUsedMemoryAfter']} bytes "
                                              f"({r['redisUsedMemoryGrowthMiB']:+} MiB); stream entries {streams.get('entries')}, "
                                              f"pending {streams.get('pending')}, trimmed within "
                                              f"{streams.get('trimmedWithinSeconds')} s"))
    p = r.get("pickupMs")
    if p:
        rows.append(("idle pickup latency", f"p50 {p['p50']} ms, p99 {p['p99']} ms, max {p['max']} ms, min {p['min']} ms "
                                            f"(n={p['n']}, one XADD every {p['paceMs']} ms; {p['basis']})"))
    rows.append(("worker peak RSS", ", ".join(f"{m} MiB" for m in r.get("workerPeakRssMiB", [])) or "-"))
    rows.append(("worker stop", ", ".join(f"pid {s['pid']}: exit {s['exitCode']} in {s['stopSeconds']} s"
                                          + (" (SIGKILL)" if s["killed"] else "") for s in r.get("stop", [])) or "-"))
    if pg:
        rows.append(("pgbench", f"{pg.get('tps')} tps excluding connections ({pg.get('clients')} clients, "
                                f"{pg.get('threads')} threads, {pg.get('seconds')} s, {pg.get('transactions')} "
                                f"transactions, {pg.get('failed')} failed; 1 UPDATE + 1 INSERT per transaction)"))
        rows.append(("engine / pgbench", f"{pg.get('ratio')}"))
    rows.append(("worker log", f"{r.get('workerLogLines')} lines at level warning and above"))
    width = max(len(k) for k, _ in rows)
    print()
    for k, v in rows:
        print(f"  {k.ljust(width)}  {v}")
    print("\n  invariants:")
    for i in r["invariants"]:
        print(f"    {'ok  ' if i['ok'] else 'FAIL'} {i['name']}: {i['detail']}")
    for line in r.get("workerLogSample", []):
        print(f"    log  {line}")
    ok = bool(r["invariants"]) and all(i["ok"] for i in r["invariants"]) and (not args.pgbench or pg.get("ok"))
    summary = {"bench": "drain", "ok": ok, "tasks": r["tasks"], "workers": r["workers"],
               "concurrency": r["concurrency"], "drainSeconds": drain.get("seconds"), "tasksPerSecond": rate,
               "rateBasis": drain.get("rateBasis"), "steadyTasksPerSecond": drain.get("steadyTasksPerSecond"),
               "pickupMs": {k: p[k] for k in ("n", "min", "p50", "p99", "max")} if p else None,
               "workerPeakRssMiB": r.get("workerPeakRssMiB"), "pgbenchTps": pg.get("tps"),
               "enginePerPgbench": pg.get("ratio"),
               "invariants": {i["name"]: i["ok"] for i in r["invariants"]},
               "tasksClaimedMoreThanOnce": r.get("tasksClaimedMoreThanOnce"),
               "extraStreamMessages": r.get("extraStreamMessages"), "workerLogLines": r.get("workerLogLines"),
               "recovery": r.get("recovery"), "redisUsedMemoryBefore": r.get("redisUsedMemoryBefore"),
               "redisUsedMemoryAfter": r.get("redisUsedMemoryAfter"), "streamsAfterDrain": r.get("streamsAfterDrain"),
               "machine": machine}
    print()
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--bin", required=True)
    r.add_argument("--schema", required=True)
    r.add_argument("--prefix", required=True)
    r.add_argument("--tasks", type=int, default=20000)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--concurrency", type=int, default=64)
    r.add_argument("--batch-size", type=int, default=32)
    r.add_argument("--metrics-port", type=int, default=19190)
    r.add_argument("--latency-tasks", type=int, default=200)
    r.add_argument("--pace-ms", type=float, default=20)
    r.add_argument("--deadline", type=float, default=600)
    r.add_argument("--stop-deadline", type=float, default=30)
    r.add_argument("--log-dir", default=".")
    r.add_argument("--pid-file")
    r.add_argument("--lost", action="store_true",
                   help="publish nothing: the tasks are lost as after a FLUSHALL, and the reconciler must find them")
    r.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("--result", required=True)
    p.add_argument("--pgbench")
    p.add_argument("--machine")
    args = ap.parse_args()
    if args.command == "report":
        return report(args)
    # SIGTERM (the bash side's interrupt) unwinds through `run`'s finally, which stops the workers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return run(args)
    except Exception as error:  # reported, not hidden: the bash side exits non-zero
        log(f"error: {error}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
