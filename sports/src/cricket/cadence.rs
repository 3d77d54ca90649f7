//! Real-life pacing of a cricket match, for replays and simulations.
//!
//! [`nominal_gap`] says how long after the previous event the next one
//! happens in a real match. The producer divides it by its `--speed`
//! (speed 0: no waiting at all). The figures, from broadcast T20 and ODI
//! timings (a T20 innings of 120 balls takes about 85 minutes):
//!
//! | next event | after | gap |
//! | --- | --- | --- |
//! | `MatchStart` | anything / nothing | 0 s |
//! | `Toss` | | 5 s (the real toss is 30 min before play: compressed) |
//! | `InningsStart` 1 | | 10 s (players walk out) |
//! | `InningsStart` of a later innings | | 10 min (innings break) |
//! | `InningsStart` of a super over | | 5 min |
//! | `BowlerChange` | `InningsStart`, `TargetRevision` or nothing | 5 s |
//! | `BowlerChange` | a `Delivery` (end of over) | 60 s (change of ends) |
//! | `BowlerChange` | other (mid-over, after an injury) | 60 s |
//! | `Delivery` | a `Delivery` | 35 s |
//! | `Delivery` | a `Delivery` with a wicket | 35 s + 60 s (new batter walks in) |
//! | `Delivery` | `BowlerChange` / anything else | 10 s (bowler at the top of his mark) |
//! | `Replacement`, `TargetRevision` | | 10 s |
//! | `Retirement` | | 60 s |
//! | `InningsEnd`, `Result` | | 5 s |
//!
//! One figure for the ball-to-ball gap serves T20 and ODI (ODIs run at
//! about 40 s, close enough for a replay).

use std::time::Duration;

use super::event::Event;

/// Between two consecutive deliveries of an over.
pub const BETWEEN_BALLS: Duration = Duration::from_secs(35);
/// Extra time after a wicket for the new batter to come in.
pub const NEW_BATTER: Duration = Duration::from_secs(60);
/// A change of ends between overs (and a mid-over bowler change).
pub const OVER_CHANGE: Duration = Duration::from_secs(60);
/// The break between innings.
pub const INNINGS_BREAK: Duration = Duration::from_secs(10 * 60);
/// The break before a super over.
pub const SUPER_OVER_BREAK: Duration = Duration::from_secs(5 * 60);
/// Announcements: toss, innings end, result.
pub const ANNOUNCEMENT: Duration = Duration::from_secs(5);
/// The first delivery after a bowler change, or any other short pause.
pub const SHORT_PAUSE: Duration = Duration::from_secs(10);

/// Real-life time between `prev` (None: `next` is the first event) and
/// `next`. See the module docs for the figures.
#[must_use]
pub fn nominal_gap(prev: Option<&Event>, next: &Event) -> Duration {
    match next {
        Event::MatchStart(_) => Duration::ZERO,
        Event::Toss { .. } | Event::InningsEnd { .. } | Event::Result(_) => ANNOUNCEMENT,
        Event::InningsStart { number, super_over, .. } => {
            if *super_over {
                SUPER_OVER_BREAK
            } else if *number <= 1 {
                SHORT_PAUSE
            } else {
                INNINGS_BREAK
            }
        }
        Event::BowlerChange { .. } => match prev {
            Some(Event::InningsStart { .. } | Event::TargetRevision { .. }) | None => ANNOUNCEMENT,
            Some(_) => OVER_CHANGE,
        },
        Event::Delivery(_) => match prev {
            Some(Event::Delivery(d)) if d.wickets.is_empty() => BETWEEN_BALLS,
            Some(Event::Delivery(_)) => BETWEEN_BALLS + NEW_BATTER,
            _ => SHORT_PAUSE,
        },
        Event::Replacement { .. } | Event::TargetRevision { .. } => SHORT_PAUSE,
        Event::Retirement { .. } => NEW_BATTER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cricket::event::{Delivery, DismissalKind, Wicket};

    fn ball(wicket: bool) -> Event {
        Event::Delivery(Delivery {
            over: 0,
            ball: 1,
            batter: "a".into(),
            non_striker: "b".into(),
            bowler: "c".into(),
            runs_batter: 0,
            extras: Default::default(),
            non_boundary: false,
            wickets: if wicket {
                vec![Wicket { kind: DismissalKind::Bowled, player_out: "a".into(), fielders: vec![] }]
            } else {
                vec![]
            },
            commentary: None,
        })
    }

    fn innings_start(number: u32, super_over: bool) -> Event {
        Event::InningsStart {
            number,
            batting: "A".into(),
            bowling: "B".into(),
            super_over,
            target: None,
            max_overs: None,
            openers: vec![],
        }
    }

    #[test]
    fn ball_to_ball_and_wicket() {
        assert_eq!(nominal_gap(Some(&ball(false)), &ball(false)), BETWEEN_BALLS);
        assert!(nominal_gap(Some(&ball(true)), &ball(false)) > nominal_gap(Some(&ball(false)), &ball(false)));
    }

    #[test]
    fn over_change_costs_more_than_a_ball() {
        let change = Event::BowlerChange { over: 1, bowler: "d".into() };
        let end_of_over = nominal_gap(Some(&ball(false)), &change) + nominal_gap(Some(&change), &ball(false));
        assert!(end_of_over >= BETWEEN_BALLS + Duration::from_secs(30), "{end_of_over:?}");
    }

    #[test]
    fn innings_breaks() {
        let end = Event::InningsEnd { number: 1, reason: crate::cricket::event::InningsEndReason::OversComplete };
        assert_eq!(nominal_gap(Some(&end), &innings_start(2, false)), INNINGS_BREAK);
        assert!(nominal_gap(None, &innings_start(1, false)) < Duration::from_secs(60));
        assert_eq!(nominal_gap(Some(&end), &innings_start(3, true)), SUPER_OVER_BREAK);
        assert_eq!(
            nominal_gap(
                None,
                &Event::MatchStart(crate::cricket::event::MatchInfo {
                    format: crate::cricket::event::Format::T20,
                    teams: vec![],
                    squads: vec![],
                    title: None,
                    venue: None,
                    date: None,
                    balls_per_over: 6,
                })
            ),
            Duration::ZERO
        );
    }

    /// A 20-over innings paced this way lasts about as long as a real one.
    #[test]
    fn t20_innings_lasts_about_85_minutes() {
        let mut total = Duration::ZERO;
        let mut prev: Option<Event> = None;
        for over in 0..20 {
            let change = Event::BowlerChange { over, bowler: format!("b{}", over % 5) };
            total += nominal_gap(prev.as_ref(), &change);
            prev = Some(change);
            for _ in 0..6 {
                let b = ball(false);
                total += nominal_gap(prev.as_ref(), &b);
                prev = Some(b);
            }
        }
        let minutes = total.as_secs() / 60;
        assert!((70..=100).contains(&minutes), "{minutes} min");
    }
}
