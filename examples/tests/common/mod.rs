//! Helpers shared by the tests that drive the `ado-port` binary.

use serde_json::{Value, json};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Sends `signal` (`-TERM`, `-INT`) to `child`.
pub fn send(child: &Child, signal: &str) {
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill {signal} failed");
}

/// How `child` exited; it must exit within 20 seconds.
pub fn exit_status(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            child.kill().expect("kill");
            panic!("ado-port did not exit");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Port's token endpoint answering `status`.
pub async fn port_token(port: &MockServer, status: u16) {
    let body = if status == 200 {
        json!({"ok": true, "accessToken": "tok", "expiresIn": 3600, "tokenType": "Bearer"})
    } else {
        json!({"ok": false, "error": "invalid_credentials", "message": "Invalid client credentials"})
    };
    Mock::given(method("POST"))
        .and(path("/v1/auth/access_token"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(port)
        .await;
}

/// The variables of a run from `ado` (organization `fabrikam`) into `port` as `my-ado`.
pub fn port_env(ado: &MockServer, port: &MockServer) -> Vec<(&'static str, String)> {
    vec![
        ("OCEAN__PORT__CLIENT_ID", "port-id".into()),
        ("OCEAN__PORT__CLIENT_SECRET", "port-secret".into()),
        ("OCEAN__PORT__BASE_URL", port.uri()),
        ("OCEAN__INTEGRATION__IDENTIFIER", "my-ado".into()),
        (
            "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL",
            format!("{}/fabrikam", ado.uri()),
        ),
        (
            "OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN",
            "pat".into(),
        ),
        ("OCEAN__INTEGRATION__CONFIG__API_PROFILE", "cloud".into()),
    ]
}

/// The statuses of the resync states Port received, in order.
pub async fn states(port: &MockServer) -> Vec<String> {
    port.received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "PATCH")
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).expect("JSON state");
            body["status"].as_str().unwrap_or_default().to_owned()
        })
        .collect()
}
