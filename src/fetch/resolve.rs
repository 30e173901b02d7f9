//! A DNS resolver for reqwest that keeps only public addresses, so a fetch that may not reach
//! private addresses cannot be sent there by a host name (or a DNS answer that changes between
//! a check and the connect: the check is the connect's own resolution).

use std::net::SocketAddr;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::policy::is_public;

/// The error a refused resolution ends in; found again in reqwest's error chain to report an
/// [`crate::error::Error::AddressRefused`] rather than a network failure.
#[derive(Debug)]
pub(crate) struct NonPublicAddress {
    pub(crate) name: String,
    pub(crate) addrs: Vec<SocketAddr>,
}

impl std::fmt::Display for NonPublicAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ips: Vec<String> = self.addrs.iter().map(|a| a.ip().to_string()).collect();
        write!(
            f,
            "{} resolves only to non-public addresses ({})",
            self.name,
            ips.join(", ")
        )
    }
}

impl std::error::Error for NonPublicAddress {}

/// Resolves with the system resolver, then drops every address that is not public.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let public = public_addrs(&name).await?;
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// The public addresses of `name`; [`NonPublicAddress`] when it has only others.
pub(crate) async fn public_addrs(
    name: &str,
) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
    // Port 0: reqwest sets the request's port on each address it connects to.
    let all: Vec<SocketAddr> = tokio::net::lookup_host((name, 0)).await?.collect();
    let public: Vec<SocketAddr> = all.iter().copied().filter(|a| is_public(a.ip())).collect();
    if public.is_empty() && !all.is_empty() {
        return Err(Box::new(NonPublicAddress {
            name: name.to_owned(),
            addrs: all,
        }));
    }
    Ok(public)
}
