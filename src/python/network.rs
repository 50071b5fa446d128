//! Network addresses, bit strings and hstore maps in PostgreSQL's binary forms.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An inet or cidr value as text (`10.0.0.1`, `10.0.0.0/8`, `::1/128`) and whether it is a
/// cidr (a network) rather than an inet (a host, with its netmask when it has one).
pub(super) fn inet_text(b: &[u8]) -> Result<(String, bool), String> {
    let [family, bits, is_cidr, len, addr @ ..] = b else {
        return Err("inet value ends early".into());
    };
    let ip = match (family, usize::from(*len), addr) {
        (2, 4, [a, b, c, d]) => IpAddr::V4(Ipv4Addr::new(*a, *b, *c, *d)),
        (3, 16, bytes) if bytes.len() == 16 => {
            let mut o = [0u8; 16];
            o.copy_from_slice(bytes);
            IpAddr::V6(Ipv6Addr::from(o))
        }
        _ => return Err("not an inet value".into()),
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let cidr = *is_cidr != 0;
    Ok(if cidr || *bits != max {
        (format!("{ip}/{bits}"), cidr)
    } else {
        (ip.to_string(), cidr)
    })
}

/// The binary form of an address written `addr` or `addr/bits`, for an inet (or, with
/// `cidr`, a cidr) parameter.
pub(super) fn inet_binary(text: &str, cidr: bool) -> Result<Vec<u8>, String> {
    let bad = || format!("{text:?} is not an IP address or network");
    let (addr, bits) = match text.split_once('/') {
        Some((a, b)) => (a, Some(b.parse::<u8>().map_err(|_| bad())?)),
        None => (text, None),
    };
    let ip: IpAddr = addr.parse().map_err(|_| bad())?;
    let (family, octets, max) = match ip {
        IpAddr::V4(v) => (2u8, v.octets().to_vec(), 32u8),
        IpAddr::V6(v) => (3u8, v.octets().to_vec(), 128u8),
    };
    let bits = bits.unwrap_or(max);
    if bits > max {
        return Err(bad());
    }
    let mut out = vec![family, bits, u8::from(cidr), octets.len() as u8];
    out.extend(octets);
    Ok(out)
}

/// A macaddr (6 bytes) or macaddr8 (8 bytes) as `08:00:2b:01:02:03`.
pub(super) fn mac_text(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A bit or bit varying value as a string of 0s and 1s.
pub(super) fn bits_text(b: &[u8]) -> Result<String, String> {
    let (len, data) = b.split_at_checked(4).ok_or("bit value ends early")?;
    let n = usize::try_from(i32::from_be_bytes(
        len.try_into().map_err(|_| "bad length")?,
    ))
    .map_err(|_| "negative bit length")?;
    Ok((0..n)
        .map(|i| match data.get(i / 8) {
            Some(byte) if byte & (0x80 >> (i % 8)) != 0 => '1',
            _ => '0',
        })
        .collect())
}

/// An hstore's pairs (a NULL value is None).
pub(super) fn hstore_pairs(b: &[u8]) -> Result<Vec<(String, Option<String>)>, String> {
    let mut r = b;
    let take_i32 = |r: &mut &[u8]| -> Result<i32, String> {
        let (head, tail) = r.split_at_checked(4).ok_or("hstore value ends early")?;
        *r = tail;
        Ok(i32::from_be_bytes(
            head.try_into().map_err(|_| "bad length")?,
        ))
    };
    let text = |r: &mut &[u8], n: usize| -> Result<String, String> {
        let (head, tail) = r.split_at_checked(n).ok_or("hstore value ends early")?;
        *r = tail;
        String::from_utf8(head.to_vec()).map_err(|e| e.to_string())
    };
    let count = take_i32(&mut r)?;
    let mut pairs = Vec::new();
    for _ in 0..count {
        let klen = usize::try_from(take_i32(&mut r)?).map_err(|_| "NULL hstore key")?;
        let key = text(&mut r, klen)?;
        let value = match usize::try_from(take_i32(&mut r)?) {
            Ok(n) => Some(text(&mut r, n)?),
            Err(_) => None,
        };
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// The binary form of hstore pairs.
pub(super) fn hstore_binary(pairs: &[(String, Option<String>)]) -> Vec<u8> {
    let mut out = (pairs.len() as i32).to_be_bytes().to_vec();
    for (k, v) in pairs {
        out.extend((k.len() as i32).to_be_bytes());
        out.extend(k.as_bytes());
        match v {
            Some(v) => {
                out.extend((v.len() as i32).to_be_bytes());
                out.extend(v.as_bytes());
            }
            None => out.extend((-1i32).to_be_bytes()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        for (text, cidr) in [("10.0.0.1", false), ("10.0.0.0/8", true), ("::1/64", false)] {
            assert_eq!(
                inet_text(&inet_binary(text, cidr).unwrap()).unwrap(),
                (text.to_string(), cidr)
            );
        }
        assert_eq!(
            inet_text(&inet_binary("10.0.0.0", true).unwrap())
                .unwrap()
                .0,
            "10.0.0.0/32"
        );
        assert!(inet_binary("10.0.0.1/33", false).is_err());
    }

    #[test]
    fn bits_and_hstores_read_back() {
        assert_eq!(bits_text(&[0, 0, 0, 5, 0b1010_1000]).unwrap(), "10101");
        let pairs = vec![
            ("a".to_string(), Some("1".to_string())),
            ("b".to_string(), None),
        ];
        assert_eq!(hstore_pairs(&hstore_binary(&pairs)).unwrap(), pairs);
        assert_eq!(mac_text(&[8, 0, 0x2b, 1, 2, 3]), "08:00:2b:01:02:03");
    }
}
