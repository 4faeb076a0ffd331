//! Identifiers. Every record id is a UUIDv7 in simple (32 hex digit) form: time-ordered, so
//! sorting by id is sorting by creation, and safe to embed in SurrealDB record ids.

/// A new time-ordered identifier.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// True when `s` has the shape of an id made by [`new_id`].
pub fn is_valid_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// The SurrealDB database name that holds one tenant's data.
pub fn tenant_database(tenant_id: &str) -> String {
    format!("t_{tenant_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_and_ordered() {
        let a = new_id();
        let b = new_id();
        assert!(is_valid_id(&a));
        assert!(a < b);
        assert!(!is_valid_id("contact:1"));
        assert!(!is_valid_id(&a.to_uppercase()));
    }
}
