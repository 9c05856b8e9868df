//! Dates on the command line and on screen. The archive stores UTC (`2024-09-02T20:32:04.544Z`);
//! a [`Tz`] is a named zone of the IANA database (`Europe/Lisbon`, bundled into the binary by
//! jiff, so a fresh machine needs nothing), a fixed offset (`+02:00`) or UTC. It reads the dates
//! a person types and shows dates with the zone's rules on that day (summer time included).

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

use crate::error::{Error, Result};
use crate::model::time::{days_from_civil, millis_to_iso, normalize_iso};

/// A time zone and the name it is shown under (`Europe/Lisbon`, `UTC+02:00`, `UTC`).
#[derive(Debug, Clone)]
pub struct Tz {
    zone: TimeZone,
    name: String,
}

impl Default for Tz {
    fn default() -> Tz {
        Tz::utc()
    }
}

impl PartialEq for Tz {
    fn eq(&self, other: &Tz) -> bool {
        self.name == other.name
    }
}

impl Tz {
    pub fn utc() -> Tz {
        Tz {
            zone: TimeZone::UTC,
            name: "UTC".into(),
        }
    }

    /// `Europe/Lisbon` (any case), `+02:00`, `-0530`, `+2`, `Z`, `UTC`.
    pub fn parse(s: &str) -> Option<Tz> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") {
            return Some(Tz::utc());
        }
        if let Some(minutes) = parse_offset(s) {
            if minutes == 0 {
                return Some(Tz::utc());
            }
            let offset = Offset::from_seconds(minutes * 60).ok()?;
            return Some(Tz {
                zone: TimeZone::fixed(offset),
                name: format!("UTC{}", offset_text(minutes)),
            });
        }
        // Only names of the bundled database: never a path, never the system's files.
        if s.is_empty() || s.starts_with(['/', '.']) || s.contains("..") {
            return None;
        }
        let zone = jiff::tz::db().get(s).ok()?;
        let name = zone.iana_name().unwrap_or(s).to_string();
        Some(Tz { zone, name })
    }

    /// The zone of this computer (the `TZ` variable, `/etc/localtime`); UTC when it cannot be
    /// told.
    pub fn system() -> Tz {
        match TimeZone::try_system() {
            Ok(zone) => {
                let name = zone.iana_name().unwrap_or("local time").to_string();
                Tz { zone, name }
            }
            Err(_) => Tz::utc(),
        }
    }

    pub fn is_utc(&self) -> bool {
        self.name == "UTC"
    }

    fn zoned(&self, iso: &str) -> Option<jiff::Zoned> {
        let millis = iso_to_millis(iso)?;
        let ts = Timestamp::from_millisecond(millis).ok()?;
        Some(ts.to_zoned(self.zone.clone()))
    }

    /// An archive timestamp shown to a person: `2024-09-02 20:32` (in this zone). Text that is not
    /// a timestamp is shown as it is.
    pub fn show(&self, iso: &str) -> String {
        self.zoned(iso)
            .map(|z| z.strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| iso.to_string())
    }

    /// The calendar day (`2024-09-02`) of an archive timestamp in this zone.
    pub fn day(&self, iso: &str) -> Option<String> {
        self.zoned(iso).map(|z| z.strftime("%Y-%m-%d").to_string())
    }

    /// The month (`2024-09`) of an archive timestamp in this zone.
    pub fn month(&self, iso: &str) -> Option<String> {
        self.zoned(iso).map(|z| z.strftime("%Y-%m").to_string())
    }

    /// An archive timestamp as ISO 8601 text in this zone, for files: `...Z` in UTC, else with
    /// the offset in force then (`2024-09-02T21:32:04.544+01:00`).
    pub fn iso(&self, iso: &str) -> String {
        if self.is_utc() {
            return normalize_iso(iso).unwrap_or_else(|| iso.to_string());
        }
        match self.zoned(iso) {
            Some(z) => format!(
                "{}.{:03}{}",
                z.strftime("%Y-%m-%dT%H:%M:%S"),
                z.timestamp().subsec_millisecond(),
                z.strftime("%:z")
            ),
            None => iso.to_string(),
        }
    }

    /// Reads a date the user typed (`2024-09-03`, `2024-09-03T10:00`, `2024-09-03T10:00+01:00`)
    /// as an archive timestamp. A date or time without an offset is in this zone (a time that
    /// summer time skips or repeats is read as the clocks would show it first).
    pub fn read_date(&self, s: &str) -> Result<String> {
        let s = s.trim();
        let bad = || {
            Error::Usage(format!(
                "cannot read the date {s:?}: use YYYY-MM-DD, optionally with a time (YYYY-MM-DDTHH:MM) and an offset (+02:00)"
            ))
        };
        let time = s.get(10..).unwrap_or("");
        let has_offset = time.ends_with(['Z', 'z'])
            || time.contains('+')
            || time.get(1..).is_some_and(|t| t.contains('-'));
        if has_offset {
            return normalize_iso(s).ok_or_else(bad);
        }
        let civil: DateTime = if s.len() == 10 {
            s.parse::<Date>()
                .map_err(|_| bad())?
                .to_datetime(jiff::civil::Time::midnight())
        } else {
            s.parse::<DateTime>().map_err(|_| bad())?
        };
        self.instant(civil).ok_or_else(bad)
    }

    /// The end of a `--until` range: a bare date means up to the start of the next day there
    /// (23 or 25 hours later on the days summer time starts or ends).
    pub fn read_until(&self, s: &str) -> Result<String> {
        let start = self.read_date(s)?;
        let s = s.trim();
        if s.len() != 10 {
            return Ok(start);
        }
        let next = s
            .parse::<Date>()
            .ok()
            .and_then(|d| d.tomorrow().ok())
            .map(|d| d.to_datetime(jiff::civil::Time::midnight()));
        next.and_then(|n| self.instant(n))
            .ok_or_else(|| Error::Usage(format!("cannot read the date {s:?}: it is out of range")))
    }

    fn instant(&self, civil: DateTime) -> Option<String> {
        let z = self.zone.to_ambiguous_zoned(civil).compatible().ok()?;
        Some(millis_to_iso(z.timestamp().as_millisecond()))
    }
}

