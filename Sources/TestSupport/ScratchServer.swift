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
public final class ScratchRedis: @unchecked Sendable {
    // @unchecked: a test uses its scratch server from one task at a time.
    public let port: Int
    public let directory: String

    public init() throws {
        port = try freeLoopbackPort()
        directory = NSTemporaryDirectory() + "scratch-redis-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try start()
    }

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    public func start() throws {
        let result = try runCommand(["redis-server", "--port", "\(port)", "--bind", "127.0.0.1",
                                     "--dir", directory, "--save", "", "--appendonly", "no",
                                     "--daemonize", "yes", "--pidfile", "\(directory)/redis.pid",
                                     "--logfile", "\(directory)/redis.log"])
        guard result.status == 0 else { throw ScratchError("redis-server failed: \(result.output)") }
        for _ in 0..<200 {
            if (try? runCommand(["redis-cli", "-p", "\(port)", "ping"]).output.contains("PONG")) == true { return }
            usleep(20_000)
        }
        throw ScratchError("redis-server did not answer on port \(port)")
    }

    public func stop() throws {
        try runCommand(["redis-cli", "-p", "\(port)", "shutdown", "nosave"])
        for _ in 0..<200 {
            if (try? runCommand(["redis-cli", "-p", "\(port)", "ping"]).output.contains("PONG")) != true { return }
            usleep(20_000)
        }
    }

    deinit {
        _ = try? stop()
        try? FileManager.default.removeItem(atPath: directory)
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
