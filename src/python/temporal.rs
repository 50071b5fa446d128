//! Dates, times, timestamps and intervals in PostgreSQL's binary forms: microseconds and
//! days counted from 2000-01-01, with the largest and smallest values standing for
//! `infinity` and `-infinity` (which Python reads as `date.max`/`date.min` and
//! `datetime.max`/`datetime.min`, as asyncpg does).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};

use crate::civil::from_days;

/// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
const PG_EPOCH_DAYS: i64 = 10_957;
/// `date(2000, 1, 1).toordinal()`.
const PG_EPOCH_ORDINAL: i64 = 730_120;
const DAY_US: i64 = 86_400_000_000;

/// A temporal value, as the server sends it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Temporal {
    /// Days since 2000-01-01.
    Date(i32),
    /// Microseconds since midnight.
    Time(i64),
    /// Microseconds since midnight and the zone's offset in seconds west of UTC.
    TimeTz(i64, i32),
    /// Microseconds since 2000-01-01 00:00, without a zone.
    Timestamp(i64),
    /// Microseconds since 2000-01-01 00:00 UTC.
    TimestampTz(i64),
    /// Microseconds, days and months.
    Interval(i64, i32, i32),
}

impl Temporal {
    /// Reads the binary form of type `oid`, if it is a temporal type.
    pub(super) fn decode(oid: u32, b: &[u8]) -> Option<Result<Temporal, String>> {
        let i64_at = |at: usize| -> Result<i64, String> {
            b.get(at..at + 8)
                .and_then(|s| s.try_into().ok())
                .map(i64::from_be_bytes)
                .ok_or_else(|| "value ends early".to_string())
        };
        let i32_at = |at: usize| -> Result<i32, String> {
            b.get(at..at + 4)
                .and_then(|s| s.try_into().ok())
                .map(i32::from_be_bytes)
                .ok_or_else(|| "value ends early".to_string())
        };
        Some(match oid {
            1082 => i32_at(0).map(Temporal::Date),
            1083 => i64_at(0).map(Temporal::Time),
            1266 => i64_at(0).and_then(|t| Ok(Temporal::TimeTz(t, i32_at(8)?))),
            1114 => i64_at(0).map(Temporal::Timestamp),
            1184 => i64_at(0).map(Temporal::TimestampTz),
            1186 => i64_at(0).and_then(|us| Ok(Temporal::Interval(us, i32_at(8)?, i32_at(12)?))),
            _ => return None,
        })
    }

    /// The binary form, for a parameter of type `oid` (None when the value does not fit it).
    pub(super) fn encode(self, oid: u32) -> Option<Vec<u8>> {
        Some(match (oid, self) {
            (1082, Temporal::Date(d)) => d.to_be_bytes().to_vec(),
            (1083, Temporal::Time(t) | Temporal::TimeTz(t, _)) => t.to_be_bytes().to_vec(),
            (1266, Temporal::TimeTz(t, z)) => {
                [t.to_be_bytes().as_slice(), &z.to_be_bytes()].concat()
            }
            (1266, Temporal::Time(t)) => [t.to_be_bytes().as_slice(), &0i32.to_be_bytes()].concat(),
            (1114, Temporal::Timestamp(us)) | (1184, Temporal::TimestampTz(us)) => {
                us.to_be_bytes().to_vec()
            }
            // A naive datetime for a timestamptz column is read as UTC, as asyncpg does.
            (1184, Temporal::Timestamp(us)) => us.to_be_bytes().to_vec(),
            (1114 | 1184, Temporal::Date(d)) => day_micros(d).to_be_bytes().to_vec(),
            (1082, Temporal::Timestamp(us)) if us == i64::MAX || us == i64::MIN => {
                (if us == i64::MAX { i32::MAX } else { i32::MIN })
                    .to_be_bytes()
                    .to_vec()
            }
            (1186, Temporal::Interval(us, days, months)) => [
                us.to_be_bytes().as_slice(),
                &days.to_be_bytes(),
                &months.to_be_bytes(),
            ]
            .concat(),
            _ => return None,
        })
    }

    /// What the value is, for messages.
    pub(super) fn kind(self) -> &'static str {
        match self {
            Temporal::Date(_) => "date",
            Temporal::Time(_) | Temporal::TimeTz(..) => "time",
            Temporal::Timestamp(_) => "naive datetime",
            Temporal::TimestampTz(_) => "aware datetime",
            Temporal::Interval(..) => "timedelta",
        }
    }
}

