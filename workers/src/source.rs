//! Where a match's events come from: the simulator (any sport) or a
//! recorded match (cricket: a Cricsheet file).

use std::path::PathBuf;

use livematch_sports::cricket;
use livematch_sports::sim::{self, SimError, SimSpec};
use livematch_sports::{Event, Format, Sport};

/// A match source, as given on the command line or in a LiveMatch spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Generate a match of any sport with the seeded simulator (a spec
    /// checked by [`Source::simulate`]).
    Simulate(SimSpec),
    /// Replay a recorded cricket match (a Cricsheet JSON file).
    Replay { path: PathBuf },
    /// Replay a recorded cricket match downloaded from an HTTP(S) URL.
    ReplayUrl { url: String },
}

/// Largest replay file accepted from a URL.
pub const MAX_REPLAY_BYTES: usize = 32 * 1024 * 1024;

/// Why a source could not be set up or could not produce its events.
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
    /// The simulated match cannot be played as asked (e.g. `--format t20`
    /// with `--sport football`).
    #[error("simulated {sport} match: {source}")]
    Simulate { sport: Sport, source: SimError },
    /// A replay of a sport with no recordings.
    #[error(
        "--sport {sport}: only cricket matches can be replayed (Cricsheet files); simulate the {sport} match instead"
    )]
    ReplayNotSupported { sport: Sport },
}

impl SourceError {
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            SourceError::Read { .. } => "replay_read",
            SourceError::Parse { .. } | SourceError::ParseUrl { .. } => "replay_parse",
            SourceError::Download { .. } => "replay_download",
            SourceError::Simulate { source, .. } => source.metric_label(),
            SourceError::ReplayNotSupported { .. } => "replay_not_supported",
        }
    }
}

impl Source {
    /// A simulated match of `sport` (in `format`, or the sport's default),
    /// checked now so that a bad combination fails before anything runs.
    ///
    /// # Errors
    /// The format is another sport's, or the team names are blank or equal.
    pub fn simulate(
        sport: Sport,
        format: Option<Format>,
        seed: u64,
        teams: Option<(String, String)>,
    ) -> Result<Source, SourceError> {
        let spec = SimSpec { sport, format, seed, teams };
        let format = sim::validate(&spec).map_err(|source| SourceError::Simulate { sport, source })?;
        Ok(Source::Simulate(SimSpec { format: Some(format), ..spec }))
    }

    /// A replay of `sport`: only cricket has recordings.
    ///
    /// # Errors
    /// [`SourceError::ReplayNotSupported`] for any other sport.
    pub fn replay_of(sport: Sport, source: Source) -> Result<Source, SourceError> {
        if sport == Sport::Cricket { Ok(source) } else { Err(SourceError::ReplayNotSupported { sport }) }
    }

    /// The sport this source plays.
    #[must_use]
    pub fn sport(&self) -> Sport {
        match self {
            Source::Simulate(spec) => spec.sport,
            Source::Replay { .. } | Source::ReplayUrl { .. } => Sport::Cricket,
        }
    }

    /// Every event of the match, in order, as envelope payloads.
    /// Deterministic: the same source always yields the same events (that
    /// is what lets a restarted producer continue where it stopped).
    ///
    /// # Errors
    /// The simulation spec is invalid, or the replay file cannot be read or
    /// downloaded, or is not a valid Cricsheet match.
    pub async fn events(&self) -> Result<Vec<Event>, SourceError> {
        let replay = match self {
            Source::Simulate(spec) => {
                return sim::simulate(spec).map_err(|source| SourceError::Simulate { sport: spec.sport, source });
            }
            Source::Replay { path } => {
                let bytes = std::fs::read(path).map_err(|source| SourceError::Read { path: path.clone(), source })?;
                cricket::cricsheet::parse(&bytes).map_err(|source| SourceError::Parse { path: path.clone(), source })?
            }
            Source::ReplayUrl { url } => {
                let bytes = download(url).await?;
                cricket::cricsheet::parse(&bytes)
                    .map_err(|source| SourceError::ParseUrl { url: url.clone(), source })?
            }
        };
        Ok(replay.events.into_iter().map(Event::Cricket).collect())
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
    async fn every_sport_and_format_simulates_events_of_that_sport() {
        for sport in Sport::ALL {
            for &format in sport.formats() {
                let source = Source::simulate(sport, Some(format), 5, None).expect("valid spec");
                assert_eq!(source.sport(), sport);
                let events = source.events().await.expect("simulate");
                assert!(events.len() > 10, "{sport} {format}: {} events", events.len());
                assert!(events.iter().all(|e| e.sport() == sport), "{sport} {format}");
                // Deterministic: what a restarted producer relies on.
                assert_eq!(source.events().await.expect("again"), events, "{sport} {format}");
            }
            // No format: the sport's default, recorded in the spec.
            let Source::Simulate(spec) = Source::simulate(sport, None, 5, None).expect("default") else {
                panic!("not a simulation")
            };
            assert_eq!(spec.format, Some(sport.default_format()));
        }
    }

    #[test]
    fn a_format_of_another_sport_is_refused_with_the_right_formats() {
        let err = Source::simulate(Sport::Football, Some(Format::T20), 1, None).expect_err("t20 is cricket");
        assert_eq!(err.metric_label(), "wrong_format");
        let text = err.to_string();
        assert!(text.contains("t20 is a cricket format, not a football one (formats: league, knockout)"), "{text}");
        let err = Source::simulate(Sport::Tennis, None, 1, Some(("Ana".into(), "ana".into()))).expect_err("same");
        assert_eq!(err.metric_label(), "same_team", "{err}");
    }

    #[test]
    fn only_cricket_is_replayed() {
        let file = Source::Replay { path: PathBuf::from("m.json") };
        assert_eq!(Source::replay_of(Sport::Cricket, file.clone()).ok(), Some(file.clone()));
        for sport in [Sport::Football, Sport::Basketball, Sport::Tennis] {
            let err = Source::replay_of(sport, file.clone()).expect_err("not cricket");
            assert_eq!(err.metric_label(), "replay_not_supported");
            assert!(err.to_string().starts_with(&format!("--sport {sport}: only cricket")), "{err}");
        }
        assert_eq!(file.sport(), Sport::Cricket);
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
