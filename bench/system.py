"""What the crash harness and the engine benchmark share: servers of their own (scripts/services
with a data folder and loopback ports of its own), SQL and Redis from the command line, valid
resident ID numbers, and the processes of the system."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resident_id(i):
    """A valid, unique ID for person i: a man born 1955-1962 (retired, so filing is open)."""
    birth = time.strftime("%Y%m%d", time.gmtime(time.mktime((1955, 1, 1, 12, 0, 0, 0, 0, 0)) + (i % 2900) * 86400))
    first17 = "220102" + birth + f"{2 * (i // 2900) + 1:03d}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def vm_hwm_mib(pid):
    """A process's peak resident memory (VmHWM) in MiB, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Servers:
    """A PostgreSQL and a Redis of their own, started by scripts/services, removed by `remove`."""

    def __init__(self, prefix):
        self.data = tempfile.mkdtemp(prefix=prefix, dir="/var/tmp")
        self.pg_port, self.redis_port = free_port(), free_port()
        self.env = dict(os.environ, ONETHING_DATA_DIR=self.data, ONETHING_PG_PORT=str(self.pg_port),
                        ONETHING_REDIS_PORT=str(self.redis_port))
        self.env.pop("DATABASE_URL", None)
        self.env.pop("REDIS_URL", None)
        self.database_url = f"postgres://onething@127.0.0.1:{self.pg_port}/onething"
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.logs = os.path.join(self.data, "logs")
        os.makedirs(self.logs)

    def services(self, command):
        subprocess.run([os.path.join(ROOT, "scripts/services"), command], env=self.env, check=True,
                       stdout=subprocess.DEVNULL)

    def psql(self, sql):
        out = subprocess.run(["psql", self.database_url, "-AtqX", "-v", "ON_ERROR_STOP=1", "-f", "-"],
                             input=sql, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"psql: {out.stderr.strip()}")
        return [line.split("|") for line in out.stdout.splitlines() if line]

    def value(self, sql):
        return int(self.psql(sql)[0][0])

    def redis(self, *command):
        out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.redis_port), *command], check=True,
                             capture_output=True, text=True)
        return out.stdout.strip()

    def child_env(self, **extra):
        return dict(os.environ, DATABASE_URL=self.database_url, REDIS_URL=self.redis_url, LOG_LEVEL="warning",
                    **{k: str(v) for k, v in extra.items()})

    def remove(self):
        try:
            self.services("stop")
        except subprocess.CalledProcessError:
            pass
        pg_root = subprocess.run(["bash", "-c", f"printf '%s' '{self.data}' | md5sum | cut -c1-12"],
                                 capture_output=True, text=True).stdout.strip()
        shutil.rmtree(self.data, ignore_errors=True)
        shutil.rmtree(f"/var/tmp/onething-{pg_root}", ignore_errors=True)


def insert_prequalifications(servers, people, organisation, medical_months=lambda person: 300):
    """The human-resources feed for people numbered `people`, written directly (2,000 rows a statement)."""
    rows = [f"('{resident_id(i)}', '张{i % 100}', 'male', '{organisation}', true, 300, 24, {medical_months(i)}, 'changchun')"
            for i in people]
    for start in range(0, len(rows), 2000):
        servers.psql("INSERT INTO prequalifications (id_number, name, category, organisation_id, passed, "
                     "contribution_months, deemed_months, medical_contribution_months, fund_centre) VALUES "
                     + ",".join(rows[start:start + 2000]) + " ON CONFLICT DO NOTHING")


def wait_ready(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing became ready on port {port}")


def create_token(binary_dir, env, *arguments):
    out = subprocess.run([os.path.join(binary_dir, "dashboard"), "token", "create", "--log-level", "warning",
                          *arguments], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]
