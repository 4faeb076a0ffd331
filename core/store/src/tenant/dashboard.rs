//! The dashboard's figures, counted by the database with grouped selects: nothing here
//! loads tickets or messages one by one. Messages and tickets of the window are read as a
//! range of their time-ordered ids, so a tenant's history outside the window is not read.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use tucan_model::dashboard::{
    AgentActivity, Colleague, Csat, Dashboard, DayCount, QueueCounts, QueueCsat, StatusCounts,
};
use tucan_model::ids::floor_id;

use super::TenantDb;
use crate::db::row_sets;
use crate::error::StoreResult;

/// Every grouped count in one round trip; after the `LET`, the statement order is the order
/// `row_sets` hands the rows back in.
/// `$from` is `$since` as a datetime value: the planner matches an index only to a value, not
/// to a cast (`<datetime> $since`). A ticket closed in the window may have been created long
/// before it, so closed tickets are read through `ticket_closed` (the hint keeps the planner
/// from also reading every closed ticket through `ticket_status`).
const DASHBOARD_SQL: &str = "
LET $from = <datetime> $since;
SELECT queue_id, status, count() AS n FROM ticket GROUP BY queue_id, status;
SELECT record::id(id) AS id, name FROM queue;
SELECT time::format(created_at, '%Y-%m-%d') AS day, direction, count() AS n FROM type::record('message', $floor..) WHERE created_at >= $from AND direction IN ['in', 'out'] GROUP BY day, direction;
SELECT ticket_id, time::min(created_at) AS first FROM type::record('message', $floor..) WHERE created_at >= $from AND direction = 'out' AND user_id != NONE GROUP BY ticket_id;
SELECT record::id(id) AS id, created_at FROM type::record('ticket', $floor..) WHERE created_at >= $from;
SELECT user_id, created_at, closed_at FROM ticket WITH INDEX ticket_closed WHERE closed_at >= $from AND status = 'closed';
SELECT user_id, count() AS n FROM ticket WHERE status = 'open' AND user_id != NONE GROUP BY user_id;
SELECT user_id, count() AS n FROM type::record('message', $floor..) WHERE created_at >= $from AND direction = 'out' AND user_id != NONE GROUP BY user_id;
SELECT record::id(id) AS id, name, online, role FROM user ORDER BY name;
SELECT user_id, queue_id, rating FROM ticket WITH INDEX ticket_rated WHERE rated_at >= $from;
";

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()?.parse().ok()
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0u64), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

impl TenantDb {
    /// The dashboard over the `days` days up to `now` (the window starts at midnight UTC
    /// `days - 1` days before today).
    pub async fn dashboard(&self, days: u32, now: DateTime<Utc>) -> StoreResult<Dashboard> {
        let days = days.max(1);
        let first_day = now.date_naive() - Duration::days(i64::from(days) - 1);
        let since = first_day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        // Ids carry the time of the node that made them and `created_at` the time of the
        // write: the range starts an hour early so that clocks apart cannot drop a row, and
        // `created_at` decides.
        let floor = floor_id(since - Duration::hours(1));
        let vars = json!({ "since": since, "floor": floor });
        let mut sets = row_sets(self.raw(), DASHBOARD_SQL, vars, 11).await?;
        sets.remove(0); // the LET
        let [
            by_queue,
            queues,
            per_day,
            first_out,
            created,
            closed,
            open_by_user,
            sent_by_user,
            users,
            rated,
        ] = <[Vec<Value>; 10]>::try_from(sets).unwrap_or_else(|_| unreachable!("ten statements"));

        let mut status = StatusCounts::default();
        let names: HashMap<String, String> = queues
            .iter()
            .filter_map(|q| Some((text(&q["id"])?, text(&q["name"])?)))
            .collect();
        let mut per_queue: BTreeMap<Option<String>, StatusCounts> = BTreeMap::new();
        for row in &by_queue {
            let n = row["n"].as_u64().unwrap_or(0);
            let entry = per_queue.entry(text(&row["queue_id"])).or_default();
            let s = row["status"].as_str().unwrap_or_default();
            status.add(s, n);
            entry.add(s, n);
        }
        let mut tickets_by_queue: Vec<QueueCounts> = per_queue
            .into_iter()
            .map(|(queue_id, c)| QueueCounts {
                queue_name: queue_id
                    .as_ref()
                    .and_then(|id| names.get(id).cloned())
                    .unwrap_or_default(),
                queue_id,
                pending: c.pending,
                open: c.open,
                closed: c.closed,
            })
            .collect();
        tickets_by_queue.sort_by(|a, b| {
            (a.queue_id.is_none(), &a.queue_name).cmp(&(b.queue_id.is_none(), &b.queue_name))
        });

        let mut daily: BTreeMap<NaiveDate, (u64, u64)> = (0..days)
            .map(|d| (first_day + Duration::days(i64::from(d)), (0, 0)))
            .collect();
        for row in &per_day {
            let Some(day) = row["day"]
                .as_str()
                .and_then(|d| d.parse::<NaiveDate>().ok())
            else {
                continue;
            };
            let n = row["n"].as_u64().unwrap_or(0);
            if let Some(slot) = daily.get_mut(&day) {
                match row["direction"].as_str() {
                    Some("in") => slot.0 += n,
                    Some("out") => slot.1 += n,
                    _ => {}
                }
            }
        }
        let messages_per_day = daily
            .into_iter()
            .map(|(day, (inbound, outbound))| DayCount {
                day: day.to_string(),
                inbound,
                outbound,
            })
            .collect();

        let created_at: HashMap<String, DateTime<Utc>> = created
            .iter()
            .filter_map(|t| Some((text(&t["id"])?, time(&t["created_at"])?)))
            .collect();
        let avg_first_response_secs = mean(first_out.iter().filter_map(|m| {
            let opened = created_at.get(m["ticket_id"].as_str()?)?;
            let answered = time(&m["first"])?;
            Some((answered - *opened).num_milliseconds().max(0) as f64 / 1000.0)
        }));
        let avg_resolution_secs = mean(closed.iter().filter_map(|t| {
            let span = time(&t["closed_at"])? - time(&t["created_at"])?;
            Some(span.num_milliseconds().max(0) as f64 / 1000.0)
        }));

        let by_user = |set: &[Value]| -> HashMap<String, u64> {
            set.iter()
                .filter_map(|r| Some((text(&r["user_id"])?, r["n"].as_u64()?)))
                .collect()
        };
        let open = by_user(&open_by_user);
        let sent = by_user(&sent_by_user);
        let mut closed_by: HashMap<String, u64> = HashMap::new();
        for t in &closed {
            if let Some(u) = text(&t["user_id"]) {
                *closed_by.entry(u).or_default() += 1;
            }
        }
        let mut scores_of: HashMap<String, Vec<u8>> = HashMap::new();
        let mut queue_scores: BTreeMap<Option<String>, Vec<u8>> = BTreeMap::new();
        let mut all_scores = Vec::with_capacity(rated.len());
        for t in &rated {
            let Some(score) = t["rating"].as_u64().and_then(|r| u8::try_from(r).ok()) else {
                continue;
            };
            all_scores.push(score);
            if let Some(u) = text(&t["user_id"]) {
                scores_of.entry(u).or_default().push(score);
            }
            queue_scores
                .entry(text(&t["queue_id"]))
                .or_default()
                .push(score);
        }
        let csat_by_queue = queue_scores
            .into_iter()
            .filter_map(|(queue_id, scores)| {
                Some(QueueCsat {
                    queue_name: queue_id
                        .as_ref()
                        .and_then(|id| names.get(id).cloned())
                        .unwrap_or_default(),
                    queue_id,
                    csat: Csat::of(&scores)?,
                })
            })
            .collect();
        let agents = users
            .iter()
            .filter_map(|u| {
                let id = text(&u["id"])?;
                Some(AgentActivity {
                    csat: scores_of.get(&id).and_then(|s| Csat::of(s)),
                    name: text(&u["name"]).unwrap_or_default(),
                    online: u["online"].as_bool().unwrap_or(false),
                    open_tickets: open.get(&id).copied().unwrap_or(0),
                    closed_in_period: closed_by.get(&id).copied().unwrap_or(0),
                    messages_sent: sent.get(&id).copied().unwrap_or(0),
                    user_id: id,
                })
            })
            .collect();

        Ok(Dashboard {
            days,
            tickets_by_status: status,
            tickets_by_queue,
            messages_per_day,
            avg_first_response_secs,
            avg_resolution_secs,
            agents,
            csat: Csat::of(&all_scores),
            csat_by_queue,
        })
    }

