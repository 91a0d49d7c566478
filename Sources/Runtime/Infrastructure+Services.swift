import Agencies
import Foundation
import Logging
import Model
import Queue
import Services

extension Infrastructure {
    /// The filing service on these connections, with the simulated agencies and the bundled calendar.
    public func filingService(logger: Logger, agencies: any AgencyGateway = SimulatedAgencies(),
                              now: @escaping @Sendable () -> Date = { Date() }) throws -> FilingService {
        FilingService(postgres: postgres, publisher: TaskPublisher(redis: redis, prefix: keyPrefix), agencies: agencies,
                      calendar: try WorkingDayCalendar.bundled(), logger: logger, now: now)
    }
}
