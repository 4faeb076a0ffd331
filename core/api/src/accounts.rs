//! Creating and changing people's accounts, shared by the API and the `tucanlink admin` CLI.
//! A user lives in its tenant's database (or the platform database for platform admins); its
//! email is claimed in the platform's `account` table so sign-in can find it and no two users
//! share one.

use chrono::Utc;
use tucan_model::Resource;
use tucan_model::ids::new_id;
use tucan_model::tenancy::{
    NewTenant, NewTenantAdmin, Tenant, TenantStatus, check_country, check_timezone,
};
use tucan_model::user::{
    NewUser, Role, User, UserPatch, check_language, check_password, normalize_email,
};
use tucan_model::{ErrorCode, Problem, required_text};
use tucan_store::{Account, Store, TenantDb, UserRow};

use crate::auth::password::hash_password;
use crate::error::{ApiError, ApiResult};

/// Create a user in `tenant` (or a platform admin when `tenant` is `None`).
pub async fn create_user(
    store: &Store,
    tenant: Option<&TenantDb>,
    new: NewUser,
) -> ApiResult<User> {
    let email = normalize_email(&new.email)?;
    check_password(&new.password)?;
    check_language(&new.language)?;
    match (tenant.is_some(), new.role) {
        (true, Role::PlatformAdmin) => {
            return Err(ApiError::new(
                ErrorCode::InvalidField,
                "a tenant user cannot be a platform admin",
            ));
        }
        (false, role) if role != Role::PlatformAdmin => {
            return Err(ApiError::new(
                ErrorCode::InvalidField,
                "platform users must have the platform_admin role",
            ));
        }
        _ => {}
    }
    let row = UserRow {
        id: new_id(),
        name: required_text("name", &new.name, 120)?,
        email: email.clone(),
        role: new.role,
        password_hash: hash_password(new.password).await?,
        max_tickets: new.max_tickets,
        language: new.language,
        password_changed_at: Utc::now(),
        password_must_change: false,
        created_at: Utc::now(),
    };
    let platform = store.platform();
    platform
        .claim_account(&Account {
            email,
            tenant_id: tenant.map(|t| t.tenant_id().to_string()),
            user_id: row.id.clone(),
        })
        .await?;
    let inserted = match tenant {
        Some(t) => t.users().insert(&row).await,
        None => platform.admins().insert(&row).await,
    };
    if inserted.is_err()
        && let Err(e) = platform.release_account(&row.id).await
    {
        tracing::error!(user = %row.id, error = %e, "could not release the email of a failed user create");
    }
    Ok(inserted?)
}

/// Create a tenant, its database and its first admin.
pub async fn create_tenant(store: &Store, new: NewTenant) -> ApiResult<(Tenant, User)> {
    // Check the admin before anything is written, so a bad request leaves nothing behind.
    check_timezone("timezone", &new.timezone)?;
    check_country("country", &new.country)?;
    let email = normalize_email(&new.admin.email)?;
    check_password(&new.admin.password)?;
    if store.platform().find_account(&email).await?.is_some() {
        return Err(ApiError::new(
            ErrorCode::EmailTaken,
            "this email is already in use",
        ));
    }
    let tenant = Tenant {
        id: new_id(),
        name: required_text("name", &new.name, 120)?,
        plan_id: new.plan_id,
        status: TenantStatus::Active,
        timezone: new.timezone,
        country: new.country,
        created_at: Utc::now(),
    };
    let tenant = store.platform().insert_tenant(&tenant).await?;
    match create_first_admin(store, &tenant, email, new.admin).await {
        Ok(admin) => Ok((tenant, admin)),
        Err(e) => {
            // Leave no tenant without an admin behind.
            if let Err(cleanup) = store.platform().delete_tenant_record(&tenant.id).await {
                tracing::error!(tenant = %tenant.id, error = %cleanup, "could not remove a half-created tenant");
            }
            Err(e)
        }
    }
}

async fn create_first_admin(
    store: &Store,
    tenant: &Tenant,
    email: String,
    new: NewTenantAdmin,
) -> ApiResult<User> {
    store.migrate_tenant(&tenant.id).await?;
    let db = store.tenant(&tenant.id).await?;
    let admin = NewUser {
        name: new.name,
        email,
        password: new.password,
        role: Role::Admin,
        max_tickets: 0,
        language: tucan_model::user::default_language(),
    };
    create_user(store, Some(&db), admin).await
}

