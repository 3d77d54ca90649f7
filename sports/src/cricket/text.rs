//! Small text and number helpers shared by the scorecard views: overs text,
//! rates rounded to 2 decimals, team abbreviations, plurals.

use crate::json_text::push_u64;

/// Build a JSON object from `"key" => value` pairs, moving each value in
/// with `Value::from` (unlike `serde_json::json!`, which re-serializes
/// nested `Value`s: this is the hot path of every patch).
macro_rules! obj {
    ($($k:literal => $v:expr),* $(,)?) => {{
        let mut m = serde_json::Map::new();
        $( m.insert(String::from($k), serde_json::Value::from($v)); )*
        serde_json::Value::Object(m)
    }};
}
pub(crate) use obj;

/// Overs as written on a scorecard: `"18.1"`, or `"20"` for complete overs.
#[must_use]
pub fn overs_text(legal_balls: u32, balls_per_over: u32) -> String {
    let mut s = String::with_capacity(8);
    push_overs(&mut s, legal_balls, balls_per_over);
    s
}

/// Append [`overs_text`]`(legal_balls, balls_per_over)`.
pub fn push_overs(out: &mut String, legal_balls: u32, balls_per_over: u32) {
    let bpo = balls_per_over.max(1);
    let (o, b) = (legal_balls / bpo, legal_balls % bpo);
    push_u64(out, u64::from(o));
    if b != 0 {
        out.push('.');
        push_u64(out, u64::from(b));
    }
}

/// Round to 2 decimals (for JSON numbers).
#[must_use]
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Runs per over (0 before any legal ball).
#[must_use]
pub fn per_over(runs: u32, legal_balls: u32, balls_per_over: u32) -> f64 {
    if legal_balls == 0 {
        return 0.0;
    }
    round2(f64::from(runs) * f64::from(balls_per_over.max(1)) / f64::from(legal_balls))
}

/// Runs per 100 balls (0 before any ball faced).
#[must_use]
pub fn strike_rate(runs: u32, balls: u32) -> f64 {
    if balls == 0 {
        return 0.0;
    }
    round2(f64::from(runs) * 100.0 / f64::from(balls))
}

/// A short code for a team: initials of the words for multi-word names
/// ("Royal Challengers Bangalore" → "RCB"), the first three letters for
/// one word ("India" → "IND").
#[must_use]
pub fn abbreviation(team: &str) -> String {
    let mut s = String::with_capacity(4);
    push_abbreviation(&mut s, team);
    s
}

/// Append [`abbreviation`]`(team)` (the lobby line is written on every
/// event: no allocation here).
pub fn push_abbreviation(out: &mut String, team: &str) {
    let mut words = team.split_whitespace();
    let Some(first) = words.next() else { return };
    match words.next() {
        None => first.chars().take(3).for_each(|c| out.extend(c.to_uppercase())),
        Some(second) => {
            for w in [first, second].into_iter().chain(words) {
                if let Some(c) = w.chars().next() {
                    out.extend(c.to_uppercase());
                }
            }
        }
    }
}

/// `"1 run"`, `"2 runs"`.
#[must_use]
pub fn plural(n: u32, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overs_text_omits_complete_over_fraction() {
        assert_eq!(overs_text(0, 6), "0");
        assert_eq!(overs_text(109, 6), "18.1");
        assert_eq!(overs_text(120, 6), "20");
        assert_eq!(overs_text(9, 8), "1.1");
    }

    #[test]
    fn abbreviations() {
        assert_eq!(abbreviation("Rajasthan Royals"), "RR");
        assert_eq!(abbreviation("Royal Challengers Bangalore"), "RCB");
        assert_eq!(abbreviation("India"), "IND");
        assert_eq!(abbreviation("UK"), "UK");
        assert_eq!(abbreviation("  "), "");
        assert_eq!(abbreviation("straße"), "STR");
        assert_eq!(abbreviation("ßa  ébc\tx"), "SSÉX");
        assert_eq!(abbreviation("ßa"), "SSA");
    }

    #[test]
    fn rates_round_to_two_decimals() {
        assert!((per_over(133, 109, 6) - 7.32).abs() < 1e-9);
        assert!((strike_rate(1, 3) - 33.33).abs() < 1e-9);
        assert!(per_over(10, 0, 6).abs() < 1e-9);
    }
}
