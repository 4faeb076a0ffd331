//! Campaigns and their recipients (`campaign_recipient:[campaign, seq]`). A campaign is
//! planned in pages (its list's contacts become recipients, each on one of its numbers in
//! turn) and sent with a durable cursor per number: claiming the next recipients of a number
//! and moving its cursor and its pace are one transaction, so a crash between the claim and
//! the send leaves `queued` recipients that the next turn sends (once: the message's dedupe
//! key is the recipient's).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use tucan_model::Resource;
use tucan_model::campaign::{
    Campaign, CampaignCounts, CampaignRecipient, CampaignRecipientPage, CampaignStatus,
    RecipientStatus,
};

use super::TenantDb;
use crate::db::{check_id, fetch, fetch_found, returned, rows};
use crate::error::{StoreError, StoreResult, throw};
use crate::platform::strip_nulls;

/// Where a campaign's sending stands, beside what users see of it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CampaignProgress {
    /// Recipients written so far (the next one's `seq`).
    #[serde(default)]
    pub planned: u64,
    /// The last contact id planned (the list is read on from there).
    pub plan_after: Option<String>,
    #[serde(default)]
    pub plan_done: bool,
    /// The list's size when the campaign started (the recipients not planned yet count as
    /// pending).
    #[serde(default)]
    pub audience: Option<u64>,
    /// Per number: the `seq` of its next recipient, and the earliest time (ms) its next
    /// message may go.
    #[serde(skip)]
    pub lanes: BTreeMap<String, Lane>,
}

/// Where one number of a campaign stands.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Lane {
    pub cursor: u64,
    pub next_at: i64,
}

/// A recipient as planning writes it.
#[derive(Debug, Clone)]
pub struct NewRecipient {
    pub seq: u64,
    pub contact_id: String,
    pub name: String,
    pub phone: String,
    pub connection_id: String,
    pub opted_out: bool,
}

/// A claim of one number's next recipients.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    pub campaign_id: &'a str,
    pub connection_id: &'a str,
    /// The number's cursor as the caller read it (`first` before it ever moved).
    pub expected: u64,
    pub first: u64,
    /// The recipients' places.
    pub seqs: &'a [u64],
    /// The cursor after them.
    pub cursor: u64,
    /// The pace moves on from here by `interval_ms` for each recipient claimed.
    pub base: i64,
    pub interval_ms: f64,
    /// The month (`YYYY-MM`) the claimed recipients count in, and the most the month may
    /// hold: a claim that would pass it claims nothing.
    pub month: &'a str,
    pub month_limit: u64,
}

/// What became of one recipient.
#[derive(Debug, Clone, Default)]
pub struct RecipientOutcome {
    pub status: Option<RecipientStatus>,
    pub variant: Option<u32>,
    pub message_id: Option<String>,
    pub run_id: Option<String>,
    pub error: Option<String>,
}

fn campaign_content(c: &Campaign) -> Value {
    let mut v = json!({
        "name": c.name, "list_id": c.list_id, "connection_ids": c.connection_ids,
        "content": c.content, "per_minute": c.per_minute, "start_at": c.start_at,
        "window": c.window, "status": c.status, "flow_version": c.flow_version,
        "error": c.error, "started_at": c.started_at, "finished_at": c.finished_at,
    });
    strip_nulls(&mut v);
    v
}

impl TenantDb {
    pub async fn list_campaigns(&self) -> StoreResult<Vec<Campaign>> {
        fetch(
            self.raw(),
            "SELECT * OMIT planned, plan_after, plan_done, audience FROM campaign ORDER BY id DESC LIMIT 500",
            json!({}),
        )
        .await
    }

    pub async fn get_campaign(&self, id: &str) -> StoreResult<Campaign> {
        check_id(id, Resource::Campaign)?;
        fetch_found(
            self.raw(),
            "SELECT * OMIT planned, plan_after, plan_done, audience FROM type::record('campaign', $id)",
            json!({ "id": id }),
            Resource::Campaign,
        )
        .await
    }

