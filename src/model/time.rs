//! Timestamps in the archive are ISO-8601 UTC text with milliseconds (`2024-09-02T20:32:04.544Z`):
//! readable in any SQL tool and ordered correctly by plain string comparison.

/// Epoch seconds (as exported: a float) to ISO-8601, rounded (not truncated) to the millisecond:
/// `1725309124.544` is stored as `1725309124.5439999` in binary and must come out as `.544`.
pub fn epoch_to_iso(secs: f64) -> Option<String> {
    if !secs.is_finite() || secs.abs() > 253_402_300_799.0 {
        return None; // beyond year 9999: not a real timestamp
    }
    let millis = (secs * 1000.0).round() as i64;
    Some(millis_to_iso(millis))
}

pub fn millis_to_iso(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses ISO-8601 as found in exports and on the command line (`2024-09-02`,
/// `2024-09-02T20:32:04Z`, `2024-09-02 20:32:04.123456+00:00`, `...+02:00`) into the archive's
/// normal form. Returns None for anything else.
pub fn normalize_iso(s: &str) -> Option<String> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut millis = days_from_civil(y, mo, d) * 86_400_000;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(millis_to_iso(millis));
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (h, mi) = (
        rest.get(0..2)?.parse::<i64>().ok()?,
        rest.get(3..5)?.parse::<i64>().ok()?,
    );
    let mut i = 5;
    let mut sec = 0i64;
    let mut frac_ms = 0i64;
    if rest.as_bytes().get(5) == Some(&b':') {
        sec = rest.get(6..8)?.parse().ok()?;
        i = 8;
        if rest.as_bytes().get(8) == Some(&b'.') {
            let digits: String = rest[9..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            i = 9 + digits.len();
            let padded = format!("{digits:0<4}");
            // Round to the millisecond like epoch floats are.
            frac_ms = (padded[..4].parse::<i64>().ok()? + 5) / 10;
        }
    }
    millis += ((h * 60 + mi) * 60 + sec) * 1000 + frac_ms;
    let zone = &rest[i..];
    let offset_min = match zone {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let z = zone[1..].replace(':', "");
            let zh: i64 = z.get(0..2)?.parse().ok()?;
            let zm: i64 = z.get(2..4).map(|m| m.parse().unwrap_or(0)).unwrap_or(0);
            sign * (zh * 60 + zm)
        }
    };
    Some(millis_to_iso(millis - offset_min * 60_000))
}

/// The archive's ISO-8601 text (any form `normalize_iso` reads) as milliseconds since the epoch,
/// UTC: what a Parquet `TIMESTAMP(MILLIS, true)` holds.
pub fn iso_to_millis(s: &str) -> Option<i64> {
    let n = normalize_iso(s)?;
    let num = |r: std::ops::Range<usize>| -> Option<i64> { n.get(r)?.parse().ok() };
    let days = days_from_civil(num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    let secs = (num(11..13)? * 60 + num(14..16)?) * 60 + num(17..19)?;
    Some((days * 86_400 + secs) * 1000 + num(20..23)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_to_millis_round_trips() {
        assert_eq!(iso_to_millis("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(
            iso_to_millis("2024-09-02T20:32:04.544Z"),
            Some(1_725_309_124_544)
        );
        assert_eq!(iso_to_millis("1969-12-31T23:59:59.999Z"), Some(-1));
        assert_eq!(
            iso_to_millis("2024-09-02T22:32:04.544+02:00"),
            Some(1_725_309_124_544)
        );
        assert_eq!(iso_to_millis("yesterday"), None);
        for ms in [0, 1, 951_782_400_000, 1_725_309_124_544, -86_400_001] {
            assert_eq!(iso_to_millis(&millis_to_iso(ms)), Some(ms));
        }
    }

    #[test]
    fn epoch_rounds_to_the_millisecond() {
        assert_eq!(
            epoch_to_iso(1725309124.544).unwrap(),
            "2024-09-02T20:32:04.544Z"
        );
        assert_eq!(
            epoch_to_iso(1725309124.0).unwrap(),
            "2024-09-02T20:32:04.000Z"
        );
        assert_eq!(
            epoch_to_iso(1725309124.9996).unwrap(),
            "2024-09-02T20:32:05.000Z"
        );
        assert_eq!(epoch_to_iso(0.0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            epoch_to_iso(951782400.0).unwrap(),
            "2000-02-29T00:00:00.000Z"
        );
        assert!(epoch_to_iso(f64::NAN).is_none());
        assert!(epoch_to_iso(1e300).is_none());
    }

    #[test]
    fn iso_inputs_normalize() {
        assert_eq!(
            normalize_iso("2024-09-02").unwrap(),
            "2024-09-02T00:00:00.000Z"
        );
        assert_eq!(
            normalize_iso("2025-03-02T15:59:23.123456Z").unwrap(),
            "2025-03-02T15:59:23.123Z"
        );
        assert_eq!(
            normalize_iso("2025-03-02T15:59:23.9996+00:00").unwrap(),
            "2025-03-02T15:59:24.000Z"
        );
        assert_eq!(
            normalize_iso("2025-03-02 01:00:00+02:00").unwrap(),
            "2025-03-01T23:00:00.000Z"
        );
        assert_eq!(
            normalize_iso("2025-03-02T10:00").unwrap(),
            "2025-03-02T10:00:00.000Z"
        );
        assert!(normalize_iso("yesterday").is_none());
        assert!(normalize_iso("2025-13-01").is_none());
    }
}
