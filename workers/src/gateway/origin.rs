//! The `Origin` check of WebSocket upgrades (`--allowed-origins`).
//!
//! Browsers send the page's origin with every WebSocket upgrade, and
//! WebSockets are not subject to CORS: without a check, any web site could
//! open a viewer connection from its visitors' browsers. With an allow-list
//! configured, an upgrade whose `Origin` is not on it is refused with 403.
//!
//! Entries are origins as browsers send them, `scheme://host[:port]`
//! (`https://live.example.com`, `http://localhost:8080`), a wildcard
//! subdomain (`https://*.example.com`: any subdomain, not the domain
//! itself) or `*` (any origin). Comparison ignores ASCII case, a trailing
//! `/` and the scheme's default port. An empty list allows any origin.
//! Requests without an `Origin` header come from non-browser clients
//! (which can send any header they like) and are allowed: the check
//! protects browser users, it does not authenticate.

/// Why an `--allowed-origins` entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    #[error(
        "allowed origin {0:?}: expected scheme://host[:port] with scheme http or https, e.g. https://live.example.com"
    )]
    Syntax(String),
    #[error("allowed origin {0:?}: an origin has no path, query or fragment; drop everything after the host and port")]
    HasPath(String),
}

impl OriginError {
    /// Stable short category for metrics labels.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            OriginError::Syntax(_) => "origin_syntax",
            OriginError::HasPath(_) => "origin_path",
        }
    }
}

/// An origin's parts, normalized: lowercase scheme and host, the default
/// port dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parts {
    scheme: String,
    host: String,
    port: Option<u16>,
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// Split `scheme://host[:port]`; `None` if it is not of that form.
fn parts(origin: &str) -> Option<Parts> {
    let origin = origin.trim().trim_end_matches('/');
    let (scheme, rest) = origin.split_once("://")?;
    if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) {
        return None;
    }
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    // An IPv6 host is in brackets: the port follows the closing one.
    let (host, port) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains(']') => (&rest[..i], Some(rest[i + 1..].parse::<u16>().ok()?)),
        _ => (rest, None),
    };
    if host.is_empty() {
        return None;
    }
    let port = port.filter(|p| Some(*p) != default_port(&scheme));
    Some(Parts { scheme, host: host.to_ascii_lowercase(), port })
}

/// Check one `--allowed-origins` entry (the flag's value parser); returns
/// it trimmed. An empty entry is kept (and ignored by the check), so an
/// empty `LIVEMATCH_ALLOWED_ORIGINS` means "any origin".
///
/// # Errors
/// The entry is not `*`, nor `http(s)://host[:port]` (the host may start
/// with `*.`).
pub fn parse_allowed_origin(entry: &str) -> Result<String, OriginError> {
    let entry = entry.trim();
    if entry.is_empty() || entry == "*" {
        return Ok(entry.to_owned());
    }
    if let Some((_, rest)) = entry.split_once("://")
        && rest.trim_end_matches('/').contains(['/', '?', '#'])
    {
        return Err(OriginError::HasPath(entry.to_owned()));
    }
    match parts(entry) {
        Some(p) if matches!(p.scheme.as_str(), "http" | "https") && valid_host(&p.host) => Ok(entry.to_owned()),
        _ => Err(OriginError::Syntax(entry.to_owned())),
    }
}

