//! Why a request failed below HTTP: the transport failure classified from its source chain.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use rustls::CertificateError;

/// What went wrong below HTTP, read from a transport failure's chain of sources (rustls, hyper,
/// hyper-util, `std::io`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportCause {
    /// The server's certificate chain does not lead to a trusted root (e.g. an internal CA or a
    /// TLS-inspecting proxy); the detail names the check that failed.
    CertificateNotTrusted(String),
    /// Any other TLS failure: a certificate for another host name, an expired certificate, a
    /// handshake the server refused.
    Tls(String),
    /// The host name does not resolve.
    NameNotResolved(String),
    /// Nothing listens on the server's port.
    ConnectionRefused,
    /// The connection was reset or closed before the response was complete.
    ConnectionReset,
    /// The connection or the request timed out.
    TimedOut,
    /// The response body ended before its announced length.
    BodyTruncated,
    /// Anything else, with the innermost message.
    Other(String),
}

impl TransportCause {
    /// Whether sending the request again cannot succeed: TLS and certificate failures and
    /// names that do not resolve.
    #[must_use]
    pub fn is_definitive(&self) -> bool {
        matches!(
            self,
            Self::CertificateNotTrusted(_) | Self::Tls(_) | Self::NameNotResolved(_)
        )
    }

    /// Classifies `error`, a failed request to `host`.
    pub(crate) fn of(error: &reqwest::Error, host: &str) -> Self {
        if let Some(cause) = Self::from_setup(error, host) {
            return cause;
        }
        if error.is_timeout() {
            return Self::TimedOut;
        }
        if error.is_body() || error.is_decode() {
            return Self::BodyTruncated;
        }
        Self::from_connection(error).unwrap_or_else(|| {
            let innermost = Chain::new(error).last().map(ToString::to_string);
            Self::Other(innermost.unwrap_or_else(|| error.to_string()))
        })
    }

    /// A failure to set the connection up that no retry mends: TLS or name resolution.
    fn from_setup(error: &(dyn StdError + 'static), host: &str) -> Option<Self> {
        if let Some(tls) = Chain::new(error).find_map(|e| e.downcast_ref::<rustls::Error>()) {
            return Some(Self::tls(tls));
        }
        Chain::new(error)
            .any(|e| {
                let text = e.to_string();
                text == "dns error" || text.contains("failed to lookup address information")
            })
            .then(|| Self::NameNotResolved(host.to_owned()))
    }

    /// A connection refused, reset or timed out, from `std::io` or hyper errors in the chain.
    fn from_connection(error: &(dyn StdError + 'static)) -> Option<Self> {
        Chain::new(error).find_map(|e| {
            if let Some(io) = e.downcast_ref::<io::Error>() {
                return Self::io(io.kind());
            }
            let hyper = e.downcast_ref::<hyper::Error>()?;
            if hyper.is_timeout() {
                Some(Self::TimedOut)
            } else if hyper.is_incomplete_message() {
                Some(Self::ConnectionReset)
            } else {
                None
            }
        })
    }

    fn tls(error: &rustls::Error) -> Self {
        match error {
            rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer | CertificateError::BadSignature,
            ) => Self::CertificateNotTrusted(certificate_detail(error)),
            rustls::Error::InvalidCertificate(_) => Self::Tls(certificate_detail(error)),
            other => Self::Tls(other.to_string()),
        }
    }

    fn io(kind: io::ErrorKind) -> Option<Self> {
        match kind {
            io::ErrorKind::ConnectionRefused => Some(Self::ConnectionRefused),
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof => Some(Self::ConnectionReset),
            io::ErrorKind::TimedOut => Some(Self::TimedOut),
            _ => None,
        }
    }
}

/// A readable name for the certificate check that failed.
fn certificate_detail(error: &rustls::Error) -> String {
    let rustls::Error::InvalidCertificate(certificate) = error else {
        return error.to_string();
    };
    match certificate {
        CertificateError::UnknownIssuer => "unknown issuer".to_owned(),
        CertificateError::BadSignature => "bad signature".to_owned(),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "certificate not valid for this host name".to_owned()
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "certificate expired".to_owned()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "certificate not valid yet".to_owned()
        }
        CertificateError::Revoked => "certificate revoked".to_owned(),
        _ => error.to_string(),
    }
}

