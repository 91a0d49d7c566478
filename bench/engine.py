#!/usr/bin/env python3
"""The engine benchmark (scripts/bench runs it with the release build).

On a PostgreSQL and a Redis of its own (durable: fsync and synchronous_commit on, Redis AOF
everysec), with the built-in simulator answering at once:

  drain      N cases filed through the API while no worker runs (4 tasks each, released along
             their dependencies), then W worker processes started: tasks/s from their start to the
             last task settled, for W = 1 and W = 2; every task must succeed with one effect.
  pickup     the time from a task's message entering the stream to its claim, on an idle queue
             (one task every 20 ms, workers doing nothing else) and on a busy one (the same probes
             while cases are filed through the API as fast as 16 clients can and the workers run
             their tasks).
  delayed    the drain again with 2 workers while 1,000,000 tasks wait in the delayed sets (and in
             PostgreSQL as `retrying`, due in 2099): it should be within 10 % of the drain without.
  rss        the workers' peak resident memory (VmHWM).
  limits     in the same run on the same servers: pgbench running what a task costs PostgreSQL (a
             claim transaction and a completion transaction, each an UPDATE and an INSERT), and
             redis-benchmark XADD.

It prints a table and writes the figures as JSON. Exit 1 when an invariant failed, 2 on an error.

usage: engine.py --bin RELEASE_DIR [--cases N] [--delayed N] [--out FILE]
"""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

from drain import Psql, Redis
from system import Servers, create_token, free_port, insert_prequalifications, resident_id, vm_hwm_mib, wait_ready

AGENCIES = ["hr", "social", "medical", "fund"]
PROBE_BASE = 900_000  # people numbers used by the pickup probes


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]


