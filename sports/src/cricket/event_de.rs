//! Reading an [`Event`]: what `#[derive(Deserialize)]` with
//! `#[serde(tag = "type")]` reads, without buffering.
//!
//! An internally tagged enum makes serde buffer the whole object (every
//! key and value, as `Content`) to find the tag, then read the variant
//! from the buffer: a third of the time a consumer spends reading a record.
//! livematch writes the tag first, so here the first key is looked at: when
//! it is `type`, the variant is read straight from the rest of the object.
//! Otherwise (valid JSON, not what livematch writes) the object is buffered
//! as a `Value` and read by the derive, as before. Same errors, same
//! defaults; errors inside the payload now name the field to
//! `serde_path_to_error` (`event.runs_batter`).

use std::fmt;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::event::{
    Delivery, Event, InningsEndReason, MatchInfo, MatchResult, RetirementKind, Target, TossDecision, default_method,
};

// The variants' names (the `type` tag) are the commentary kinds.
use super::state::CommentKind as Kind;

// The struct variants' fields, with the attributes they have in `Event`.

#[derive(Deserialize)]
struct Toss {
    winner: String,
    decision: TossDecision,
}

#[derive(Deserialize)]
struct InningsStart {
    number: u32,
    batting: String,
    bowling: String,
    #[serde(default)]
    super_over: bool,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    max_overs: Option<u32>,
    #[serde(default)]
    openers: Vec<String>,
}

#[derive(Deserialize)]
struct BowlerChange {
    over: u32,
    bowler: String,
}

#[derive(Deserialize)]
struct Retirement {
    batter: String,
    kind: RetirementKind,
}

#[derive(Deserialize)]
struct Replacement {
    team: String,
    player_in: String,
    #[serde(default)]
    player_out: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct TargetRevision {
    runs: u32,
    overs: u32,
    #[serde(default = "default_method")]
    method: String,
}

#[derive(Deserialize)]
struct InningsEnd {
    number: u32,
    reason: InningsEndReason,
}

/// The derive's reading, for objects whose first key is not `type`.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Tagged {
    MatchStart(MatchInfo),
    Toss(Toss),
    InningsStart(InningsStart),
    BowlerChange(BowlerChange),
    Delivery(Delivery),
    Retirement(Retirement),
    Replacement(Replacement),
    TargetRevision(TargetRevision),
    InningsEnd(InningsEnd),
    Result(MatchResult),
}

impl From<Tagged> for Event {
    fn from(t: Tagged) -> Event {
        match t {
            Tagged::MatchStart(info) => Event::MatchStart(info),
            Tagged::Toss(b) => toss(b),
            Tagged::InningsStart(b) => innings_start(b),
            Tagged::BowlerChange(b) => Event::BowlerChange { over: b.over, bowler: b.bowler },
            Tagged::Delivery(d) => Event::Delivery(d),
            Tagged::Retirement(b) => Event::Retirement { batter: b.batter, kind: b.kind },
            Tagged::Replacement(b) => replacement(b),
            Tagged::TargetRevision(b) => Event::TargetRevision { runs: b.runs, overs: b.overs, method: b.method },
            Tagged::InningsEnd(b) => Event::InningsEnd { number: b.number, reason: b.reason },
            Tagged::Result(r) => Event::Result(r),
        }
    }
}

fn toss(b: Toss) -> Event {
    Event::Toss { winner: b.winner, decision: b.decision }
}

fn innings_start(b: InningsStart) -> Event {
    Event::InningsStart {
        number: b.number,
        batting: b.batting,
        bowling: b.bowling,
        super_over: b.super_over,
        target: b.target,
        max_overs: b.max_overs,
        openers: b.openers,
    }
}

fn replacement(b: Replacement) -> Event {
    Event::Replacement { team: b.team, player_in: b.player_in, player_out: b.player_out, reason: b.reason }
}

/// The first key of the object: the tag, or another key (kept, to buffer).
enum FirstKey {
    Type,
    Other(String),
}

/// Reads a [`FirstKey`].
struct FirstKeySeed;

impl<'de> DeserializeSeed<'de> for FirstKeySeed {
    type Value = FirstKey;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<FirstKey, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = FirstKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<FirstKey, E> {
                Ok(if key == "type" { FirstKey::Type } else { FirstKey::Other(key.to_owned()) })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Event;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("internally tagged enum Event")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
        match map.next_key_seed(FirstKeySeed)? {
            Some(FirstKey::Type) => {
                let kind: Kind = map.next_value()?;
                let rest = MapAccessDeserializer::new(map);
                Ok(match kind {
                    Kind::MatchStart => Event::MatchStart(MatchInfo::deserialize(rest)?),
                    Kind::Toss => toss(Toss::deserialize(rest)?),
                    Kind::InningsStart => innings_start(InningsStart::deserialize(rest)?),
                    Kind::BowlerChange => {
                        let b = BowlerChange::deserialize(rest)?;
                        Event::BowlerChange { over: b.over, bowler: b.bowler }
                    }
                    Kind::Delivery => Event::Delivery(Delivery::deserialize(rest)?),
                    Kind::Retirement => {
                        let b = Retirement::deserialize(rest)?;
                        Event::Retirement { batter: b.batter, kind: b.kind }
                    }
                    Kind::Replacement => replacement(Replacement::deserialize(rest)?),
                    Kind::TargetRevision => {
                        let b = TargetRevision::deserialize(rest)?;
                        Event::TargetRevision { runs: b.runs, overs: b.overs, method: b.method }
                    }
                    Kind::InningsEnd => {
                        let b = InningsEnd::deserialize(rest)?;
                        Event::InningsEnd { number: b.number, reason: b.reason }
                    }
                    Kind::Result => Event::Result(MatchResult::deserialize(rest)?),
                })
            }
            Some(FirstKey::Other(key)) => {
                let mut object = serde_json::Map::new();
                object.insert(key, map.next_value()?);
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    object.insert(k, v);
                }
                Tagged::deserialize(serde_json::Value::Object(object)).map(Event::from).map_err(de::Error::custom)
            }
            None => Err(de::Error::missing_field("type")),
        }
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EventVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cricket::sim::{SimConfig, simulate};
    use crate::cricket::{DismissalKind, Extras, Fielder, Format, Outcome, Wicket};
    use serde_json::{Value, json};

