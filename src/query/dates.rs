//! Dates on the command line and on screen. The archive stores UTC (`2024-09-02T20:32:04.544Z`);
//! `--tz` names a fixed offset (`+02:00`, `-05:30`, `Z`) used to read dates the user types and to
//! show dates to people. No time-zone database: an offset is exact and needs none. JSON output and
//! exported files always carry UTC.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::model::time::{days_from_civil, millis_to_iso, normalize_iso};

/// A fixed offset from UTC, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tz {
    pub minutes: i32,
}

impl Tz {
    pub const UTC: Tz = Tz { minutes: 0 };

    /// `+02:00`, `-0530`, `+2`, `Z`, `UTC`.
    pub fn parse(s: &str) -> Option<Tz> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") {
            return Some(Tz::UTC);
        }
        let (sign, rest) = match s.as_bytes().first()? {
            b'+' => (1, &s[1..]),
            b'-' => (-1, &s[1..]),
            _ => return None,
        };
        let digits: String = rest.chars().filter(|c| *c != ':').collect();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (h, m) = match digits.len() {
            1 | 2 => (digits.parse::<i32>().ok()?, 0),
            4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
            _ => return None,
        };
        if h > 14 || m > 59 || (rest.contains(':') && rest.len() != 5) {
            return None;
        }
        Some(Tz {
            minutes: sign * (h * 60 + m),
        })
    }

    /// `+02:00` style, `Z` for UTC (what ISO-8601 text and SQLite accept).
    pub fn suffix(self) -> String {
        if self.minutes == 0 {
            return "Z".into();
        }
        let sign = if self.minutes < 0 { '-' } else { '+' };
        let m = self.minutes.abs();
        format!("{sign}{:02}:{:02}", m / 60, m % 60)
    }

    /// The SQLite date modifier that moves a UTC time into this zone (`'+120 minutes'`).
    pub fn sqlite_modifier(self) -> String {
        format!("{:+} minutes", self.minutes)
    }

    /// An archive timestamp shown to a person: `2024-09-02 20:32` (in this zone). Text that is not
    /// a timestamp is shown as it is.
    pub fn show(self, iso: &str) -> String {
        self.shift(iso)
            .map(|s| format!("{} {}", &s[..10], &s[11..16]))
            .unwrap_or_else(|| iso.to_string())
    }

    /// The calendar day (`2024-09-02`) of an archive timestamp in this zone.
    pub fn day(self, iso: &str) -> Option<String> {
        self.shift(iso).map(|s| s[..10].to_string())
    }

    /// The timestamp as ISO text in this zone, still ending in `Z`-less form (`...T22:32:04.544`).
    fn shift(self, iso: &str) -> Option<String> {
        let millis = iso_to_millis(iso)?;
        Some(millis_to_iso(millis + i64::from(self.minutes) * 60_000))
    }

    /// Reads a date the user typed (`2024-09-03`, `2024-09-03T10:00`, `2024-09-03T10:00+01:00`)
    /// as an archive timestamp. A date or time without an offset is in this zone.
    pub fn read_date(self, s: &str) -> Result<String> {
        let s = s.trim();
        let time = s.get(10..).unwrap_or("");
        let has_offset = time.ends_with(['Z', 'z'])
            || time.contains('+')
            || time.get(1..).is_some_and(|t| t.contains('-'));
        let full = if has_offset {
            s.to_string()
        } else if s.len() == 10 {
            format!("{s}T00:00:00{}", self.suffix())
        } else {
            format!("{s}{}", self.suffix())
        };
        normalize_iso(&full).ok_or_else(|| {
            Error::Usage(format!(
                "cannot read the date {s:?}: use YYYY-MM-DD, optionally with a time (YYYY-MM-DDTHH:MM) and an offset (+02:00)"
            ))
        })
    }

    /// The end of a `--until` range: a bare date means up to the end of that day.
    pub fn read_until(self, s: &str) -> Result<String> {
        let start = self.read_date(s)?;
        if s.trim().len() != 10 {
            return Ok(start);
        }
        let millis = iso_to_millis(&start).unwrap_or(0) + 86_400_000;
        Ok(millis_to_iso(millis))
    }
}

impl fmt::Display for Tz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.minutes == 0 {
            f.write_str("UTC")
        } else {
            write!(f, "UTC{}", self.suffix())
        }
    }
}

impl FromStr for Tz {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tz::parse(s).ok_or_else(|| {
            format!("{s:?} is not a UTC offset: use +HH:MM or -HH:MM (e.g. +02:00), or Z for UTC")
        })
    }
}

/// Milliseconds since the epoch of an archive timestamp (any form `normalize_iso` reads).
pub fn iso_to_millis(iso: &str) -> Option<i64> {
    let n = normalize_iso(iso)?;
    let num = |r: std::ops::Range<usize>| n.get(r)?.parse::<i64>().ok();
    let days = days_from_civil(num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    let secs = num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?;
    Some((days * 86_400 + secs) * 1000 + num(20..23)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse() {
        assert_eq!(Tz::parse("+02:00"), Some(Tz { minutes: 120 }));
        assert_eq!(Tz::parse("-0530"), Some(Tz { minutes: -330 }));
        assert_eq!(Tz::parse("+2"), Some(Tz { minutes: 120 }));
        assert_eq!(Tz::parse("Z"), Some(Tz::UTC));
        assert_eq!(Tz::parse("utc"), Some(Tz::UTC));
        assert_eq!(Tz::parse("Europe/Lisbon"), None);
        assert_eq!(Tz::parse("+25:00"), None);
        assert_eq!(Tz::parse("+2:00"), None);
        assert_eq!(Tz { minutes: -330 }.suffix(), "-05:30");
        assert_eq!(Tz { minutes: 120 }.sqlite_modifier(), "+120 minutes");
    }

    #[test]
    fn shown_in_the_zone_across_midnight() {
        let tz = Tz { minutes: 120 };
        assert_eq!(tz.show("2024-09-03T22:01:13.602Z"), "2024-09-04 00:01");
        assert_eq!(Tz::UTC.show("2024-09-03T22:01:13.602Z"), "2024-09-03 22:01");
        assert_eq!(
            Tz { minutes: -60 }.day("2024-01-01T00:30:00.000Z").unwrap(),
            "2023-12-31"
        );
        assert_eq!(tz.show("not a date"), "not a date");
    }

    #[test]
    fn typed_dates_are_read_in_the_zone() {
        let tz = Tz { minutes: 120 };
        assert_eq!(
            tz.read_date("2024-09-03").unwrap(),
            "2024-09-02T22:00:00.000Z"
        );
        assert_eq!(
            Tz::UTC.read_date("2024-09-03T10:00").unwrap(),
            "2024-09-03T10:00:00.000Z"
        );
        assert_eq!(
            tz.read_date("2024-09-03T10:00-01:00").unwrap(),
            "2024-09-03T11:00:00.000Z"
        );
        assert_eq!(
            Tz::UTC.read_until("2024-09-03").unwrap(),
            "2024-09-04T00:00:00.000Z"
        );
        assert!(Tz::UTC.read_date("last week").is_err());
    }

    #[test]
    fn millis_round_trip() {
        let iso = "2024-09-02T20:32:04.544Z";
        assert_eq!(millis_to_iso(iso_to_millis(iso).unwrap()), iso);
    }
}