    pub async fn campaign_progress(&self, id: &str) -> StoreResult<CampaignProgress> {
        check_id(id, Resource::Campaign)?;
        let mut p: CampaignProgress = fetch_found(
            self.raw(),
            "SELECT planned, plan_after, plan_done, audience FROM type::record('campaign', $id)",
            json!({ "id": id }),
            Resource::Campaign,
        )
        .await?;
        #[derive(Deserialize)]
        struct LaneRow {
            connection_id: String,
            cursor: u64,
            next_at: i64,
        }
        let lanes: Vec<LaneRow> = fetch(
            self.raw(),
            "SELECT connection_id, cursor, next_at FROM campaign_lane WHERE campaign_id = $id",
            json!({ "id": id }),
        )
        .await?;
        p.lanes = lanes
            .into_iter()
            .map(|l| {
                (
                    l.connection_id,
                    Lane {
                        cursor: l.cursor,
                        next_at: l.next_at,
                    },
                )
            })
            .collect();
        Ok(p)
    }

    pub async fn create_campaign(&self, c: &Campaign) -> StoreResult<Campaign> {
        fetch_found(
            self.raw(),
            "CREATE type::record('campaign', $id) CONTENT object::extend($c, { start_at: IF $c.start_at = NONE THEN NONE ELSE <datetime> $c.start_at END }) RETURN AFTER",
            json!({ "id": c.id, "c": campaign_content(c) }),
            Resource::Campaign,
        )
        .await
    }

    /// Write a draft's fields; `CAMPAIGN_STATE` when it is no longer a draft.
    pub async fn save_draft_campaign(&self, c: &Campaign) -> StoreResult<Campaign> {
        let sql = "BEGIN TRANSACTION;
LET $now = (SELECT VALUE status FROM ONLY type::record('campaign', $id));
IF $now = NONE { THROW 'campaign_not_found' };
IF $now != 'draft' { THROW 'campaign_state' };
LET $c = (UPDATE ONLY type::record('campaign', $id) SET name = $c.name, list_id = $c.list_id, connection_ids = $c.connection_ids, content = $c.content, per_minute = $c.per_minute, start_at = IF $c.start_at = NONE THEN NONE ELSE <datetime> $c.start_at END, window = $c.window ?? NONE RETURN AFTER);
RETURN $c;
COMMIT TRANSACTION;";
        returned(
            self.raw(),
            sql,
            json!({ "id": c.id, "c": campaign_content(c) }),
        )
        .await
        .map_err(campaign_error)?
        .ok_or(StoreError::NotFound(Resource::Campaign))
    }

    /// Move a campaign from one of `from` to `to`, with `set` (more `field = $value` pairs,
    /// the values in `vars`); `CAMPAIGN_STATE` when it is in none of `from`.
    pub async fn move_campaign(
        &self,
        id: &str,
        from: &[CampaignStatus],
        to: CampaignStatus,
        set: &[(&str, Value)],
    ) -> StoreResult<Campaign> {
        check_id(id, Resource::Campaign)?;
        let mut extra = String::new();
        let mut vars = json!({ "id": id, "from": from, "to": to });
        for (i, (field, value)) in set.iter().enumerate() {
            if field.ends_with("_at") {
                extra.push_str(&format!(
                    ", {field} = IF $v{i} = NONE OR $v{i} = NULL THEN NONE ELSE <datetime> $v{i} END"
                ));
            } else {
                extra.push_str(&format!(", {field} = $v{i} ?? NONE"));
            }
            vars[format!("v{i}")] = value.clone();
        }
        let sql = format!(
            "BEGIN TRANSACTION;
LET $now = (SELECT VALUE status FROM ONLY type::record('campaign', $id));
IF $now = NONE {{ THROW 'campaign_not_found' }};
IF $now NOT IN $from {{ THROW 'campaign_state' }};
LET $c = (UPDATE ONLY type::record('campaign', $id) SET status = $to{extra} RETURN AFTER);
RETURN $c;
COMMIT TRANSACTION;"
        );
        returned(self.raw(), &sql, vars)
            .await
            .map_err(campaign_error)?
            .ok_or(StoreError::NotFound(Resource::Campaign))
    }

