//! Helpers shared by the tests that drive the `ado-port` binary.

use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

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
