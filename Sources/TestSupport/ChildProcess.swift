import Foundation

/// A process a test starts and may signal: a real `workers` daemon, for kill and shutdown tests.
///
/// Started with posix_spawn (see `runCommand`), output to a log file; stopped with SIGKILL when the
/// test forgets, so no child outlives its test.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: a test drives its child from one task at a time.
    public let pid: pid_t
    public let logPath: String
    private var exitStatus: Int32?

    /// Starts `executable` with `arguments`, adding `environment` to this process's own.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        logPath = NSTemporaryDirectory() + "child-\(UUID().uuidString.prefix(8)).log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        let envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        guard posix_spawn(&child, executable, &actions, nil, argv, envp) == 0 else {
            throw ScratchError("could not start \(executable)")
        }
        pid = child
    }

    public func signal(_ signal: Int32) {
        if exitStatus == nil { kill(pid, signal) }
    }

    /// The exit status once the process has ended (128 + n for signal n), waiting up to `timeout`;
    /// nil if it is still running then.
    public func wait(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while exitStatus == nil {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            } else if result < 0 && errno != EINTR {
                throw ScratchError("waitpid failed")
            } else if ContinuousClock.now >= deadline {
                return nil
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        return exitStatus
    }

    /// What the process wrote so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        unlink(logPath)
    }
}

/// The body of a GET over loopback (with curl), or an error naming the status.
public func httpGet(_ url: String) throws -> String {
    let result = try runCommand(["curl", "-fsS", "--max-time", "10", url])
    guard result.status == 0 else { throw ScratchError("GET \(url) failed: \(result.output)") }
    return result.output
}

/// An HTTP request over loopback (with curl): the status and the body.
public func httpRequest(_ method: String, _ url: String, headers: [String: String] = [:],
                        body: String? = nil) throws -> (status: Int, body: String) {
    let bodyPath = NSTemporaryDirectory() + "http-\(UUID().uuidString.prefix(8)).body"
    defer { unlink(bodyPath) }
    var arguments = ["curl", "-sS", "--max-time", "15", "-o", bodyPath, "-w", "%{http_code}", "-X", method]
    for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
    if let body { arguments += ["--data-binary", body] }
    let result = try runCommand(arguments + [url])
    guard result.status == 0, let status = Int(result.output.suffix(3)) else {
        throw ScratchError("\(method) \(url) failed: \(result.output)")
    }
    return (status, (try? String(contentsOfFile: bodyPath, encoding: .utf8)) ?? "")
}

/// The path of one of the package's executables, built beside the test bundle by
/// `swift build --build-tests` (which `scripts/test` runs first).
public func builtExecutable(_ name: String) throws -> String {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    for candidate in [beside, FileManager.default.currentDirectoryPath + "/.build/debug/\(name)"]
    where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    throw ScratchError("the \(name) executable is not built (swift build --build-tests builds it)")
}
