//! Identifiers. Every record id is a UUIDv7 in simple (32 hex digit) form: time-ordered, so
//! sorting by id is sorting by creation, and safe to embed in SurrealDB record ids.

/// A new time-ordered identifier.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// The smallest id [`new_id`] can make at or after `at`: ids sort by their first 48 bits, the
/// creation time in Unix milliseconds, so the record-id range from `floor_id(t)` holds what was
/// made since `t`, and the range up to it what was made before: a range scan, not a table scan.
pub fn floor_id(at: chrono::DateTime<chrono::Utc>) -> String {
    let ms = at.timestamp_millis().clamp(0, (1 << 48) - 1);
    format!("{ms:012x}{}", "0".repeat(20))
}

/// When an id made by [`new_id`] (or [`floor_id`]) was made, from its first 48 bits.
pub fn id_time(id: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let ms = i64::from_str_radix(id.get(..12)?, 16).ok()?;
    chrono::DateTime::from_timestamp_millis(ms)
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

    #[test]
    fn floor_ids_bound_the_ids_made_around_them() {
        let before = new_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let now = chrono::Utc::now();
        let floor = floor_id(now);
        let after = new_id();
        assert!(is_valid_id(&floor));
        assert!(before < floor, "{before} made before {floor}");
        assert!(floor <= after, "{after} made after {floor}");
        assert_eq!(floor_id(chrono::DateTime::UNIX_EPOCH), "0".repeat(32));
        let made = id_time(&floor).map(|t| t.timestamp_millis());
        assert_eq!(made, Some(now.timestamp_millis()));
        assert_eq!(id_time("not an id"), None);
    }
}
