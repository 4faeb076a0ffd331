//! `405 Method Not Allowed` answers carry an `Allow` header naming the methods the path does
//! take, read once from the OpenAPI document (and the few routes outside it).

use std::sync::Arc;

use poem::http::HeaderValue;
use poem::http::header::ALLOW;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response};

/// A path template's segments (`None` for a parameter) and its methods.
type Template = (Vec<Option<String>>, Vec<String>);

/// The methods of every path the server routes.
#[derive(Debug, Default)]
pub struct AllowTable {
    templates: Vec<Template>,
}

fn segments(path: &str) -> Vec<Option<String>> {
    path.trim_matches('/')
        .split('/')
        .map(|s| {
            let param = (s.starts_with('{') && s.ends_with('}')) || s.starts_with(':');
            (!param).then(|| s.to_string())
        })
        .collect()
}

impl AllowTable {
    /// The table of an OpenAPI document (JSON) plus `extra` routes (`path`, methods).
    pub fn from_spec(spec: &str, extra: &[(&str, &[&str])]) -> Self {
        let doc: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        let mut templates: Vec<Template> = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (path, ops) in paths {
                // In one order whatever the document's: GET, HEAD (answered where GET is),
                // POST, PUT, PATCH, DELETE.
                let methods: Vec<String> = ["get", "head", "post", "put", "patch", "delete"]
                    .iter()
                    .filter(|m| {
                        let key = if **m == "head" { "get" } else { **m };
                        ops.get(key).is_some()
                    })
                    .map(|m| m.to_uppercase())
                    .collect();
                templates.push((segments(path), methods));
            }
        }
        for (path, methods) in extra {
            templates.push((
                segments(path),
                methods.iter().map(|m| m.to_string()).collect(),
            ));
        }
        AllowTable { templates }
    }

    /// The methods `path` takes: those of the matching template with the most fixed segments.
    pub fn methods(&self, path: &str) -> Option<String> {
        let wanted: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.templates
            .iter()
            .filter(|(t, _)| {
                t.len() == wanted.len()
                    && t.iter()
                        .zip(&wanted)
                        .all(|(s, w)| s.as_deref().is_none_or(|s| s == *w))
            })
            .max_by_key(|(t, _)| t.iter().filter(|s| s.is_some()).count())
            .map(|(_, m)| m.join(", "))
    }
}

/// Add `Allow` to the 405 answers of `ep`.
pub fn with_allow<E: Endpoint + 'static>(
    ep: E,
    table: Arc<AllowTable>,
) -> impl Endpoint<Output = Response> {
    ep.around(move |ep: Arc<E>, req: Request| {
        let table = table.clone();
        async move {
            let path = req.uri().path().to_string();
            let mut resp = ep.call(req).await?.into_response();
            if resp.status() == poem::http::StatusCode::METHOD_NOT_ALLOWED
                && let Some(methods) = table.methods(&path)
                && let Ok(v) = HeaderValue::from_str(&methods)
            {
                resp.headers_mut().insert(ALLOW, v);
            }
            Ok(resp)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_template_names_the_methods() {
        let spec = r#"{"paths": {
            "/api/campaigns": {"get": {}, "post": {}},
            "/api/campaigns/{id}": {"get": {}, "patch": {}, "delete": {}},
            "/api/campaigns/usage": {"get": {}}
        }}"#;
        let t = AllowTable::from_spec(spec, &[("/api/ws", &["GET"])]);
        assert_eq!(
            t.methods("/api/campaigns").as_deref(),
            Some("GET, HEAD, POST")
        );
        assert_eq!(
            t.methods("/api/campaigns/abc").as_deref(),
            Some("GET, HEAD, PATCH, DELETE")
        );
        assert_eq!(
            t.methods("/api/campaigns/usage").as_deref(),
            Some("GET, HEAD")
        );
        assert_eq!(t.methods("/api/ws").as_deref(), Some("GET"));
        assert_eq!(t.methods("/api/nothing"), None);
    }
}
