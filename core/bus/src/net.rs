//! Outbound HTTP for jobs, flows and plugins, behind an SSRF guard: names resolve only to
//! public addresses (no loopback, private, link-local, CGNAT, multicast or reserved ranges)
//! unless the platform admin allows private targets; IP literals are checked the same way;
//! redirects are not followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// True for addresses a tenant's request must never reach.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

/// IPv6 destinations a tenant's request must never reach: loopback, unspecified, multicast,
/// unique-local, link-local and site-local, and every form that carries an IPv4 address
/// inside (mapped `::ffff:a.b.c.d` by what it maps to; the deprecated IPv4-compatible
/// `::a.b.c.d`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4 `2002::/16` and Teredo
/// `2001::/32` whatever they carry: a gateway on the way may reach an internal address
/// through them), the discard prefix `100::/64` and documentation `2001:db8::/32`.
fn is_internal_v6(v6: Ipv6Addr) -> bool {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return is_internal_v4(v4);
    }
    let s = v6.segments();
    let compatible = s[..6].iter().all(|x| *x == 0);
    v6.is_loopback()
        || v6.is_unspecified()
        || v6.is_multicast()
        || compatible
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|x| *x == 0)) // NAT64
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64
        || s[0] == 0x2002 // 6to4
        || (s[0] == 0x2001 && s[1] == 0) // Teredo
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x100 && s[1..4].iter().all(|x| *x == 0)) // discard-only
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || a >= 240
}

/// Resolves names and drops internal addresses (all of them internal: an error).
#[derive(Debug, Clone, Copy)]
struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| !is_internal(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} resolves only to internal addresses").into());
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// A shared HTTP client with the guard in place.
#[derive(Debug, Clone)]
pub struct OutboundHttp {
    client: reqwest::Client,
    allow_internal: bool,
}

impl OutboundHttp {
    /// `allow_internal` lifts the guard (tests, or a platform admin's explicit choice).
    pub fn new(allow_internal: bool) -> Self {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("TucanLink/", env!("CARGO_PKG_VERSION")));
        if !allow_internal {
            builder = builder.dns_resolver(Arc::new(GuardedResolver));
        }
        OutboundHttp {
            client: builder.build().unwrap_or_default(),
            allow_internal,
        }
    }

    /// Check a URL before a request: scheme http(s), and an IP literal host must be public.
    pub fn check_url(&self, url: &str) -> Result<reqwest::Url, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("only http and https URLs are allowed".into());
        }
        let internal = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => is_internal(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => is_internal(IpAddr::V6(ip)),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => return Err("the URL has no host".into()),
        };
        if internal && !self.allow_internal {
            return Err(format!("{url} points at an internal address"));
        }
        Ok(parsed)
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_ranges_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700::1111",
            "100.128.0.1",
            "::ffff:8.8.8.8",
            "2001:4860:4860::8888",
            "2a03:2880:f003:c07:face:b00c::2",
        ] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn every_ipv6_form_that_carries_an_ipv4_address_is_refused() {
        // Each form with 127.0.0.1, 10.0.0.1 or 169.254.169.254 inside, and the prefixes
        // whatever they carry.
        for (form, ip) in [
            ("IPv4-mapped", "::ffff:127.0.0.1"),
            ("IPv4-mapped, metadata", "::ffff:169.254.169.254"),
            ("IPv4-compatible", "::127.0.0.1"),
            ("IPv4-compatible, private", "::10.0.0.1"),
            ("IPv4-compatible, public", "::8.8.8.8"),
            ("NAT64", "64:ff9b::127.0.0.1"),
            ("NAT64, metadata", "64:ff9b::a9fe:a9fe"),
            ("NAT64, public", "64:ff9b::8.8.8.8"),
            ("local-use NAT64", "64:ff9b:1::a00:1"),
            ("local-use NAT64, deep", "64:ff9b:1:ffff::1"),
            ("6to4 of 127.0.0.1", "2002:7f00:1::1"),
            ("6to4 of 10.0.0.1", "2002:a00:1::"),
            ("6to4 of a public address", "2002:808:808::1"),
            ("Teredo", "2001:0:4136:e378:8000:63bf:3fff:fdd2"),
            ("Teredo of loopback", "2001::7f00:1"),
            ("site-local", "fec0::1"),
            ("documentation", "2001:db8::1"),
            ("discard-only", "100::1"),
            ("unspecified", "::"),
            ("multicast", "ff02::1"),
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{form}: {ip}");
            let http = OutboundHttp::new(false);
            assert!(
                http.check_url(&format!("http://[{ip}]/hook")).is_err(),
                "{form}: {ip}"
            );
        }
    }

    #[test]
    fn urls_are_checked_before_any_request() {
        let http = OutboundHttp::new(false);
        assert!(http.check_url("http://127.0.0.1:8080/x").is_err());
        assert!(http.check_url("http://[::1]/").is_err());
        assert!(http.check_url("http://localhost/").is_err());
        assert!(http.check_url("file:///etc/passwd").is_err());
        assert!(http.check_url("not a url").is_err());
        assert!(http.check_url("https://example.com/hook").is_ok());
        assert!(
            OutboundHttp::new(true)
                .check_url("http://127.0.0.1:8080/x")
                .is_ok()
        );
    }

    #[tokio::test]
    async fn names_resolving_inside_are_refused() {
        let name: Name = "localhost".parse().unwrap();
        let err = GuardedResolver.resolve(name).await.err().unwrap();
        assert!(err.to_string().contains("internal"), "{err}");
    }
}
