import Model
import Queue
import Storage

extension TaskPublisher {
    /// After the transaction that produced `dispatch` has committed: acknowledges the handled
    /// messages (if any), publishes what became ready and schedules what waits, in one round trip.
    public func settle(_ dispatch: Dispatch, acknowledging ids: [String] = [], on keys: AgencyKeys? = nil) async throws {
        try await settle(acknowledging: ids, on: keys,
                         publish: dispatch.publish.map { ($0.id, $0.agency.rawValue, $0.attempt) },
                         schedule: dispatch.schedule.map { ($0.id, $0.agency.rawValue, $0.attempt, $0.at) })
    }
}
