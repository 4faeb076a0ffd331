//! `{{path}}` templating for messages, URLs and bodies. A missing value renders as empty.

use serde_json::Value;

/// Replace each `{{ path }}` in `template` with `resolve(path)` (strings as they are, other
/// values as JSON, missing as nothing).
pub fn render<'v>(template: &str, resolve: impl Fn(&str) -> Option<&'v Value>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        match resolve(after[..end].trim()) {
            Some(Value::String(s)) => out.push_str(s),
            Some(Value::Null) | None => {}
            Some(other) => out.push_str(&other.to_string()),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_paths_and_leaves_the_rest() {
        let v = json!({ "name": "Ana", "n": 3 });
        let get = |p: &str| v.get(p);
        assert_eq!(render("Hi {{ name }}, {{n}} new", get), "Hi Ana, 3 new");
        assert_eq!(render("{{missing}}!", get), "!");
        assert_eq!(render("open {{ name", get), "open {{ name");
    }
}
