//! Sign-in, token refresh with rotation, sign-out, password change and the forgot/reset flow.

use chrono::{Duration, Utc};
use poem::web::RemoteAddr;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use tucan_model::ids::new_id;
use tucan_model::required_text;
use tucan_model::tenancy::TenantStatus;
use tucan_model::user::{User, check_language, normalize_email};
use tucan_model::{ErrorCode, Problem};
use tucan_store::{Account, NewRefreshToken, UserRow};

use super::ApiTags;
use crate::accounts::{account_user, set_password};
use crate::auth::Auth;
use crate::auth::password::{decoy_hash, verify_password};
use crate::auth::tokens::{random_token, token_hash};
use crate::error::status::{
    ALWAYS, AUTHED, BODY, FORBIDDEN, NOT_FOUND, TOO_MANY_REQUESTS, UNAUTHORIZED,
};
use crate::error::{ApiError, ApiResult, Reply};
use crate::mailer::Mail;
use crate::state::AppState;

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Login {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Object)]
pub struct Session {
    /// Short-lived bearer token for `Authorization: Bearer …`.
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single-use token for `POST /api/auth/refresh`; each use returns a new one.
    pub refresh_token: String,
    pub user: User,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// What users may change of themselves.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ProfilePatch {
    #[oai(validator(min_length = 1, max_length = 120))]
    pub name: Option<String>,
    /// `pt-BR`, `es` or `en`.
    pub language: Option<String>,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ForgotPassword {
    pub email: String,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ResetPassword {
    pub token: String,
    pub new_password: String,
}

#[derive(ApiResponse)]
pub enum Done {
    /// Done.
    #[oai(status = 204)]
    NoContent,
}

#[derive(ApiResponse)]
pub enum Accepted {
    /// Accepted; if the email has an account, a reset link is on its way.
    #[oai(status = 202)]
    Accepted,
}

pub struct AuthApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/auth", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Sign in with email and password.
    #[oai(path = "/login", method = "post")]
    async fn login(
        &self,
        body: Json<Login>,
        addr: &RemoteAddr,
    ) -> Reply<Json<Session>, { ALWAYS | BODY | UNAUTHORIZED | FORBIDDEN | TOO_MANY_REQUESTS }>
    {
        let state = &self.state;
        let ip = client_ip(addr);
        let email =
            normalize_email(&body.email).unwrap_or_else(|_| body.email.trim().to_lowercase());
        if state.ip_limiter.is_limited(&ip) || state.account_limiter.is_limited(&email) {
            let wait = state
                .ip_limiter
                .retry_in(&ip)
                .max(state.account_limiter.retry_in(&email));
            return Err(too_many_attempts().retry_after(wait.as_secs() + 1).into());
        }
        state.ip_limiter.record(&ip);

        let account = state.store.platform().find_account(&email).await?;
        let row = match &account {
            Some(a) => account_user(&state.store, a).await.ok(),
            None => None,
        };
        let hash = row
            .as_ref()
            .map(|r| r.password_hash.clone())
            .unwrap_or_else(|| decoy_hash().to_string());
        let ok = verify_password(body.0.password, hash).await && row.is_some();
        let (Some(account), Some(row), true) = (account, row, ok) else {
            state.account_limiter.record(&email);
            return Err(
                ApiError::new(ErrorCode::InvalidCredentials, "wrong email or password").into(),
            );
        };
        state.account_limiter.clear(&email);
        if let Some(tid) = &account.tenant_id {
            check_tenant_active(state, tid).await?;
        }
        Ok(Json(self.open_session(&account, row, &new_id()).await?))
    }

    /// Trade a refresh token for a new access token and a new refresh token. Presenting a
    /// refresh token twice ends the whole session (someone else may hold a copy).
    #[oai(path = "/refresh", method = "post")]
    async fn refresh(
        &self,
        body: Json<RefreshRequest>,
    ) -> Reply<Json<Session>, { ALWAYS | BODY | UNAUTHORIZED | FORBIDDEN }> {
        let platform = self.state.store.platform();
        let invalid = || {
            ApiError::new(
                ErrorCode::RefreshTokenInvalid,
                "the refresh token is not valid",
            )
        };
        let row = platform
            .find_refresh_token(&token_hash(&body.refresh_token))
            .await?
            .ok_or_else(invalid)?;
        if row.revoked || row.expires_at < Utc::now() {
            return Err(invalid().into());
        }
        if row.used || !platform.use_refresh_token(&row.id).await? {
            platform.revoke_refresh_family(&row.family).await?;
            tracing::warn!(user = %row.user_id, "refresh token reused; session revoked");
            return Err(ApiError::new(
                ErrorCode::RefreshTokenReused,
                "this refresh token was already used; sign in again",
            )
            .into());
        }
        let account = Account {
            email: String::new(),
            tenant_id: row.tenant_id.clone(),
            user_id: row.user_id.clone(),
        };
        let user = account_user(&self.state.store, &account)
            .await
            .map_err(|_| invalid())?;
        if let Some(tid) = &account.tenant_id {
            check_tenant_active(&self.state, tid).await?;
        }
        let session = self.open_session(&account, user, &row.family).await?;
        // A replay of an older token may have ended the session while this one was being
        // issued; then the new token must not survive it.
        if platform.refresh_family_revoked(&row.family).await? {
            platform.revoke_refresh_family(&row.family).await?;
            return Err(ApiError::new(
                ErrorCode::RefreshTokenReused,
                "this session was ended because a refresh token was reused; sign in again",
            )
            .into());
        }
        Ok(Json(session))
    }

    /// End the session the refresh token belongs to.
    #[oai(path = "/logout", method = "post")]
    async fn logout(&self, body: Json<RefreshRequest>) -> Reply<Done, { ALWAYS | BODY }> {
        let platform = self.state.store.platform();
        if let Some(row) = platform
            .find_refresh_token(&token_hash(&body.refresh_token))
            .await?
        {
            platform.revoke_refresh_family(&row.family).await?;
        }
        Ok(Done::NoContent)
    }

    /// The signed-in user.
    #[oai(path = "/me", method = "get")]
    async fn me(&self, auth: Auth) -> Reply<Json<User>, { AUTHED | NOT_FOUND }> {
        let p = auth.user()?;
        let account = p.account();
        let row = account_user(&self.state.store, &account).await?;
        Ok(Json(row.into_user(p.tenant_id.clone())))
    }

    /// Change the signed-in user's own name or language (any role; email, role and ticket
    /// limit are an admin's to change).
    #[oai(path = "/me", method = "patch")]
    async fn update_me(
        &self,
        auth: Auth,
        body: Json<ProfilePatch>,
    ) -> Reply<Json<User>, { AUTHED | BODY | NOT_FOUND }> {
        let p = auth.user()?;
        let account = p.account();
        let mut row = account_user(&self.state.store, &account).await?;
        if let Some(name) = &body.name {
            row.name = required_text("name", name, 120)?;
        }
        if let Some(lang) = &body.language {
            check_language(lang)?;
            row.language = lang.clone();
        }
        let user = match &account.tenant_id {
            Some(tid) => {
                self.state
                    .store
                    .tenant(tid)
                    .await?
                    .users()
                    .save(&row)
                    .await?
            }
            None => self.state.store.platform().admins().save(&row).await?,
        };
        Ok(Json(User {
            tenant_id: p.tenant_id.clone(),
            ..user
        }))
    }

    /// Change the signed-in user's password. Every session ends, this one included: sign in
    /// again with the new password.
    #[oai(path = "/password", method = "post")]
    async fn change_password(
        &self,
        auth: Auth,
        body: Json<PasswordChange>,
    ) -> Reply<Done, { AUTHED | BODY | NOT_FOUND }> {
        let p = auth.user()?;
        let account = p.account();
        let row = account_user(&self.state.store, &account).await?;
        if body.0.new_password == body.0.current_password {
            return Err(Problem::invalid_field(
                "new_password",
                "the new password must differ from the current one",
            )
            .into());
        }
        if !verify_password(body.0.current_password, row.password_hash).await {
            return Err(ApiError::new(
                ErrorCode::InvalidCredentials,
                "the current password is wrong",
            )
            .into());
        }
        set_password(&self.state.store, &account, body.0.new_password).await?;
        Ok(Done::NoContent)
    }

    /// Ask for a password reset link by email. Answers the same whether or not the email has
    /// an account.
    #[oai(path = "/forgot", method = "post")]
    async fn forgot(
        &self,
        body: Json<ForgotPassword>,
        addr: &RemoteAddr,
    ) -> Reply<Accepted, { ALWAYS | BODY | TOO_MANY_REQUESTS }> {
        // Shares the per-IP budget with sign-in, so it cannot be used to flood mailboxes.
        let ip = client_ip(addr);
        if self.state.ip_limiter.is_limited(&ip) {
            let wait = self.state.ip_limiter.retry_in(&ip);
            return Err(too_many_attempts().retry_after(wait.as_secs() + 1).into());
        }
        self.state.ip_limiter.record(&ip);
        let Ok(email) = normalize_email(&body.email) else {
            return Ok(Accepted::Accepted);
        };
        // The lookup and the mail happen after the answer, so the response time says nothing
        // about whether the email has an account.
        let state = self.state.clone();
        tokio::spawn(async move {
            if let Err(e) = send_reset_link(&state, email).await {
                tracing::warn!(error = ?e, "password reset mail failed");
            }
        });
        Ok(Accepted::Accepted)
    }

    /// Set a new password with the token from the reset email. The token works once.
    #[oai(path = "/reset", method = "post")]
    async fn reset(
        &self,
        body: Json<ResetPassword>,
    ) -> Reply<Done, { ALWAYS | BODY | UNAUTHORIZED | NOT_FOUND }> {
        tucan_model::user::check_password(&body.new_password)?;
        let account = self
            .state
            .store
            .platform()
            .take_reset_token(&token_hash(&body.token))
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::ResetTokenInvalid,
                    "the reset token is invalid or expired",
                )
            })?;
        set_password(&self.state.store, &account, body.0.new_password).await?;
        Ok(Done::NoContent)
    }
}