class Bench:
    def __init__(self, args):
        self.args = args
        self.servers = Servers("onething-bench-")
        self.env = self.servers.child_env()
        self.dashboard_port = free_port()
        self.dashboard = None
        self.workers = []
        self.results = {}
        self.failures = []
        self.next_person = 0

    # The system ----------------------------------------------------------------------------------

    def start_dashboard(self):
        out = open(os.path.join(self.servers.logs, "dashboard.log"), "ab")
        self.dashboard = subprocess.Popen([os.path.join(self.args.bin, "dashboard"), "serve", "--port",
                                           str(self.dashboard_port)], env=self.env, stdout=out, stderr=out)
        wait_ready(self.dashboard_port)

    def start_workers(self, count):
        for index in range(count):
            out = open(os.path.join(self.servers.logs, f"worker-{len(self.workers)}.log"), "ab")
            self.workers.append(subprocess.Popen(
                [os.path.join(self.args.bin, "workers"), "run", "--metrics-port", str(free_port())],
                env=self.env, stdout=out, stderr=out))

    def stop_workers(self):
        peaks = [vm_hwm_mib(w.pid) for w in self.workers]
        for worker in self.workers:
            worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        self.workers = []
        return max((p for p in peaks if p is not None), default=None)

    def reset(self):
        """Empty tables and streams between measurements (the pre-qualifications stay)."""
        self.servers.psql("TRUNCATE tasks, events, simulator_ledger, queue_samples; DELETE FROM cases; VACUUM ANALYZE;")
        self.servers.redis("FLUSHALL")

    def people(self, count):
        first = self.next_person
        self.next_person += count
        insert_prequalifications(self.servers, range(first, first + count), "bench-employer")
        return range(first, first + count)

    def file(self, person):
        body = json.dumps({"retiree": {"name": f"张{person % 100}", "idNumber": resident_id(person)},
                           "pensionBenefit": False, "medicalTransfer": True,
                           "housingFund": {"action": "seal", "centre": "changchun"}}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.dashboard_port}/api/v1/cases", data=body,
                                         method="POST", headers={"Authorization": f"Bearer {self.agent}",
                                                                 "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 201:
                raise RuntimeError(f"filing answered {response.status}")

    def file_all(self, people):
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(self.file, people))

    def unsettled(self):
        """Whether any task is still on its way (one persistent session, an index probe: polling
        every 20 ms must not cost the servers what it measures)."""
        return self.db.value("SELECT EXISTS (SELECT 1 FROM tasks WHERE status IN ('blocked', 'queued', 'running'))") == "t"

    # Measurements --------------------------------------------------------------------------------

    def drain(self, workers, label):
        self.reset()
        people = self.people(self.args.cases)
        started = time.time()
        self.file_all(people)
        tasks = self.servers.value("SELECT count(*) FROM tasks")
        log(f"{label}: filed {self.args.cases} cases ({tasks} tasks) in {time.time() - started:.1f} s; "
            f"starting {workers} worker(s)")
        began = time.monotonic()
        self.start_workers(workers)
        deadline = began + 600
        while self.unsettled():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{label}: not drained within 600 s")
            time.sleep(0.02)
        elapsed = time.monotonic() - began
        self.check(label, tasks)
        rate = tasks / elapsed
        log(f"{label}: {tasks} tasks in {elapsed:.2f} s = {rate:,.0f} tasks/s")
        return {"tasks": tasks, "seconds": round(elapsed, 3), "tasksPerSecond": round(rate)}

    def check(self, label, tasks):
        bad = self.servers.value("""
            SELECT (SELECT count(*) FROM tasks WHERE status <> 'succeeded')
                 + (SELECT count(*) FROM tasks t WHERE NOT EXISTS
                      (SELECT 1 FROM simulator_ledger l WHERE l.idempotency_key = t.id::text))
                 + (SELECT count(*) FROM simulator_ledger WHERE calls <> 1)
                 + (SELECT count(*) FROM (SELECT task_id FROM events WHERE to_status = 'succeeded'
                      GROUP BY task_id HAVING count(*) <> 1) d)""")
        if bad:
            self.failures.append(f"{label}: {bad} tasks not succeeded exactly once with one effect")

    def probe_tasks(self, count):
        """Queued tasks made directly (one case each, the item a simulator answers at once) and not
        published: the probe publishes each itself and times it."""
        ids = []
        rows_cases, rows_tasks = [], []
        for person in self.people(count):
            case_id, task_id = uuid.uuid4(), uuid.uuid4()
            ids.append(str(task_id))
            rows_cases.append(f"('{case_id}', nextval('case_numbers'), 'RTPROBE' || currval('case_numbers'), "
                              f"'inProgress', now(), 'agent', '{self.agent_id}', 'bench-employer', "
                              f"'{resident_id(person)}', '张{person % 100}', 'male', '1960-01-01', 'male', "
                              f"'2020-01-01', false, false, 'seal', 'changchun', false, now(), '{task_id}')")
        self.servers.psql("""
            CREATE TEMP TABLE probe (id uuid, seq bigint, case_no text, status text, filed_at timestamptz,
                filed_by text, filed_by_token uuid, organisation_id text, retiree_id_number text, retiree_name text,
                sex text, birth_date date, category text, retirement_date date, pension_benefit boolean,
                medical_transfer boolean, housing_fund_action text, fund_centre text, real_name_required boolean,
                updated_at timestamptz, task_id uuid);
            INSERT INTO probe VALUES """ + ",".join(rows_cases) + """;
            INSERT INTO cases (id, seq, case_no, status, filed_at, filed_by, filed_by_token, organisation_id,
                retiree_id_number, retiree_name, sex, birth_date, category, retirement_date, pension_benefit,
                medical_transfer, housing_fund_action, fund_centre, real_name_required, updated_at)
            SELECT id, seq, case_no, status, filed_at, filed_by, filed_by_token, organisation_id, retiree_id_number,
                   retiree_name, sex, birth_date, category, retirement_date, pension_benefit, medical_transfer,
                   housing_fund_action, fund_centre, real_name_required, updated_at FROM probe;
            INSERT INTO tasks (id, case_id, item, agency, status, attempt, ready_at, due_by, updated_at, case_seq,
                               retiree_id_number)
            SELECT task_id, id, 'fund.seal', 'fund', 'queued', 0, now(), now() + interval '7 days', now(), seq,
                   retiree_id_number FROM probe;
        """)
        return ids

    def pickup(self, count, pace, label):
        """Publishes each probe task alone, `pace` seconds apart; returns claim minus publish times in ms."""
        ids = self.probe_tasks(count)
        sent = {}
        for task in ids:
            sent[task] = time.time()
            self.resp.call("XADD", "rot:{fund}:stream", "*", "task", task, "attempt", "0")
            time.sleep(pace)
        deadline = time.time() + 60
        placeholders = ",".join(f"'{t}'" for t in ids)
        while self.servers.value(f"SELECT count(*) FROM tasks WHERE id IN ({placeholders}) AND status <> 'succeeded'"):
            if time.time() > deadline:
                raise RuntimeError(f"{label}: probes not done within 60 s")
            time.sleep(0.05)
        rows = self.servers.psql(f"""
            SELECT task_id, extract(epoch FROM min(at)) FROM events
            WHERE task_id IN ({placeholders}) AND to_status = 'running' GROUP BY task_id""")
        latencies = [(float(at) - sent[task]) * 1000 for task, at in rows]
        result = {"probes": len(latencies), "p50Ms": round(statistics.median(latencies), 2),
                  "p99Ms": round(percentile(latencies, 0.99), 2)}
        log(f"pickup, {label}: p50 {result['p50Ms']} ms, p99 {result['p99Ms']} ms ({len(latencies)} probes)")
        return result

    def seed_delayed(self, count):
        """`count` tasks retrying in 2099: rows in PostgreSQL (10 per case) and members of the delayed sets."""
        log(f"seeding {count:,} delayed tasks")
        cases = count // 10
        self.servers.psql(f"""
            INSERT INTO cases (id, seq, case_no, status, filed_at, filed_by, filed_by_token, organisation_id,
                retiree_id_number, retiree_name, sex, birth_date, category, retirement_date, pension_benefit,
                medical_transfer, housing_fund_action, fund_centre, real_name_required, updated_at)
            SELECT gen_random_uuid(), s, 'RTDELAY' || s, 'inProgress', now(), 'agent', '{self.agent_id}', 'bench-employer',
                   'D' || lpad(s::text, 17, '0'), '延', 'male', '1960-01-01', 'male', '2020-01-01', true, true,
                   'sealAndExtract', 'changchun', false, now()
            FROM (SELECT nextval('case_numbers') AS s FROM generate_series(1, {cases})) n;
            INSERT INTO tasks (id, case_id, item, agency, status, attempt, transient_failures, ready_at, due_by,
                               next_attempt_at, updated_at, case_seq, dispatched_at, retiree_id_number)
            SELECT gen_random_uuid(), c.id, i.item, split_part(i.item, '.', 1), 'retrying', 1, 1, now(),
                   now() + interval '30 days', timestamptz '2099-01-01', now(), c.seq, now(), c.retiree_id_number
            FROM cases c CROSS JOIN (VALUES ('hr.qualification'), ('hr.deemedYears'), ('social.pensionTransfer'),
                ('social.benefitApproval'), ('social.benefitPayment'), ('social.insuranceTermination'),
                ('medical.deemedYears'), ('medical.transfer'), ('fund.seal'), ('fund.extraction')) AS i (item)
            WHERE c.case_no LIKE 'RTDELAY%';
            VACUUM ANALYZE cases; VACUUM ANALYZE tasks;
        """)
        # ZADD in batches through redis-cli --pipe: the member is "<task id>:<attempt>", as the workers write it.
        score = 4070908800000  # 2099-01-01 in ms
        rows = self.servers.psql("SELECT id, agency FROM tasks WHERE status = 'retrying'")
        commands = []
        for task, agency in rows:
            key = f"rot:{{{agency}}}:delayed"
            member = f"{task}:1"
            commands.append(f"*4\r\n$4\r\nZADD\r\n${len(key)}\r\n{key}\r\n${len(str(score))}\r\n{score}\r\n"
                            f"${len(member)}\r\n{member}\r\n")
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.servers.redis_port), "--pipe"],
                       input="".join(commands), text=True, check=True, capture_output=True)
        total = sum(int(self.servers.redis("ZCARD", f"rot:{{{a}}}:delayed")) for a in AGENCIES)
        log(f"{total:,} tasks wait in the delayed sets")
        return total

    def pgbench(self):
        """A task's PostgreSQL work in its simplest form: claim (UPDATE + INSERT) and complete (UPDATE +
        INSERT), two transactions, 16 clients, 15 s."""
        n = 100_000
        self.servers.psql(f"""
            DROP TABLE IF EXISTS bench_jobs, bench_job_events;
            CREATE TABLE bench_jobs (id int PRIMARY KEY, status text NOT NULL, attempt int NOT NULL,
                                     updated_at timestamptz NOT NULL);
            CREATE TABLE bench_job_events (job_id int NOT NULL, at timestamptz NOT NULL, to_status text);
            INSERT INTO bench_jobs SELECT g, 'queued', 0, now() FROM generate_series(1, {n}) g;
            VACUUM ANALYZE bench_jobs;""")
        script = os.path.join(self.servers.data, "claim-complete.sql")
        with open(script, "w") as out:
            out.write(f"""\\set id random(1, {n})
BEGIN;
UPDATE bench_jobs SET status = 'running', attempt = attempt + 1, updated_at = now() WHERE id = :id;
INSERT INTO bench_job_events VALUES (:id, now(), 'running');
COMMIT;
BEGIN;
UPDATE bench_jobs SET status = 'succeeded', updated_at = now() WHERE id = :id;
INSERT INTO bench_job_events VALUES (:id, now(), 'succeeded');
COMMIT;
""")
        out = subprocess.run(["pgbench", "-n", "-c", "16", "-j", "2", "-T", "15", "-f", script, self.servers.database_url],
                             capture_output=True, text=True, check=True).stdout
        tps = float(re.search(r"tps = ([0-9.]+)", out).group(1))
        log(f"pgbench claim + complete: {tps:,.0f} tasks/s (two transactions each)")
        return {"tasksPerSecond": round(tps), "transactionsPerSecond": round(2 * tps), "clients": 16, "seconds": 15}

    def redis_benchmark(self):
        figures = {}
        for pipeline in (1, 32):
            out = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(self.servers.redis_port), "-q",
                                  "-n", "300000", "-c", "16", "-P", str(pipeline), "XADD", "bench:stream", "*",
                                  "task", "00000000-0000-0000-0000-000000000000", "attempt", "1"],
                                 capture_output=True, text=True, check=True).stdout
            figures[f"pipeline{pipeline}"] = round(float(re.findall(r"([0-9.]+) requests per second", out)[-1]))
        self.servers.redis("DEL", "bench:stream")
        log(f"redis-benchmark XADD: {figures['pipeline1']:,}/s, pipelined by 32: {figures['pipeline32']:,}/s")
        return figures

    # The run -------------------------------------------------------------------------------------

    def run(self):
        self.servers.services("start")
        settings = self.servers.psql("SHOW fsync; SHOW synchronous_commit;")
        log(f"PostgreSQL fsync={settings[0][0]} synchronous_commit={settings[1][0]}; "
            f"Redis appendonly={self.servers.redis('CONFIG', 'GET', 'appendonly').splitlines()[-1]}")
        subprocess.run([os.path.join(self.args.bin, "dashboard"), "migrate", "--log-level", "warning"], env=self.env,
                       check=True, stdout=subprocess.DEVNULL)
        self.agent = create_token(self.args.bin, self.env, "--role", "agent", "--name", "bench-agent",
                                  "--organisation", "bench-employer")
        self.agent_id = self.servers.psql("SELECT id FROM api_tokens WHERE name = 'bench-agent'")[0][0]
        self.db = Psql(self.servers.database_url, "public")
        self.resp = Redis(self.servers.redis_url)
        self.start_dashboard()

        r = self.results
        r["drain1"] = self.drain(1, "1 worker")
        r["rss"] = {"oneWorkerPeakMiB": round(self.stop_workers(), 1)}
        r["drain2"] = self.drain(2, "2 workers")
        r["pickupIdle"] = self.pickup(200, 0.02, "idle queue")

        # Busy: the same probes while 16 clients file cases and the workers run their tasks.
        busy_people = self.people(self.args.busy_cases)
        filer = threading.Thread(target=self.file_all, args=(busy_people,))
        filer.start()
        time.sleep(1)
        r["pickupBusy"] = self.pickup(200, 0.02, "busy queue")
        r["pickupBusy"]["filingsDuringProbes"] = True
        filer.join()
        r["rss"]["twoWorkersPeakMiB"] = round(self.stop_workers(), 1)

        if self.args.delayed > 0:
            self.reset()
            waiting = self.seed_delayed(self.args.delayed)
            # drain() resets tables; keep the delayed rows by draining on top of them instead.
            r["drain2Delayed"] = self.drain_on_top(2, f"2 workers, {waiting:,} delayed")
            r["drain2Delayed"]["delayedWaiting"] = waiting
            still = sum(int(self.servers.redis("ZCARD", f"rot:{{{a}}}:delayed")) for a in AGENCIES)
            if still != waiting:
                self.failures.append(f"delayed sets changed during the drain: {waiting} -> {still}")
            self.stop_workers()
            ratio = r["drain2Delayed"]["tasksPerSecond"] / r["drain2"]["tasksPerSecond"]
            r["drain2Delayed"]["ratioToNone"] = round(ratio, 3)
            if ratio < 0.9:
                self.failures.append(f"ready throughput with {waiting:,} delayed tasks is {ratio:.0%} of without")

        r["pgbench"] = self.pgbench()
        r["redisBenchmark"] = self.redis_benchmark()
        r["ratioToPgbench"] = round(r["drain2"]["tasksPerSecond"] / r["pgbench"]["tasksPerSecond"], 2)

    def drain_on_top(self, workers, label):
        """The drain measurement without emptying the tables first (the delayed tasks stay)."""
        people = self.people(self.args.cases)
        self.file_all(people)
        tasks = self.servers.value("SELECT count(*) FROM tasks WHERE status <> 'retrying'")
        log(f"{label}: filed {self.args.cases} cases ({tasks} tasks); starting {workers} workers")
        began = time.monotonic()
        self.start_workers(workers)
        while self.unsettled():
            if time.monotonic() > began + 600:
                raise RuntimeError(f"{label}: not drained within 600 s")
            time.sleep(0.02)
        elapsed = time.monotonic() - began
        bad = self.servers.value("""
            SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id
            WHERE c.case_no NOT LIKE 'RTDELAY%' AND t.status <> 'succeeded'""")
        if bad:
            self.failures.append(f"{label}: {bad} tasks did not succeed")
        rate = tasks / elapsed
        log(f"{label}: {tasks} tasks in {elapsed:.2f} s = {rate:,.0f} tasks/s")
        return {"tasks": tasks, "seconds": round(elapsed, 3), "tasksPerSecond": round(rate)}

    def report(self):
        r = self.results
        rows = [
            ("drain, 1 worker process", f"{r['drain1']['tasksPerSecond']:,} tasks/s ({r['drain1']['tasks']:,} tasks, {r['drain1']['seconds']} s)"),
            ("drain, 2 worker processes", f"{r['drain2']['tasksPerSecond']:,} tasks/s ({r['drain2']['tasks']:,} tasks, {r['drain2']['seconds']} s)"),
        ]
        if "drain2Delayed" in r:
            d = r["drain2Delayed"]
            rows.append((f"drain, 2 workers, {d['delayedWaiting']:,} delayed", f"{d['tasksPerSecond']:,} tasks/s ({d['ratioToNone']:.0%} of without)"))
        rows += [
            ("pickup, idle queue", f"p50 {r['pickupIdle']['p50Ms']} ms, p99 {r['pickupIdle']['p99Ms']} ms"),
            ("pickup, busy queue", f"p50 {r['pickupBusy']['p50Ms']} ms, p99 {r['pickupBusy']['p99Ms']} ms"),
            ("worker peak RSS", f"{r['rss']['oneWorkerPeakMiB']} MiB (1 worker), {r['rss']['twoWorkersPeakMiB']} MiB (2)"),
            ("pgbench claim + complete, 16 clients", f"{r['pgbench']['tasksPerSecond']:,} tasks/s; the engine (2 workers) does {r['ratioToPgbench']}x"),
            ("redis-benchmark XADD, 16 clients", f"{r['redisBenchmark']['pipeline1']:,}/s; pipelined by 32: {r['redisBenchmark']['pipeline32']:,}/s"),
        ]
        width = max(len(a) for a, _ in rows)
        print()
        for a, b in rows:
            print(f"  {a:<{width}}  {b}")
        for failure in self.failures:
            print(f"  FAIL {failure}")
        machine = {"cores": os.cpu_count(), "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")}
        with open(self.args.out, "w") as out:
            json.dump({"machine": machine, "cases": self.args.cases, **r, "failures": self.failures}, out, indent=2)
        print(f"\n  figures in {self.args.out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--cases", type=int, default=4000)
    parser.add_argument("--busy-cases", type=int, default=3000)
    parser.add_argument("--delayed", type=int, default=1_000_000)
    parser.add_argument("--out", default="bench/results/engine.json")
    args = parser.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    bench = Bench(args)
    status = 2
    try:
        bench.run()
        bench.report()
        status = 1 if bench.failures else 0
    except Exception as error:
        log(f"the benchmark could not be made: {error}; logs in {bench.servers.logs}")
    finally:
        for process in bench.workers + ([bench.dashboard] if bench.dashboard else []):
            if process.poll() is None:
                process.kill()
        if status == 0:
            bench.servers.remove()
        else:
            bench.servers.services("stop")
    sys.exit(status)


if __name__ == "__main__":
    main()
