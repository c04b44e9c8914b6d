//! Classifying failures to reach Port, by walking the error's source chain.

use std::error::Error as StdError;
use std::io;

use rustls::CertificateError;

use crate::error::Unreachable;

/// What went wrong sending a request or reading its response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Port cannot be reached and retrying cannot help (DNS, TLS).
    Definitive(Unreachable),
    /// Nothing listens at Port's address; worth retrying, then Port is unreachable.
    Refused,
    /// A failure worth retrying (reset, timeout, body cut short), described.
    Transient(String),
}

impl Failure {
    /// Classifies a reqwest error: the first cause in its chain that tells what happened wins.
    pub(crate) fn of(err: &reqwest::Error) -> Self {
        if err.is_dns() {
            return Self::Definitive(Unreachable::NameNotResolved);
        }
        chain_failure(err).unwrap_or_else(|| {
            Self::Transient(if err.is_timeout() {
                "timed out".into()
            } else {
                innermost(err)
            })
        })
    }
}

/// The first conclusive cause along an error's source chain.
fn chain_failure(err: &(dyn StdError + 'static)) -> Option<Failure> {
    let mut current = Some(err);
    while let Some(cause) = current {
        if let Some(failure) = classify(cause) {
            return Some(failure);
        }
        current = next_cause(cause);
    }
    None
}

/// The cause of an error. `io::Error::source` skips the error an `io::Error` wraps (its
/// `get_ref`), which is where TLS failures sit, so step into it instead.
fn next_cause<'e>(err: &'e (dyn StdError + 'static)) -> Option<&'e (dyn StdError + 'static)> {
    match err.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
        Some(wrapped) => Some(wrapped),
        None => err.source(),
    }
}

/// What one error of the chain says, if anything conclusive.
fn classify(cause: &(dyn StdError + 'static)) -> Option<Failure> {
    if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
        return Some(Failure::Definitive(tls_failure(tls)));
    }
    cause.downcast_ref::<io::Error>().and_then(io_failure)
}

fn io_failure(io: &io::Error) -> Option<Failure> {
    let what = match io.kind() {
        io::ErrorKind::ConnectionRefused => return Some(Failure::Refused),
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => "connection reset",
        io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof => "connection closed",
        io::ErrorKind::TimedOut => "timed out",
        _ => return None,
    };
    Some(Failure::Transient(what.into()))
}

fn tls_failure(err: &rustls::Error) -> Unreachable {
    match err {
        rustls::Error::InvalidCertificate(cert) => {
            Unreachable::CertificateNotTrusted(certificate_reason(cert))
        }
        other => Unreachable::Tls(other.to_string()),
    }
}

fn certificate_reason(err: &CertificateError) -> String {
    let reason = match err {
        CertificateError::UnknownIssuer => "unknown issuer",
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired",
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "not valid yet"
        }
        CertificateError::Revoked => "revoked",
        CertificateError::BadSignature => "bad signature",
        CertificateError::BadEncoding => "bad encoding",
        CertificateError::Other(other) => return other.to_string(),
        other => return other.to_string(),
    };
    reason.into()
}

/// The last message of the chain, the most specific one.
fn innermost(err: &reqwest::Error) -> String {
    let mut current: &(dyn StdError + 'static) = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use super::*;

    /// An error wrapping another, as reqwest and hyper-util wrap theirs.
    #[derive(Debug)]
    struct Wrapper(&'static str, Box<dyn StdError + Send + Sync>);

    impl fmt::Display for Wrapper {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Wrapper {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(self.1.as_ref())
        }
    }

    #[test]
    fn an_untrusted_certificate_inside_an_io_error_is_definitive() {
        let tls = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        // As hyper-util and tokio-rustls nest them: io errors around the TLS error.
        let chain = Wrapper(
            "client error (Connect)",
            Box::new(io::Error::other(io::Error::new(
                io::ErrorKind::InvalidData,
                tls,
            ))),
        );
        let failure = chain_failure(&chain).expect("classified");
        assert_eq!(
            failure,
            Failure::Definitive(Unreachable::CertificateNotTrusted("unknown issuer".into()))
        );
        let Failure::Definitive(cause) = failure else {
            unreachable!()
        };
        assert_eq!(
            cause.to_string(),
            "certificate not trusted: unknown issuer; set SSL_CERT_FILE to your CA bundle"
        );
    }

    #[test]
    fn refused_reset_and_unknown_causes_are_told_apart() {
        let refused = Wrapper(
            "tcp connect error",
            Box::new(io::Error::from(io::ErrorKind::ConnectionRefused)),
        );
        assert_eq!(chain_failure(&refused), Some(Failure::Refused));
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(
            chain_failure(&reset),
            Some(Failure::Transient("connection reset".into()))
        );
        assert_eq!(chain_failure(&io::Error::other("odd")), None);
    }
}