impl Temporal {
    /// PostgreSQL's input text for the value (what COPY reads): ISO dates and times, a
    /// timestamptz in UTC, an interval in months, days and microseconds.
    pub(super) fn text(self) -> String {
        let date = |days: i64| {
            let (y, m, d) = from_days(days + PG_EPOCH_DAYS);
            match y {
                y if y <= 0 => format!("{:04}-{m:02}-{d:02} BC", 1 - y),
                y => format!("{y:04}-{m:02}-{d:02}"),
            }
        };
        let time = |us: i64| {
            let (h, mi, s, micro) = clock(us);
            format!("{h:02}:{mi:02}:{s:02}.{micro:06}")
        };
        let stamp = |us: i64, zone: &str| {
            let day = date(us.div_euclid(DAY_US));
            let clock = time(us.rem_euclid(DAY_US));
            match day.strip_suffix(" BC") {
                Some(day) => format!("{day} {clock}{zone} BC"),
                None => format!("{day} {clock}{zone}"),
            }
        };
        match self {
            Temporal::Date(i32::MAX) | Temporal::Timestamp(i64::MAX) => "infinity".into(),
            Temporal::TimestampTz(i64::MAX) => "infinity".into(),
            Temporal::Date(i32::MIN) | Temporal::Timestamp(i64::MIN) => "-infinity".into(),
            Temporal::TimestampTz(i64::MIN) => "-infinity".into(),
            Temporal::Date(d) => date(i64::from(d)),
            Temporal::Time(us) => time(us),
            Temporal::TimeTz(us, west) => {
                let east = -west;
                let sign = if east < 0 { '-' } else { '+' };
                let a = east.unsigned_abs();
                format!(
                    "{}{sign}{:02}:{:02}:{:02}",
                    time(us),
                    a / 3600,
                    a / 60 % 60,
                    a % 60
                )
            }
            Temporal::Timestamp(us) => stamp(us, ""),
            Temporal::TimestampTz(us) => stamp(us, "+00"),
            Temporal::Interval(us, days, months) => {
                format!("{months} mons {days} days {us} microseconds")
            }
        }
    }
}

fn day_micros(d: i32) -> i64 {
    match d {
        i32::MAX => i64::MAX,
        i32::MIN => i64::MIN,
        d => i64::from(d) * DAY_US,
    }
}

/// Python's datetime classes, looked up once per result or parameter list.
pub(super) struct DateTimeModule<'py> {
    date: Bound<'py, PyAny>,
    time: Bound<'py, PyAny>,
    datetime: Bound<'py, PyAny>,
    timedelta: Bound<'py, PyAny>,
    timezone: Bound<'py, PyAny>,
    utc: Bound<'py, PyAny>,
}

impl<'py> DateTimeModule<'py> {
    /// The classes, looked up once per process.
    pub(super) fn new(py: Python<'py>) -> PyResult<Self> {
        static CLASSES: PyOnceLock<[Py<PyAny>; 6]> = PyOnceLock::new();
        let [date, time, datetime, timedelta, timezone, utc] = CLASSES
            .get_or_try_init(py, || -> PyResult<_> {
                let m = py.import("datetime")?;
                let timezone = m.getattr("timezone")?;
                let utc = timezone.getattr("utc")?.unbind();
                Ok([
                    m.getattr("date")?.unbind(),
                    m.getattr("time")?.unbind(),
                    m.getattr("datetime")?.unbind(),
                    m.getattr("timedelta")?.unbind(),
                    timezone.unbind(),
                    utc,
                ])
            })?
            .each_ref()
            .map(|c| c.bind(py).clone());
        Ok(DateTimeModule {
            date,
            time,
            datetime,
            timedelta,
            timezone,
            utc,
        })
    }

