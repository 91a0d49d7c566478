import ServiceLifecycle

/// The agency consumers of one worker as one service, so SIGTERM reaches them all at once: each
/// stops fetching and finishes (or releases) its batches within the same grace period, instead of
/// one agency after another.
public struct ConsumerGroup: Service {
    public let consumers: [AgencyConsumer]

    public init(_ consumers: [AgencyConsumer]) {
        self.consumers = consumers
    }

    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for consumer in consumers {
                group.addTask { try await consumer.run() }
            }
        }
    }
}
