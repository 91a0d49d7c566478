"""The server topologies the product must run on, started on loopback by the crash harness: a Redis
Cluster (three primaries, one replica each), a Sentinel-managed Redis (a primary, a replica, three
sentinels) and a PostgreSQL primary with a streaming standby. Each knows its URL and its fault: a
Redis primary killed (the cluster or the sentinels promote its replica) or the PostgreSQL primary
stopped and the standby promoted. Only processes started here are stopped, by their pid files."""
import os
import signal
import subprocess
import time

from system import free_port


def log(message):
    print(f"[topology {time.strftime('%H:%M:%S')}] {message}", flush=True)


def wait_for(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if condition():
                return
        except (subprocess.CalledProcessError, OSError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not happen within {timeout} s")


def redis_cli(port, *command):
    return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), *command], capture_output=True, text=True,
                          check=True, timeout=10).stdout.strip()


def kill_by_pidfile(path, sig=signal.SIGKILL):
    try:
        with open(path) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


class RedisNodes:
    """Redis servers of one topology, each with its folder and pid file under `base`."""

    def __init__(self, base):
        self.base = os.path.join(base, "redis-topology")
        os.makedirs(self.base, exist_ok=True)
        self.pidfiles = {}

    def start(self, port, *extra, config=None):
        folder = os.path.join(self.base, str(port))
        os.makedirs(folder, exist_ok=True)
        pidfile = os.path.join(folder, "redis.pid")
        arguments = ([config] if config else []) + [
            "--port", str(port), "--bind", "127.0.0.1", "--dir", folder, "--daemonize", "yes",
            "--pidfile", pidfile, "--logfile", os.path.join(folder, "redis.log"), *extra]
        subprocess.run(["redis-server", *arguments], check=True, capture_output=True)
        self.pidfiles[port] = pidfile
        wait_for(lambda: redis_cli(port, "ping") == "PONG", 20, f"redis on {port}")

    def kill(self, port):
        kill_by_pidfile(self.pidfiles[port])

    def stop_all(self):
        for path in self.pidfiles.values():
            kill_by_pidfile(path, signal.SIGTERM)


DATA_NODE = ("--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
             "--maxmemory", "1gb", "--maxmemory-policy", "noeviction")


class RedisCluster:
    """Three primaries with one replica each; the fault kills the primary serving `{social}`."""

    name = "Redis Cluster (3 primaries, 3 replicas)"

    def __init__(self, base):
        self.nodes = RedisNodes(base)
        self.ports = [free_port() for _ in range(6)]
        # The cluster bus would be port + 10,000 (past 65,535 for a high port): name one per node.
        self.bus = {port: free_port() for port in self.ports}

    @property
    def url(self):
        return "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports[:3])

    def start(self):
        for port in self.ports:
            self.nodes.start(port, "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf",
                             "--cluster-node-timeout", "2000", "--cluster-port", str(self.bus[port]), *DATA_NODE)
        subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{p}" for p in self.ports],
                        "--cluster-replicas", "1", "--cluster-yes"], check=True, capture_output=True, timeout=60)
        wait_for(self.healthy, 60, "the cluster to be ok")
        log(f"cluster up on {self.ports}")

    def healthy(self):
        return all("cluster_state:ok" in redis_cli(p, "cluster", "info") for p in self.live())

    def live(self):
        return [p for p in self.ports if self.responds(p)]

    @staticmethod
    def responds(port):
        try:
            return redis_cli(port, "ping") == "PONG"
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            return False

    def primary_of(self, key):
        for port in self.live():
            reply = redis_cli(port, "cluster", "keyslot", key)
            slot = int(reply)
            for line in redis_cli(port, "cluster", "nodes").splitlines():
                fields = line.split()
                if "master" in fields[2] and "fail" not in fields[2] and len(fields) > 8:
                    for span in fields[8:]:
                        low, _, high = span.partition("-")
                        if low.isdigit() and int(low) <= slot <= int(high or low):
                            return int(fields[1].split("@")[0].split(":")[1])
        return None  # mid-failover: the failed primary's replica has not taken over yet

    def fault(self):
        victim = self.primary_of("{social}")
        if victim is None:
            raise RuntimeError("no primary serves {social}")
        log(f"killing the cluster primary on {victim} (it serves {{social}})")
        self.nodes.kill(victim)
        wait_for(lambda: self.primary_of("{social}") not in (None, victim) and self.healthy(), 60, "the cluster failover")
        log(f"failover done: {{social}} is served by {self.primary_of('{social}')}; restarting {victim} as a replica")
        self.nodes.start(victim, "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{victim}.conf",
                         "--cluster-node-timeout", "2000", "--cluster-port", str(self.bus[victim]), *DATA_NODE)
        return f"cluster primary {victim} killed, its replica promoted"

    def redis(self, *command):
        return redis_cli(self.live()[0], *command)

    def stop(self):
        self.nodes.stop_all()


