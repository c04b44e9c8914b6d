//! Azure DevOps service hooks handled inside your own HTTP server: one route of a hyper
//! server hands each event to `LiveEvents`, which reads the item again from Azure DevOps and
//! writes its entities to a sink (here an in-memory catalog).
//!
//! ```sh
//! cargo run -p ado-port-examples --example live_events
//! ```
//!
//! It serves the sample organization bundled with the examples on loopback, posts one
//! service-hook event to its own route and prints what the event changed.

use std::convert::Infallible;
use std::sync::Arc;

use ado_port_examples::sample_org::{DEFAULT_MAPPING, SampleOrganization};
use ado_port_sync::mapping::Options;
use ado_port_sync::{LiveEvents, MemorySink};
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// The route of your server that receives Azure DevOps service hooks.
async fn hooks(
    live: Arc<LiveEvents>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = |status: StatusCode, body: String| {
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        Ok(response)
    };
    if request.method() != Method::POST || request.uri().path() != "/hooks/azure-devops" {
        return reply(StatusCode::NOT_FOUND, String::new());
    }
    // Check the service hook's Basic authentication here in a real service.
    let Ok(body) = request.into_body().collect().await else {
        return reply(StatusCode::BAD_REQUEST, "unreadable body".into());
    };
    let Ok(payload) = serde_json::from_slice::<Value>(&body.to_bytes()) else {
        return reply(StatusCode::BAD_REQUEST, "not JSON".into());
    };
    match live.handle(&payload).await {
        Ok(report) => reply(
            StatusCode::OK,
            serde_json::to_string(&report).unwrap_or_default(),
        ),
        Err(error) if error.is_retryable() => {
            reply(StatusCode::SERVICE_UNAVAILABLE, error.to_string())
        }
        Err(error) => reply(StatusCode::BAD_REQUEST, error.to_string()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let organization = SampleOrganization::serve().await?;
    let mapping: Value = serde_saphyr::from_str(DEFAULT_MAPPING)?;
    let catalog = MemorySink::new();
    let live = Arc::new(LiveEvents::new(
        &mapping,
        Options::default(),
        vec![organization.client()?],
        Arc::new(catalog.clone()),
    )?);

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let live = Arc::clone(&live);
            tokio::spawn(async move {
                let service = service_fn(move |request| hooks(Arc::clone(&live), request));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });

    // What Azure DevOps would post when a build of the sample organization completes.
    let event = json!({
        "eventType": "build.complete",
        "publisherId": "tfs",
        "resource": {"id": 100, "project": {"id": "eb6e4656-77fc-42a1-9181-4c6d8e9da5d1"}},
        "resourceContainers": {"project": {"id": "eb6e4656-77fc-42a1-9181-4c6d8e9da5d1"}}
    })
    .to_string();
    let mut stream = TcpStream::connect(address).await?;
    stream
        .write_all(
            format!(
                "POST /hooks/azure-devops HTTP/1.1\r\nHost: {address}\r\nContent-Type: \
                 application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{event}",
                event.len()
            )
            .as_bytes(),
        )
        .await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    println!("{}", answer.lines().last().unwrap_or_default());
    println!("the catalog holds {} entities", catalog.len());
    Ok(())
}
