/// The holiday notices the service ships with, one JSON text per year.
///
/// Model has no bundled resources, so each year's data file is embedded here as a string literal.
/// To add a year: append one entry to ``WorkingDayCalendar/bundledYearTexts`` with the new notice,
/// in the format documented on ``CalendarYear``; `WorkingDayCalendarTests` checks that it loads.
extension WorkingDayCalendar {
    /// The calendar built from every shipped year.
    ///
    /// The data is compiled in and checked by tests, so this throws only if a bad year was added.
    public static func bundled() throws(CalendarDataError) -> WorkingDayCalendar {
        try WorkingDayCalendar(jsonTexts: bundledYearTexts)
    }

    /// The JSON text of every shipped year.
    public static let bundledYearTexts: [String] = [year2025, year2026]

    /// 国务院办公厅关于2025年部分节假日安排的通知.
    static let year2025 = #"""
    {
      "year": 2025,
      "daysOff": [
        {"name": "New Year's Day", "from": "2025-01-01", "through": "2025-01-01"},
        {"name": "Spring Festival", "from": "2025-01-28", "through": "2025-02-04"},
        {"name": "Qingming Festival", "from": "2025-04-04", "through": "2025-04-06"},
        {"name": "Labour Day", "from": "2025-05-01", "through": "2025-05-05"},
        {"name": "Dragon Boat Festival", "from": "2025-05-31", "through": "2025-06-02"},
        {"name": "National Day and Mid-Autumn Festival", "from": "2025-10-01", "through": "2025-10-08"}
      ],
      "workingWeekendDays": ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
    }
    """#

    /// 国务院办公厅关于2026年部分节假日安排的通知.
    static let year2026 = #"""
    {
      "year": 2026,
      "daysOff": [
        {"name": "New Year's Day", "from": "2026-01-01", "through": "2026-01-03"},
        {"name": "Spring Festival", "from": "2026-02-15", "through": "2026-02-23"},
        {"name": "Qingming Festival", "from": "2026-04-04", "through": "2026-04-06"},
        {"name": "Labour Day", "from": "2026-05-01", "through": "2026-05-05"},
        {"name": "Dragon Boat Festival", "from": "2026-06-19", "through": "2026-06-21"},
        {"name": "Mid-Autumn Festival", "from": "2026-09-25", "through": "2026-09-27"},
        {"name": "National Day", "from": "2026-10-01", "through": "2026-10-07"}
      ],
      "workingWeekendDays": ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
    }
    """#
}
