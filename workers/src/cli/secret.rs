//! Secrets given on the command line or, as they should be, through the
//! environment from a Kubernetes Secret: a [`Secret`] never shows its value
//! in `Debug` output (so not in logs either), and [`redact_url`] hides the
//! password of a URL.

/// A secret value (a password). `Debug` and `Display` print `<redacted>`;
/// [`Secret::expose`] gives the value to whoever must send it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a value.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself: only for handing it to a client library.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The value parser of secret flags.
///
/// # Errors
/// Never: any string is a secret (an empty one too: Redis and SASL refuse
/// it themselves).
pub fn parse_secret(s: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::new(s))
}

/// `url` with the password of its user-info (`scheme://user:PASSWORD@host`)
/// and any `pass=` query parameter replaced by `<redacted>`.
#[must_use]
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(start) = out.find("://").map(|i| i + 3) {
        let authority_end = out[start..].find(['/', '?', '#']).map_or(out.len(), |i| start + i);
        if let Some(at) = out[start..authority_end].rfind('@').map(|i| start + i)
            && let Some(colon) = out[start..at].find(':').map(|i| start + i)
        {
            out.replace_range(colon + 1..at, "<redacted>");
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|pair| if pair.starts_with("pass=") { "pass=<redacted>".to_owned() } else { pair.to_owned() })
            .collect();
        out = format!("{head}{}", query.join("&"));
    }
    out
}

/// `url` without the password of its user-info (the user name stays) and
/// without any `pass=` query parameter: the address alone, to hand to
/// whoever gets the password another way.
#[must_use]
pub fn without_password(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(start) = out.find("://").map(|i| i + 3) {
        let authority_end = out[start..].find(['/', '?', '#']).map_or(out.len(), |i| start + i);
        if let Some(at) = out[start..authority_end].rfind('@').map(|i| start + i)
            && let Some(colon) = out[start..at].find(':').map(|i| start + i)
        {
            // No user left: drop the `@` as well.
            let end = if colon == start { at + 1 } else { at };
            out.replace_range(colon..end, "");
        }
    }
    if let Some(q) = out.find('?') {
        let kept: Vec<&str> = out[q + 1..].split('&').filter(|p| !p.starts_with("pass=")).collect();
        out = if kept.is_empty() { out[..q].to_owned() } else { format!("{}?{}", &out[..q], kept.join("&")) };
    }
    out
}

/// Percent-encode a user name or password for the user-info of a URL
/// (everything but RFC 3986 unreserved characters).
#[must_use]
pub fn encode_userinfo(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `url` with `user` and `password` as its credentials, replacing any it
/// had: in the user-info of a `redis://` or `rediss://` URL, as the `user`
/// and `pass` query parameters of a `unix://`/`redis+unix://` one.
#[must_use]
pub fn with_credentials(url: &str, user: Option<&str>, password: &Secret) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    if scheme.ends_with("unix") {
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut pairs: Vec<String> = query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("pass=") && (user.is_none() || !p.starts_with("user=")))
            .map(str::to_owned)
            .collect();
        if let Some(user) = user {
            pairs.push(format!("user={}", encode_userinfo(user)));
        }
        pairs.push(format!("pass={}", encode_userinfo(password.expose())));
        return format!("{scheme}://{path}?{}", pairs.join("&"));
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (old_user, host) = match authority.rsplit_once('@') {
        Some((info, host)) => (info.split_once(':').map_or(info, |(u, _)| u), host),
        None => ("", authority),
    };
    let user = user.map_or_else(|| old_user.to_owned(), encode_userinfo);
    format!("{scheme}://{user}:{}@{host}{tail}", encode_userinfo(password.expose()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "<redacted> <redacted>");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(<redacted>)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact_url("redis://:hunter2@redis:6379/0"), "redis://:<redacted>@redis:6379/0");
        assert_eq!(redact_url("rediss://app:p%40ss@redis/"), "rediss://app:<redacted>@redis/");
        assert_eq!(redact_url("redis://redis:6379/"), "redis://redis:6379/");
        assert_eq!(redact_url("redis://user@redis:6379/"), "redis://user@redis:6379/");
        assert_eq!(
            redact_url("unix:///run/redis.sock?db=1&pass=hunter2"),
            "unix:///run/redis.sock?db=1&pass=<redacted>"
        );
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn passwords_are_taken_out_of_urls() {
        assert_eq!(without_password("redis://:hunter2@redis:6379/0"), "redis://redis:6379/0");
        assert_eq!(without_password("rediss://app:p%40ss@redis/"), "rediss://app@redis/");
        assert_eq!(without_password("redis://redis:6379/"), "redis://redis:6379/");
        assert_eq!(without_password("redis://user@redis:6379/"), "redis://user@redis:6379/");
        assert_eq!(without_password("unix:///run/redis.sock?db=1&pass=hunter2"), "unix:///run/redis.sock?db=1");
        assert_eq!(without_password("unix:///run/redis.sock?pass=hunter2"), "unix:///run/redis.sock");
        assert_eq!(without_password("not a url"), "not a url");
        // Put back, the password gives the URL it came from.
        let pw = Secret::new("hunter2");
        let url = "rediss://app:hunter2@redis:6380/2";
        assert_eq!(with_credentials(&without_password(url), None, &pw), url);
    }

    #[test]
    fn credentials_go_into_the_url_encoded() {
        let pw = Secret::new("p@ss:w/rd?#%");
        let encoded = "p%40ss%3Aw%2Frd%3F%23%25";
        assert_eq!(with_credentials("redis://redis:6379/", None, &pw), format!("redis://:{encoded}@redis:6379/"));
        assert_eq!(
            with_credentials("rediss://old:gone@redis:6380/2", None, &pw),
            format!("rediss://old:{encoded}@redis:6380/2")
        );
        assert_eq!(
            with_credentials("redis://old:gone@redis", Some("app user"), &pw),
            format!("redis://app%20user:{encoded}@redis")
        );
        assert_eq!(
            with_credentials("unix:///run/redis.sock?db=1&pass=old", Some("app"), &pw),
            format!("unix:///run/redis.sock?db=1&user=app&pass={encoded}")
        );
        assert_eq!(with_credentials("garbage", None, &pw), "garbage");
    }
}
