//! A cricket event written as JSON text by hand ([`WriteJson`]): what its
//! `Serialize` derive writes, byte for byte, for the events of every ball
//! (deliveries and bowler changes); the rarer ones go through the derive.
//! The consumer writes each event into its event frame: through the
//! derive, every key is escaped byte by byte.

use super::event::{Delivery, DismissalKind, Event, Extras, Wicket};
use crate::json_text::{WriteJson, push_escaped, push_u64};

impl WriteJson for Event {
    fn write_json(&self, out: &mut String) {
        match self {
            Event::Delivery(d) => write_delivery(d, out),
            Event::BowlerChange { over, bowler } => {
                out.push_str(r#"{"type":"bowler_change","over":"#);
                push_u64(out, u64::from(*over));
                out.push_str(r#","bowler":"#);
                bowler.write_json(out);
                out.push('}');
            }
            other => match serde_json::to_string(other) {
                Ok(json) => out.push_str(&json),
                // Plain data with string keys always serializes.
                Err(_) => out.push_str("null"),
            },
        }
    }
}

fn write_delivery(d: &Delivery, out: &mut String) {
    out.push_str(r#"{"type":"delivery","over":"#);
    push_u64(out, u64::from(d.over));
    out.push_str(r#","ball":"#);
    push_u64(out, u64::from(d.ball));
    out.push_str(r#","batter":""#);
    push_escaped(out, &d.batter);
    out.push_str(r#"","non_striker":""#);
    push_escaped(out, &d.non_striker);
    out.push_str(r#"","bowler":""#);
    push_escaped(out, &d.bowler);
    out.push_str(r#"","runs_batter":"#);
    push_u64(out, u64::from(d.runs_batter));
    if d.extras != Extras::default() {
        out.push_str(r#","extras":"#);
        write_extras(&d.extras, out);
    }
    if d.non_boundary {
        out.push_str(r#","non_boundary":true"#);
    }
    if !d.wickets.is_empty() {
        out.push_str(r#","wickets":["#);
        for (i, w) in d.wickets.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_wicket(w, out);
        }
        out.push(']');
    }
    if let Some(text) = &d.commentary {
        out.push_str(r#","commentary":"#);
        text.write_json(out);
    }
    out.push('}');
}

/// The non-zero fields, in declaration order (`{}` when all are zero).
fn write_extras(e: &Extras, out: &mut String) {
    out.push('{');
    let mut first = true;
    for (key, n) in
        [("wides", e.wides), ("noballs", e.noballs), ("byes", e.byes), ("legbyes", e.legbyes), ("penalty", e.penalty)]
    {
        if n != 0 {
            if !first {
                out.push(',');
            }
            first = false;
            out.push('"');
            out.push_str(key);
            out.push_str("\":");
            push_u64(out, u64::from(n));
        }
    }
    out.push('}');
}

fn write_wicket(w: &Wicket, out: &mut String) {
    out.push_str(r#"{"kind":""#);
    out.push_str(kind_str(w.kind));
    out.push_str(r#"","player_out":"#);
    w.player_out.write_json(out);
    if !w.fielders.is_empty() {
        out.push_str(r#","fielders":["#);
        for (i, f) in w.fielders.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(r#"{"name":"#);
            f.name.write_json(out);
            if f.substitute {
                out.push_str(r#","substitute":true"#);
            }
            out.push('}');
        }
        out.push(']');
    }
    out.push('}');
}

/// The serde name of a dismissal kind (`rename_all = "snake_case"`).
fn kind_str(k: DismissalKind) -> &'static str {
    match k {
        DismissalKind::Bowled => "bowled",
        DismissalKind::Caught => "caught",
        DismissalKind::CaughtAndBowled => "caught_and_bowled",
        DismissalKind::Lbw => "lbw",
        DismissalKind::Stumped => "stumped",
        DismissalKind::HitWicket => "hit_wicket",
        DismissalKind::RunOut => "run_out",
        DismissalKind::RetiredHurt => "retired_hurt",
        DismissalKind::RetiredNotOut => "retired_not_out",
        DismissalKind::RetiredOut => "retired_out",
        DismissalKind::ObstructingTheField => "obstructing_the_field",
        DismissalKind::HandledTheBall => "handled_the_ball",
        DismissalKind::HitTheBallTwice => "hit_the_ball_twice",
        DismissalKind::TimedOut => "timed_out",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cricket::sim::{SimConfig, simulate};
    use crate::cricket::{Fielder, Format};
    use crate::json_text::to_json_text;

    const KINDS: [DismissalKind; 14] = [
        DismissalKind::Bowled,
        DismissalKind::Caught,
        DismissalKind::CaughtAndBowled,
        DismissalKind::Lbw,
        DismissalKind::Stumped,
        DismissalKind::HitWicket,
        DismissalKind::RunOut,
        DismissalKind::RetiredHurt,
        DismissalKind::RetiredNotOut,
        DismissalKind::RetiredOut,
        DismissalKind::ObstructingTheField,
        DismissalKind::HandledTheBall,
        DismissalKind::HitTheBallTwice,
        DismissalKind::TimedOut,
    ];

    #[test]
    fn written_as_the_derive_writes() {
        let mut events: Vec<Event> = (1..=20).flat_map(|seed| simulate(&SimConfig::new(Format::T20, seed))).collect();
        events.extend(simulate(&SimConfig::new(Format::Odi, 3)));
        for (i, kind) in KINDS.into_iter().enumerate() {
            let n = u32::try_from(i).unwrap_or(0);
            events.push(Event::Delivery(Delivery {
                over: n,
                ball: 7,
                batter: "a \"b\"\n".into(),
                non_striker: "c\\".into(),
                bowler: "Ångström".into(),
                runs_batter: n % 7,
                extras: Extras { wides: n % 2, noballs: n % 3, byes: n % 4, legbyes: n % 5, penalty: n % 6 },
                non_boundary: n % 2 == 0,
                wickets: vec![
                    Wicket { kind, player_out: "c".into(), fielders: vec![] },
                    Wicket {
                        kind,
                        player_out: "d".into(),
                        fielders: vec![
                            Fielder { name: "f".into(), substitute: true },
                            Fielder { name: "g".into(), substitute: false },
                        ],
                    },
                ],
                commentary: (n % 2 == 1).then(|| format!("ball {n}: \"{kind:?}\"")),
            }));
        }
        assert!(events.len() > 5_000);
        for ev in &events {
            assert_eq!(to_json_text(ev), serde_json::to_string(ev).unwrap_or_default(), "{ev:?}");
        }
    }
}