class RedisSentinel:
    """A primary, a replica and three sentinels; the fault kills the primary."""

    name = "Redis with Sentinel (primary, replica, 3 sentinels)"
    master = "onething"

    def __init__(self, base):
        self.nodes = RedisNodes(base)
        self.primary, self.replica = free_port(), free_port()
        self.sentinels = [free_port() for _ in range(3)]
        self.base = self.nodes.base

    @property
    def url(self):
        return "redis+sentinel://" + ",".join(f"127.0.0.1:{p}" for p in self.sentinels) + f"/{self.master}/0"

    def start(self):
        self.nodes.start(self.primary, *DATA_NODE)
        self.nodes.start(self.replica, "--replicaof", "127.0.0.1", str(self.primary), *DATA_NODE)
        for port in self.sentinels:
            config = os.path.join(self.base, f"sentinel-{port}.conf")
            with open(config, "w") as f:
                f.write(f"sentinel monitor {self.master} 127.0.0.1 {self.primary} 2\n"
                        f"sentinel down-after-milliseconds {self.master} 2000\n"
                        f"sentinel failover-timeout {self.master} 10000\n"
                        f"sentinel parallel-syncs {self.master} 1\n")
            self.nodes.start(port, "--sentinel", config=config)
        wait_for(lambda: self.current_primary() == self.primary, 30, "the sentinels to see the primary")
        log(f"sentinel group up: primary {self.primary}, replica {self.replica}, sentinels {self.sentinels}")

    def current_primary(self):
        reply = redis_cli(self.sentinels[0], "sentinel", "get-master-addr-by-name", self.master).split()
        return int(reply[1])

    def fault(self):
        old = self.current_primary()
        log(f"killing the Redis primary on {old}")
        self.nodes.kill(old)
        wait_for(lambda: self.current_primary() != old and "role:master" in redis_cli(self.current_primary(), "info", "replication"),
                 60, "the sentinel failover")
        new = self.current_primary()
        log(f"failover done: the primary is now {new}; restarting {old} (the sentinels make it a replica)")
        self.nodes.start(old, *DATA_NODE)
        return f"Redis primary {old} killed, the sentinels promoted {new}"

    def redis(self, *command):
        return redis_cli(self.current_primary(), *command)

    def stop(self):
        self.nodes.stop_all()


class PostgresStandby:
    """A streaming standby of the harness's PostgreSQL (scripts/services'), made with pg_basebackup -R;
    the fault stops the primary and promotes the standby. The URL names both, read-write wanted."""

    name = "PostgreSQL primary with a streaming standby"

    def __init__(self, servers):
        self.servers = servers
        self.port = free_port()
        versions = sorted(int(v) for v in os.listdir("/usr/lib/postgresql") if v.isdigit())
        self.bin = f"/usr/lib/postgresql/{versions[-1]}/bin"
        self.folder = None

    @property
    def url(self):
        return (f"postgres://onething@127.0.0.1:{self.servers.pg_port},127.0.0.1:{self.port}/onething"
                "?target_session_attrs=read-write")

    def as_postgres(self, *command):
        prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        return subprocess.run(prefix + list(command), check=True, capture_output=True, text=True, timeout=300)

    def start(self):
        # The standby's folder sits beside the primary's, where the postgres user can reach it.
        primary_data = self.servers.psql("SHOW data_directory")[0][0]
        self.folder = os.path.join(os.path.dirname(os.path.dirname(primary_data)), f"standby-{self.port}")
        os.makedirs(self.folder, exist_ok=True)
        if os.getuid() == 0:
            subprocess.run(["chown", "postgres:postgres", self.folder], check=True)
        os.chmod(self.folder, 0o700)
        self.as_postgres(f"{self.bin}/pg_basebackup", "-h", "127.0.0.1", "-p", str(self.servers.pg_port), "-U", "onething",
                         "-D", os.path.join(self.folder, "data"), "-R", "-X", "stream", "--checkpoint=fast")
        self.as_postgres(f"{self.bin}/pg_ctl", "-D", os.path.join(self.folder, "data"), "-l",
                         os.path.join(self.folder, "log"), "-w", "-o",
                         f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300",
                         "start")
        wait_for(lambda: self.standby_psql("SELECT pg_is_in_recovery()") == "t", 60, "the standby to stream")
        log(f"standby streaming on {self.port} from {self.servers.pg_port}")

    def standby_psql(self, sql):
        return subprocess.run(["psql", f"postgres://onething@127.0.0.1:{self.port}/onething", "-AtqX", "-c", sql],
                              capture_output=True, text=True, check=True, timeout=20).stdout.strip()

    def fault(self):
        log(f"stopping the PostgreSQL primary on {self.servers.pg_port} and promoting the standby on {self.port}")
        self.servers.services("stop-postgres")
        self.as_postgres(f"{self.bin}/pg_ctl", "-D", os.path.join(self.folder, "data"), "-w", "promote")
        wait_for(lambda: self.standby_psql("SELECT pg_is_in_recovery()") == "f", 60, "the promotion")
        return f"PostgreSQL primary {self.servers.pg_port} stopped, standby {self.port} promoted"

    def stop(self):
        if self.folder:
            try:
                self.as_postgres(f"{self.bin}/pg_ctl", "-D", os.path.join(self.folder, "data"), "-m", "fast", "-w", "stop")
            except subprocess.CalledProcessError:
                pass
            subprocess.run(["rm", "-rf", self.folder], check=False)
