//! The last connection error librdkafka reported to a client (a failed TLS
//! handshake, refused SASL credentials, a broken connection). librdkafka
//! retries those by itself, so an operation only times out; the error it
//! returns then names the likely cause instead of a bare "timed out".

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rdkafka::error::{KafkaError, RDKafkaErrorCode};

/// How long an error is worth mentioning after it happened.
const RELEVANT_FOR: Duration = Duration::from_secs(300);

/// The last error of one client; shared by nothing else.
#[derive(Debug, Default)]
pub(super) struct LastError(Mutex<Option<(Instant, String)>>);

impl LastError {
    /// Remember `error` (with librdkafka's `reason`, which carries the
    /// detail: "SSL handshake failed: ... certificate verify failed"). End
    /// of partition is not an error, and "all brokers are down" only
    /// summarises the connection errors before it.
    pub(super) fn record(&self, error: &KafkaError, reason: &str) {
        if matches!(error, KafkaError::PartitionEOF(_))
            || matches!(
                error.rdkafka_error_code(),
                Some(RDKafkaErrorCode::PartitionEOF | RDKafkaErrorCode::AllBrokersDown)
            )
        {
            return;
        }
        let text = if reason.is_empty() { error.to_string() } else { reason.to_owned() };
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), text));
    }

    /// `message`, followed by the last connection error if there was one
    /// recently.
    pub(super) fn explain(&self, message: String) -> String {
        let last = self.0.lock().unwrap_or_else(PoisonError::into_inner).clone();
        match last {
            Some((at, text)) if at.elapsed() < RELEVANT_FOR => {
                format!("{message} (last broker connection error, {}s ago: {text})", at.elapsed().as_secs())
            }
            _ => message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_real_error_explains_a_failure() {
        let last = LastError::default();
        assert_eq!(last.explain("create: timed out".into()), "create: timed out");
        let ssl = KafkaError::Global(RDKafkaErrorCode::SSL);
        last.record(&ssl, "ssl://127.0.0.1:9093/bootstrap: SSL handshake failed: certificate verify failed");
        last.record(&KafkaError::Global(RDKafkaErrorCode::AllBrokersDown), "1/1 brokers are down");
        last.record(&KafkaError::Global(RDKafkaErrorCode::PartitionEOF), "end");
        let explained = last.explain("create: timed out".into());
        assert!(explained.starts_with("create: timed out (last broker connection error, 0s ago: "), "{explained}");
        assert!(explained.ends_with("certificate verify failed)"), "{explained}");
    }
}
