//! Basketball play-by-play lines and the result sentence.

use super::event::{FoulKind, MatchInfo, TurnoverKind};
use super::state::{Out, State, period_label};

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

fn period_name(period: u32) -> String {
    match period {
        1..=4 => format!("quarter {period}"),
        5 => "overtime".into(),
        p => format!("overtime {}", p - 4),
    }
}

pub(crate) fn period_start(period: u32, possession: &str) -> String {
    if period == 1 {
        format!("Tip-off: {possession} win the jump ball")
    } else {
        format!("Start of {}: {possession} have the ball", period_name(period))
    }
}

/// "Los Angeles Lakers 98–95 Boston Celtics".
pub(crate) fn score_line(s: &State) -> String {
    match s.teams_list().as_slice() {
        [a, b] => format!("{a} {}–{} {b}", s.score[0], s.score[1]),
        _ => String::new(),
    }
}

pub(crate) fn period_end(s: &State, period: u32) -> String {
    let line = score_line(s);
    if s.result.is_some() {
        format!("Final: {line}")
    } else if period >= 4 {
        format!("End of {}: {line}. Tied: overtime!", period_name(period))
    } else if period == 2 {
        format!("Half time: {line}")
    } else {
        format!("End of {}: {line}", period_name(period))
    }
}

pub(crate) fn field_goal(
    s: &State,
    player: &str,
    points: u32,
    made: bool,
    assist: Option<&str>,
    block: Option<&str>,
) -> String {
    let what = if made { "makes" } else { "misses" };
    let mut text = format!("{player} {what} a {points}-pt shot");
    if let Some(a) = assist {
        text.push_str(&format!(" (assist: {a})"));
    }
    if let Some(b) = block {
        text.push_str(&format!(", blocked by {b}"));
    }
    if made {
        text.push_str(&format!(". {}", score_line(s)));
    }
    text
}

pub(crate) fn rebound(s: &State, side: usize, player: Option<&str>, offensive: bool) -> String {
    let kind = if offensive { "Offensive" } else { "Defensive" };
    match player {
        Some(p) => format!("{kind} rebound: {p}"),
        None => format!("{kind} team rebound: {}", s.teams_list()[side]),
    }
}

pub(crate) fn turnover(
    s: &State,
    side: usize,
    player: Option<&str>,
    kind: TurnoverKind,
    steal: Option<&str>,
) -> String {
    let what = match kind {
        TurnoverKind::BadPass => "bad pass",
        TurnoverKind::LostBall => "lost ball",
        TurnoverKind::Traveling => "traveling",
        TurnoverKind::OutOfBounds => "out of bounds",
        TurnoverKind::ShotClock => "shot clock violation",
    };
    let who = player.map_or_else(|| s.teams_list()[side].clone(), String::from);
    let mut text = format!("Turnover: {who} ({what})");
    if let Some(st) = steal {
        text.push_str(&format!(", stolen by {st}"));
    }
    text
}

pub(crate) fn foul(s: &State, side: usize, k: usize, kind: FoulKind) -> String {
    let r = &s.rows[side][k];
    let what = match kind {
        FoulKind::Personal => "personal foul",
        FoulKind::Shooting => "shooting foul",
        FoulKind::Offensive => "offensive foul",
        FoulKind::Technical => "technical foul",
        FoulKind::Flagrant => "flagrant foul",
    };
    let mut text = format!("{what}: {} ({} PF)", r.name, r.pf);
    let mut c = text.chars();
    text = c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default();
    match r.out {
        Some(Out::FouledOut) => text.push_str(&format!(". {} has fouled out!", r.name)),
        Some(Out::Ejected) => text.push_str(&format!(". {} is ejected!", r.name)),
        None => {}
    }
    text
}

/// "Boston Celtics won 112–104", "… won 120–118 in double overtime".
pub(crate) fn result(s: &State, winner: usize) -> String {
    let (hi, lo) = (s.score[0].max(s.score[1]), s.score[0].min(s.score[1]));
    let team = &s.teams_list()[winner];
    let ot = match s.period.saturating_sub(4) {
        0 => String::new(),
        1 => " in overtime".into(),
        2 => " in double overtime".into(),
        3 => " in triple overtime".into(),
        n => format!(" after {n} overtimes"),
    };
    format!("{team} won {hi}–{lo}{ot}")
}

/// `"Q4 2:31"`, `"Half"`, `"End Q3"`, `"Final/OT"` …
pub(crate) fn status_label(s: &State) -> String {
    if s.result.as_ref().is_some_and(|r| r.status == crate::engine::Status::Abandoned) {
        return "Abd".into();
    }
    if s.result.is_some() {
        return if s.period > 4 { format!("Final/{}", period_label(s.period)) } else { "Final".into() };
    }
    if s.running {
        return format!("{} {}", period_label(s.period), super::state::clock_text(s.clock));
    }
    match s.period {
        0 => String::new(),
        2 => "Half".into(),
        p => format!("End {}", period_label(p)),
    }
}