    /// Delete a campaign that is a draft or has ended, with its recipients.
    pub async fn delete_campaign(&self, id: &str) -> StoreResult<()> {
        let c = self.get_campaign(id).await?;
        if !(c.status == CampaignStatus::Draft || c.status.is_final()) {
            return Err(StoreError::problem(
                tucan_model::ErrorCode::CampaignState,
                "pause or cancel the campaign before deleting it",
            ));
        }
        rows(
            self.raw(),
            "DELETE campaign_recipient WHERE campaign_id = $id; DELETE campaign_lane WHERE campaign_id = $id; DELETE type::record('campaign', $id);",
            json!({ "id": id }),
        )
        .await?;
        Ok(())
    }

    /// Write the next planned recipients and where planning stands, once: `false` when
    /// another turn planned them already.
    pub async fn plan_recipients(
        &self,
        campaign_id: &str,
        from: u64,
        recipients: &[NewRecipient],
        plan_after: Option<&str>,
        done: bool,
    ) -> StoreResult<bool> {
        let rows_json: Vec<Value> = recipients
            .iter()
            .map(|r| {
                json!({
                    "id": [campaign_id, r.seq], "campaign_id": campaign_id, "seq": r.seq,
                    "contact_id": r.contact_id, "name": r.name, "phone": r.phone,
                    "connection_id": r.connection_id,
                    "status": if r.opted_out { RecipientStatus::OptedOut } else { RecipientStatus::Pending },
                })
            })
            .collect();
        let sql = "BEGIN TRANSACTION;
LET $p = (SELECT VALUE planned FROM ONLY type::record('campaign', $id));
IF $p != $from { THROW 'unchanged' };
IF array::len($rows) > 0 { INSERT INTO campaign_recipient $rows RETURN NONE };
UPDATE type::record('campaign', $id) SET planned = $to, plan_after = $after ?? plan_after, plan_done = $done RETURN NONE;
RETURN true;
COMMIT TRANSACTION;";
        let vars = json!({
            "id": campaign_id, "from": from, "rows": rows_json,
            "to": from + recipients.len() as u64, "after": plan_after, "done": done,
        });
        match returned::<bool>(self.raw(), sql, vars).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_thrown(throw::UNCHANGED) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Claim recipients of a number (those still pending become `queued`) and move its
    /// cursor and pace, if its cursor is where the caller read it; the claimed recipients, or
    /// `None` when another turn claimed first.
    pub async fn claim_recipients(
        &self,
        c: &Claim<'_>,
    ) -> StoreResult<Option<Vec<CampaignRecipient>>> {
        let Claim {
            campaign_id,
            connection_id,
            expected,
            first,
            seqs,
            cursor,
            base,
            interval_ms,
            month,
            month_limit,
        } = *c;
        let ids: Vec<Value> = seqs.iter().map(|s| json!([campaign_id, s])).collect();
        let sql = "BEGIN TRANSACTION;
LET $cur = (SELECT VALUE cursor FROM ONLY type::record('campaign_lane', [$id, $conn])) ?? $first;
IF $cur != $expected { THROW 'unchanged' };
LET $got = (UPDATE array::map($ids, |$i| type::record('campaign_recipient', $i)) SET status = 'queued', claimed_at = time::now(), updated_at = time::now() WHERE status = 'pending' RETURN AFTER);
LET $used = (SELECT VALUE count FROM ONLY type::record('campaign_usage', $month)) ?? 0;
IF $used + array::len($got) > $limit { THROW 'unchanged' };
IF array::len($got) > 0 { UPSERT type::record('campaign_usage', $month) SET count = $used + array::len($got) RETURN NONE };
UPSERT type::record('campaign_lane', [$id, $conn]) SET campaign_id = $id, connection_id = $conn, cursor = $cursor, next_at = <int> math::round($base + array::len($got) * $interval) RETURN NONE;
RETURN { got: $got };
COMMIT TRANSACTION;";
        let vars = json!({
            "id": campaign_id, "conn": connection_id, "expected": expected, "first": first,
            "ids": ids, "cursor": cursor, "base": base, "interval": interval_ms,
            "month": month, "limit": month_limit,
        });
        #[derive(Deserialize)]
        struct Claimed {
            got: Vec<Value>,
        }
        match returned::<Claimed>(self.raw(), sql, vars).await {
            Ok(c) => Ok(Some(
                c.map(|c| c.got)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| serde_json::from_value(crate::db::normalize_ids(r)))
                    .collect::<Result<_, _>>()?,
            )),
            Err(e) if e.is_thrown(throw::UNCHANGED) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Campaign recipients reached in `month` (`YYYY-MM`).
    pub async fn campaign_usage(&self, month: &str) -> StoreResult<u64> {
        let used: Vec<u64> = fetch(
            self.raw(),
            "SELECT VALUE count FROM type::record('campaign_usage', $month)",
            json!({ "month": month }),
        )
        .await?;
        Ok(used.first().copied().unwrap_or(0))
    }

    /// Recipients still `queued` to reach again: claimed more than `secs` ago with no
    /// message or run (a turn that stopped between the claim and the send), or more than
    /// `sending_secs` ago with a message still on its way (a send job lost with its process).
    /// Reaching one again sends nothing twice: its message is found by its key.
    pub async fn stalled_recipients(
        &self,
        campaign_id: &str,
        secs: u64,
        sending_secs: u64,
    ) -> StoreResult<Vec<CampaignRecipient>> {
        // Taken again from now: a recipient is reached again once per period, not every turn.
        let sql = "BEGIN TRANSACTION;
LET $s = (SELECT * FROM campaign_recipient WHERE campaign_id = $c AND status = 'queued' AND ((message_id = NONE AND run_id = NONE AND claimed_at < time::now() - <duration> $age) OR claimed_at < time::now() - <duration> $sending) LIMIT 200);
IF array::len($s) > 0 { UPDATE $s.id SET claimed_at = time::now() RETURN NONE };
RETURN { got: $s };
COMMIT TRANSACTION;";
        #[derive(Deserialize)]
        struct Stalled {
            got: Vec<Value>,
        }
        let stalled: Option<Stalled> = returned(
            self.raw(),
            sql,
            json!({ "c": campaign_id, "age": format!("{secs}s"), "sending": format!("{sending_secs}s") }),
        )
        .await?;
        Ok(stalled
            .map(|s| s.got)
            .unwrap_or_default()
            .into_iter()
            .map(|r| serde_json::from_value(crate::db::normalize_ids(r)))
            .collect::<Result<_, _>>()?)
    }

    /// Whether a recipient of the campaign is still on its way (`queued`).
    pub async fn any_queued(&self, campaign_id: &str) -> StoreResult<bool> {
        let found: Vec<Value> = fetch(
            self.raw(),
            "SELECT VALUE seq FROM campaign_recipient WHERE campaign_id = $c AND status = 'queued' LIMIT 1",
            json!({ "c": campaign_id }),
        )
        .await?;
        Ok(!found.is_empty())
    }

    /// Write what became of a recipient.
    pub async fn record_recipient(
        &self,
        campaign_id: &str,
        seq: u64,
        o: &RecipientOutcome,
    ) -> StoreResult<()> {
        rows(
            self.raw(),
            "UPDATE type::record('campaign_recipient', [$c, $s]) SET status = IF status = 'replied' THEN status ELSE $st ?? status END, variant = $v ?? variant, message_id = $m ?? message_id, run_id = $r ?? run_id, error = $e ?? error, updated_at = time::now()",
            json!({ "c": campaign_id, "s": seq, "st": o.status, "v": o.variant, "m": o.message_id, "r": o.run_id, "e": o.error }),
        )
        .await?;
        Ok(())
    }

    /// How many recipients are in each status.
    pub async fn campaign_counts(&self, campaign_id: &str) -> StoreResult<CampaignCounts> {
        #[derive(Deserialize)]
        struct Group {
            status: RecipientStatus,
            count: u64,
        }
        let groups: Vec<Group> = fetch(
            self.raw(),
            "SELECT status, count() AS count FROM campaign_recipient WHERE campaign_id = $c GROUP BY status",
            json!({ "c": campaign_id }),
        )
        .await?;
        let mut counts = CampaignCounts::default();
        for g in groups {
            counts.add(g.status, g.count);
        }
        Ok(counts)
    }

    /// Recipients reached in each minute (by when they were claimed), by where they stand
    /// now.
    pub async fn campaign_minutes(
        &self,
        campaign_id: &str,
    ) -> StoreResult<Vec<(chrono::DateTime<chrono::Utc>, RecipientStatus, u64)>> {
        #[derive(Deserialize)]
        struct Minute {
            minute: chrono::DateTime<chrono::Utc>,
            status: RecipientStatus,
            n: u64,
        }
        let rows: Vec<Minute> = fetch(
            self.raw(),
            "SELECT time::floor(claimed_at, 1m) AS minute, status, count() AS n FROM campaign_recipient WHERE campaign_id = $c AND claimed_at != NONE GROUP BY minute, status",
            json!({ "c": campaign_id }),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|m| (m.minute, m.status, m.n))
            .collect())
    }

    /// A page of recipients after `after` (a `seq`), in order, optionally of one status.
    pub async fn campaign_recipients(
        &self,
        campaign_id: &str,
        status: Option<RecipientStatus>,
        after: Option<u64>,
        limit: u32,
    ) -> StoreResult<CampaignRecipientPage> {
        check_id(campaign_id, Resource::Campaign)?;
        let limit = limit.clamp(1, 1000);
        let from = after.map(|a| a as i64).unwrap_or(-1);
        let filter = if status.is_some() {
            "WHERE status = $st"
        } else {
            ""
        };
        let items: Vec<CampaignRecipient> = fetch(
            self.raw(),
            &format!(
                "SELECT * FROM type::record('campaign_recipient', [$c, $from]>..[$c, 9223372036854775807]) {filter} LIMIT $limit"
            ),
            json!({ "c": campaign_id, "from": from, "st": status, "limit": limit }),
        )
        .await?;
        let next_cursor = (items.len() as u32 >= limit)
            .then(|| items.last().map(|r| r.seq))
            .flatten();
        Ok(CampaignRecipientPage { items, next_cursor })
    }

    /// A flow campaign's run talks to its recipient on `ticket_id`: the customer's next
    /// message there is the recipient's reply.
    pub async fn mark_campaign_ticket(
        &self,
        ticket_id: &str,
        campaign_id: &str,
        seq: u64,
    ) -> StoreResult<()> {
        rows(
            self.raw(),
            "UPDATE type::record('ticket', $t) SET campaign_rcpt = [$c, $s]",
            json!({ "c": campaign_id, "s": seq, "t": ticket_id }),
        )
        .await?;
        Ok(())
    }

    /// The customer answered on a ticket a campaign wrote on: its recipient replied.
    pub async fn campaign_replied(
        &self,
        ticket_id: &str,
        campaign_id: &str,
        seq: u64,
    ) -> StoreResult<()> {
        rows(
            self.raw(),
            "UPDATE type::record('campaign_recipient', [$c, $s]) SET status = 'replied', updated_at = time::now() WHERE status IN ['queued', 'sent', 'delivered', 'read']; \
             UPDATE type::record('ticket', $t) SET campaign_rcpt = NONE;",
            json!({ "c": campaign_id, "s": seq, "t": ticket_id }),
        )
        .await?;
        Ok(())
    }

    /// Tell the company's open apps where a campaign stands (`data`: the campaign and its
    /// counts).
    pub async fn append_campaign_event(&self, data: &Value) -> StoreResult<()> {
        rows(
            self.raw(),
            "CREATE type::record('inbox_event', $ev) CONTENT { kind: 'campaign', data: $data } RETURN NONE",
            json!({ "ev": tucan_model::ids::new_id(), "data": data }),
        )
        .await?;
        Ok(())
    }

    /// Campaigns in a status that sends (for the sweeper that keeps their turns armed).
    pub async fn active_campaigns(&self) -> StoreResult<Vec<Campaign>> {
        fetch(
            self.raw(),
            "SELECT * OMIT planned, plan_after, plan_done, audience FROM campaign WHERE status IN ['scheduled', 'running', 'waiting']",
            json!({}),
        )
        .await
    }
}

/// The store's `THROW`s of campaign transactions as the errors callers know.
fn campaign_error(e: StoreError) -> StoreError {
    if e.is_thrown("campaign_not_found") {
        StoreError::NotFound(Resource::Campaign)
    } else if e.is_thrown("campaign_state") {
        StoreError::problem(
            tucan_model::ErrorCode::CampaignState,
            "the campaign's status does not allow this",
        )
    } else {
        e
    }
}