impl fmt::Display for TransportCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CertificateNotTrusted(detail) => write!(
                f,
                "certificate not trusted: {detail}; set SSL_CERT_FILE to your CA bundle"
            ),
            Self::Tls(detail) => write!(f, "TLS failed: {detail}"),
            Self::NameNotResolved(host) => write!(f, "name not resolved ({host})"),
            Self::ConnectionRefused => f.write_str("connection refused"),
            Self::ConnectionReset => f.write_str("connection reset or closed mid-response"),
            Self::TimedOut => f.write_str("timed out"),
            Self::BodyTruncated => f.write_str("response body cut short"),
            Self::Other(detail) => f.write_str(detail),
        }
    }
}

/// An error and its sources, outermost first. The error an [`io::Error`] wraps is visited too
/// (`io::Error::source` skips it).
#[derive(Clone)]
struct Chain<'a> {
    next: Option<&'a (dyn StdError + 'static)>,
}

impl<'a> Chain<'a> {
    fn new(error: &'a (dyn StdError + 'static)) -> Self {
        Self { next: Some(error) }
    }
}

impl<'a> Iterator for Chain<'a> {
    type Item = &'a (dyn StdError + 'static);

    fn next(&mut self) -> Option<Self::Item> {
        let current = self.next?;
        self.next = match current.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
        Some(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error with a source, standing in for the wrappers of hyper and hyper-util.
    #[derive(Debug)]
    struct Wrapper(&'static str, Box<dyn StdError + Send + Sync>);

    impl fmt::Display for Wrapper {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Wrapper {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&*self.1)
        }
    }

    #[test]
    fn walks_into_the_error_an_io_error_wraps() {
        let tls = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        let outer = Wrapper("client error (Connect)", Box::new(tls));
        let cause = TransportCause::from_setup(&outer, "tfs.local").expect("a cause");
        assert_eq!(
            cause,
            TransportCause::CertificateNotTrusted("unknown issuer".to_owned())
        );
        assert!(cause.is_definitive());
        assert_eq!(
            cause.to_string(),
            "certificate not trusted: unknown issuer; set SSL_CERT_FILE to your CA bundle"
        );
    }

    #[test]
    fn classifies_certificate_failures() {
        let name = rustls::Error::InvalidCertificate(CertificateError::NotValidForName);
        assert_eq!(
            TransportCause::tls(&name),
            TransportCause::Tls("certificate not valid for this host name".to_owned())
        );
        let expired = rustls::Error::InvalidCertificate(CertificateError::Expired);
        assert_eq!(
            TransportCause::tls(&expired).to_string(),
            "TLS failed: certificate expired"
        );
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure);
        assert!(matches!(
            TransportCause::tls(&alert),
            TransportCause::Tls(_)
        ));
    }

    #[test]
    fn classifies_io_kinds_deep_in_the_chain() {
        for (kind, expected) in [
            (
                io::ErrorKind::ConnectionRefused,
                TransportCause::ConnectionRefused,
            ),
            (
                io::ErrorKind::ConnectionReset,
                TransportCause::ConnectionReset,
            ),
            (
                io::ErrorKind::UnexpectedEof,
                TransportCause::ConnectionReset,
            ),
            (io::ErrorKind::TimedOut, TransportCause::TimedOut),
        ] {
            let error = Wrapper(
                "client error (Connect)",
                Box::new(Wrapper(
                    "tcp connect error",
                    Box::new(io::Error::from(kind)),
                )),
            );
            let cause = TransportCause::from_connection(&error);
            assert_eq!(cause, Some(expected.clone()), "{kind:?}");
            assert!(!expected.is_definitive());
        }
        let other = Wrapper(
            "x",
            Box::new(io::Error::from(io::ErrorKind::PermissionDenied)),
        );
        assert_eq!(TransportCause::from_connection(&other), None);
    }

    #[test]
    fn names_the_host_that_does_not_resolve() {
        let lookup =
            io::Error::other("failed to lookup address information: Name or service not known");
        let error = Wrapper(
            "client error (Connect)",
            Box::new(Wrapper("dns error", Box::new(lookup))),
        );
        let cause = TransportCause::from_setup(&error, "dev.azure.invalid").expect("a cause");
        assert_eq!(
            cause,
            TransportCause::NameNotResolved("dev.azure.invalid".to_owned())
        );
        assert!(cause.is_definitive());
        assert_eq!(cause.to_string(), "name not resolved (dev.azure.invalid)");
    }
}
