//! Ball chips ("4", "W", "1wd") and generated commentary lines.
//!
//! Chip convention (one short string per delivery):
//! * runs off the bat: `"0"` (dot) .. `"6"`;
//! * wide: `"<wide runs>wd"`, e.g. `"1wd"`, `"5wd"`;
//! * no-ball: `"nb"` for the bare no-ball, else `"<total>nb"` (`"5nb"` = no-ball + 4);
//! * byes / leg-byes: `"<n>b"`, `"<n>lb"`;
//! * penalty runs: `"<p>p"` alone, or `"+<p>p"` appended to the rest;
//! * a wicket (one that counts): `"W"` alone, or `"+W"` appended (`"1+W"`, `"1wd+W"`).

use super::dismissal::dismissal_text;
use super::event::{Delivery, DismissalKind};
use super::text::plural;

/// The chip for one delivery (see the module docs).
#[must_use]
pub fn chip(d: &Delivery) -> String {
    let e = &d.extras;
    let n = d.total_runs() - e.penalty;
    let mut s = if e.wides > 0 {
        format!("{n}wd")
    } else if e.noballs > 0 {
        if n == 1 { "nb".to_string() } else { format!("{n}nb") }
    } else if e.byes > 0 {
        format!("{n}b")
    } else if e.legbyes > 0 {
        format!("{n}lb")
    } else {
        n.to_string()
    };
    if e.penalty > 0 {
        s = if s == "0" { format!("{}p", e.penalty) } else { format!("{s}+{}p", e.penalty) };
    }
    if d.wickets.iter().any(|w| w.kind.counts_as_wicket()) {
        s = if s == "0" { "W".to_string() } else { format!("{s}+W") };
    }
    s
}

fn bat_runs_text(d: &Delivery) -> Option<String> {
    match (d.runs_batter, d.non_boundary) {
        (4, false) => Some("FOUR".into()),
        (6, false) => Some("SIX".into()),
        (0, _) => None,
        (n, _) => Some(plural(n, "run")),
    }
}

/// A deterministic commentary line: `"14.3 Bumrah to Kohli, FOUR"`.
#[must_use]
pub fn line(d: &Delivery, over_text: &str) -> String {
    let e = &d.extras;
    let mut parts: Vec<String> = Vec::new();
    for w in &d.wickets {
        let text = dismissal_text(w, &d.bowler);
        if w.kind.counts_as_wicket() {
            parts.push(format!("OUT! {} {text}", w.player_out));
        } else if w.kind == DismissalKind::RetiredHurt || w.kind == DismissalKind::RetiredNotOut {
            parts.push(format!("{} {text}", w.player_out));
        }
    }
    if e.wides > 0 {
        parts.push(if e.wides == 1 { "wide".into() } else { plural(e.wides, "wide") });
    }
    if e.noballs > 0 {
        parts.push("no ball".into());
    }
    if e.byes > 0 {
        parts.push(plural(e.byes, "bye"));
    }
    if e.legbyes > 0 {
        parts.push(plural(e.legbyes, "leg bye"));
    }
    if let Some(t) = bat_runs_text(d) {
        parts.push(t);
    }
    if e.penalty > 0 {
        parts.push(format!("{} penalty", plural(e.penalty, "run")));
    }
    if parts.is_empty() {
        parts.push("no run".into());
    }
    format!("{over_text} {} to {}, {}", d.bowler, d.batter, parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cricket::event::{Extras, Fielder, Wicket};

    fn d(runs: u32, extras: Extras) -> Delivery {
        Delivery {
            over: 0,
            ball: 1,
            batter: "A".into(),
            non_striker: "B".into(),
            bowler: "X".into(),
            runs_batter: runs,
            extras,
            non_boundary: false,
            wickets: vec![],
            commentary: None,
        }
    }

    #[test]
    fn chips_follow_the_convention() {
        assert_eq!(chip(&d(0, Extras::default())), "0");
        assert_eq!(chip(&d(4, Extras::default())), "4");
        assert_eq!(chip(&d(0, Extras { wides: 1, ..Extras::default() })), "1wd");
        assert_eq!(chip(&d(0, Extras { wides: 5, ..Extras::default() })), "5wd");
        assert_eq!(chip(&d(0, Extras { noballs: 1, ..Extras::default() })), "nb");
        assert_eq!(chip(&d(4, Extras { noballs: 1, ..Extras::default() })), "5nb");
        assert_eq!(chip(&d(0, Extras { legbyes: 2, ..Extras::default() })), "2lb");
        assert_eq!(chip(&d(0, Extras { byes: 1, ..Extras::default() })), "1b");
        assert_eq!(chip(&d(0, Extras { penalty: 5, ..Extras::default() })), "5p");
        assert_eq!(chip(&d(1, Extras { penalty: 5, ..Extras::default() })), "1+5p");
        let mut out = d(0, Extras::default());
        out.wickets.push(Wicket { kind: DismissalKind::Bowled, player_out: "A".into(), fielders: vec![] });
        assert_eq!(chip(&out), "W");
        out.runs_batter = 1;
        out.wickets[0].kind = DismissalKind::RunOut;
        assert_eq!(chip(&out), "1+W");
        out.wickets[0].kind = DismissalKind::RetiredHurt;
        assert_eq!(chip(&out), "1");
    }

    #[test]
    fn generated_lines_are_deterministic_and_descriptive() {
        assert_eq!(line(&d(4, Extras::default()), "14.3"), "14.3 X to A, FOUR");
        assert_eq!(line(&d(0, Extras::default()), "0.1"), "0.1 X to A, no run");
        let mut nb = d(6, Extras { noballs: 1, ..Extras::default() });
        assert_eq!(line(&nb, "3.2"), "3.2 X to A, no ball, SIX");
        nb.non_boundary = true;
        nb.runs_batter = 4;
        assert_eq!(line(&nb, "3.2"), "3.2 X to A, no ball, 4 runs");
        let mut c = d(0, Extras::default());
        c.wickets.push(Wicket {
            kind: DismissalKind::Caught,
            player_out: "A".into(),
            fielders: vec![Fielder { name: "F".into(), substitute: false }],
        });
        assert_eq!(line(&c, "1.1"), "1.1 X to A, OUT! A c F b X");
        assert_eq!(line(&d(0, Extras { wides: 2, ..Extras::default() }), "2.2"), "2.2 X to A, 2 wides");
    }
}