fn valid_host(host: &str) -> bool {
    let host = host.strip_prefix("*.").unwrap_or(host);
    if host.starts_with('[') {
        return host.ends_with(']') && host.len() > 2;
    }
    !host.is_empty()
        && !host.contains('*')
        && host.split('.').all(|label| {
            !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Whether `origin` matches one allow-list `entry`.
fn matches(entry: &str, origin: &Parts) -> bool {
    if entry == "*" {
        return true;
    }
    let Some(want) = parts(entry) else { return false };
    if want.scheme != origin.scheme || want.port != origin.port {
        return false;
    }
    match want.host.strip_prefix("*.") {
        Some(domain) => origin.host.strip_suffix(domain).is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
        None => want.host == origin.host,
    }
}

/// Whether a WebSocket upgrade with this `Origin` header may proceed (see
/// the module docs). `origin` is the header's value, `None` without one.
#[must_use]
pub fn origin_allowed(allowed: &[String], origin: Option<&str>) -> bool {
    let mut entries = allowed.iter().map(|e| e.trim()).filter(|e| !e.is_empty()).peekable();
    if entries.peek().is_none() {
        return true;
    }
    let Some(origin) = origin else { return true };
    // "null" (sandboxed frames, file:// pages) and anything that is not an
    // origin match nothing but `*`.
    match parts(origin) {
        Some(parts) => entries.any(|e| matches(e, &parts)),
        None => entries.any(|e| e == "*"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|e| (*e).to_owned()).collect()
    }

    #[test]
    fn empty_list_allows_anything() {
        assert!(origin_allowed(&[], Some("https://evil.example")));
        assert!(origin_allowed(&list(&["", " "]), Some("https://evil.example")));
        assert!(origin_allowed(&[], None));
    }

    #[test]
    fn exact_origins_match_case_and_default_port_insensitively() {
        let allowed = list(&["https://live.example.com", "http://localhost:8080/"]);
        assert!(origin_allowed(&allowed, Some("https://live.example.com")));
        assert!(origin_allowed(&allowed, Some("HTTPS://LIVE.EXAMPLE.COM")));
        assert!(origin_allowed(&allowed, Some("https://live.example.com:443")));
        assert!(origin_allowed(&allowed, Some("http://localhost:8080")));
        assert!(!origin_allowed(&allowed, Some("http://localhost")));
        assert!(!origin_allowed(&allowed, Some("http://localhost:8081")));
        assert!(!origin_allowed(&allowed, Some("https://live.example.com:8443")));
        assert!(!origin_allowed(&allowed, Some("http://live.example.com")), "scheme matters");
        assert!(!origin_allowed(&allowed, Some("https://live.example.com.evil.example")));
        assert!(!origin_allowed(&allowed, Some("https://evil-live.example.com")));
        assert!(!origin_allowed(&allowed, Some("null")));
        assert!(!origin_allowed(&allowed, Some("")));
        assert!(!origin_allowed(&allowed, Some("https://user@live.example.com")));
        assert!(origin_allowed(&allowed, None), "non-browser clients send no Origin");
    }

    #[test]
    fn wildcards() {
        assert!(origin_allowed(&list(&["*"]), Some("https://any.example")));
        assert!(origin_allowed(&list(&["*"]), Some("null")));
        let allowed = list(&["https://*.example.com"]);
        assert!(origin_allowed(&allowed, Some("https://live.example.com")));
        assert!(origin_allowed(&allowed, Some("https://a.b.example.com")));
        assert!(!origin_allowed(&allowed, Some("https://example.com")), "the domain itself is not a subdomain");
        assert!(!origin_allowed(&allowed, Some("https://evilexample.com")));
        assert!(!origin_allowed(&allowed, Some("https://example.com.evil.io")));
        assert!(!origin_allowed(&allowed, Some("http://live.example.com")));
    }

    #[test]
    fn ipv6_hosts_keep_their_port() {
        let allowed = list(&["http://[::1]:8080"]);
        assert!(origin_allowed(&allowed, Some("http://[::1]:8080")));
        assert!(!origin_allowed(&allowed, Some("http://[::1]")));
        assert!(origin_allowed(&list(&["http://[::1]"]), Some("http://[::1]:80")));
    }

    #[test]
    fn entries_are_checked_when_parsed() {
        for ok in
            ["", "*", "https://live.example.com", "http://localhost:8080", "https://*.example.com", "http://[::1]:80"]
        {
            assert_eq!(parse_allowed_origin(ok).as_deref(), Ok(ok), "{ok}");
        }
        assert_eq!(parse_allowed_origin(" https://a.example ").as_deref(), Ok("https://a.example"));
        for bad in
            ["live.example.com", "ftp://live.example.com", "https://", "https://a b", "https://*", "https://a.*.com"]
        {
            let err = parse_allowed_origin(bad).expect_err(bad);
            assert_eq!(err.metric_label(), "origin_syntax", "{bad}: {err}");
            assert!(err.to_string().contains(bad.trim()), "{err}");
        }
        let err = parse_allowed_origin("https://live.example.com/app").expect_err("a path");
        assert_eq!(err.metric_label(), "origin_path");
        assert!(err.to_string().contains("no path"), "{err}");
        assert_eq!(
            parse_allowed_origin("https://live.example.com:99999").map_err(|e| e.metric_label()),
            Err("origin_syntax")
        );
    }
}