    /// Every user of the company with whether they are online and their open tickets.
    pub async fn colleagues(&self) -> StoreResult<Vec<Colleague>> {
        let users = crate::db::rows(
            self.raw(),
            "SELECT record::id(id) AS id, name, role, online FROM user ORDER BY name",
            json!({}),
        )
        .await?;
        let ids: Vec<String> = users.iter().filter_map(|u| text(&u["id"])).collect();
        let open = self.open_ticket_counts(&ids).await?;
        Ok(users
            .iter()
            .filter_map(|u| {
                let id = text(&u["id"])?;
                Some(Colleague {
                    name: text(&u["name"]).unwrap_or_default(),
                    role: serde_json::from_value(u["role"].clone()).ok()?,
                    online: u["online"].as_bool().unwrap_or(false),
                    open_tickets: open.get(&id).copied().unwrap_or(0),
                    id,
                })
            })
            .collect())
    }

    /// Whether `user_id` is online for automatic assignment.
    pub async fn is_online(&self, user_id: &str) -> StoreResult<bool> {
        let rows = crate::db::rows(
            self.raw(),
            "SELECT VALUE online FROM type::record('user', $id)",
            json!({ "id": user_id }),
        )
        .await?;
        Ok(rows.first().and_then(Value::as_bool).unwrap_or(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan of the dashboard's statement that mentions `marker`.
    async fn plan_of(db: &TenantDb, marker: &str) -> String {
        let statement = DASHBOARD_SQL
            .lines()
            .find(|l| l.contains(marker))
            .expect("a statement with the marker");
        let sql = format!(
            "LET $from = d'2026-01-01T00:00:00Z'; LET $floor = '0'; {} EXPLAIN;",
            statement.trim_end_matches(';')
        );
        let mut res = db.raw().query(sql).await.unwrap();
        let plan: surrealdb::types::Value = res.take(2).unwrap();
        plan.into_json_value().to_string()
    }

    #[tokio::test]
    async fn closed_tickets_of_the_window_are_read_through_their_index() {
        let (_store, db) = super::super::tests::tenant_store().await;
        let plan = plan_of(&db, "closed_at >=").await;
        assert!(plan.contains("ticket_closed"), "{plan}");
        assert!(!plan.contains("ticket_status"), "{plan}");
        assert!(!plan.contains("TableScan"), "{plan}");

        // Why `$from`: the same condition on a cast is not matched to the index.
        let mut res = db
            .raw()
            .query("SELECT user_id FROM ticket WHERE closed_at >= <datetime> $since EXPLAIN")
            .bind(("since", "2026-01-01T00:00:00Z"))
            .await
            .unwrap();
        let cast: surrealdb::types::Value = res.take(0).unwrap();
        let cast = cast.into_json_value().to_string();
        assert!(!cast.contains("ticket_closed"), "{cast}");
    }
}
