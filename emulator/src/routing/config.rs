//! Queues and hours of operation as an instance configures them, and when hours are open.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// The queue every instance has (Connect's BasicQueue).
pub const BASIC_QUEUE_ID: &str = "55555555-5555-4555-8555-555555555555";
/// The hours every instance has ("Basic Hours", open all week).
pub const BASIC_HOURS_ID: &str = "66666666-6666-4666-8666-666666666666";

/// A queue.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Queue {
    pub id: String,
    pub name: String,
    /// Most contacts that may wait in it at once (no limit when absent).
    #[serde(default)]
    pub capacity: Option<usize>,
    /// The hours CheckHoursOfOperation uses when it names none.
    #[serde(default)]
    pub hours_of_operation_id: Option<String>,
}

/// A person who takes chats through the console, configured ahead (others sign in by name).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AgentConfig {
    /// The agent's id; made up when absent.
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    /// Queue ids of the routing profile; every queue when empty.
    #[serde(default)]
    pub queues: Vec<String>,
}

/// A day of the week, as Connect writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Day {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

/// A time of day.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TimeOfDay {
    pub hours: u32,
    pub minutes: u32,
}

impl TimeOfDay {
    fn minutes_of_day(self) -> u32 {
        self.hours * 60 + self.minutes
    }
}

/// The open hours of one day (Connect's HoursOfOperationConfig).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DayHours {
    pub day: Day,
    pub start_time: TimeOfDay,
    pub end_time: TimeOfDay,
}

/// Hours of operation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Hours {
    pub id: String,
    pub name: String,
    /// Only UTC is evaluated by connect-local.
    #[serde(default = "utc")]
    pub time_zone: String,
    pub config: Vec<DayHours>,
}

fn utc() -> String {
    "UTC".into()
}

impl Hours {
    /// Every day, all day.
    pub fn basic() -> Self {
        let all_day = |day| DayHours {
            day,
            start_time: TimeOfDay {
                hours: 0,
                minutes: 0,
            },
            end_time: TimeOfDay {
                hours: 0,
                minutes: 0,
            },
        };
        Self {
            id: BASIC_HOURS_ID.into(),
            name: "Basic Hours".into(),
            time_zone: utc(),
            config: [
                Day::Monday,
                Day::Tuesday,
                Day::Wednesday,
                Day::Thursday,
                Day::Friday,
                Day::Saturday,
                Day::Sunday,
            ]
            .into_iter()
            .map(all_day)
            .collect(),
        }
    }

    /// The rules connect-local cannot follow, if any.
    pub fn problem(&self) -> Option<String> {
        if self.time_zone != "UTC" {
            return Some(format!(
                "hours {:?}: TimeZone {:?} is not supported; connect-local evaluates hours in UTC",
                self.id, self.time_zone
            ));
        }
        self.config.iter().find_map(|d| {
            (d.start_time.hours > 23
                || d.end_time.hours > 23
                || d.start_time.minutes > 59
                || d.end_time.minutes > 59)
                .then(|| format!("hours {:?}: a time is outside 00:00-23:59", self.id))
        })
    }

    /// Whether `now` falls in an open period. An end at or before the start runs past midnight
    /// (00:00 to 00:00 is the whole day), as in Connect.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        let minute = now.hour() * 60 + now.minute();
        let today = day_of(now.weekday());
        let yesterday = day_of(now.weekday().pred());
        self.config.iter().any(|period| {
            let (start, end) = (
                period.start_time.minutes_of_day(),
                period.end_time.minutes_of_day(),
            );
            if end > start {
                period.day == today && (start..end).contains(&minute)
            } else {
                (period.day == today && minute >= start)
                    || (period.day == yesterday && minute < end && end != start)
            }
        })
    }
}

fn day_of(weekday: chrono::Weekday) -> Day {
    use chrono::Weekday::*;
    match weekday {
        Mon => Day::Monday,
        Tue => Day::Tuesday,
        Wed => Day::Wednesday,
        Thu => Day::Thursday,
        Fri => Day::Friday,
        Sat => Day::Saturday,
        Sun => Day::Sunday,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn hours_are_open_in_their_periods_including_past_midnight() {
        let hours: Hours = serde_json::from_value(serde_json::json!({
            "Id": "h", "Name": "Weekdays",
            "Config": [
                {"Day": "MONDAY", "StartTime": {"Hours": 9, "Minutes": 0}, "EndTime": {"Hours": 17, "Minutes": 0}},
                {"Day": "FRIDAY", "StartTime": {"Hours": 22, "Minutes": 0}, "EndTime": {"Hours": 2, "Minutes": 0}}
            ]
        }))
        .expect("hours parse");
        // 2026-12-07 is a Monday.
        let at = |d, h, m| Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap();
        assert!(hours.is_open(at(7, 9, 0)));
        assert!(!hours.is_open(at(7, 17, 0)));
        assert!(!hours.is_open(at(8, 10, 0)));
        assert!(hours.is_open(at(11, 23, 30)));
        assert!(hours.is_open(at(12, 1, 59)));
        assert!(!hours.is_open(at(12, 2, 0)));
        assert!(Hours::basic().is_open(at(9, 3, 14)));
    }
}
