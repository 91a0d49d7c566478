/// Where a year of the working-day calendar comes from.
///
/// The State Council publishes each year's notice only weeks before the year starts, while time
/// limits filed in December already reach into it. Until the notice's file is loaded, the year is
/// computed from the statutory holidays (``StatutoryHolidays``): usually right about the days off,
/// never about the working weekend days (调休), which only the notice declares. Answers say which
/// kind of year they used so that a provisional deadline is not mistaken for a certain one.
public enum CalendarSource: String, Sendable, Hashable, CaseIterable, Codable {
    /// From a State Council notice (a data file).
    case official
    /// Computed from the statutory holidays, pending the notice.
    case provisional
}