/// Apply `patch` to a tenant user; keeps the sign-in email lookup in step.
pub async fn update_user(
    store: &Store,
    tenant: &TenantDb,
    id: &str,
    patch: UserPatch,
) -> ApiResult<User> {
    let users = tenant.users();
    let mut row = users.get_row(id).await?;
    if let Some(name) = patch.name {
        row.name = required_text("name", &name, 120)?;
    }
    if let Some(role) = patch.role {
        if !role.is_tenant_role() {
            return Err(ApiError::new(
                ErrorCode::InvalidField,
                "a tenant user cannot be a platform admin",
            ));
        }
        row.role = role;
    }
    if let Some(max) = patch.max_tickets {
        row.max_tickets = max;
    }
    if let Some(lang) = patch.language {
        check_language(&lang)?;
        row.language = lang;
    }
    let new_email = match patch.email {
        Some(e) => Some(normalize_email(&e)?).filter(|e| *e != row.email),
        None => None,
    };
    let old_email = row.email.clone();
    if let Some(email) = &new_email {
        // Claim the new sign-in email first (refused if taken), give it back if the save fails.
        store.platform().change_account_email(id, email).await?;
        row.email = email.clone();
    }
    match users.save(&row).await {
        Ok(user) => {
            // A role change changes what the user's open sockets may see.
            tenant.append_access_event().await?;
            Ok(user)
        }
        Err(e) => {
            if new_email.is_some() {
                store
                    .platform()
                    .change_account_email(id, &old_email)
                    .await?;
            }
            Err(e.into())
        }
    }
}

/// Delete a tenant user, its sign-in lookup, sessions and queue memberships.
pub async fn delete_user(store: &Store, tenant: &TenantDb, id: &str) -> ApiResult<()> {
    tenant.users().get_row(id).await?;
    // Sign-in goes first: if a later step fails, the user can no longer sign in and the
    // delete can be retried.
    store.platform().revoke_user_refresh_tokens(id).await?;
    store.platform().release_account(id).await?;
    tenant.users().delete(id).await?;
    tenant.remove_user_traces(id).await?;
    Ok(())
}

/// Set a new password for the account, ending its other sessions.
pub async fn set_password(store: &Store, account: &Account, password: String) -> ApiResult<()> {
    write_password(store, account, password, false).await
}

/// Give the user a password someone else has seen (printed by the admin CLI): it signs in
/// once and must then be replaced; every session ends.
pub async fn set_given_password(
    store: &Store,
    account: &Account,
    password: String,
) -> ApiResult<()> {
    write_password(store, account, password, true).await
}

/// Mark the user's password as given to them (the first admin's, printed at the first start).
pub async fn require_password_change(store: &Store, account: &Account) -> ApiResult<()> {
    match &account.tenant_id {
        Some(tid) => {
            store
                .tenant(tid)
                .await?
                .users()
                .require_password_change(&account.user_id)
                .await?
        }
        None => {
            store
                .platform()
                .admins()
                .require_password_change(&account.user_id)
                .await?
        }
    }
    Ok(())
}

async fn write_password(
    store: &Store,
    account: &Account,
    password: String,
    given: bool,
) -> ApiResult<()> {
    check_password(&password)?;
    let hash = hash_password(password).await?;
    let (tenant, platform);
    let users = match &account.tenant_id {
        Some(tid) => {
            tenant = store.tenant(tid).await?;
            tenant.users()
        }
        None => {
            platform = store.platform();
            platform.admins()
        }
    };
    if given {
        users.set_given_password(&account.user_id, &hash).await?;
    } else {
        users.set_password(&account.user_id, &hash).await?;
    }
    store
        .platform()
        .revoke_user_refresh_tokens(&account.user_id)
        .await?;
    Ok(())
}

/// The stored user behind an account.
pub async fn account_user(store: &Store, account: &Account) -> ApiResult<UserRow> {
    let row = match &account.tenant_id {
        Some(tid) => {
            store
                .tenant(tid)
                .await?
                .users()
                .get_row(&account.user_id)
                .await
        }
        None => store.platform().admins().get_row(&account.user_id).await,
    };
    row.map_err(|_| Problem::not_found(Resource::User).into())
}
