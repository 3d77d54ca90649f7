//! The Kafka security settings that have flags of their own
//! (`--kafka-security-protocol`, `--kafka-sasl-mechanism`): the values this
//! build's librdkafka supports, checked when the flags are parsed rather
//! than when the first client is created.

use clap::ValueEnum;

/// librdkafka `security.protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SecurityProtocol {
    /// No TLS, no SASL (librdkafka's default).
    #[value(name = "PLAINTEXT")]
    Plaintext,
    /// TLS; the brokers' certificates are verified (`ssl.ca.location`).
    #[value(name = "SSL")]
    Ssl,
    /// SASL without TLS.
    #[value(name = "SASL_PLAINTEXT")]
    SaslPlaintext,
    /// SASL over TLS.
    #[value(name = "SASL_SSL")]
    SaslSsl,
}

impl SecurityProtocol {
    /// The librdkafka value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityProtocol::Plaintext => "PLAINTEXT",
            SecurityProtocol::Ssl => "SSL",
            SecurityProtocol::SaslPlaintext => "SASL_PLAINTEXT",
            SecurityProtocol::SaslSsl => "SASL_SSL",
        }
    }
}

/// librdkafka `sasl.mechanism`: the ones this build has (GSSAPI/Kerberos
/// needs libsasl2, which is not linked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SaslMechanism {
    /// User name and password in the clear: use it over `SASL_SSL`.
    #[value(name = "PLAIN")]
    Plain,
    /// Salted challenge-response, SHA-256.
    #[value(name = "SCRAM-SHA-256")]
    ScramSha256,
    /// Salted challenge-response, SHA-512.
    #[value(name = "SCRAM-SHA-512")]
    ScramSha512,
    /// OAuth 2 bearer tokens (`sasl.oauthbearer.*` options).
    #[value(name = "OAUTHBEARER")]
    OAuthBearer,
}

impl SaslMechanism {
    /// The librdkafka value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
            SaslMechanism::OAuthBearer => "OAUTHBEARER",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_librdkafkas() {
        for p in SecurityProtocol::value_variants() {
            assert_eq!(p.to_possible_value().map(|v| v.get_name().to_owned()).as_deref(), Some(p.as_str()));
        }
        for m in SaslMechanism::value_variants() {
            assert_eq!(m.to_possible_value().map(|v| v.get_name().to_owned()).as_deref(), Some(m.as_str()));
        }
    }
}
