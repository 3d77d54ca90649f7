//! Reading an [`Envelope`]: what `#[derive(Deserialize)]` with
//! `#[serde(flatten)] event` would accept, without its cost.
//!
//! A flattened field makes serde buffer every key it does not know (here
//! `sport` and the whole `event` object, every string in it copied) and
//! deserialize the event again from that buffer: a third of a consumer's
//! time reading a record went there. Here the envelope's keys are read in
//! one pass and, once `sport` is known, `event` is read straight from the
//! input as that sport's event. An `event` that comes before `sport` (not
//! what livematch writes, but valid JSON) is buffered as a `Value` first.
//!
//! Same contract as the derive: every field required, unknown keys
//! ignored, duplicate keys refused; errors name the field (`seq`,
//! `event`…) to `serde_path_to_error`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::envelope::{Envelope, Event, Sport};
use crate::{basketball, cricket, football, tennis};

/// The envelope's keys.
enum Field {
    V,
    MatchId,
    Seq,
    Ts,
    Sport,
    Event,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = Field;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Field, E> {
                Ok(match key {
                    "v" => Field::V,
                    "match_id" => Field::MatchId,
                    "seq" => Field::Seq,
                    "ts" => Field::Ts,
                    "sport" => Field::Sport,
                    "event" => Field::Event,
                    _ => Field::Other,
                })
            }
        }
        deserializer.deserialize_identifier(FieldVisitor)
    }
}

/// A sport's name. Read as a string (not as serde reads an enum, which
/// serde_json refuses as a syntax error for a number, with no field named).
struct SportName;

