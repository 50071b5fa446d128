//! numeric's binary form (base-10000 digits, weight, sign, display scale) to and from
//! decimal text, exactly: Python's `Decimal` goes through text, never through a float.

use super::rows::Reader;

/// A numeric's binary form (base-10000 digits, weight, sign, display scale) as decimal text.
pub(super) fn numeric_text(b: &[u8]) -> Result<String, String> {
    let mut r = Reader(b);
    let ndigits = usize::try_from(r.i16()?).map_err(|_| "negative digit count")?;
    let weight = i32::from(r.i16()?);
    let sign = r.i16()? as u16;
    let dscale = usize::try_from(r.i16()?).map_err(|_| "negative scale")?;
    match sign {
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        _ => {}
    }
    let digits: Vec<i16> = (0..ndigits).map(|_| r.i16()).collect::<Result<_, _>>()?;
    let digit = |i: i32| -> i16 {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.get(i).copied())
            .unwrap_or(0)
    };
    let mut out = String::new();
    if sign == 0x4000 {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        for i in 0..=weight {
            let d = digit(i);
            if i == 0 {
                out.push_str(&d.to_string());
            } else {
                out.push_str(&format!("{d:04}"));
            }
        }
    }
    if dscale > 0 {
        out.push('.');
        let mut frac = String::new();
        let mut i = weight + 1;
        while frac.len() < dscale {
            frac.push_str(&format!("{:04}", digit(i)));
            i += 1;
        }
        frac.truncate(dscale);
        out.push_str(&frac);
    }
    Ok(out)
}

/// A decimal number's text (`"-12.50"`, `"1e3"`, `"NaN"`) in numeric's binary form.
pub(super) fn numeric_binary(text: &str) -> Result<Vec<u8>, String> {
    let bad = || format!("{text:?} is not a number");
    let t = text.trim();
    let special = match t.to_ascii_lowercase().as_str() {
        "nan" => Some(0xC000u16),
        "infinity" | "inf" | "+infinity" | "+inf" => Some(0xD000),
        "-infinity" | "-inf" => Some(0xF000),
        _ => None,
    };
    let mut out = Vec::new();
    if let Some(sign) = special {
        for v in [0i16, 0, sign as i16, 0] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        return Ok(out);
    }
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i64>().map_err(|_| bad())?),
        None => (t, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part
            .chars()
            .chain(frac_part.chars())
            .all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    // All digits with the decimal point at `point` (counted from the left).
    let digits: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|b| b - b'0')
        .collect();
    let point = int_part.len() as i64 + exp;
    let dscale = (frac_part.len() as i64 - exp).max(0);
    // Group into base-10000 digits aligned on the decimal point.
    let first_group = point.div_euclid(4) + i64::from(point.rem_euclid(4) != 0);
    let start = first_group * 4 - point; // leading zero padding before the first digit
    let mut padded: Vec<u8> = vec![0; start.max(0) as usize];
    padded.extend(&digits);
    while !padded.len().is_multiple_of(4) {
        padded.push(0);
    }
    let mut groups: Vec<i16> = padded
        .chunks(4)
        .map(|c| c.iter().fold(0i16, |acc, d| acc * 10 + i16::from(*d)))
        .collect();
    let mut weight = first_group - 1;
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let sign: u16 = if negative && !groups.is_empty() {
        0x4000
    } else {
        0
    };
    let header = [
        i16::try_from(groups.len()).map_err(|_| bad())?,
        i16::try_from(weight).map_err(|_| bad())?,
        sign as i16,
        i16::try_from(dscale).map_err(|_| bad())?,
    ];
    for v in header.iter().chain(groups.iter()) {
        out.extend_from_slice(&v.to_be_bytes());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(ndigits: i16, weight: i16, sign: u16, dscale: i16, digits: &[i16]) -> Vec<u8> {
        let mut b = Vec::new();
        for v in [ndigits, weight, sign as i16, dscale] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        for d in digits {
            b.extend_from_slice(&d.to_be_bytes());
        }
        b
    }

    #[test]
    fn numerics_read_exactly() {
        assert_eq!(
            numeric_text(&numeric(2, 0, 0, 2, &[12, 5000])).unwrap(),
            "12.50"
        );
        assert_eq!(
            numeric_text(&numeric(1, -1, 0x4000, 3, &[10])).unwrap(),
            "-0.001"
        );
        assert_eq!(numeric_text(&numeric(1, 1, 0, 0, &[1])).unwrap(), "10000");
        assert_eq!(numeric_text(&numeric(0, 0, 0, 0, &[])).unwrap(), "0");
        assert_eq!(numeric_text(&numeric(0, 0, 0xC000, 0, &[])).unwrap(), "NaN");
    }

    #[test]
    fn numerics_round_trip_through_their_binary_form() {
        for (input, shown) in [
            ("12.50", "12.50"),
            ("-0.001", "-0.001"),
            ("10000", "10000"),
            ("0", "0"),
            ("0.0", "0.0"),
            ("123456789.000000001", "123456789.000000001"),
            ("1e3", "1000"),
            ("1.5E-3", "0.0015"),
            ("NaN", "NaN"),
            ("-Infinity", "-Infinity"),
            (
                "99999999999999999999999999999999.99",
                "99999999999999999999999999999999.99",
            ),
        ] {
            let b = numeric_binary(input).unwrap();
            assert_eq!(numeric_text(&b).unwrap(), shown, "{input}");
        }
        assert!(numeric_binary("12a").is_err());
        assert!(numeric_binary("").is_err());
    }
}