    /// The Python object for a server value.
    pub(super) fn to_python(&self, v: Temporal) -> PyResult<Bound<'py, PyAny>> {
        match v {
            Temporal::Date(i32::MAX) => self.date.getattr("max"),
            Temporal::Date(i32::MIN) => self.date.getattr("min"),
            Temporal::Date(d) => {
                let (y, m, d) = from_days(i64::from(d) + PG_EPOCH_DAYS);
                self.date.call1((y, m, d))
            }
            Temporal::Time(us) => self.time.call1(clock(us)),
            Temporal::TimeTz(us, zone) => {
                let (h, mi, s, micro) = clock(us);
                let offset = self.timedelta.call1((0, -zone))?;
                let tz = self.timezone.call1((offset,))?;
                self.time.call1((h, mi, s, micro, tz))
            }
            Temporal::Timestamp(i64::MAX) | Temporal::TimestampTz(i64::MAX) => {
                self.datetime.getattr("max")
            }
            Temporal::Timestamp(i64::MIN) | Temporal::TimestampTz(i64::MIN) => {
                self.datetime.getattr("min")
            }
            Temporal::Timestamp(us) => self.datetime_of(us, None),
            Temporal::TimestampTz(us) => self.datetime_of(us, Some(&self.utc)),
            Temporal::Interval(us, days, months) => {
                let kwargs = PyDict::new(self.date.py());
                kwargs.set_item("days", i64::from(months) * 30 + i64::from(days))?;
                kwargs.set_item("microseconds", us)?;
                self.timedelta.call((), Some(&kwargs))
            }
        }
    }

    fn datetime_of(&self, us: i64, tz: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let days = us.div_euclid(DAY_US);
        let (y, m, d) = from_days(days + PG_EPOCH_DAYS);
        let (h, mi, s, micro) = clock(us.rem_euclid(DAY_US));
        let args = PyTuple::new(
            self.date.py(),
            [y, i64::from(m), i64::from(d), h, mi, s, micro],
        )?;
        let kwargs = PyDict::new(self.date.py());
        if let Some(tz) = tz {
            kwargs.set_item("tzinfo", tz)?;
        }
        self.datetime.call(args, Some(&kwargs))
    }

    /// A Python date, time, datetime or timedelta as a server value; None for anything else.
    pub(super) fn read(&self, v: &Bound<'py, PyAny>) -> PyResult<Option<Temporal>> {
        let int = |name: &str| -> PyResult<i64> { v.getattr(name)?.extract() };
        if v.is_instance(&self.datetime)? {
            if v.eq(self.datetime.getattr("max")?)? {
                return Ok(Some(Temporal::Timestamp(i64::MAX)));
            }
            if v.eq(self.datetime.getattr("min")?)? {
                return Ok(Some(Temporal::Timestamp(i64::MIN)));
            }
            let aware = !v.call_method0("utcoffset")?.is_none();
            let utc = if aware {
                v.call_method1("astimezone", (&self.utc,))?
            } else {
                v.clone()
            };
            let ordinal: i64 = utc.call_method0("toordinal")?.extract()?;
            let field = |name: &str| -> PyResult<i64> { utc.getattr(name)?.extract() };
            let seconds = (ordinal - PG_EPOCH_ORDINAL) * 86_400
                + field("hour")? * 3600
                + field("minute")? * 60
                + field("second")?;
            let us = seconds * 1_000_000 + field("microsecond")?;
            return Ok(Some(if aware {
                Temporal::TimestampTz(us)
            } else {
                Temporal::Timestamp(us)
            }));
        }
        if v.is_instance(&self.date)? {
            if v.eq(self.date.getattr("max")?)? {
                return Ok(Some(Temporal::Date(i32::MAX)));
            }
            if v.eq(self.date.getattr("min")?)? {
                return Ok(Some(Temporal::Date(i32::MIN)));
            }
            let ordinal: i64 = v.call_method0("toordinal")?.extract()?;
            return Ok(Some(Temporal::Date((ordinal - PG_EPOCH_ORDINAL) as i32)));
        }
        if v.is_instance(&self.time)? {
            let us = ((int("hour")? * 60 + int("minute")?) * 60 + int("second")?) * 1_000_000
                + int("microsecond")?;
            let offset = v.call_method0("utcoffset")?;
            if offset.is_none() {
                return Ok(Some(Temporal::Time(us)));
            }
            let seconds: f64 = offset.call_method0("total_seconds")?.extract()?;
            return Ok(Some(Temporal::TimeTz(us, -(seconds as i32))));
        }
        if v.is_instance(&self.timedelta)? {
            let us = int("seconds")? * 1_000_000 + int("microseconds")?;
            let days = i32::try_from(int("days")?).unwrap_or(i32::MAX);
            return Ok(Some(Temporal::Interval(us, days, 0)));
        }
        Ok(None)
    }
}

/// Hours, minutes, seconds and microseconds of a time of day in microseconds.
fn clock(us: i64) -> (i64, i64, i64, i64) {
    let s = us / 1_000_000;
    (s / 3600, s / 60 % 60, s % 60, us % 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_forms_read_back() {
        let ts = 86_400_000_000i64 + 1;
        assert_eq!(
            Temporal::decode(1114, &ts.to_be_bytes()).unwrap().unwrap(),
            Temporal::Timestamp(ts)
        );
        let tz = Temporal::TimeTz(3_600_000_000, -7200);
        assert_eq!(
            Temporal::decode(1266, &tz.encode(1266).unwrap())
                .unwrap()
                .unwrap(),
            tz
        );
        let iv = Temporal::Interval(5, 3, 2);
        assert_eq!(
            Temporal::decode(1186, &iv.encode(1186).unwrap())
                .unwrap()
                .unwrap(),
            iv
        );
        assert!(Temporal::Timestamp(0).encode(1082).is_none());
        assert_eq!(Temporal::Date(-1).text(), "1999-12-31");
        assert_eq!(
            Temporal::TimestampTz(DAY_US + 1).text(),
            "2000-01-02 00:00:00.000001+00"
        );
        assert_eq!(
            Temporal::TimeTz(3_600_000_000, 5400).text(),
            "01:00:00.000000-01:30:00"
        );
        assert_eq!(Temporal::Date(i32::MIN).text(), "-infinity");
        assert_eq!(
            Temporal::Interval(-5, 3, 2).text(),
            "2 mons 3 days -5 microseconds"
        );
        assert_eq!(clock(3_723_000_004), (1, 2, 3, 4));
    }
}
