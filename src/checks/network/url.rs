//! `url http[s]://[user:password@]host[:port][/path[?query]]`: the parts a URL test needs.

/// A parsed test URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    /// The path and query, `/` when the URL has none.
    pub request: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl Url {
    pub fn parse(text: &str) -> Result<Url, String> {
        let (tls, rest) = if let Some(rest) = strip_prefix_ignore_case(text, "https://") {
            (true, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(text, "http://") {
            (false, rest)
        } else {
            return Err(format!("URL {text}: only http:// and https:// are supported"));
        };
        let (authority, request) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_owned()),
            None => (rest, "/".to_owned()),
        };
        let (credentials, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (username, password) = match credentials {
            Some(c) => match c.split_once(':') {
                Some((u, p)) => (Some(u.to_owned()), Some(p.to_owned())),
                None => (Some(c.to_owned()), None),
            },
            None => (None, None),
        };
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| format!("URL {text}: unclosed '['"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| format!("URL {text}: bad port '{p}'"))?,
                None => default_port,
            };
            (host.to_owned(), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), p.parse().map_err(|_| format!("URL {text}: bad port '{p}'"))?),
                None => (hostport.to_owned(), default_port),
            }
        };
        if host.is_empty() {
            return Err(format!("URL {text}: no host"));
        }
        Ok(Url { tls, host, port, request, username, password })
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_split() {
        let url = Url::parse("https://bob:s:ecret@example.com:8443/health?x=1").unwrap();
        assert_eq!(
            url,
            Url {
                tls: true,
                host: "example.com".into(),
                port: 8443,
                request: "/health?x=1".into(),
                username: Some("bob".into()),
                password: Some("s:ecret".into()),
            }
        );
        let url = Url::parse("http://[::1]").unwrap();
        assert_eq!((url.host.as_str(), url.port, url.request.as_str()), ("::1", 80, "/"));
        assert!(Url::parse("ftp://x/").is_err());
        assert!(Url::parse("http://host:x/").is_err());
    }
}
