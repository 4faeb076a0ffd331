//! Phone numbers are stored in E.164 (`+5511987654321`). Input may carry spaces, dashes,
//! brackets or a WhatsApp JID suffix; numbers without a `+` are read in the tenant's
//! default region (for example `BR`), or as international when they start with a country code.

use crate::{ErrorCode, Problem};

/// Normalise a phone number to E.164, or explain why it is not one.
pub fn normalize_phone(input: &str, default_region: &str) -> Result<String, Problem> {
    let raw = input.split('@').next().unwrap_or("").trim();
    let bad = || {
        Problem::new(
            ErrorCode::InvalidPhone,
            format!("'{input}' is not a valid phone number"),
        )
    };
    if raw.is_empty() || raw.len() > 32 {
        return Err(bad());
    }
    if raw
        .chars()
        .any(|c| !(c.is_ascii_digit() || " +-().".contains(c)))
    {
        return Err(bad());
    }
    let region = default_region.parse::<phonenumber::country::Id>().ok();
    let parsed = if raw.starts_with('+') {
        phonenumber::parse(None, raw)
    } else {
        // Try the tenant's region first, then the digits as a full international number
        // (WhatsApp reports numbers as bare digits with the country code).
        phonenumber::parse(region, raw)
            .ok()
            .filter(phonenumber::is_valid)
            .map(Ok)
            .unwrap_or_else(|| phonenumber::parse(None, format!("+{raw}")))
    };
    let number = parsed.map_err(|_| bad())?;
    if !phonenumber::is_valid(&number) {
        return Err(bad());
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// A WhatsApp group id (`120363025246125486@g.us`, or the older `<number>-<time>@g.us`).
pub fn check_group_id(id: &str) -> Result<String, Problem> {
    let id = id.trim();
    let ok = id.strip_suffix("@g.us").is_some_and(|user| {
        !user.is_empty()
            && user.len() <= 60
            && user.chars().all(|c| c.is_ascii_digit() || c == '-')
            && !user.starts_with('-')
            && !user.ends_with('-')
    });
    if ok {
        Ok(id.to_string())
    } else {
        Err(Problem::new(
            ErrorCode::InvalidField,
            "a group id is WhatsApp's, digits ending in @g.us",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_common_shapes() {
        assert_eq!(
            normalize_phone("+55 (11) 98765-4321", "BR").unwrap(),
            "+5511987654321"
        );
        assert_eq!(
            normalize_phone("11 98765-4321", "BR").unwrap(),
            "+5511987654321"
        );
        assert_eq!(
            normalize_phone("5511987654321", "US").unwrap(),
            "+5511987654321"
        );
        assert_eq!(
            normalize_phone("5511987654321@s.whatsapp.net", "BR").unwrap(),
            "+5511987654321"
        );
        assert_eq!(
            normalize_phone("+54 9 11 2345-6789", "BR").unwrap(),
            "+5491123456789"
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "abc",
            "+1",
            "12",
            "+55 11 9876x4321",
            "999999999999999999999999",
        ] {
            let err = normalize_phone(bad, "BR").unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidPhone, "{bad}");
        }
    }
}
