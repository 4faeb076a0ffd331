//! CSV import and export of contacts.

use std::collections::{BTreeMap, BTreeSet};

use tucan_model::contact::{ImportReport, ImportRowError, check_custom_fields};
use tucan_model::phone::normalize_phone;
use tucan_model::user::normalize_email;
use tucan_model::{ErrorCode, Problem};
use tucan_store::{ContactFields, ContactQuery};

use crate::auth::TenantCtx;
use crate::error::{ApiError, ApiResult};
use crate::routes::contacts::{merge_import, tag_ids};

/// Most rows one import may carry.
pub const MAX_IMPORT_ROWS: usize = 50_000;

const KNOWN: [&str; 4] = ["name", "phone", "email", "tags"];

/// A table read from an upload: its header row (lower case) and its rows, each with its line
/// in the file (the header is line 1) and its cells or why it could not be read.
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<(u64, Result<Vec<String>, String>)>,
}

impl Sheet {
    /// A sheet from CSV text.
    pub fn from_csv(text: &str) -> ApiResult<Sheet> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::InvalidCsv,
                    format!("cannot read the header row: {e}"),
                )
            })?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_lowercase())
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            if rows.len() >= MAX_IMPORT_ROWS {
                return Err(too_many_rows());
            }
            let line = rows.len() as u64 + 2;
            rows.push((
                line,
                record
                    .map(|r| r.iter().map(str::to_string).collect())
                    .map_err(|e| e.to_string()),
            ));
        }
        Ok(Sheet { headers, rows })
    }
}

pub(crate) fn too_many_rows() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCsv,
        format!("at most {MAX_IMPORT_ROWS} rows per import"),
    )
}

/// Import contacts from a sheet (CSV or XLSX); with `list_id`, each imported contact also
/// joins that static list.
pub async fn import(
    ctx: &TenantCtx,
    sheet: Sheet,
    list_id: Option<&str>,
) -> ApiResult<ImportReport> {
    let Sheet { headers, rows } = sheet;
    for required in ["name", "phone"] {
        if !headers.iter().any(|h| h == required) {
            return Err(ApiError::new(
                ErrorCode::InvalidCsv,
                format!("the header row has no '{required}' column"),
            ));
        }
    }
    let tags_by_name: BTreeMap<String, String> = ctx
        .db
        .list_tags()
        .await?
        .into_iter()
        .map(|t| (t.name.to_lowercase(), t.id))
        .collect();

    let mut report = ImportReport::default();
    let mut joining: Vec<String> = Vec::new();
    for (line, record) in rows {
        let result = match record {
            Ok(record) => match parse_row(ctx, &headers, &record, &tags_by_name) {
                Ok(fields) => save_row(ctx, fields).await,
                Err(p) => Err(p.into()),
            },
            Err(e) => Err(ApiError::new(ErrorCode::InvalidCsv, e)),
        };
        if let Ok((_, id)) = &result
            && list_id.is_some()
        {
            joining.push(id.clone());
        }
        if let Some(list) = list_id
            && joining.len() >= 500
        {
            ctx.db
                .add_list_members(list, &std::mem::take(&mut joining))
                .await?;
        }
        match result {
            Ok((true, _)) => report.created += 1,
            Ok((false, _)) => report.updated += 1,
            Err(e) => {
                report.failed += 1;
                if matches!(e, ApiError::Internal(_) | ApiError::Unavailable(_)) {
                    return Err(e);
                }
                let body = e.body().clone();
                if report.errors.len() < 1000 {
                    report.errors.push(ImportRowError {
                        line,
                        code: body.code,
                        message: body.message,
                    });
                }
            }
        }
    }
    if let Some(list) = list_id
        && !joining.is_empty()
    {
        ctx.db.add_list_members(list, &joining).await?;
    }
    Ok(report)
}

fn parse_row(
    ctx: &TenantCtx,
    headers: &[String],
    record: &[String],
    tags_by_name: &BTreeMap<String, String>,
) -> Result<ContactFields, Problem> {
    let get = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| record.get(i))
            .map(|v| v.trim())
            .unwrap_or("")
    };
    let name = get("name").to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Problem::new(
            ErrorCode::InvalidField,
            "name must have 1 to 200 characters",
        ));
    }
    let phone = normalize_phone(get("phone"), &ctx.tenant.country)?;
    let email = Some(get("email"))
        .filter(|e| !e.is_empty())
        .map(normalize_email)
        .transpose()?;
    let tags = tag_ids(get("tags"), tags_by_name)?;
    let custom_fields: BTreeMap<String, String> = headers
        .iter()
        .zip(record.iter().map(|v| v.trim()))
        .filter(|(h, v)| !h.is_empty() && !KNOWN.contains(&h.as_str()) && !v.is_empty())
        .map(|(h, v)| (h.clone(), v.to_string()))
        .collect();
    check_custom_fields(&custom_fields)?;
    Ok(ContactFields {
        name,
        phone,
        email,
        custom_fields,
        tags,
        is_group: false,
        ..Default::default()
    })
}

/// Create or update by phone; true when created, and the contact's id.
async fn save_row(ctx: &TenantCtx, fields: ContactFields) -> ApiResult<(bool, String)> {
    match ctx.db.find_contact_by_phone(&fields.phone).await? {
        Some(existing) => {
            let id = existing.id.clone();
            let mut merged: ContactFields = existing.into();
            merge_import(&mut merged, fields);
            check_custom_fields(&merged.custom_fields)?;
            ctx.db.save_contact(&id, &merged).await?;
            Ok((false, id))
        }
        None => Ok((true, ctx.db.create_contact(&fields).await?.id)),
    }
}

pub async fn export(ctx: &TenantCtx) -> ApiResult<String> {
    let tag_names: BTreeMap<String, String> = ctx
        .db
        .list_tags()
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut contacts = Vec::new();
    let mut cursor = None;
    loop {
        let page = ctx
            .db
            .list_contacts(&ContactQuery {
                cursor,
                limit: 500,
                ..Default::default()
            })
            .await?;
        contacts.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let custom: BTreeSet<String> = contacts
        .iter()
        .flat_map(|c| c.custom_fields.keys().cloned())
        .collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = KNOWN
        .iter()
        .copied()
        .chain(custom.iter().map(String::as_str))
        .collect();
    let write_err = |e: csv::Error| {
        tracing::error!(error = %e, "csv export");
        ApiError::internal()
    };
    out.write_record(&header).map_err(write_err)?;
    for c in &contacts {
        let tags: Vec<&str> = c
            .tags
            .iter()
            .filter_map(|t| tag_names.get(t).map(String::as_str))
            .collect();
        let mut row = vec![
            c.name.clone(),
            c.phone.clone(),
            c.email.clone().unwrap_or_default(),
            tags.join(";"),
        ];
        row.extend(
            custom
                .iter()
                .map(|k| c.custom_fields.get(k).cloned().unwrap_or_default()),
        );
        out.write_record(&row).map_err(write_err)?;
    }
    let bytes = out.into_inner().map_err(|_| ApiError::internal())?;
    String::from_utf8(bytes).map_err(|_| ApiError::internal())
}
