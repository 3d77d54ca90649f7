//! Football commentary lines, the result sentence and team codes.

use super::event::{GoalKind, MatchInfo, Period, ShotOutcome};
use super::state::State;

/// A three-letter code: the first three letters of a one-word name
/// ("Arsenal" → "ARS"), else the first letter of the first word and the
/// first two of the last ("Manchester City" → "MCI").
#[must_use]
pub fn code(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let s: String = match words.as_slice() {
        [] => String::new(),
        [one] => one.chars().take(3).collect(),
        [first, .., last] => first.chars().take(1).chain(last.chars().take(2)).collect(),
    };
    s.to_uppercase()
}

pub(crate) fn match_start(info: &MatchInfo) -> String {
    let mut s = info.title.clone().unwrap_or_else(|| {
        let names: Vec<&str> = info.teams.iter().map(|t| t.name.as_str()).collect();
        names.join(" v ")
    });
    if let Some(v) = &info.venue {
        s.push_str(&format!(" at {v}"));
    }
    s
}

pub(crate) fn period_start(p: Period) -> &'static str {
    match p {
        Period::FirstHalf => "Kick-off! The first half is under way",
        Period::SecondHalf => "The second half is under way",
        Period::ExtraTimeFirst => "Extra time is under way",
        Period::ExtraTimeSecond => "The second half of extra time is under way",
        Period::Shootout => "The penalty shoot-out begins",
    }
}

pub(crate) fn stoppage(minutes: u32) -> String {
    if minutes == 1 { "1 minute of added time".into() } else { format!("{minutes} minutes of added time") }
}

/// "Arsenal 2–1 Chelsea".
pub(crate) fn score_line(s: &State) -> String {
    let t = s.teams_list();
    match t.as_slice() {
        [a, b] => format!("{a} {}–{} {b}", s.score[0], s.score[1]),
        _ => String::new(),
    }
}

pub(crate) fn period_end(s: &State, p: Period) -> String {
    let line = score_line(s);
    let finished = s.result.is_some();
    match p {
        Period::FirstHalf => format!("Half time: {line}"),
        Period::SecondHalf if finished => format!("Full time: {line}"),
        Period::SecondHalf => format!("End of normal time: {line}. Extra time to come"),
        Period::ExtraTimeFirst => format!("Half time in extra time: {line}"),
        Period::ExtraTimeSecond if finished => format!("Full time after extra time: {line}"),
        Period::ExtraTimeSecond | Period::Shootout => format!("End of extra time: {line}. Penalties to decide it"),
    }
}

pub(crate) fn goal(s: &State, side: usize, scorer: &str, assist: Option<&str>, kind: GoalKind) -> String {
    let teams = s.teams_list();
    let line = score_line(s);
    match kind {
        GoalKind::OwnGoal => format!("OWN GOAL! {scorer} ({}) puts it into their own net. {line}", teams[1 - side]),
        GoalKind::Penalty => format!("GOAL! {scorer} scores the penalty for {}. {line}", teams[side]),
        _ => {
            let how = match kind {
                GoalKind::Header => " with a header",
                GoalKind::FreeKick => " from a free kick",
                _ => "",
            };
            let assist = assist.map(|a| format!(", assisted by {a}")).unwrap_or_default();
            format!("GOAL! {scorer} scores for {}{how}{assist}. {line}", teams[side])
        }
    }
}

pub(crate) fn shot(s: &State, side: usize, player: &str, outcome: ShotOutcome, penalty: bool) -> String {
    let team = &s.teams_list()[side];
    let what = match outcome {
        ShotOutcome::Saved => "is saved",
        ShotOutcome::OffTarget => "goes wide",
        ShotOutcome::Blocked => "is blocked",
        ShotOutcome::Woodwork => "hits the woodwork",
    };
    if penalty {
        format!("PENALTY MISSED! {player} ({team}): the penalty {what}")
    } else {
        format!("Chance for {team}: {player}'s shot {what}")
    }
}

pub(crate) fn card(s: &State, side: usize, player: &str, kind: &str) -> String {
    let team = &s.teams_list()[side];
    match kind {
        "yellow" => format!("Yellow card: {player} ({team})"),
        "second_yellow" => format!("Second yellow card for {player} ({team}): he is sent off!"),
        _ => format!("RED CARD! {player} ({team}) is sent off"),
    }
}

pub(crate) fn possession(s: &State, home: u32) -> String {
    let t = s.teams_list();
    match t.as_slice() {
        [a, b] => format!("Possession: {a} {home}% – {}% {b}", 100u32.saturating_sub(home)),
        _ => String::new(),
    }
}

pub(crate) fn kick(s: &State, side: usize, player: &str, scored: bool) -> String {
    let team = &s.teams_list()[side];
    let so = s.shootout.clone().unwrap_or_default();
    let [a, b] = so.score();
    let what = if scored { "scores" } else { "misses" };
    let mut text = format!("{player} ({team}) {what}. Shoot-out: {a}–{b}");
    if let Some(r) = &s.result {
        text.push_str(&format!(". {}", r.text));
    }
    text
}

/// "Arsenal won 2–1", "Match drawn 1–1", "Arsenal won 3–2 after extra
/// time", "Arsenal won 4–3 on penalties (1–1 after extra time)".
pub(crate) fn result(s: &State, winner: Option<usize>, last: Option<Period>) -> String {
    let teams = s.teams_list();
    let [a, b] = s.score;
    let Some(w) = winner else { return format!("Match drawn {a}–{b}") };
    let (hi, lo) = (a.max(b), a.min(b));
    match last {
        Some(Period::Shootout) => {
            let [pa, pb] = s.shootout.clone().unwrap_or_default().score();
            format!("{} won {}–{} on penalties ({a}–{b} after extra time)", teams[w], pa.max(pb), pa.min(pb))
        }
        Some(Period::ExtraTimeSecond) => format!("{} won {hi}–{lo} after extra time", teams[w]),
        _ => format!("{} won {hi}–{lo}", teams[w]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(code("Arsenal"), "ARS");
        assert_eq!(code("Manchester City"), "MCI");
        assert_eq!(code("Real Madrid"), "RMA");
        assert_eq!(code("Borussia Mönchengladbach"), "BMÖ");
    }
}
