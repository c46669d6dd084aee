//! The client's address behind reverse proxies. Forwarding headers are believed only
//! when the peer is a trusted proxy (`TRUSTED_PROXIES`); then the client is the
//! right-most hop that is not itself trusted, since every hop to its left could have
//! been written by the client.

use std::net::{IpAddr, Ipv6Addr};

use axum::http::HeaderMap;
use ipnet::IpNet;

fn trusted(ip: IpAddr, proxies: &[IpNet]) -> bool {
    proxies.iter().any(|n| n.contains(&ip))
}

/// One hop of `X-Forwarded-For` or a `Forwarded` `for=`: an address, maybe quoted,
/// bracketed or with a port.
fn parse_hop(raw: &str) -> Option<IpAddr> {
    let s = raw.trim().trim_matches('"');
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    // IPv4 with a port.
    let (host, port) = s.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse().ok()
}

fn forwarded_for(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.trim().eq_ignore_ascii_case("for").then(|| v.to_string())
            })
        })
        .collect()
}

/// The address a request came from, for rate limits and logs.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, proxies: &[IpNet]) -> IpAddr {
    if !trusted(peer, proxies) {
        return peer;
    }
    let mut hops: Vec<String> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::to_string)
        .collect();
    if hops.is_empty() {
        hops = forwarded_for(headers);
    }
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) if trusted(ip, proxies) => continue,
            Some(ip) => return ip,
            // Garbage where an address should be: believe nothing further left.
            None => return peer,
        }
    }
    // Every hop is a trusted proxy: the left-most is as far as we can see.
    hops.first().and_then(|h| parse_hop(h)).unwrap_or(peer)
}

/// The key a per-address limit counts under: IPv6 clients by their /64, since one
/// subscriber is routinely given a whole /64.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// The caller's address as limits count it (`limit_key` of `client_ip`).
pub struct ClientAddr(pub String);

impl axum::extract::FromRequestParts<crate::web::AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::web::AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        let ip = client_ip(peer, &parts.headers, &state.config.trusted_proxies);
        Ok(Self(limit_key(ip).to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_trusted;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let proxies = parse_trusted("10.0.0.0/8, 192.0.2.1").unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        // An untrusted peer cannot claim another address.
        assert_eq!(
            client_ip(ip("198.51.100.9"), &h, &proxies),
            ip("198.51.100.9")
        );
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &proxies), ip("203.0.113.7"));
        // No proxies configured: never believed.
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &[]), ip("10.1.2.3"));
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let proxies = parse_trusted("10.0.0.0/8").unwrap();
        // The client wrote "1.1.1.1" itself; our proxies appended the rest.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.7, 10.0.0.5")]);
        assert_eq!(client_ip(ip("10.0.0.9"), &h, &proxies), ip("203.0.113.7"));
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "203.0.113.8"),
        ]);
        assert_eq!(client_ip(ip("10.0.0.9"), &h, &proxies), ip("203.0.113.8"));
        let h = headers(&[("x-forwarded-for", "not-an-ip")]);
        assert_eq!(client_ip(ip("10.0.0.9"), &h, &proxies), ip("10.0.0.9"));
    }

    #[test]
    fn forwarded_is_read_when_there_is_no_x_forwarded_for() {
        let proxies = parse_trusted("10.0.0.0/8").unwrap();
        let h = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"",
        )]);
        assert_eq!(
            client_ip(ip("10.0.0.9"), &h, &proxies),
            ip("2001:db8:cafe::17")
        );
        let h = headers(&[("forwarded", "for=198.51.100.3:8080")]);
        assert_eq!(client_ip(ip("10.0.0.9"), &h, &proxies), ip("198.51.100.3"));
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        assert_eq!(
            limit_key(ip("2001:db8:1:2:aaaa::1")),
            limit_key(ip("2001:db8:1:2:bbbb::2"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:2::1")),
            limit_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(limit_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(limit_key(ip("192.0.2.1")), ip("192.0.2.1"));
    }

    #[test]
    fn bad_proxy_settings_are_named() {
        assert!(
            parse_trusted("10.0.0.0/8,nonsense")
                .unwrap_err()
                .contains("nonsense")
        );
        assert_eq!(parse_trusted("").unwrap(), Vec::<IpNet>::new());
    }
}
