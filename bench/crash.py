#!/usr/bin/env python3
"""The crash harness: the whole system under faults, then a check that nothing was lost or doubled.

It starts a PostgreSQL and a Redis of its own (scripts/services with a data folder and ports of
its own, loopback only), a `dashboard` and several `workers` whose built-in simulator fails a share
of calls with a transient fault, and files the cases through the API. While the work runs it kills
a random worker with SIGKILL every few seconds (and starts it again), flushes Redis once, restarts
Redis once and restarts PostgreSQL once. When every task has settled it checks, with SQL and the
simulator's effect ledger:

  - no task lost: every filed case has exactly the tasks its choices call for;
  - no task stuck: none is queued, running, retrying or otherwise unfinished;
  - every case in the state its data predicts: the pension payment waits, scheduled for the next
    unified payment day; too few medical-insurance months -> the medical transfer failed and the case
    needs action; otherwise every other task succeeded and the case is in progress;
  - no effect doubled: one ledger row per succeeded task, none for any other task, none orphaned;
  - events consistent with states: each task's last event is its state, a succeeded task has exactly
    one `succeeded` event, and each event starts where the one before it ended.

It prints the invariants and exits 1 on any breach (2 when the run itself could not be made).

With --topology the servers are a Redis Cluster (`cluster`), a Sentinel-managed Redis (`sentinel`)
or a PostgreSQL primary with a streaming standby (`standby`), on loopback (bench/topology.py); the
faults are then the worker SIGKILLs and, half way through, the topology's own: a Redis primary
killed (its replica promoted) or the PostgreSQL primary stopped and the standby promoted.

usage: crash.py --bin DIR [--topology standalone|cluster|sentinel|standby] [--cases N] [--workers N]
                [--kills N] [--kill-every S] [--failure-rate R] [--latency-ms MS] [--timeout S]
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from system import Servers, create_token, free_port, insert_prequalifications, resident_id, wait_ready
from topology import PostgresStandby, RedisCluster, RedisSentinel
UNFINISHED = ("blocked", "queued", "running", "retrying", "awaitingConditions", "awaitingRealName", "scheduled")
# The items a case filed with the pension, the medical transfer and the fund seal calls for.
ITEMS = ("hr.qualification", "hr.deemedYears", "social.pensionTransfer", "social.benefitApproval",
         "social.benefitPayment", "social.insuranceTermination", "medical.deemedYears", "medical.transfer", "fund.seal")
# Where a settled task of such a case may rest: only the payment waits (for the payment day).
SETTLED = "(status IN ('succeeded', 'failed', 'dead', 'cancelled', 'abandoned') OR (item = 'social.benefitPayment' AND status = 'scheduled'))"


def log(message):
    print(f"[crash {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Harness:
    def __init__(self, args):
        self.args = args
        self.servers = Servers("onething-crash-")
        self.data, self.logs = self.servers.data, self.servers.logs
        self.pg_port, self.redis_port = self.servers.pg_port, self.servers.redis_port
        self.topology = {"cluster": RedisCluster, "sentinel": RedisSentinel}.get(args.topology, lambda _: None)(self.data)
        if args.topology == "standby":
            self.topology = PostgresStandby(self.servers)
        if args.topology in ("cluster", "sentinel"):
            self.servers.redis_url = self.topology.url
        elif args.topology == "standby":
            self.servers.database_url = self.topology.url
        self.child_env = self.servers.child_env(SIMULATOR_FAILURE_RATE=args.failure_rate,
                                                SIMULATOR_LATENCY_MS=args.latency_ms, RECONCILE_AFTER_SECONDS=5,
                                                RETRY_BACKOFF_SCALE=args.backoff_scale, DEADLINE_SWEEP_SECONDS=5)
        self.dashboard = None
        self.dashboard_port = free_port()
        self.workers = []
        self.faults = []
        self.kills = 0
        self.lock = threading.Lock()

    # Servers -------------------------------------------------------------------------------------

    def services(self, command):
        self.servers.services(command)

    def psql(self, sql):
        return self.servers.psql(sql)

    def redis(self, *command):
        self.servers.redis(*command)

    def start_servers(self):
        if self.args.topology in ("cluster", "sentinel"):
            self.services("start-postgres")
        else:
            self.services("start")
        if self.topology:
            self.topology.start()
            log(f"topology: {self.topology.name}")

    # Processes -----------------------------------------------------------------------------------

    def start_dashboard(self):
        out = open(os.path.join(self.logs, "dashboard.log"), "ab")
        self.dashboard = subprocess.Popen([os.path.join(self.args.bin, "dashboard"), "serve", "--port",
                                           str(self.dashboard_port)], env=self.child_env, stdout=out, stderr=out)
        wait_ready(self.dashboard_port)

    def start_worker(self, index):
        out = open(os.path.join(self.logs, f"worker-{index}.log"), "ab")
        process = subprocess.Popen([os.path.join(self.args.bin, "workers"), "run", "--metrics-port", str(free_port()),
                                    "--lease", "5", "--visibility-timeout", "5", "--concurrency",
                                    str(self.args.concurrency), "--shutdown-grace", "5"],
                                   env=self.child_env, stdout=out, stderr=out)
        with self.lock:
            if index < len(self.workers):
                self.workers[index] = process
            else:
                self.workers.append(process)

    def stop_all(self):
        for process in self.workers + ([self.dashboard] if self.dashboard else []):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.workers + ([self.dashboard] if self.dashboard else []):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    # Filing --------------------------------------------------------------------------------------

    def token(self, *arguments):
        return create_token(self.args.bin, self.child_env, *arguments)

    def seed_prequalifications(self):
        """The human-resources feed, written directly: every fifth person lacks medical months."""
        insert_prequalifications(self.servers, range(self.args.cases), "crash-employer",
                                 medical_months=lambda i: 100 if i % 5 == 0 else 300)

    def file(self, agent, i):
        body = json.dumps({"retiree": {"name": f"张{i % 100}", "idNumber": resident_id(i)}, "pensionBenefit": True,
                           "medicalTransfer": True, "housingFund": {"action": "seal", "centre": "changchun"}}).encode()
        for attempt in range(60):
            request = urllib.request.Request(f"http://127.0.0.1:{self.dashboard_port}/api/v1/cases", data=body,
                                             method="POST", headers={"Authorization": f"Bearer {agent}",
                                                                     "Content-Type": "application/json",
                                                                     "Idempotency-Key": f"crash-{i}"})
            try:
                with urllib.request.urlopen(request, timeout=15) as response:
                    return json.load(response)["caseNo"]
            except urllib.error.HTTPError as error:
                if error.code < 500 and error.code != 429:
                    raise RuntimeError(f"filing {i}: {error.code} {error.read()[:200]!r}")
            except (urllib.error.URLError, OSError):
                pass
            # PostgreSQL or Redis is restarting: the same idempotency key makes the retry safe.
            time.sleep(0.5)
        raise RuntimeError(f"filing {i} never succeeded")

    # Faults --------------------------------------------------------------------------------------

    def kill_one(self, every):
        """After about `every` seconds, SIGKILL a random worker and start it again."""
        time.sleep(every * random.uniform(0.7, 1.3))
        index = random.randrange(len(self.workers))
        victim = self.workers[index]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.kills += 1
        self.start_worker(index)

    def chaos(self, stop):
        if self.topology:
            return self.topology_chaos(stop)
        kills, every = self.args.kills, self.args.kill_every
        flush_at, redis_at, postgres_at = max(1, kills // 4), max(2, kills // 2), max(3, 3 * kills // 4)
        while self.kills < kills and not stop.is_set():
            self.kill_one(every)
            if self.kills == flush_at:
                self.redis("FLUSHALL")
                self.faults.append(f"FLUSHALL after kill {self.kills}")
                log("Redis flushed")
            if self.kills == redis_at:
                self.services("stop-redis")
                time.sleep(1)
                self.services("start-redis")
                self.faults.append(f"Redis restarted after kill {self.kills}")
                log("Redis restarted")
            if self.kills == postgres_at:
                self.services("stop-postgres")
                time.sleep(1)
                self.services("start-postgres")
                self.faults.append(f"PostgreSQL restarted after kill {self.kills}")
                log("PostgreSQL restarted")
        log(f"{self.kills} workers killed with SIGKILL and restarted")

    def topology_chaos(self, stop):
        """Worker SIGKILLs, and the topology's fault half way through them."""
        kills, every = self.args.kills, self.args.kill_every
        fault_at = max(1, kills // 2)
        while self.kills < kills and not stop.is_set():
            self.kill_one(every)
            if self.kills == fault_at:
                self.faults.append(self.topology.fault() + f" after kill {self.kills}")
        log(f"{self.kills} workers killed with SIGKILL and restarted")

    def unfinished(self):
        return int(self.psql(f"SELECT count(*) FROM tasks WHERE NOT {SETTLED}")[0][0])

    # The run -------------------------------------------------------------------------------------

    def run(self):
        started = time.time()
        self.start_servers()
        log(f"PostgreSQL {self.servers.database_url}, Redis {self.servers.redis_url}, data in {self.data}")
        subprocess.run([os.path.join(self.args.bin, "dashboard"), "migrate", "--log-level", "warning"],
                       env=self.child_env, check=True, stdout=subprocess.DEVNULL)
        agent = self.token("--role", "agent", "--name", "crash-agent", "--organisation", "crash-employer")
        self.seed_prequalifications()
        self.start_dashboard()
        for index in range(self.args.workers):
            self.start_worker(index)
        stop = threading.Event()
        chaos = threading.Thread(target=self.chaos, args=(stop,))
        chaos.start()
        log(f"filing {self.args.cases} cases through the API while the faults run")
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda i: self.file(agent, i), range(self.args.cases)))
        filed_at = time.time()
        tasks = int(self.psql("SELECT count(*) FROM tasks")[0][0])
        log(f"filed {self.args.cases} cases ({tasks} tasks) in {filed_at - started:.0f} s")
        chaos.join()
        deadline = time.time() + self.args.timeout
        remaining = self.unfinished()
        while remaining > 0 and time.time() < deadline:
            time.sleep(1)
            try:
                remaining = self.unfinished()
            except RuntimeError:
                remaining = -1
        settled = time.time()
        log(f"settled {settled - started:.0f} s after the start ({remaining} unfinished)")
        self.stop_all()
        status = self.check(tasks, settled - started)
        if not self.args.self_test:
            return status
        # The checks must be able to fail: break one thing of each kind and expect each to be seen.
        log("self-test: breaking the data on purpose; every invariant below must now FAIL")
        self.psql("""
            DELETE FROM tasks WHERE id = (SELECT id FROM tasks WHERE item = 'social.benefitPayment' LIMIT 1);
            UPDATE tasks SET status = 'running' WHERE id = (SELECT id FROM tasks WHERE item = 'hr.qualification' LIMIT 1);
            UPDATE cases SET status = 'completed' WHERE id = (SELECT id FROM cases ORDER BY seq DESC LIMIT 1);
            DELETE FROM simulator_ledger WHERE idempotency_key = (SELECT id::text FROM tasks
                WHERE item = 'fund.seal' AND status = 'succeeded' LIMIT 1);
            DELETE FROM events WHERE id = (SELECT max(e.id) FROM events e JOIN tasks t ON t.id = e.task_id
                WHERE t.item = 'medical.deemedYears' AND t.status = 'succeeded');
        """)
        self.check(tasks, settled - started)
        expected = {"no task lost", "no task stuck", "every case in the state its data predicts", "no effect doubled",
                    "events consistent with states"}
        missed = expected - self.failed_invariants
        print(f"\nself-test: {'every break was seen' if not missed else 'NOT SEEN: ' + ', '.join(sorted(missed))}")
        return 0 if status == 0 and not missed else 1

    # The invariants ------------------------------------------------------------------------------

    def check(self, tasks, duration):
        q = lambda sql: int(self.psql(sql)[0][0])
        results = []

        def invariant(name, breaches, detail=""):
            results.append((name, breaches, detail))

        expected_items = set(ITEMS)
        per_case = len(expected_items)
        cases = q("SELECT count(*) FROM cases")
        invariant("every case filed once", abs(cases - self.args.cases) + q(
            "SELECT count(*) FROM (SELECT retiree_id_number FROM cases GROUP BY 1 HAVING count(*) > 1) d"),
            f"{cases} cases for {self.args.cases} filings")
        items = ",".join(f"'{i}'" for i in sorted(expected_items))
        invariant("no task lost", q(f"""
            SELECT count(*) FROM cases c WHERE (SELECT count(*) FROM tasks t WHERE t.case_id = c.id
                AND t.item IN ({items})) <> {per_case}
               OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.item NOT IN ({items}))"""),
                  f"{tasks} tasks, {per_case} per case")
        invariant("no task stuck", q(f"""
            SELECT count(*) FROM tasks WHERE NOT {SETTLED}
               OR (status = 'scheduled' AND (next_attempt_at IS NULL OR next_attempt_at < now()))"""),
                  "none running or waiting but the payments, each scheduled for the payment day")
        invariant("every case in the state its data predicts", q("""
            SELECT count(*) FROM cases c JOIN prequalifications p ON p.id_number = c.retiree_id_number
            WHERE c.status <> CASE WHEN p.medical_contribution_months < 300 THEN 'actionRequired' ELSE 'inProgress' END
               OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.status <> CASE
                      WHEN t.item = 'social.benefitPayment' THEN 'scheduled'
                      WHEN t.item = 'medical.transfer' AND p.medical_contribution_months < 300 THEN 'failed'
                      ELSE 'succeeded' END)"""),
                  f"{q(chr(32).join(['SELECT count(*) FROM cases WHERE status =', chr(39) + 'inProgress' + chr(39)]))} "
                  f"waiting for the payment day, "
                  f"{q(chr(32).join(['SELECT count(*) FROM cases WHERE status =', chr(39) + 'actionRequired' + chr(39)]))} "
                  "needing action (medical transfer failed)")
        invariant("no effect doubled", q("""
            SELECT count(*) FROM tasks t FULL JOIN simulator_ledger l ON l.idempotency_key::uuid = t.id
            WHERE (t.status = 'succeeded') IS DISTINCT FROM (l.idempotency_key IS NOT NULL)"""),
                  f"{q('SELECT count(*) FROM simulator_ledger')} effects; "
                  f"{q('SELECT coalesce(sum(calls - 1), 0) FROM simulator_ledger')} repeated calls answered from the ledger")
        invariant("events consistent with states", q("""
            WITH ordered AS (
                SELECT task_id, to_status, from_status,
                       lag(to_status) OVER (PARTITION BY task_id ORDER BY id) AS previous,
                       row_number() OVER (PARTITION BY task_id ORDER BY id DESC) AS from_end
                FROM events WHERE task_id IS NOT NULL)
            SELECT (SELECT count(*) FROM ordered o JOIN tasks t ON t.id = o.task_id WHERE o.from_end = 1 AND o.to_status <> t.status)
                 + (SELECT count(*) FROM ordered WHERE previous IS NOT NULL AND from_status IS DISTINCT FROM previous)
                 + (SELECT count(*) FROM tasks t LEFT JOIN (SELECT task_id, count(*) AS n FROM events
                       WHERE to_status = 'succeeded' GROUP BY task_id) s ON s.task_id = t.id
                    WHERE (t.status = 'succeeded' AND coalesce(s.n, 0) <> 1) OR (t.status <> 'succeeded' AND s.n IS NOT NULL))"""),
                  f"{q('SELECT count(*) FROM events')} events")

        retries = q("SELECT count(*) FROM events WHERE to_status = 'retrying'")
        takeovers = q("SELECT count(*) FROM events WHERE actor = 'system:lease'")
        print()
        print(f"crash harness: {self.args.cases} cases, {tasks} tasks, {self.args.workers} workers, "
              f"{self.args.failure_rate:.0%} transient faults, {self.kills} SIGKILLs; " + "; ".join(self.faults))
        print(f"{retries} retries after transient faults, {takeovers} lease expiries taken over; "
              f"settled in {duration:.0f} s")
        print()
        width = max(len(r[0]) for r in results)
        for name, breaches, detail in results:
            print(f"  {'PASS' if breaches == 0 else 'FAIL':<5} {name:<{width}}  {detail}"
                  + ("" if breaches == 0 else f"  ({breaches} breaches)"))
        failed = [r for r in results if r[1] != 0]
        self.failed_invariants = {r[0] for r in failed}
        enough = self.kills >= self.args.kills and len(self.faults) == (1 if self.topology else 3)
        if not enough:
            print(f"  FAIL  the faults did not all happen ({self.kills} kills, {self.faults})")
        return 0 if not failed and enough else 1

    def cleanup(self, keep):
        if self.topology:
            self.topology.nodes.stop_all() if hasattr(self.topology, "nodes") else self.topology.stop()
        if keep:
            try:
                self.services("stop")
            except subprocess.CalledProcessError:
                pass
            log(f"logs and data kept in {self.data}")
        else:
            self.servers.remove()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--topology", choices=["standalone", "cluster", "sentinel", "standby"], default="standalone")
    parser.add_argument("--cases", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--kill-every", type=float, default=2.0)
    parser.add_argument("--failure-rate", type=float, default=0.05)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--self-test", action="store_true",
                        help="after the run, break the data on purpose and check that every invariant sees it")
    parser.add_argument("--backoff-scale", type=float, default=0.1,
                        help="RETRY_BACKOFF_SCALE for the workers: retry waits this fraction of the policy's")
    args = parser.parse_args()
    harness = Harness(args)
    status = 2
    try:
        status = harness.run()
    except Exception as error:  # the run itself broke: say so, keep the logs
        log(f"the run could not be made: {error}")
        harness.stop_all()
    finally:
        harness.cleanup(keep=status != 0)
    sys.exit(status)


if __name__ == "__main__":
    main()
