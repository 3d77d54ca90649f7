//! Where a match's events come from: the simulator or a recorded match.

use std::path::PathBuf;

use livematch_sports::Sport;
use livematch_sports::cricket::{self, Format};

/// A match source, as given on the command line or in a LiveMatch spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Generate a match with the seeded simulator.
    Simulate { format: Format, seed: u64, teams: Option<(String, String)> },
    /// Replay a recorded match (a Cricsheet JSON file).
    Replay { path: PathBuf },
    /// Replay a recorded match downloaded from an HTTP(S) URL.
    ReplayUrl { url: String },
}

/// Largest replay file accepted from a URL.
pub const MAX_REPLAY_BYTES: usize = 32 * 1024 * 1024;

/// Why a source could not produce its events.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("replay file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("replay file {path}: {source}")]
    Parse { path: PathBuf, source: cricket::cricsheet::CricsheetError },
    #[error("replay URL {url}: {message}")]
    Download { url: String, message: String },
    #[error("replay URL {url}: {source}")]
    ParseUrl { url: String, source: cricket::cricsheet::CricsheetError },
}

impl SourceError {
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            SourceError::Read { .. } => "replay_read",
            SourceError::Parse { .. } | SourceError::ParseUrl { .. } => "replay_parse",
            SourceError::Download { .. } => "replay_download",
        }
    }
}

impl Source {
    /// The sport this source plays.
    #[must_use]
    pub fn sport(&self) -> Sport {
        Sport::Cricket
    }

    /// Every event of the match, in order. Deterministic: the same source
    /// always yields the same events (that is what lets a restarted
    /// producer continue where it stopped).
    ///
    /// # Errors
    /// The replay file cannot be read or downloaded, or is not a valid
    /// Cricsheet match.
    pub async fn events(&self) -> Result<Vec<cricket::Event>, SourceError> {
        match self {
            Source::Simulate { format, seed, teams } => {
                let config = cricket::sim::SimConfig { format: *format, seed: *seed, teams: teams.clone() };
                Ok(cricket::sim::simulate(&config))
            }
            Source::Replay { path } => {
                let bytes = std::fs::read(path).map_err(|source| SourceError::Read { path: path.clone(), source })?;
                let replay = cricket::cricsheet::parse(&bytes)
                    .map_err(|source| SourceError::Parse { path: path.clone(), source })?;
                Ok(replay.events)
            }
            Source::ReplayUrl { url } => {
                let bytes = download(url).await?;
                let replay = cricket::cricsheet::parse(&bytes)
                    .map_err(|source| SourceError::ParseUrl { url: url.clone(), source })?;
                Ok(replay.events)
            }
        }
    }
}

async fn download(url: &str) -> Result<Vec<u8>, SourceError> {
    let fail = |message: String| SourceError::Download { url: url.to_string(), message };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(fail("only http:// and https:// URLs are supported".into()));
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let mut response = client.get(url).send().await.map_err(|e| fail(e.to_string()))?;
    if !response.status().is_success() {
        return Err(fail(format!("HTTP status {}", response.status())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| fail(e.to_string()))? {
        if body.len() + chunk.len() > MAX_REPLAY_BYTES {
            return Err(fail(format!("larger than {MAX_REPLAY_BYTES} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serve `body` once over plain HTTP on loopback; returns the URL.
    async fn serve_once(status: &'static str, body: Vec<u8>) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.expect("accept");
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = s.write_all(head.as_bytes()).await;
            let _ = s.write_all(&body).await;
        });
        format!("http://{addr}/match.json")
    }

    fn fixture() -> Vec<u8> {
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../sports/tests/fixtures/cricsheet/edge_cases.json"))
            .expect("fixture")
    }

    #[tokio::test]
    async fn replay_from_url_gives_the_same_events_as_the_file() {
        let url = serve_once("200 OK", fixture()).await;
        let from_url = Source::ReplayUrl { url }.events().await.expect("download");
        let path =
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../sports/tests/fixtures/cricsheet/edge_cases.json"));
        let from_file = Source::Replay { path }.events().await.expect("file");
        assert!(!from_url.is_empty());
        assert_eq!(from_url, from_file);
    }

    #[tokio::test]
    async fn replay_url_errors_name_the_url_and_the_problem() {
        let err = Source::ReplayUrl { url: "ftp://example.invalid/x.json".into() }.events().await.expect_err("ftp");
        assert!(err.to_string().contains("only http:// and https://"), "{err}");
        let url = serve_once("404 Not Found", b"nope".to_vec()).await;
        let err = Source::ReplayUrl { url: url.clone() }.events().await.expect_err("404");
        assert!(err.to_string().contains(&url) && err.to_string().contains("404"), "{err}");
        let url = serve_once("200 OK", b"{\"meta\":".to_vec()).await;
        let err = Source::ReplayUrl { url }.events().await.expect_err("truncated");
        assert_eq!(err.metric_label(), "replay_parse", "{err}");
    }
}
