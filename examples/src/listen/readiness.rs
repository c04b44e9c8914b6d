//! Whether Port answers with the integration's credentials, for `/readyz`: checked at most
//! every [`CHECK_EVERY`], each check bounded by [`CHECK_TIMEOUT`].

use port_client::PortClient;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// How long a check's answer is reused.
const CHECK_EVERY: Duration = Duration::from_secs(30);
/// How long a check may take before Port counts as unreachable.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The last check of Port, shared by concurrent probes.
pub struct PortCheck {
    port: PortClient,
    last: Mutex<Option<(Instant, Result<(), String>)>>,
}

impl PortCheck {
    /// Checks `port` by reading its integration (credentials and integration included).
    pub fn new(port: PortClient) -> Self {
        Self {
            port,
            last: Mutex::new(None),
        }
    }

    /// Why Port is not usable, or `None`; a recent answer is reused.
    pub async fn problem(&self) -> Option<String> {
        let mut last = self.last.lock().await;
        if let Some((at, outcome)) = last.as_ref()
            && at.elapsed() < CHECK_EVERY
        {
            return outcome.clone().err();
        }
        let outcome =
            match tokio::time::timeout(CHECK_TIMEOUT, self.port.integration_config()).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(error)) => Err(format!("Port: {error}")),
                Err(_) => Err(format!(
                    "Port did not answer within {} s",
                    CHECK_TIMEOUT.as_secs()
                )),
            };
        *last = Some((Instant::now(), outcome.clone()));
        outcome.err()
    }
}
