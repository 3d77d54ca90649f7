//! Dismissal text as printed on a scorecard ("c Smith b Lee", "run out (Jones)").

use super::event::{DismissalKind, Fielder, Wicket};

fn fielder_name(f: &Fielder) -> String {
    if f.substitute { format!("sub ({})", f.name) } else { f.name.clone() }
}

/// The scorecard text for `w`, bowled by `bowler`.
#[must_use]
pub fn dismissal_text(w: &Wicket, bowler: &str) -> String {
    let first = w.fielders.first();
    match w.kind {
        DismissalKind::Bowled => format!("b {bowler}"),
        DismissalKind::CaughtAndBowled => format!("c & b {bowler}"),
        DismissalKind::Caught => match first {
            Some(f) if !f.substitute && f.name == bowler => format!("c & b {bowler}"),
            Some(f) => format!("c {} b {bowler}", fielder_name(f)),
            None => format!("caught b {bowler}"),
        },
        DismissalKind::Lbw => format!("lbw b {bowler}"),
        DismissalKind::Stumped => match first {
            Some(f) => format!("st {} b {bowler}", fielder_name(f)),
            None => format!("stumped b {bowler}"),
        },
        DismissalKind::HitWicket => format!("hit wicket b {bowler}"),
        DismissalKind::RunOut => {
            if w.fielders.is_empty() {
                "run out".to_string()
            } else {
                let names: Vec<String> = w.fielders.iter().map(fielder_name).collect();
                format!("run out ({})", names.join("/"))
            }
        }
        DismissalKind::RetiredHurt => "retired hurt".to_string(),
        DismissalKind::RetiredNotOut => "retired not out".to_string(),
        DismissalKind::RetiredOut => "retired out".to_string(),
        DismissalKind::ObstructingTheField => "obstructing the field".to_string(),
        DismissalKind::HandledTheBall => "handled the ball".to_string(),
        DismissalKind::HitTheBallTwice => "hit the ball twice".to_string(),
        DismissalKind::TimedOut => "timed out".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(kind: DismissalKind, fielders: &[(&str, bool)]) -> Wicket {
        Wicket {
            kind,
            player_out: "Kohli".into(),
            fielders: fielders.iter().map(|(n, s)| Fielder { name: (*n).into(), substitute: *s }).collect(),
        }
    }

    #[test]
    fn every_kind_has_its_scorecard_text() {
        let b = "Bumrah";
        let cases = [
            (w(DismissalKind::Caught, &[("Rohit", false)]), "c Rohit b Bumrah"),
            (w(DismissalKind::Caught, &[("Bumrah", false)]), "c & b Bumrah"),
            (w(DismissalKind::Caught, &[("Jadeja", true)]), "c sub (Jadeja) b Bumrah"),
            (w(DismissalKind::CaughtAndBowled, &[]), "c & b Bumrah"),
            (w(DismissalKind::Bowled, &[]), "b Bumrah"),
            (w(DismissalKind::Lbw, &[]), "lbw b Bumrah"),
            (w(DismissalKind::Stumped, &[("Dhoni", false)]), "st Dhoni b Bumrah"),
            (w(DismissalKind::HitWicket, &[]), "hit wicket b Bumrah"),
            (w(DismissalKind::RunOut, &[("Jadeja", false)]), "run out (Jadeja)"),
            (w(DismissalKind::RunOut, &[("Jadeja", false), ("Dhoni", false)]), "run out (Jadeja/Dhoni)"),
            (w(DismissalKind::RunOut, &[]), "run out"),
            (w(DismissalKind::RetiredHurt, &[]), "retired hurt"),
            (w(DismissalKind::RetiredNotOut, &[]), "retired not out"),
            (w(DismissalKind::RetiredOut, &[]), "retired out"),
            (w(DismissalKind::ObstructingTheField, &[]), "obstructing the field"),
            (w(DismissalKind::HandledTheBall, &[]), "handled the ball"),
            (w(DismissalKind::HitTheBallTwice, &[]), "hit the ball twice"),
            (w(DismissalKind::TimedOut, &[]), "timed out"),
        ];
        for (wk, want) in cases {
            assert_eq!(dismissal_text(&wk, b), want, "{:?}", wk.kind);
        }
    }
}
