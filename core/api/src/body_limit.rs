//! Request body size limit. A declared `Content-Length` over the limit is refused before the
//! body is read; a body without one (chunked, or HTTP/2) is read up to the limit and refused past it.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::http::header::CONTENT_LENGTH;
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Request, Response};

/// Wrap `ep` so bodies larger than `max` bytes get 413.
pub fn limit_body<E: Endpoint + 'static>(ep: E, max: usize) -> impl Endpoint<Output = Response> {
    ep.around(move |ep: Arc<E>, mut req: Request| async move {
        let too_large = || poem::Error::from_status(StatusCode::PAYLOAD_TOO_LARGE);
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match declared {
            Some(n) if n > max as u64 => return Err(too_large()),
            Some(_) => {}
            // Chunked HTTP/1.1 or HTTP/2 without a length: read at most `max` bytes.
            None => {
                let bytes = req
                    .take_body()
                    .into_bytes_limit(max)
                    .await
                    .map_err(|_| too_large())?;
                req.set_body(Body::from_bytes(bytes));
            }
        }
        ep.call(req).await.map(IntoResponse::into_response)
    })
}
