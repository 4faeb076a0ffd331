//! The built web app served beside the API: files from its folder, and its `index.html` for
//! every other path outside the API, so the app's own routes (`/inbox/…`) load on refresh.

use std::path::PathBuf;

use poem::endpoint::StaticFilesEndpoint;
use poem::http::header;
use poem::{Endpoint, IntoResponse, Request, Response, Result};

/// Paths that belong to the platform (with everything under them), never to the web app.
const PLATFORM_PATHS: &[&str] = &["/api", "/docs", "/metrics", "/healthz", "/readyz"];

fn is_platform_path(path: &str) -> bool {
    PLATFORM_PATHS.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

struct WithWebApp<A> {
    api: A,
    files: Option<StaticFilesEndpoint>,
}

impl<A: Endpoint<Output = Response>> Endpoint for WithWebApp<A> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        match &self.files {
            Some(files) if !is_platform_path(req.uri().path()) => {
                let is_index = !req.uri().path().contains("/assets/");
                let mut res = files.call(req).await?.into_response();
                // Hashed assets may be cached for good; the index must be re-read after a
                // deploy so it names the new ones.
                let cache = if is_index {
                    "no-cache"
                } else {
                    "public, max-age=31536000, immutable"
                };
                if res.status().is_success() {
                    res.headers_mut().insert(
                        header::CACHE_CONTROL,
                        header::HeaderValue::from_static(cache),
                    );
                }
                Ok(res)
            }
            _ => self.api.call(req).await,
        }
    }
}

/// `api`, plus the web app in `dir` when there is one.
pub fn with_web_app<A: Endpoint<Output = Response>>(
    api: A,
    dir: Option<PathBuf>,
) -> impl Endpoint<Output = Response> {
    let files = dir.map(|d| {
        StaticFilesEndpoint::new(d)
            .index_file("index.html")
            .fallback_to_index()
    });
    WithWebApp { api, files }
}

#[cfg(test)]
mod tests {
    use super::is_platform_path;

    #[test]
    fn platform_paths_stay_with_the_api() {
        for p in [
            "/api",
            "/api/tickets",
            "/docs",
            "/docs/index.html",
            "/metrics",
            "/healthz",
            "/readyz",
        ] {
            assert!(is_platform_path(p), "{p}");
        }
        for p in [
            "/",
            "/inbox",
            "/inbox/123",
            "/apiary",
            "/docsy",
            "/assets/index-1.js",
        ] {
            assert!(!is_platform_path(p), "{p}");
        }
    }
}
