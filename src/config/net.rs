//! The networks of `allow` host words (`set httpd ... allow HOST`): an address, an
//! `address/prefix`, an `address/netmask`, or a host name standing for all its addresses.
//! [`literal`] is pure and tells a bad net or mask from a host name, so validation reports
//! the first as an error; [`resolve`] asks the resolver for a name, and
//! [`resolve_allows`] fills the nets of a loaded configuration's words (both blocking:
//! call them off the async threads).

use std::net::IpAddr;

use ipnet::IpNet;

use super::model::{Allow, Config};
use super::source::{Diagnostic, Diagnostics, Severity, Span};

/// Fills the nets of the `allow` host words of `set httpd` (`hosts`: their spans, none from
/// YAML). When a TCP listener is configured, host names are resolved; one that does not
/// resolve is a warning and allows nothing.
pub fn resolve_allows(config: &mut Config, hosts: &[(Span, String)], diags: &mut Diagnostics) {
    let Some(httpd) = &mut config.httpd else { return };
    let listening = httpd.port.is_some();
    for allow in &mut httpd.allow {
        let Allow::Host(host) = allow else { continue };
        host.nets = match literal(&host.word) {
            Ok(Some(net)) => vec![net],
            Ok(None) if !listening => Vec::new(),
            Ok(None) => resolve(&host.word).unwrap_or_else(|e| {
                let span = hosts.iter().find(|(_, w)| *w == host.word).map(|(span, _)| *span);
                let message = format!("allow {}: {e}", host.word);
                diags.push(Diagnostic { severity: Severity::Warning, span, message, help: None });
                Vec::new()
            }),
            // Reported by validation.
            Err(_) => Vec::new(),
        };
    }
}

/// The net a word writes out, `Ok(None)` when the word is a host name (no mask and not an
/// address), or why the word is not a net.
pub fn literal(word: &str) -> Result<Option<IpNet>, String> {
    let (host, mask) = match word.split_once('/') {
        Some((h, m)) => (h, Some(m)),
        None => (word, None),
    };
    let address = match host.parse::<IpAddr>() {
        Ok(ip) => ip,
        Err(_) if mask.is_none() => return Ok(None),
        Err(_) => return Err(format!("'{word}' is not an address/mask")),
    };
    let prefix = match mask {
        None => full(address),
        Some(m) => prefix(word, address, m)?,
    };
    IpNet::new(address, prefix).map(Some).map_err(|e| format!("'{word}': {e}"))
}

/// The nets of a word: its literal net, or every address of a host name (each a host net).
pub fn resolve(word: &str) -> Result<Vec<IpNet>, String> {
    if let Some(net) = literal(word)? {
        return Ok(vec![net]);
    }
    use std::net::ToSocketAddrs;
    let resolved = (word, 0u16).to_socket_addrs().map_err(|e| format!("cannot resolve '{word}': {e}"))?;
    Ok(resolved.map(|a| IpNet::from(a.ip().to_canonical())).collect())
}

/// The bits of a full address of the same family.
fn full(address: IpAddr) -> u8 {
    if address.is_ipv4() { 32 } else { 128 }
}

/// A prefix length (`/24`) or, for IPv4, a netmask (`/255.255.255.0`).
fn prefix(word: &str, address: IpAddr, mask: &str) -> Result<u8, String> {
    let full = full(address);
    match mask.parse::<u8>() {
        Ok(p) if p <= full => Ok(p),
        Ok(_) => Err(format!("'{word}': the prefix is longer than {full} bits")),
        Err(_) => match mask.parse::<IpAddr>() {
            Ok(IpAddr::V4(netmask)) if address.is_ipv4() => {
                ipnet::ipv4_mask_to_prefix(netmask).map_err(|_| format!("'{word}': {mask} is not a netmask"))
            }
            _ => Err(format!("'{word}': {mask} is not a prefix length or a netmask")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_prefixes_masks_and_names() {
        assert_eq!(literal("10.1.0.0/16"), Ok(Some("10.1.0.0/16".parse().unwrap())));
        assert_eq!(literal("192.168.1.0/255.255.255.0"), Ok(Some("192.168.1.0/24".parse().unwrap())));
        assert_eq!(literal("::1"), Ok(Some("::1/128".parse().unwrap())));
        assert_eq!(literal("localhost"), Ok(None));
        assert!(literal("10.0.0.0/255.0.255.0").unwrap_err().contains("is not a netmask"));
        assert!(literal("10.0.0.0/33").unwrap_err().contains("longer than 32 bits"));
        assert!(literal("host/24").is_err());
    }

    #[test]
    fn a_loaded_configuration_holds_its_nets_and_a_bad_mask_is_an_error() {
        let text = "set httpd port 2812 allow admin:monit allow 10.1.0.0/255.255.0.0 allow ::1\n";
        let loaded = crate::config::load_str("monitrc", text, Default::default()).unwrap();
        let nets: Vec<IpNet> = loaded
            .config
            .httpd
            .unwrap()
            .allow
            .iter()
            .filter_map(|a| match a {
                Allow::Host(host) => Some(host.nets.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(nets, ["10.1.0.0/16".parse::<IpNet>().unwrap(), "::1/128".parse().unwrap()]);
        let bad = "set httpd port 2812 allow admin:monit allow 10.0.0.0/33\n";
        assert!(crate::config::load_str("monitrc", bad, Default::default()).is_err());
    }
}
