//! Simulate one match of each sport and write what viewers get: the final
//! snapshot, a mid-match snapshot and the event frames (JSON Patch deltas).
//!
//! `cargo run -p livematch-sports --example snapshots -- DIR [SEED]` writes
//! `DIR/{sport}-{format}.json`, each `{"snapshot", "mid", "frames"}`, with
//! event times paced as in real life from a fixed start. The web app's
//! unit tests and anyone styling a view can use them without a running
//! pipeline.

use std::path::PathBuf;

use livematch_sports::sim::{SimSpec, simulate};
use livematch_sports::{Envelope, Format, MatchState, Sport};
use serde_json::{Value, json};

/// 2025-03-01T15:00:00Z: the kick-off of every simulated match.
const START_MS: i64 = 1_740_841_200_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: snapshots DIR [SEED]")?);
    let seed: u64 = args.next().map_or(Ok(7), |s| s.parse())?;
    std::fs::create_dir_all(&dir)?;
    let specs = [
        (Sport::Football, Format::League),
        (Sport::Football, Format::Knockout),
        (Sport::Basketball, Format::Nba),
        (Sport::Basketball, Format::Fiba),
        (Sport::Tennis, Format::BestOf3),
        (Sport::Tennis, Format::BestOf5),
        (Sport::Tennis, Format::BestOf3MatchTiebreak),
    ];
    for (sport, format) in specs {
        let events = simulate(&SimSpec::new(sport, seed).format(format))?;
        let id = format!("{sport}-{}", format.as_str()).replace('_', "-");
        let mut state = MatchState::new(id.clone(), sport);
        let mut frames = Vec::with_capacity(events.len());
        let mut mid = Value::Null;
        let mut ts = START_MS;
        let mut prev = None;
        for (i, ev) in events.iter().enumerate() {
            ts += i64::try_from(ev.nominal_gap(prev).as_millis())?;
            let seq = i as u64 + 1;
            let env = Envelope::new(id.clone(), seq, ts, ev.clone());
            let applied = state.apply(&env)?;
            frames.push(json!({
                "type": "event", "match": id, "seq": seq, "ts": ts, "sport": sport.as_str(),
                "event": ev.payload_json(), "patch": applied.patch,
            }));
            if i == events.len() / 2 {
                mid = state.snapshot();
            }
            prev = Some(ev);
        }
        let out = json!({"snapshot": state.snapshot(), "mid": mid, "frames": frames});
        let path = dir.join(format!("{id}.json"));
        std::fs::write(&path, serde_json::to_vec(&out)?)?;
        println!("{}: {} events, {}", path.display(), events.len(), state.summary());
    }
    Ok(())
}
