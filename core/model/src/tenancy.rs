//! Companies (tenants) and the plans that bound what each may create and use.

use chrono::{DateTime, Utc};
#[cfg(feature = "openapi")]
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

/// Counted resources a plan limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum LimitKind {
    Users,
    Connections,
    Queues,
    Flows,
    Plugins,
    /// Campaign recipients reached in a calendar month (the company's time zone).
    CampaignRecipients,
}

impl LimitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::Users => "users",
            LimitKind::Connections => "connections",
            LimitKind::Queues => "queues",
            LimitKind::Flows => "flows",
            LimitKind::Plugins => "plugins",
            LimitKind::CampaignRecipients => "campaign recipients a month",
        }
    }
}

/// Gated capabilities a plan switches on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum Feature {
    Campaigns,
    Plugins,
    ApiAccess,
    Webhooks,
}

/// How many of each resource a tenant on the plan may have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct PlanLimits {
    #[cfg_attr(feature = "openapi", oai(validator(maximum(value = "1000000"))))]
    pub users: u32,
    #[cfg_attr(feature = "openapi", oai(validator(maximum(value = "1000000"))))]
    pub connections: u32,
    #[cfg_attr(feature = "openapi", oai(validator(maximum(value = "1000000"))))]
    pub queues: u32,
    #[cfg_attr(feature = "openapi", oai(validator(maximum(value = "1000000"))))]
    pub flows: u32,
    #[cfg_attr(feature = "openapi", oai(validator(maximum(value = "1000000"))))]
    pub plugins: u32,
    /// Campaign recipients a company may reach in a calendar month of its time zone (a
    /// campaign that reaches it pauses until the next month or a bigger plan).
    #[serde(default = "default_campaign_recipients")]
    #[cfg_attr(
        feature = "openapi",
        oai(
            default = "default_campaign_recipients",
            validator(maximum(value = "100000000"))
        )
    )]
    pub campaign_recipients: u32,
}

/// The monthly campaign recipients of a plan that does not say.
pub fn default_campaign_recipients() -> u32 {
    10_000
}

impl PlanLimits {
    pub fn get(&self, kind: LimitKind) -> u32 {
        match kind {
            LimitKind::Users => self.users,
            LimitKind::Connections => self.connections,
            LimitKind::Queues => self.queues,
            LimitKind::Flows => self.flows,
            LimitKind::Plugins => self.plugins,
            LimitKind::CampaignRecipients => self.campaign_recipients,
        }
    }
}

/// Which gated capabilities the plan includes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct PlanFeatures {
    pub campaigns: bool,
    pub plugins: bool,
    pub api_access: bool,
    pub webhooks: bool,
}

impl PlanFeatures {
    pub fn has(&self, feature: Feature) -> bool {
        match feature {
            Feature::Campaigns => self.campaigns,
            Feature::Plugins => self.plugins,
            Feature::ApiAccess => self.api_access,
            Feature::Webhooks => self.webhooks,
        }
    }
}

/// A plan a tenant subscribes to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub limits: PlanLimits,
    pub features: PlanFeatures,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewPlan {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 80)))]
    pub name: String,
    pub limits: PlanLimits,
    pub features: PlanFeatures,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct PlanPatch {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 80)))]
    pub name: Option<String>,
    pub limits: Option<PlanLimits>,
    pub features: Option<PlanFeatures>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum TenantStatus {
    Active,
    Suspended,
}

/// A company using the platform. Its data lives in its own database.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub plan_id: String,
    pub status: TenantStatus,
    /// IANA time zone, e.g. `America/Sao_Paulo`.
    pub timezone: String,
    /// ISO 3166 region used to read phone numbers written without `+`, e.g. `BR`.
    pub country: String,
    pub created_at: DateTime<Utc>,
}

/// The first administrator created with a tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewTenantAdmin {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 120)))]
    pub name: String,
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct NewTenant {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 120)))]
    pub name: String,
    pub plan_id: String,
    #[cfg_attr(
        feature = "openapi",
        oai(
            default = "default_timezone",
            validator(min_length = 1, max_length = 64)
        )
    )]
    pub timezone: String,
    #[cfg_attr(
        feature = "openapi",
        oai(default = "default_country", validator(pattern = "^[A-Z]{2}$"))
    )]
    pub country: String,
    pub admin: NewTenantAdmin,
}

#[cfg(feature = "openapi")]
pub fn default_timezone() -> String {
    "America/Sao_Paulo".to_string()
}

#[cfg(feature = "openapi")]
pub fn default_country() -> String {
    "BR".to_string()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
#[cfg_attr(feature = "openapi", oai(deny_unknown_fields))]
pub struct TenantPatch {
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 120)))]
    pub name: Option<String>,
    pub plan_id: Option<String>,
    pub status: Option<TenantStatus>,
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 64)))]
    pub timezone: Option<String>,
    #[cfg_attr(feature = "openapi", oai(validator(pattern = "^[A-Z]{2}$")))]
    pub country: Option<String>,
}

/// The officially assigned ISO 3166-1 alpha-2 country codes, sorted.
pub const COUNTRIES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// `INVALID_FIELD` on `field` unless `tz` names a zone of the IANA time zone database
/// (`America/Sao_Paulo`, `UTC`…).
pub fn check_timezone(field: &str, tz: &str) -> Result<(), crate::Problem> {
    tz.parse::<chrono_tz::Tz>().map(drop).map_err(|_| {
        crate::Problem::invalid_field(
            field,
            format!(
                "{field}: '{tz}' is not a time zone of the IANA database, such as America/Sao_Paulo"
            ),
        )
    })
}

/// `INVALID_FIELD` on `field` unless `code` is an ISO 3166-1 alpha-2 country code (`BR`).
pub fn check_country(field: &str, code: &str) -> Result<(), crate::Problem> {
    if COUNTRIES.binary_search(&code).is_ok() {
        Ok(())
    } else {
        Err(crate::Problem::invalid_field(
            field,
            format!("{field}: '{code}' is not an ISO 3166-1 country code, such as BR"),
        ))
    }
}

#[cfg(test)]
mod place_tests {
    use super::*;

    #[test]
    fn time_zones_and_countries_are_checked() {
        assert!(check_timezone("timezone", "America/Sao_Paulo").is_ok());
        assert!(check_timezone("timezone", "UTC").is_ok());
        let e = check_timezone("timezone", "Mars/Olympus").unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::InvalidField);
        assert_eq!(e.field.as_deref(), Some("timezone"));
        assert!(check_country("country", "BR").is_ok());
        assert!(check_country("country", "AR").is_ok());
        assert!(check_country("country", "XX").is_err());
        assert!(check_country("country", "br").is_err());
        assert!(COUNTRIES.windows(2).all(|w| w[0] < w[1]));
    }
}