impl<'de> DeserializeSeed<'de> for SportName {
    type Value = Sport;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Sport, D::Error> {
        struct NameVisitor;
        impl Visitor<'_> for NameVisitor {
            type Value = Sport;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sport name")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Sport, E> {
                Sport::ALL
                    .into_iter()
                    .find(|s| s.as_str() == name)
                    .ok_or_else(|| E::unknown_variant(name, &["cricket", "football", "basketball", "tennis"]))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// The event payload of a known sport.
struct EventOf(Sport);

impl<'de> DeserializeSeed<'de> for EventOf {
    type Value = Event;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Event, D::Error> {
        Ok(match self.0 {
            Sport::Cricket => Event::Cricket(cricket::Event::deserialize(deserializer)?),
            Sport::Football => Event::Football(football::Event::deserialize(deserializer)?),
            Sport::Basketball => Event::Basketball(basketball::Event::deserialize(deserializer)?),
            Sport::Tennis => Event::Tennis(tennis::Event::deserialize(deserializer)?),
        })
    }
}

/// Either the event (its sport was read first) or its JSON, waiting for
/// the sport.
enum Payload {
    Event(Event),
    Buffered(serde_json::Value),
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Envelope;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct Envelope")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
        fn once<T, E: de::Error>(slot: &Option<T>, name: &'static str) -> Result<(), E> {
            if slot.is_some() { Err(E::duplicate_field(name)) } else { Ok(()) }
        }
        let (mut v, mut match_id, mut seq, mut ts) = (None, None, None, None);
        let mut sport: Option<Sport> = None;
        let mut payload: Option<Payload> = None;
        while let Some(key) = map.next_key::<Field>()? {
            match key {
                Field::V => {
                    once(&v, "v")?;
                    v = Some(map.next_value::<u32>()?);
                }
                Field::MatchId => {
                    once(&match_id, "match_id")?;
                    match_id = Some(map.next_value::<String>()?);
                }
                Field::Seq => {
                    once(&seq, "seq")?;
                    seq = Some(map.next_value::<u64>()?);
                }
                Field::Ts => {
                    once(&ts, "ts")?;
                    ts = Some(map.next_value::<i64>()?);
                }
                Field::Sport => {
                    once(&sport, "sport")?;
                    sport = Some(map.next_value_seed(SportName)?);
                }
                Field::Event => {
                    once(&payload, "event")?;
                    payload = Some(match sport {
                        Some(s) => Payload::Event(map.next_value_seed(EventOf(s))?),
                        None => Payload::Buffered(map.next_value::<serde_json::Value>()?),
                    });
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let v = v.ok_or_else(|| de::Error::missing_field("v"))?;
        let match_id = match_id.ok_or_else(|| de::Error::missing_field("match_id"))?;
        let seq = seq.ok_or_else(|| de::Error::missing_field("seq"))?;
        let ts = ts.ok_or_else(|| de::Error::missing_field("ts"))?;
        let sport = sport.ok_or_else(|| de::Error::missing_field("sport"))?;
        let event = match payload.ok_or_else(|| de::Error::missing_field("event"))? {
            Payload::Event(event) => event,
            Payload::Buffered(json) => EventOf(sport).deserialize(json).map_err(de::Error::custom)?,
        };
        Ok(Envelope { v, match_id, seq, ts, event })
    }
}

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EnvelopeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{SimSpec, simulate};
    use serde_json::json;

    /// The derive this replaces, as the oracle.
    #[derive(Debug, PartialEq, Deserialize)]
    struct Derived {
        v: u32,
        match_id: String,
        seq: u64,
        ts: i64,
        #[serde(flatten)]
        event: Event,
    }

    fn both(text: &str) -> (Result<Envelope, String>, Result<Envelope, String>) {
        let ours = serde_json::from_str::<Envelope>(text).map_err(|e| e.to_string());
        let derived = serde_json::from_str::<Derived>(text)
            .map(|d| Envelope { v: d.v, match_id: d.match_id, seq: d.seq, ts: d.ts, event: d.event })
            .map_err(|e| e.to_string());
        (ours, derived)
    }

    #[test]
    fn reads_what_the_derive_reads() {
        for sport in Sport::ALL {
            for (i, ev) in simulate(&SimSpec::new(sport, 5)).expect("valid").into_iter().enumerate() {
                let env = Envelope::new("m-1", i as u64 + 1, -7, ev);
                let written = String::from_utf8(env.to_vec()).expect("utf-8");
                let (ours, derived) = both(&written);
                assert_eq!(ours.as_ref(), Ok(&env), "{written}");
                assert_eq!(ours, derived);
                // Keys in another order (sorted: `event` before `sport`), unknown keys.
                let mut doc: serde_json::Value = serde_json::from_str(&written).expect("json");
                doc["x_extra"] = json!({"a": [1, 2]});
                let (ours, derived) = both(&doc.to_string());
                assert_eq!(ours.as_ref(), Ok(&env));
                assert_eq!(ours, derived);
            }
        }
    }

    #[test]
    fn refuses_what_the_derive_refuses() {
        let good = r#""v":1,"match_id":"m","seq":1,"ts":0,"sport":"cricket","event":{"type":"toss","winner":"A","decision":"bat"}"#;
        let cases = [
            format!("{{{good},\"seq\":2}}"),
            format!("{{{good},\"event\":{{}}}}"),
            r#"{"v":1,"match_id":"m","seq":1,"ts":0,"event":{"type":"toss","winner":"A","decision":"bat"}}"#.into(),
            r#"{"v":1,"match_id":"m","seq":1,"ts":0,"sport":"cricket"}"#.into(),
            r#"{"match_id":"m","seq":1,"ts":0,"sport":"cricket","event":{"type":"toss","winner":"A","decision":"bat"}}"#.into(),
            r#"{"v":1,"match_id":"m","seq":-1,"ts":0,"sport":"cricket","event":{"type":"toss","winner":"A","decision":"bat"}}"#.into(),
            r#"{"v":1,"match_id":"m","seq":1,"ts":0,"sport":"golf","event":{"type":"toss","winner":"A","decision":"bat"}}"#.into(),
            r#"{"v":1,"match_id":"m","seq":1,"ts":0,"sport":"cricket","event":{"type":"toss","winner":"A"}}"#.into(),
            r#"{"v":1,"match_id":"m","seq":1,"ts":0,"event":{"type":"nope"},"sport":"cricket"}"#.into(),
            r#"{"v":1,"match_id":"m","seq":1,"ts":0,"sport":1,"event":{"type":"toss","winner":"A","decision":"bat"}}"#.into(),
            r#"[1,2]"#.into(),
        ];
        for text in &cases {
            let (ours, derived) = both(text);
            assert!(ours.is_err(), "{text}: accepted {ours:?}");
            assert!(derived.is_err(), "{text}: the derive accepts it");
        }
        // A sport that is no string is a data error (located), not a syntax error.
        let text = r#"{"v":1,"match_id":"m","seq":1,"ts":0,"sport":1,"event":{}}"#;
        let err = serde_json::from_str::<Envelope>(text).err();
        assert!(err.as_ref().is_some_and(serde_json::Error::is_data), "{err:?}");
        // The same message where the derive's is precise.
        for field in ["v", "seq", "event"] {
            let text = good.replace(&format!("\"{field}\":"), "\"gone\":");
            let err = serde_json::from_str::<Envelope>(&format!("{{{text}}}")).err().map(|e| e.to_string());
            assert!(err.is_some_and(|e| e.contains(&format!("missing field `{field}`"))), "{field}");
        }
    }
}
