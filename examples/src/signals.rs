//! SIGINT and SIGTERM: the first asks the running command to stop cleanly, a second exits at
//! once.

use crate::Failure;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// A signal that stops a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM (`kill`, container stop).
    Terminate,
}

impl Signal {
    /// The exit status of a command it stopped: 128 plus the signal number.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Interrupt => 130,
            Self::Terminate => 143,
        }
    }

    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
        }
    }
}

/// Whether a stop was requested, shared by every part of a command.
#[derive(Clone)]
pub struct Shutdown {
    requested: watch::Receiver<Option<Signal>>,
}

impl Shutdown {
    /// Handles SIGINT and SIGTERM from now on (call inside the runtime): the first is recorded
    /// for [`requested`](Self::requested), a second exits the process at once with its code.
    pub fn listen() -> Result<Self, Failure> {
        let handler = |kind| {
            signal(kind).map_err(|e| Failure::Message(format!("cannot handle signals: {e}")))
        };
        let mut interrupt = handler(SignalKind::interrupt())?;
        let mut terminate = handler(SignalKind::terminate())?;
        let (sender, requested) = watch::channel(None);
        tokio::spawn(async move {
            loop {
                let received = tokio::select! {
                    Some(()) = interrupt.recv() => Signal::Interrupt,
                    Some(()) = terminate.recv() => Signal::Terminate,
                    else => return,
                };
                if sender.borrow().is_some() {
                    eprintln!("{}: stopping at once", received.name());
                    std::process::exit(received.exit_code().into());
                }
                sender.send_replace(Some(received));
            }
        });
        Ok(Self { requested })
    }

    /// The first signal received so far.
    pub fn received(&self) -> Option<Signal> {
        *self.requested.borrow()
    }

    /// Completes with the first signal, once one is received.
    pub async fn requested(&self) -> Signal {
        let mut requested = self.requested.clone();
        if let Ok(signal) = requested.wait_for(Option::is_some).await
            && let Some(signal) = *signal
        {
            return signal;
        }
        // The handler is gone: no signal will ever be recorded.
        std::future::pending().await
    }

    /// Runs `work` to its end, or until a signal, which drops it and fails with
    /// [`Failure::Interrupted`].
    pub async fn interruptible<T>(
        &self,
        work: impl Future<Output = Result<T, Failure>>,
    ) -> Result<T, Failure> {
        tokio::select! {
            result = work => result,
            signal = self.requested() => Err(Failure::Interrupted(signal)),
        }
    }
}
