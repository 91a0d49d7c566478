import Foundation

/// Runs a command and waits for it; returns its exit status and output.
///
/// Uses posix_spawn and waitpid rather than Foundation's Process, whose waitUntilExit can hang when
/// several tests start processes at once; output goes to a file, not a pipe, because a daemon that
/// inherits a pipe would hold it open forever.
@discardableResult
func runCommand(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let outputPath = NSTemporaryDirectory() + "cmd-\(UUID().uuidString.prefix(8)).out"
    defer { unlink(outputPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv: [UnsafeMutablePointer<CChar>?] = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ)
    guard spawned == 0 else { throw ScratchError("could not start \(arguments.first ?? "")") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        guard errno == EINTR else { throw ScratchError("waitpid failed") }
    }
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    let exited = (status & 0x7f) == 0
    return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
}

/// A free TCP port on loopback, as the kernel hands one out.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ScratchError("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw ScratchError("bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

public struct ScratchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A Redis server of one test's own, on a free loopback port, that the test may stop and restart.
///
/// `arguments` are added to the command line (cluster mode, `--replicaof` …); with `sentinelConfig`
/// the process is a sentinel running that configuration.
public final class ScratchRedis: @unchecked Sendable {
    // @unchecked: a test uses its scratch server from one task at a time.
    public let port: Int
    public let directory: String
    public let arguments: [String]
    public let sentinelConfig: String?

    public init(port: Int? = nil, directory: String? = nil, arguments: [String] = [], sentinelConfig: String? = nil) throws {
        self.port = try port ?? freeLoopbackPort()
        self.directory = directory ?? NSTemporaryDirectory() + "scratch-redis-\(UUID().uuidString.prefix(8))"
        self.arguments = arguments
        self.sentinelConfig = sentinelConfig
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        try start()
    }

    public var url: String { "redis://127.0.0.1:\(port)/0" }
    public var address: String { "127.0.0.1:\(port)" }
    private var pidFile: String { "\(directory)/redis-\(port).pid" }

    public func start() throws {
        var command = ["redis-server"]
        if let sentinelConfig {
            let path = "\(directory)/sentinel-\(port).conf"
            if !FileManager.default.fileExists(atPath: path) {
                try sentinelConfig.write(toFile: path, atomically: true, encoding: .utf8)
            }
            command += [path, "--sentinel"]
        }
        command += ["--port", "\(port)", "--bind", "127.0.0.1", "--dir", directory, "--daemonize", "yes",
                    "--pidfile", pidFile, "--logfile", "\(directory)/redis-\(port).log"]
        if sentinelConfig == nil { command += ["--save", "", "--appendonly", "no"] }
        let result = try runCommand(command + arguments)
        guard result.status == 0 else { throw ScratchError("redis-server failed: \(result.output)") }
        guard pollUntil(seconds: 10, { self.answers() }) else {
            throw ScratchError("redis-server did not answer on port \(port)")
        }
    }

    /// Whether the server answers PING.
    public func answers() -> Bool {
        (try? runCommand(["redis-cli", "-p", "\(port)", "ping"]).output.contains("PONG")) == true
    }

    /// Runs redis-cli against this server and returns its output.
    @discardableResult
    public func cli(_ words: String...) throws -> String {
        try runCommand(["redis-cli", "-p", "\(port)"] + words).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func stop() throws {
        try runCommand(["redis-cli", "-p", "\(port)", "shutdown", "nosave"])
        _ = pollUntil(seconds: 10) { !self.answers() }
    }

    /// Kills the server with SIGKILL (a crash: no goodbye to its clients, no failover handshake).
    public func kill() throws {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw ScratchError("no pid file for the Redis server on \(port)") }
        Foundation.kill(pid, SIGKILL)
        _ = pollUntil(seconds: 10) { !self.answers() }
        try? FileManager.default.removeItem(atPath: pidFile)
    }

    deinit {
        _ = try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass; whether it held. A condition
/// that throws counts as not holding yet (a server still starting, a connection being reopened).
@discardableResult
public func pollUntil(seconds: Double, _ condition: () throws -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if (try? condition()) == true { return true }
        usleep(20_000)
    }
    return (try? condition()) == true
}

/// A Redis Cluster of the test's own on loopback: three primaries with one replica each.
public final class ScratchRedisCluster: @unchecked Sendable {
    public let nodes: [ScratchRedis]

    public init(primaries: Int = 3, replicasEach: Int = 1) throws {
        let directory = NSTemporaryDirectory() + "scratch-cluster-\(UUID().uuidString.prefix(8))"
        var nodes: [ScratchRedis] = []
        for _ in 0..<(primaries * (1 + replicasEach)) {
            let port = try freeLoopbackPort()
            // The cluster bus would be port + 10,000, past 65,535 for a high port: name one.
            let bus = try freeLoopbackPort()
            nodes.append(try ScratchRedis(port: port, directory: directory,
                                          arguments: ["--cluster-enabled", "yes", "--cluster-config-file",
                                                      "nodes-\(port).conf", "--cluster-node-timeout", "1000",
                                                      "--cluster-port", "\(bus)"]))
        }
        self.nodes = nodes
        let created = try runCommand(["redis-cli", "--cluster", "create"] + nodes.map(\.address)
                                     + ["--cluster-replicas", "\(replicasEach)", "--cluster-yes"])
        guard created.status == 0 else { throw ScratchError("redis-cli --cluster create failed: \(created.output)") }
        guard pollUntil(seconds: 30, { self.isHealthy() }) else { throw ScratchError("the cluster did not become ok") }
    }

    /// `redis+cluster://` naming the first node only: the wrapper finds the others.
    public var url: String { "redis+cluster://\(nodes[0].address)" }

    /// Every live node says `cluster_state:ok` and agrees on which node serves every slot.
    public func isHealthy() -> Bool {
        let live = nodes.filter { $0.answers() }
        return !live.isEmpty && live.allSatisfy { ((try? $0.cli("cluster", "info")) ?? "").contains("cluster_state:ok") }
    }

    /// The live primary serving `key` (as the first live node sees it).
    public func primary(serving key: String) throws -> ScratchRedis {
        guard let asker = nodes.first(where: { $0.answers() }) else { throw ScratchError("no node answers") }
        let slot = try asker.cli("cluster", "keyslot", key)
        guard let slotNumber = Int(slot) else { throw ScratchError("bad keyslot answer \(slot)") }
        for line in try asker.cli("cluster", "nodes").split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > 8, fields[2].contains("master"), !fields[2].contains("fail") else { continue }
            for span in fields[8...] {
                let bounds = span.split(separator: "-").compactMap { Int($0) }
                if let low = bounds.first, low <= slotNumber, slotNumber <= (bounds.count > 1 ? bounds[1] : low) {
                    let port = fields[1].split(separator: "@")[0].split(separator: ":").last.flatMap { Int($0) }
                    if let node = nodes.first(where: { $0.port == port }) { return node }
                }
            }
        }
        throw ScratchError("no primary serves \(key)")
    }
}

/// A Redis primary, one replica and three sentinels of the test's own on loopback.
public final class ScratchSentinelGroup: @unchecked Sendable {
    public let master = "onething"
    public let primary: ScratchRedis
    public let replica: ScratchRedis
    public let sentinels: [ScratchRedis]

    public init() throws {
        let directory = NSTemporaryDirectory() + "scratch-sentinel-\(UUID().uuidString.prefix(8))"
        primary = try ScratchRedis(directory: directory)
        replica = try ScratchRedis(directory: directory, arguments: ["--replicaof", "127.0.0.1", "\(primary.port)"])
        let config = """
            sentinel monitor \(master) 127.0.0.1 \(primary.port) 2
            sentinel down-after-milliseconds \(master) 1000
            sentinel failover-timeout \(master) 5000
            sentinel parallel-syncs \(master) 1

            """
        sentinels = try (0..<3).map { _ in try ScratchRedis(directory: directory, sentinelConfig: config) }
        guard pollUntil(seconds: 30, { self.primaryPort() == self.primary.port && self.replicaLinked() }) else {
            throw ScratchError("the sentinels did not see the primary and its replica")
        }
    }

    public var url: String {
        "redis+sentinel://" + sentinels.map(\.address).joined(separator: ",") + "/\(master)/0"
    }

    /// The port of the primary the first answering sentinel names.
    public func primaryPort() -> Int? {
        for sentinel in sentinels where sentinel.answers() {
            let words = ((try? sentinel.cli("sentinel", "get-master-addr-by-name", master)) ?? "").split(separator: "\n")
            if words.count == 2 { return Int(words[1]) }
        }
        return nil
    }

    private func replicaLinked() -> Bool {
        ((try? replica.cli("info", "replication")) ?? "").contains("master_link_status:up")
    }
}

/// A PostgreSQL cluster of one test's own (initdb in a temporary folder), stoppable and restartable.
///
/// As root it runs as the `postgres` user, since PostgreSQL refuses to run as root.
public final class ScratchPostgres: @unchecked Sendable {
    // @unchecked: a test uses its scratch server from one task at a time.
    public let port: Int
    public let directory: String
    let bin: String
    private let asRoot = getuid() == 0

    /// The newest installed PostgreSQL's programs.
    static func binaries() throws -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.compactMap(Int.init).max() else { throw ScratchError("PostgreSQL not installed") }
        return "/usr/lib/postgresql/\(version)/bin"
    }

    public init() throws {
        bin = try Self.binaries()
        port = try freeLoopbackPort()
        directory = "/tmp/scratch-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if asRoot { try runCommand(["chown", "postgres:postgres", directory]) }
        let initdb = try runAsServer(["\(bin)/initdb", "-D", "\(directory)/data", "-U", "scratch", "--auth=trust",
                                      "-E", "UTF8", "--locale=C.UTF-8"])
        guard initdb.status == 0 else { throw ScratchError("initdb failed: \(initdb.output)") }
        try start()
    }

    public var url: String { "postgres://scratch@127.0.0.1:\(port)/postgres" }

    public func start() throws {
        let result = try runAsServer(["\(bin)/pg_ctl", "-D", "\(directory)/data", "-l", "\(directory)/log", "-w",
                                      "-o", "-p \(port) -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off",
                                      "start"])
        guard result.status == 0 else { throw ScratchError("pg_ctl start failed: \(result.output)") }
    }

    /// Stops the server: `immediate` (the default) as a crash would, `fast` as an operator's restart.
    public func stop(mode: String = "immediate") throws {
        try runAsServer(["\(bin)/pg_ctl", "-D", "\(directory)/data", "-m", mode, "-w", "stop"])
    }

    /// A fast shutdown and a start: what a planned restart or a minor upgrade does to clients.
    public func restart() throws {
        let stopped = try runAsServer(["\(bin)/pg_ctl", "-D", "\(directory)/data", "-m", "fast", "-w", "stop"])
        guard stopped.status == 0 else { throw ScratchError("pg_ctl stop failed: \(stopped.output)") }
        try start()
    }

    func runAsServer(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runCommand(asRoot ? ["runuser", "-u", "postgres", "--"] + arguments : arguments)
    }

    deinit {
        _ = try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A streaming standby of a scratch primary (`pg_basebackup -R`), on a port of its own, that a test
/// may stop, start and promote.
///
/// The same commands as `bench/topology.py`'s `PostgresStandby`, against a scratch primary.
public final class ScratchStandby: @unchecked Sendable {
    // @unchecked: a test uses its scratch server from one task at a time.
    public let port: Int
    public let directory: String
    private let primary: ScratchPostgres

    /// Copies `primary` and starts the copy streaming from it; returns once it is in recovery.
    public init(of primary: ScratchPostgres) throws {
        self.primary = primary
        port = try freeLoopbackPort()
        directory = "/tmp/scratch-pg-standby-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try runCommand(["chown", "postgres:postgres", directory]) }
        let backup = try primary.runAsServer(["\(primary.bin)/pg_basebackup", "-h", "127.0.0.1", "-p", "\(primary.port)",
                                              "-U", "scratch", "-D", "\(directory)/data", "-R", "-X", "stream",
                                              "--checkpoint=fast"])
        guard backup.status == 0 else { throw ScratchError("pg_basebackup failed: \(backup.output)") }
        try start()
    }

    public var url: String { "postgres://scratch@127.0.0.1:\(port)/postgres" }

    public func start() throws {
        let result = try primary.runAsServer(["\(primary.bin)/pg_ctl", "-D", "\(directory)/data", "-l", "\(directory)/log",
                                              "-w", "-o",
                                              "-p \(port) -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off",
                                              "start"])
        guard result.status == 0 else { throw ScratchError("pg_ctl start (standby) failed: \(result.output)") }
    }

    public func stop(mode: String = "immediate") throws {
        try primary.runAsServer(["\(primary.bin)/pg_ctl", "-D", "\(directory)/data", "-m", mode, "-w", "stop"])
    }

    /// Makes the standby a primary; `pg_ctl promote -w` returns once it accepts writes.
    public func promote() throws {
        let result = try primary.runAsServer(["\(primary.bin)/pg_ctl", "-D", "\(directory)/data", "-w", "promote"])
        guard result.status == 0 else { throw ScratchError("pg_ctl promote failed: \(result.output)") }
    }

    deinit {
        _ = try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
