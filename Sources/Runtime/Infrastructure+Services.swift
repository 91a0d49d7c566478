import Agencies
import Foundation
import Logging
import Model
import Queue
import Services

extension Infrastructure {
    /// The filing service on these connections; by default with the simulated agencies and the
    /// shipped calendar with provisional years (`CalendarSettings.load` adds `CALENDAR_DIR`).
    public func filingService(logger: Logger, agencies: any AgencyGateway = SimulatedAgencies(),
                              calendar: WorkingDayCalendar? = nil,
                              now: @escaping @Sendable () -> Date = { Date() }) throws -> FilingService {
        FilingService(postgres: postgres, queue: RedisTaskQueue(redis: redis, prefix: keyPrefix), agencies: agencies,
                      calendar: try calendar ?? WorkingDayCalendar.standard(), logger: logger, now: now)
    }

    /// Redis's memory use and limit (`INFO memory`).
    public func redisMemory() async throws -> RedisMemory {
        try await redis.withConnection { try RedisMemory.read(on: $0) }
    }
}
