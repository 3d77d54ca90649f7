//! `match_start`: checking the team sheets and setting up the line-ups.

use super::event::MatchInfo;
use super::rules::RuleError;
use super::state::{Info, PlayerRow, State};
use super::text;

/// `match_start` must name two different sides with 7 to 11 starters each
/// and no name twice in a squad.
pub(crate) fn check_info(info: &MatchInfo) -> Result<(), RuleError> {
    let bad = |reason: String| Err(RuleError::BadMatchInfo { reason });
    if info.teams.len() != 2 || info.teams[0].name == info.teams[1].name {
        let names: Vec<&str> = info.teams.iter().map(|t| t.name.as_str()).collect();
        return bad(format!("exactly two different teams needed, got {names:?}"));
    }
    if info.half_minutes == 0 || info.extra_minutes == 0 {
        return bad("periods must last at least a minute".into());
    }
    for t in &info.teams {
        if !(7..=11).contains(&t.starting.len()) {
            return bad(format!("{} name {} starters (7 to 11 needed)", t.name, t.starting.len()));
        }
        let mut names: Vec<&str> = t.starting.iter().chain(&t.bench).map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return bad(format!("{} list {:?} twice", t.name, w[0]));
        }
    }
    Ok(())
}

impl State {
    pub(super) fn start(&mut self, info: &MatchInfo) {
        self.info = Some(Info {
            teams: info.teams.iter().map(|t| t.name.clone()).collect(),
            codes: info.teams.iter().map(|t| t.code.clone().unwrap_or_else(|| text::code(&t.name))).collect(),
            formations: info.teams.iter().map(|t| t.formation.clone()).collect(),
            knockout: info.knockout,
            half: info.half_minutes,
            extra: info.extra_minutes,
            max_subs: info.max_subs,
            title: info.title.clone(),
            venue: info.venue.clone(),
            date: info.date.clone(),
        });
        for (s, team) in info.teams.iter().enumerate() {
            let row = |p: &super::event::Player, starter: bool| PlayerRow {
                name: p.name.clone(),
                number: p.number,
                position: p.position,
                starter,
                on_pitch: starter,
                on: None,
                off: None,
                goals: 0,
                own_goals: 0,
                assists: 0,
                shots: 0,
                yellow: 0,
                red: None,
            };
            self.players[s] =
                team.starting.iter().map(|p| row(p, true)).chain(team.bench.iter().map(|p| row(p, false))).collect();
        }
    }
}