/// `+02:00`, `-0530`, `+2` as minutes east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = match digits.len() {
        1 | 2 => (digits.parse().ok()?, 0),
        4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        _ => return None,
    };
    if h > 14 || m > 59 || (rest.contains(':') && rest.len() != 5) {
        return None;
    }
    Some(sign * (h * 60 + m))
}

fn offset_text(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

impl fmt::Display for Tz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl FromStr for Tz {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tz::parse(s).ok_or_else(|| {
            format!(
                "{s:?} is not a time zone: use a name of the tz database (Europe/Lisbon, America/New_York), \
                 an offset (+02:00, -05:30) or UTC"
            )
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

    fn tz(s: &str) -> Tz {
        Tz::parse(s).unwrap()
    }

    #[test]
    fn zones_parse() {
        assert_eq!(tz("+02:00").to_string(), "UTC+02:00");
        assert_eq!(tz("-0530").to_string(), "UTC-05:30");
        assert_eq!(tz("+2").to_string(), "UTC+02:00");
        assert_eq!(tz("Z").to_string(), "UTC");
        assert_eq!(tz("utc").to_string(), "UTC");
        assert_eq!(tz("+00:00").to_string(), "UTC");
        assert_eq!(tz("Europe/Lisbon").to_string(), "Europe/Lisbon");
        assert_eq!(tz("europe/lisbon").to_string(), "Europe/Lisbon");
        assert!(Tz::parse("Europe/Atlantis").is_none());
        assert!(Tz::parse("/etc/localtime").is_none());
        assert!(Tz::parse("+25:00").is_none());
        assert!(Tz::parse("+2:00").is_none());
    }

    #[test]
    fn lisbon_follows_summer_time() {
        let lisbon = tz("Europe/Lisbon");
        // Winter: UTC+0; summer: UTC+1.
        assert_eq!(lisbon.show("2024-01-15T12:00:00.000Z"), "2024-01-15 12:00");
        assert_eq!(lisbon.show("2024-07-15T12:00:00.000Z"), "2024-07-15 13:00");
        assert_eq!(
            lisbon.iso("2024-07-15T12:00:00.000Z"),
            "2024-07-15T13:00:00.000+01:00"
        );
        assert_eq!(
            lisbon.iso("2024-01-15T12:00:00.000Z"),
            "2024-01-15T12:00:00.000+00:00"
        );
        // 23:30 UTC on 31 May is 00:30 on 1 June in Lisbon: June's month.
        assert_eq!(lisbon.month("2024-05-31T23:30:00.000Z").unwrap(), "2024-06");
        assert_eq!(
            Tz::utc().month("2024-05-31T23:30:00.000Z").unwrap(),
            "2024-05"
        );
    }

    #[test]
    fn shown_in_the_zone_across_midnight() {
        let tz2 = tz("+02:00");
        assert_eq!(tz2.show("2024-09-03T22:01:13.602Z"), "2024-09-04 00:01");
        assert_eq!(
            Tz::utc().show("2024-09-03T22:01:13.602Z"),
            "2024-09-03 22:01"
        );
        assert_eq!(
            tz("-01:00").day("2024-01-01T00:30:00.000Z").unwrap(),
            "2023-12-31"
        );
        assert_eq!(tz2.show("not a date"), "not a date");
    }

    #[test]
    fn typed_dates_are_read_in_the_zone() {
        let tz2 = tz("+02:00");
        assert_eq!(
            tz2.read_date("2024-09-03").unwrap(),
            "2024-09-02T22:00:00.000Z"
        );
        assert_eq!(
            Tz::utc().read_date("2024-09-03T10:00").unwrap(),
            "2024-09-03T10:00:00.000Z"
        );
        assert_eq!(
            tz2.read_date("2024-09-03T10:00-01:00").unwrap(),
            "2024-09-03T11:00:00.000Z"
        );
        assert_eq!(
            Tz::utc().read_until("2024-09-03").unwrap(),
            "2024-09-04T00:00:00.000Z"
        );
        // The day summer time starts in Lisbon has 23 hours.
        let lisbon = tz("Europe/Lisbon");
        assert_eq!(
            lisbon.read_date("2024-03-31").unwrap(),
            "2024-03-31T00:00:00.000Z"
        );
        assert_eq!(
            lisbon.read_until("2024-03-31").unwrap(),
            "2024-03-31T23:00:00.000Z"
        );
        assert!(Tz::utc().read_date("last week").is_err());
    }

    #[test]
    fn millis_round_trip() {
        let iso = "2024-09-02T20:32:04.544Z";
        assert_eq!(millis_to_iso(iso_to_millis(iso).unwrap()), iso);
    }
}
