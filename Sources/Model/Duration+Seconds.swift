import Foundation

extension Duration {
    /// The duration in seconds, with its fraction: the one conversion from `Duration` to
    /// `TimeInterval` (the C wrappers keep their own, in milliseconds).
    public var timeInterval: TimeInterval {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

extension Date {
    /// This instant moved by a duration.
    public func adding(_ duration: Duration) -> Date {
        addingTimeInterval(duration.timeInterval)
    }
}
