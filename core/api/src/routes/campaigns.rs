//! Campaigns over REST (supervisors and admins, on plans with campaigns): drafts, start,
//! pause, resume, cancel, where the recipients are (`counts`, live on the socket's
//! `campaigns` view), the report of recipients and its CSV export.

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Attachment, Json, PlainText};
use poem_openapi::{ApiResponse, OpenApi};
use tucan_model::campaign::{
    Campaign, CampaignPatch, CampaignRecipient, CampaignRecipientPage, CampaignTimeline,
    CampaignUsage, CampaignView, NewCampaign, RecipientStatus,
};
use tucan_store::TenantDb;

use super::ApiTags;
use super::lists::campaigner;
use super::platform::{Created, Deleted};
use crate::auth::{Auth, Scope};
use crate::error::status::{AUTHED, BAD_REQUEST, BODY, CONFLICT, NOT_FOUND};
use crate::error::{ApiResult, Reply};
use crate::state::AppState;
use crate::xlsx_io::{self, Cell};

pub struct CampaignsApi {
    pub state: AppState,
}

#[derive(ApiResponse)]
pub enum RecipientsCsv {
    /// Every recipient: `seq`, `name`, `phone`, `number`, `status`, `variant`, `error`,
    /// `updated_at`.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(PlainText<String>),
}

#[derive(ApiResponse)]
pub enum RecipientsXlsx {
    /// Every recipient, the columns of the CSV, as an Excel workbook.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Xlsx(Attachment<Vec<u8>>),
}

/// The report's columns.
const REPORT_COLUMNS: [&str; 8] = [
    "seq",
    "name",
    "phone",
    "number",
    "status",
    "variant",
    "error",
    "updated_at",
];

/// Every recipient of a campaign, page by page, in order.
async fn each_recipient(
    db: &TenantDb,
    id: &str,
    mut each: impl FnMut(&CampaignRecipient),
) -> ApiResult<()> {
    let mut after = None;
    loop {
        let page = db.campaign_recipients(id, None, after, 1000).await?;
        page.items.iter().for_each(&mut each);
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => return Ok(()),
        }
    }
}

