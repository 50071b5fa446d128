//! Calendar dates from day numbers: the one date algorithm of the crate, used for migration
//! version numbers and for dates and timestamps that `fetch` writes.
//!
//! Not a date crate: PostgreSQL dates reach 5,874,897 AD and timestamps 294,276 AD, past
//! what `jiff` (9,999) and `time` (999,999 with `large-dates`) represent, and the fetch
//! writer formats millions of values, so it needs only this arithmetic.

/// The proleptic Gregorian (year, month, day) of `days` since 1970-01-01; year 0 is 1 BC.
///
/// Howard Hinnant's `civil_from_days`, exact for every `i64` day count PostgreSQL can hold.
/// For example, `from_days(0)` is `(1970, 1, 1)` and `from_days(-719_528)` is `(0, 1, 1)`.
pub fn from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::from_days;

    #[test]
    fn known_dates() {
        assert_eq!(from_days(0), (1970, 1, 1));
        assert_eq!(from_days(10_957), (2000, 1, 1));
        assert_eq!(from_days(11_016), (2000, 2, 29));
        assert_eq!(from_days(-1), (1969, 12, 31));
        assert_eq!(from_days(-719_528), (0, 1, 1));
        // PostgreSQL's last date, 5874897-12-31.
        assert_eq!(from_days(2_147_483_493 - 2_440_588), (5_874_897, 12, 31));
    }
}
