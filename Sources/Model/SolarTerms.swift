import Foundation

/// The day a solar term (节气) falls on, from a low-precision position of the Sun.
///
/// Qingming is a statutory holiday but not a lunar date: it is the day, in Beijing time, on which
/// the Sun's apparent ecliptic longitude reaches 15°. It is computed rather than tabled so that
/// every year the holiday law covers has a provisional calendar without anyone typing dates in.
///
/// The position is Meeus, *Astronomical Algorithms* (2nd ed.), ch. 25, low accuracy (about 0.01°,
/// a quarter of an hour of the Sun's motion): mean longitude, mean anomaly, equation of the centre,
/// then the apparent longitude with the nutation and aberration correction. Its time argument is
/// Terrestrial Time, so civil time is shifted by ΔT. Against VSOP87 (PyEphem) it runs 5–8 minutes
/// early in 2025...2099 and gives the same Qingming day in all 75 years; the closest call is 2071,
/// 00:04 here and about 00:10 by VSOP87, both on 5 April.
enum SolarTerms {
    /// The day of Qingming in `year` (the Sun at 15°, Beijing time), searched between 3 and
    /// 7 April; nil if the crossing is not in that window (it is in every year 2025...2099).
    static func qingming(in year: Int) -> LocalDate? {
        guard let first = LocalDate(year: year, month: 4, day: 3),
              let last = LocalDate(year: year, month: 4, day: 7)
        else { return nil }
        return day(whenLongitudeReaches: 15, from: first, through: last)
    }

    /// The Beijing-time day within `first...last` on which the Sun's apparent longitude reaches
    /// `degrees`, found by bisection on the instant; nil if it does not cross it in that window.
    static func day(
        whenLongitudeReaches degrees: Double, from first: LocalDate, through last: LocalDate
    ) -> LocalDate? {
        /// How far past `degrees` the Sun is at a Julian Day (UT), in (−180°, 180°].
        func past(_ julianDay: Double) -> Double {
            let ephemerisDay = julianDay + deltaTSeconds(julianDay: julianDay) / 86_400
            return (apparentLongitude(julianEphemerisDay: ephemerisDay) - degrees).remainder(dividingBy: 360)
        }
        var low = julianDay(startOfBeijingDay: first)
        var high = julianDay(startOfBeijingDay: last.adding(days: 1))
        guard past(low) < 0, past(high) >= 0 else { return nil }
        for _ in 0..<40 { // 5 days / 2^40 is well under a millisecond
            let middle = (low + high) / 2
            if past(middle) < 0 { low = middle } else { high = middle }
        }
        return LocalDate(daysSinceEpoch: Int((high - unixEpochJulianDay + beijingOffsetDays).rounded(.down)))
    }

    /// The Sun's apparent geocentric ecliptic longitude in degrees, 0..<360, at a Julian Ephemeris
    /// Day (Meeus 25.2–25.8 with the low-accuracy correction for nutation and aberration).
    static func apparentLongitude(julianEphemerisDay: Double) -> Double {
        let t = (julianEphemerisDay - 2_451_545) / 36_525
        let meanLongitude = 280.46646 + 36_000.76983 * t + 0.0003032 * t * t
        let meanAnomaly = radians(357.52911 + 35_999.05029 * t - 0.0001537 * t * t)
        let centre = (1.914602 - 0.004817 * t - 0.000014 * t * t) * sin(meanAnomaly)
            + (0.019993 - 0.000101 * t) * sin(2 * meanAnomaly)
            + 0.000289 * sin(3 * meanAnomaly)
        let omega = radians(125.04 - 1_934.136 * t)
        let longitude = (meanLongitude + centre - 0.00569 - 0.00478 * sin(omega)).truncatingRemainder(dividingBy: 360)
        return longitude < 0 ? longitude + 360 : longitude
    }

    /// ΔT = TT − UT in seconds (Espenak & Meeus's polynomials for 2005–2150). It is one to three
    /// minutes here, below the model's own error, but it is the right time scale for Meeus's terms.
    static func deltaTSeconds(julianDay: Double) -> Double {
        let year = 2000 + (julianDay - 2_451_545) / 365.25
        if year < 2050 {
            let t = year - 2000
            return 62.92 + 0.32217 * t + 0.005589 * t * t
        }
        let u = (year - 1820) / 100
        return -20 + 32 * u * u - 0.5628 * (2150 - year)
    }

    /// The Julian Day (UT) at which `date` starts in Beijing.
    static func julianDay(startOfBeijingDay date: LocalDate) -> Double {
        Double(date.daysSinceEpoch) + unixEpochJulianDay - beijingOffsetDays
    }

    // MARK: - Private

    /// The Julian Day of 1970-01-01 00:00 UTC.
    private static let unixEpochJulianDay = 2_440_587.5
    /// Beijing time's offset from UTC, in days.
    private static let beijingOffsetDays = Double(LocalDate.chinaStandardTimeOffset) / 86_400

    private static func radians(_ degrees: Double) -> Double { degrees * .pi / 180 }
}
