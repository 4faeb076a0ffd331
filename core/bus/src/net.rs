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
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal_v4(v4);
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || v6 == Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0)
        }
    }
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
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "100.128.0.1"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
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
