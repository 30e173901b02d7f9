//! The address policy: which hosts and addresses one fetch (and each of its redirect hops) may
//! reach.
//!
//! A configured site reaches only its own hosts (those of its feeds, sitemaps and start URLs,
//! plus its `hosts`), and never a loopback, private, link-local or unspecified address unless it
//! may ([`SiteScope::private`]). Host names are checked here; the addresses they resolve to are
//! checked by the resolver in `resolve.rs`, so a public name pointing at 127.0.0.1 is refused
//! too. IP literals are checked here, since they are never resolved.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use url::{Host, Url};

use crate::config::{Config, Site, SiteHost};

/// Where one fetch may go.
#[derive(Debug, Clone, Default)]
pub enum Scope {
    /// Anywhere: a URL the user fetches once by hand (`emend snapshot`). The library default,
    /// so a caller restricts a fetch by saying which scope it is in.
    #[default]
    Any,
    /// Any host, public addresses only: a URL watched outside every configured site.
    Public,
    /// One configured site's hosts.
    Site(Arc<SiteScope>),
}

/// A configured site's reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteScope {
    /// The site's name, for error messages.
    pub name: String,
    /// The hosts it may reach: those of its configured URLs (with their ports) and its `hosts`.
    pub hosts: Vec<SiteHost>,
    /// Whether it may reach loopback, private, link-local and unspecified addresses: set by
    /// `allow_private = true`, or implied when one of its configured URLs is such an address
    /// (`localhost` or an IP literal), as for a test server or an intranet site.
    pub private: bool,
}

impl SiteScope {
    /// The reach of `site`.
    pub fn of(site: &Site) -> SiteScope {
        let configured = || {
            site.feeds
                .iter()
                .chain(&site.sitemaps)
                .chain(&site.start_urls)
        };
        let mut hosts: Vec<SiteHost> = configured()
            .filter_map(|u| {
                Some(SiteHost {
                    host: u.host_str()?.to_ascii_lowercase(),
                    port: u.port(),
                })
            })
            .chain(site.hosts.iter().cloned())
            .collect();
        hosts.dedup();
        let private = site.allow_private || configured().any(|u| !host_is_public(u));
        SiteScope {
            name: site.name.clone(),
            hosts,
            private,
        }
    }

    /// Whether `url`'s host and port are the site's: a listed host on the port its entry
    /// names, or on a scheme's default port (80, 443).
    pub fn has_host(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        let port = url.port();
        self.hosts
            .iter()
            .any(|h| h.host.eq_ignore_ascii_case(host) && (port.is_none() || port == h.port))
    }
}

impl Scope {
    /// The scope of a check of `url`: that of the site the article was recorded under (`site`),
    /// else of the site whose `article_pattern` matches it, else [`Scope::Public`].
    pub fn for_article(config: &Config, site: Option<&str>, url: &Url) -> Scope {
        site.and_then(|name| config.sites.iter().find(|s| s.name == name))
            .or_else(|| config.site_for(url))
            .map_or(Scope::Public, |s| Scope::Site(Arc::new(SiteScope::of(s))))
    }

    /// Whether names may resolve to non-public addresses in this scope.
    pub fn private_ok(&self) -> bool {
        match self {
            Scope::Any => true,
            Scope::Public => false,
            Scope::Site(s) => s.private,
        }
    }

    /// Ok when `url` may be requested in this scope, as far as its name says (an IP literal
    /// is checked in full; a host name's addresses are checked when it is resolved). The error
    /// says why not.
    pub fn check(&self, url: &Url) -> Result<(), String> {
        if let Scope::Site(s) = self
            && !s.has_host(url)
        {
            let listed: Vec<String> = s.hosts.iter().map(ToString::to_string).collect();
            return Err(format!(
                "{} is not one of site {:?}'s hosts ({}); add it to the site's `hosts` to allow it",
                url.host_str().unwrap_or(""),
                s.name,
                listed.join(", ")
            ));
        }
        if !self.private_ok() && !host_is_public(url) {
            return Err(format!(
                "{} is a loopback, private, link-local or unspecified address{}",
                url.host_str().unwrap_or(""),
                self.private_hint()
            ));
        }
        Ok(())
    }

    /// How the user could allow private addresses here, for error messages.
    pub(crate) fn private_hint(&self) -> String {
        match self {
            Scope::Site(s) => format!(
                "; set allow_private = true in site {:?} to allow it",
                s.name
            ),
            _ => "; only a configured site may reach one (see allow_private in sites.toml)".into(),
        }
    }
}

/// False when `url`'s host is `localhost` (or a name under it) or an IP literal that is not
/// a public address; host names are otherwise taken as public until resolved.
fn host_is_public(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d != "localhost" && !d.ends_with(".localhost")
        }
        None => false,
    }
}

/// Whether `ip` is an address on the public internet: not loopback, private (RFC 1918, unique
/// local), shared (100.64/10), link-local, unspecified, broadcast, multicast or documentation.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still private)
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x0064 && ip.segments()[1] == 0xff9b && ip.segments()[2] == 0 // NAT64 well-known
        || ip.segments()[..6] == [0; 6]) // IPv4-compatible, deprecated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "127.0.0.2",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700::1111", "172.32.0.1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    fn scope(hosts: &[(&str, Option<u16>)], private: bool) -> Scope {
        Scope::Site(Arc::new(SiteScope {
            name: "s".into(),
            hosts: hosts
                .iter()
                .map(|(h, p)| SiteHost {
                    host: (*h).into(),
                    port: *p,
                })
                .collect(),
            private,
        }))
    }

    #[test]
    fn a_site_reaches_its_hosts_on_their_ports_and_default_ports_only() {
        let s = scope(&[("a.test", None), ("127.0.0.1", Some(8080))], true);
        let ok = |u: &str| s.check(&Url::parse(u).unwrap()).is_ok();
        assert!(ok("https://a.test/x"));
        assert!(ok("http://A.test/x"));
        assert!(!ok("http://a.test:8081/x"));
        assert!(!ok("https://b.test/x"));
        assert!(ok("http://127.0.0.1:8080/x"));
        assert!(!ok("http://127.0.0.1:8081/x"));
    }

    #[test]
    fn private_addresses_need_a_site_that_allows_them() {
        let u = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert!(Scope::Public.check(&u).is_err());
        assert!(
            Scope::Public
                .check(&Url::parse("http://localhost/").unwrap())
                .is_err()
        );
        assert!(Scope::Any.check(&u).is_ok());
        assert!(
            scope(&[("127.0.0.1", Some(8080))], false)
                .check(&u)
                .is_err()
        );
        assert!(scope(&[("127.0.0.1", Some(8080))], true).check(&u).is_ok());
    }
}