    fn every_kind() -> Vec<Event> {
        let mut events = simulate(&SimConfig::new(Format::T20, 11));
        events.extend([
            Event::InningsStart {
                number: 3,
                batting: "A".into(),
                bowling: "B".into(),
                super_over: true,
                target: Some(Target { runs: 12, overs: Some(1) }),
                max_overs: Some(1),
                openers: vec!["x".into(), "y".into()],
            },
            Event::Retirement { batter: "x".into(), kind: RetirementKind::Hurt },
            Event::Replacement {
                team: "A".into(),
                player_in: "p".into(),
                player_out: Some("q".into()),
                reason: Some("concussion".into()),
            },
            Event::Replacement { team: "A".into(), player_in: "p".into(), player_out: None, reason: None },
            Event::TargetRevision { runs: 150, overs: 18, method: "DLS".into() },
            Event::Delivery(Delivery {
                over: 0,
                ball: 1,
                batter: "a \"b\"".into(),
                non_striker: "c".into(),
                bowler: "d".into(),
                runs_batter: 4,
                extras: Extras { wides: 0, noballs: 1, byes: 0, legbyes: 0, penalty: 5 },
                non_boundary: true,
                wickets: vec![Wicket {
                    kind: DismissalKind::RunOut,
                    player_out: "c".into(),
                    fielders: vec![Fielder { name: "f".into(), substitute: true }],
                }],
                commentary: Some("what a ball".into()),
            }),
            Event::Result(MatchResult {
                outcome: Outcome::Tie,
                winner: None,
                by_runs: None,
                by_wickets: None,
                method: None,
                eliminator: Some("A".into()),
            }),
        ]);
        events
    }

    #[test]
    fn reads_every_event_written_and_reordered() {
        for ev in every_kind() {
            let written = serde_json::to_string(&ev).unwrap_or_default();
            assert!(written.starts_with(r#"{"type":"#), "{written}");
            assert_eq!(serde_json::from_str::<Event>(&written).ok().as_ref(), Some(&ev), "{written}");
            // Sorted keys: `type` is no longer first (the buffered path).
            let sorted = serde_json::from_str::<Value>(&written).unwrap_or_default().to_string();
            assert_eq!(serde_json::from_str::<Event>(&sorted).ok().as_ref(), Some(&ev), "{sorted}");
            let via_tagged = serde_json::from_str::<Tagged>(&written).map(Event::from).ok();
            assert_eq!(via_tagged.as_ref(), Some(&ev));
        }
        let defaults = r#"{"type":"target_revision","runs":1,"overs":2,"extra":[1]}"#;
        let ev = serde_json::from_str::<Event>(defaults).ok();
        assert_eq!(ev, Some(Event::TargetRevision { runs: 1, overs: 2, method: "D/L".into() }));
    }

    #[test]
    fn refuses_what_the_derive_refuses_with_its_words() {
        let cases = [
            (json!({"type": "no_such_event"}), "unknown variant `no_such_event`"),
            (json!({"winner": "A", "decision": "bat"}), "missing field `type`"),
            (json!({}), "missing field `type`"),
            (json!("toss"), "expected internally tagged enum Event"),
            (json!({"type": "toss", "winner": "A"}), "missing field `decision`"),
            (json!({"type": "toss", "winner": "A", "decision": "bowl"}), "unknown variant `bowl`"),
            (json!({"type": "bowler_change", "over": "3", "bowler": "b"}), "invalid type: string \"3\""),
        ];
        for (doc, words) in cases {
            // Tag first (the fast path) and as given (sorted keys).
            let mut texts = vec![doc.to_string()];
            if let Value::Object(map) = &doc
                && let Some(kind) = map.get("type")
            {
                let rest: Vec<String> = map
                    .iter()
                    .filter(|(k, _)| *k != "type")
                    .map(|(k, v)| format!("{}:{v}", Value::from(k.as_str())))
                    .collect();
                let mut text = format!(r#"{{"type":{kind}"#);
                for r in rest {
                    text.push(',');
                    text.push_str(&r);
                }
                text.push('}');
                texts.push(text);
            }
            for text in texts {
                let ours = serde_json::from_str::<Event>(&text).err().map(|e| e.to_string()).unwrap_or_default();
                assert!(ours.contains(words), "{text}: {ours}");
                assert!(serde_json::from_str::<Tagged>(&text).is_err(), "{text}: the derive accepts it");
            }
        }
    }
}