fn client_ip(addr: &RemoteAddr) -> String {
    addr.as_socket_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn too_many_attempts() -> ApiError {
    ApiError::new(
        ErrorCode::TooManyAttempts,
        "too many attempts; wait a few minutes",
    )
}

async fn check_tenant_active(state: &AppState, tenant_id: &str) -> ApiResult<()> {
    let tenant = state.store.platform().get_tenant(tenant_id).await?;
    if tenant.status == TenantStatus::Suspended {
        return Err(ApiError::new(
            ErrorCode::TenantSuspended,
            "this company's account is suspended",
        ));
    }
    Ok(())
}

async fn send_reset_link(state: &AppState, email: String) -> ApiResult<()> {
    let platform = state.store.platform();
    let Some(account) = platform.find_account(&email).await? else {
        return Ok(());
    };
    let token = random_token(32);
    let ttl = state.settings.reset_ttl_minutes;
    platform
        .insert_reset_token(
            &token_hash(&token),
            &account,
            Utc::now() + Duration::minutes(ttl),
        )
        .await?;
    let link = format!(
        "{}/reset-password?token={token}",
        state.settings.public_url.trim_end_matches('/')
    );
    state.mailer.send(Mail {
        to: email,
        subject: "TucanLink password reset".into(),
        body: format!("Open this link within {ttl} minutes to choose a new password:\n{link}\n\nReset token: {token}\n"),
    });
    Ok(())
}

impl AuthApi {
    async fn open_session(
        &self,
        account: &Account,
        user: UserRow,
        family: &str,
    ) -> ApiResult<Session> {
        let state = &self.state;
        let access_token = state
            .tokens
            .issue(&user.id, account.tenant_id.as_deref(), user.role)?;
        let refresh_token = random_token(32);
        state
            .store
            .platform()
            .insert_refresh_token(NewRefreshToken {
                token_hash: &token_hash(&refresh_token),
                family,
                user_id: &user.id,
                tenant_id: account.tenant_id.as_deref(),
                expires_at: Utc::now() + Duration::days(state.settings.refresh_ttl_days),
            })
            .await?;
        Ok(Session {
            access_token,
            expires_in: state.tokens.access_ttl_secs,
            refresh_token,
            user: user.into_user(account.tenant_id.clone()),
        })
    }
}