fn status_text(s: RecipientStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

fn default_limit() -> u32 {
    100
}

/// A CSV field, quoted when it needs to be; a leading `=`, `+`, `-` or `@` is neutralised so
/// a spreadsheet never runs it as a formula.
fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

#[OpenApi(prefix_path = "/api/campaigns", tag = "ApiTags::Campaigns")]
impl CampaignsApi {
    /// The company's campaigns, newest first (the last 500).
    #[oai(path = "/", method = "get")]
    async fn list_campaigns(&self, auth: Auth) -> Reply<Json<Vec<Campaign>>, { AUTHED }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsRead).await?;
        Ok(Json(ctx.db.list_campaigns().await?))
    }

    /// A new campaign, as a draft: nothing is sent until it is started.
    #[oai(path = "/", method = "post")]
    async fn create_campaign(
        &self,
        auth: Auth,
        body: Json<NewCampaign>,
    ) -> Reply<Created<Campaign>, { AUTHED | BODY }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsWrite).await?;
        let c = self.state.campaigns.create(&ctx.db, &body).await?;
        Ok(Created::Created(Json(c)))
    }

    /// A campaign and how many recipients are in each status.
    #[oai(path = "/:id", method = "get")]
    async fn get_campaign(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<CampaignView>, { AUTHED | NOT_FOUND }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsRead).await?;
        Ok(Json(self.state.campaigns.view(&ctx.db, &id).await?))
    }

    /// Change a draft (`CAMPAIGN_STATE` once it started).
    #[oai(path = "/:id", method = "patch")]
    async fn update_campaign(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<CampaignPatch>,
    ) -> Reply<Json<Campaign>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsWrite).await?;
        Ok(Json(
            self.state.campaigns.update(&ctx.db, &id, &body).await?,
        ))
    }

    /// Delete a draft or a campaign that ended, with its report.
    #[oai(path = "/:id", method = "delete")]
    async fn delete_campaign(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | NOT_FOUND | CONFLICT }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsWrite).await?;
        ctx.db.delete_campaign(&id).await?;
        Ok(Deleted::NoContent)
    }

    /// Start a draft: it sends from now, or waits for its `start_at`; a flow campaign pins
    /// the flow's published version.
    #[oai(path = "/:id/start", method = "post")]
    async fn start_campaign(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Campaign>, { AUTHED | BAD_REQUEST | NOT_FOUND | CONFLICT }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsWrite).await?;
        Ok(Json(self.state.campaigns.start(&ctx.db, &id).await?))
    }

    /// Pause a campaign that is sending, scheduled or waiting for its window.
    #[oai(path = "/:id/pause", method = "post")]
    async fn pause_campaign(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Campaign>, { AUTHED | NOT_FOUND | CONFLICT }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsWrite).await?;
        Ok(Json(self.state.campaigns.pause(&ctx.db, &id).await?))
    }

    /// Resume a paused campaign where it stopped.
    #[oai(path = "/:id/resume", method = "post")]
    async fn resume_campaign(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Campaign>, { AUTHED | NOT_FOUND | CONFLICT }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsWrite).await?;
        Ok(Json(self.state.campaigns.resume(&ctx.db, &id).await?))
    }

    /// Stop a campaign for good; recipients not reached stay `pending` in the report.
    #[oai(path = "/:id/cancel", method = "post")]
    async fn cancel_campaign(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Campaign>, { AUTHED | NOT_FOUND | CONFLICT }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsWrite).await?;
        Ok(Json(self.state.campaigns.cancel(&ctx.db, &id).await?))
    }

    /// The report: recipients in order, optionally of one `status` (the failed ones with
    /// their reasons, say); `after` is the previous page's `next_cursor`.
    #[oai(path = "/:id/recipients", method = "get")]
    async fn list_recipients(
        &self,
        auth: Auth,
        id: Path<String>,
        status: Query<Option<RecipientStatus>>,
        after: Query<Option<u64>>,
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "1000"))
        )]
        limit: Query<u32>,
    ) -> Reply<Json<CampaignRecipientPage>, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsRead).await?;
        ctx.db.get_campaign(&id).await?;
        Ok(Json(
            ctx.db
                .campaign_recipients(&id, status.0, after.0, limit.0)
                .await?,
        ))
    }

    /// The delivery chart: recipients reached in each stretch of time (at most 120
    /// stretches, of 1 minute up to a day), by where they stand now.
    #[oai(path = "/:id/timeline", method = "get")]
    async fn campaign_timeline(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<CampaignTimeline>, { AUTHED | NOT_FOUND }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsRead).await?;
        ctx.db.get_campaign(&id).await?;
        let minutes = ctx.db.campaign_minutes(&id).await?;
        Ok(Json(CampaignTimeline::from_minutes(&minutes, 120)))
    }

    /// Every recipient as CSV.
    #[oai(path = "/:id/recipients.csv", method = "get")]
    async fn export_recipients(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<RecipientsCsv, { AUTHED | NOT_FOUND }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsRead).await?;
        ctx.db.get_campaign(&id).await?;
        let mut out = REPORT_COLUMNS.join(",") + "\n";
        each_recipient(&ctx.db, &id, |r| {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                r.seq,
                csv_field(&r.name),
                csv_field(&r.phone),
                csv_field(&r.connection_id),
                status_text(r.status),
                r.variant.map(|v| (v + 1).to_string()).unwrap_or_default(),
                csv_field(r.error.as_deref().unwrap_or("")),
                r.updated_at.to_rfc3339(),
            ));
        })
        .await?;
        Ok(RecipientsCsv::Csv(PlainText(out)))
    }

    /// Every recipient as an Excel workbook (XLSX).
    #[oai(path = "/:id/recipients.xlsx", method = "get")]
    async fn export_recipients_xlsx(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<RecipientsXlsx, { AUTHED | NOT_FOUND }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsRead).await?;
        let campaign = ctx.db.get_campaign(&id).await?;
        let mut rows = Vec::new();
        each_recipient(&ctx.db, &id, |r| {
            rows.push(vec![
                Cell::Number(r.seq as f64),
                Cell::Text(r.name.clone()),
                Cell::Text(r.phone.clone()),
                Cell::Text(r.connection_id.clone()),
                Cell::Text(status_text(r.status)),
                r.variant
                    .map(|v| Cell::Number(f64::from(v + 1)))
                    .unwrap_or(Cell::Empty),
                Cell::Text(r.error.clone().unwrap_or_default()),
                Cell::Text(r.updated_at.to_rfc3339()),
            ]);
        })
        .await?;
        let bytes = xlsx_io::write_sheet("Recipients", &REPORT_COLUMNS, &rows)?;
        Ok(RecipientsXlsx::Xlsx(
            Attachment::new(bytes).filename(format!("campaign-{}.xlsx", campaign.id)),
        ))
    }

    /// This month's campaign recipients against the plan's monthly limit.
    #[oai(path = "/usage", method = "get")]
    async fn campaign_usage(&self, auth: Auth) -> Reply<Json<CampaignUsage>, { AUTHED }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsRead).await?;
        Ok(Json(self.state.campaigns.usage(&ctx.db).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("Ana"), "Ana");
        assert_eq!(csv_field("Silva, Ana"), "\"Silva, Ana\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("say \"oi\""), "\"say \"\"oi\"\"\"");
    }
}
