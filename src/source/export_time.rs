//! When an export was made. The newest conversation update is a lower bound only: an export made
//! right after deleting the most recently updated conversation would look older than the one
//! before it, and the deletion would go unnoticed. The export's own evidence (its ZIP's entry
//! times, a time in its file name) moves it later, never earlier.

use super::export::{Export, ZipTimes};
use crate::model::time::{days_from_civil, millis_to_iso};

/// A DOS time in a ZIP is the packer's local time in an unknown zone: UTC±14 h at most.
const DOS_ZONE_SLACK: i64 = 14 * 3600;

/// Where `imports.export_time` came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportTimeSource {
    /// The newest conversation update.
    Conversations,
    /// The times of the ZIP's entries.
    ZipEntries,
    /// The time in the export's file name.
    FileName,
}

impl ExportTimeSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportTimeSource::Conversations => "conversations",
            ExportTimeSource::ZipEntries => "zip_entries",
            ExportTimeSource::FileName => "file_name",
        }
    }
}

/// What an export's container says about when it was made, kept once the export itself has gone
/// to the reader thread.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    zip_times: ZipTimes,
    /// The newest time found in the file names of the export's parts (seconds, taken as UTC).
    name_time: Option<i64>,
}

impl Evidence {
    pub fn of(export: &Export) -> Evidence {
        Evidence {
            zip_times: export.zip_times,
            name_time: export
                .part_file_names()
                .iter()
                .filter_map(|n| time_in_name(n))
                .max(),
        }
    }

    /// max(newest update, evidence), and where it came from. A plain DOS time counts only as far
    /// as it is certain: 14 hours earlier than it reads, so only when it is more than 14 hours
    /// past the newest update.
    pub fn export_time(&self, newest_update: Option<&str>) -> Option<(String, ExportTimeSource)> {
        let mut best = newest_update.map(|t| (t.to_string(), ExportTimeSource::Conversations));
        let candidates = [
            (self.name_time, ExportTimeSource::FileName),
            (self.zip_times.utc, ExportTimeSource::ZipEntries),
            (
                self.zip_times.local.map(|t| t - DOS_ZONE_SLACK),
                ExportTimeSource::ZipEntries,
            ),
        ];
        for (secs, source) in candidates {
            let Some(secs) = secs.filter(|s| *s > 0) else {
                continue;
            };
            let iso = millis_to_iso(secs.saturating_mul(1000));
            if best.as_ref().is_none_or(|(t, _)| iso > *t) {
                best = Some((iso, source));
            }
        }
        best
    }
}

/// `<hash>-2026-06-01-12-30-45.zip`, `data-2026-03-02-15-59-23-batch-0000.zip`: the first
/// `YYYY-MM-DD-HH-MM-SS` in the name, in seconds since the epoch.
pub fn time_in_name(name: &str) -> Option<i64> {
    let b = name.as_bytes();
    const SHAPE: &[u8] = b"dddd-dd-dd-dd-dd-dd";
    (0..b.len().checked_sub(SHAPE.len() - 1)?).find_map(|i| {
        let w = &b[i..i + SHAPE.len()];
        let fits = w.iter().zip(SHAPE).all(|(c, s)| {
            if *s == b'd' {
                c.is_ascii_digit()
            } else {
                c == s
            }
        });
        // Not part of a longer run of digits (an id that happens to hold the shape).
        let before_ok = i == 0 || !b[i - 1].is_ascii_digit();
        let after_ok = b.get(i + SHAPE.len()).is_none_or(|c| !c.is_ascii_digit());
        if !(fits && before_ok && after_ok) {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> i64 {
            std::str::from_utf8(&w[r])
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(-1)
        };
        let (y, mo, d, h, mi, s) = (
            num(0..4),
            num(5..7),
            num(8..10),
            num(11..13),
            num(14..16),
            num(17..19),
        );
        if !(1990..=9999).contains(&y)
            || !(1..=12).contains(&mo)
            || !(1..=31).contains(&d)
            || h > 23
            || mi > 59
            || s > 60
        {
            return None;
        }
        Some(days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + s)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(iso: &str) -> i64 {
        let d = days_from_civil(
            iso[0..4].parse().unwrap(),
            iso[5..7].parse().unwrap(),
            iso[8..10].parse().unwrap(),
        );
        d * 86_400
            + iso[11..13].parse::<i64>().unwrap() * 3600
            + iso[14..16].parse::<i64>().unwrap() * 60
    }

    #[test]
    fn times_in_export_file_names() {
        assert_eq!(
            time_in_name("3f2a9c-2026-06-01-12-30-45.zip"),
            Some(at("2026-06-01T12:30") + 45)
        );
        assert_eq!(
            time_in_name("data-2026-03-02-15-59-23-batch-0000.zip"),
            Some(at("2026-03-02T15:59") + 23)
        );
        assert_eq!(time_in_name("export.zip"), None);
        assert_eq!(time_in_name("x-2026-13-01-12-30-45.zip"), None, "month 13");
        assert_eq!(
            time_in_name("12026-06-01-12-30-45"),
            None,
            "longer digit run"
        );
    }

    #[test]
    fn evidence_only_moves_the_time_later() {
        let newest = "2026-06-01T10:00:00.000Z";
        let none = Evidence::default();
        assert_eq!(
            none.export_time(Some(newest)),
            Some((newest.to_string(), ExportTimeSource::Conversations))
        );
        assert_eq!(none.export_time(None), None);
        // A file name from before the newest update says nothing new.
        let early = Evidence {
            name_time: Some(at("2026-05-01T00:00")),
            ..Default::default()
        };
        assert_eq!(
            early.export_time(Some(newest)).unwrap().1,
            ExportTimeSource::Conversations
        );
        let named = Evidence {
            name_time: Some(at("2026-06-01T12:30")),
            ..Default::default()
        };
        assert_eq!(
            named.export_time(Some(newest)),
            Some((
                "2026-06-01T12:30:00.000Z".into(),
                ExportTimeSource::FileName
            ))
        );
        // Extended timestamps are UTC: taken as they are.
        let utc = Evidence {
            zip_times: ZipTimes {
                utc: Some(at("2026-06-01T11:00")),
                local: None,
            },
            ..Default::default()
        };
        assert_eq!(
            utc.export_time(Some(newest)),
            Some((
                "2026-06-01T11:00:00.000Z".into(),
                ExportTimeSource::ZipEntries
            ))
        );
        // A DOS time 13 hours later could be the same moment in another zone: not evidence.
        let dos_near = Evidence {
            zip_times: ZipTimes {
                utc: None,
                local: Some(at("2026-06-01T23:00")),
            },
            ..Default::default()
        };
        assert_eq!(
            dos_near.export_time(Some(newest)).unwrap().1,
            ExportTimeSource::Conversations
        );
        // Two days later it is, counted from the earliest moment it can be.
        let dos_far = Evidence {
            zip_times: ZipTimes {
                utc: None,
                local: Some(at("2026-06-03T10:00")),
            },
            ..Default::default()
        };
        assert_eq!(
            dos_far.export_time(Some(newest)),
            Some((
                "2026-06-02T20:00:00.000Z".into(),
                ExportTimeSource::ZipEntries
            ))
        );
    }
}
