//! Path patterns of the `folder` kind: `*` and `?` within one path segment, `**` for any
//! number of segments; matching ignores case, and `*` also matches names starting with a dot.

use ado_client::RecursionLevel;

/// A repository path pattern such as `/services/*` or `/apps/**/deploy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathPattern {
    text: String,
    segments: Vec<String>,
}

impl PathPattern {
    /// Parses a pattern; leading, trailing and repeated `/` are ignored.
    pub(crate) fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            segments: text
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_lowercase)
                .collect(),
        }
    }

    /// The pattern as written.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The folder to list from: the segments before the first one with a wildcard (`/` at the
    /// root). Its case is the pattern's, as Azure DevOps paths are case-insensitive.
    pub(crate) fn base(&self) -> String {
        let literal: Vec<&str> = self
            .segments
            .iter()
            .take_while(|s| !is_wild(s))
            .map(String::as_str)
            .collect();
        let original: Vec<&str> = self
            .text
            .split('/')
            .filter(|s| !s.is_empty())
            .take(literal.len())
            .collect();
        format!("/{}", original.join("/"))
    }

    /// How deep below [`base`](Self::base) the matches can be.
    pub(crate) fn recursion(&self) -> RecursionLevel {
        let wild = self.segments.iter().skip_while(|s| !is_wild(s)).count();
        match wild {
            0 => RecursionLevel::None,
            1 if !self.segments.iter().any(|s| s == "**") => RecursionLevel::OneLevel,
            _ => RecursionLevel::Full,
        }
    }

    /// Whether `path` (`/services/api`) matches the whole pattern.
    pub(crate) fn matches(&self, path: &str) -> bool {
        let path: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase)
            .collect();
        match_segments(&self.segments, &path)
    }
}

fn is_wild(segment: &str) -> bool {
    segment.contains(['*', '?'])
}

fn match_segments(pattern: &[String], path: &[String]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skip| match_segments(rest, &path[skip..]))
        }
        Some((first, rest)) => path.split_first().is_some_and(|(segment, path_rest)| {
            match_segment(first.as_bytes(), segment.as_bytes()) && match_segments(rest, path_rest)
        }),
    }
}

/// `*` and `?` within one segment (bytes, so `?` is one byte of a multi-byte character).
fn match_segment(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|skip| match_segment(rest, &name[skip..])),
        Some((b'?', rest)) => !name.is_empty() && match_segment(rest, &name[1..]),
        Some((c, rest)) => name
            .split_first()
            .is_some_and(|(n, name_rest)| n == c && match_segment(rest, name_rest)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_segments_globstars_and_ignores_case() {
        let pattern = PathPattern::new("/services/*");
        assert!(pattern.matches("/services/api"));
        assert!(pattern.matches("/Services/.hidden"));
        assert!(!pattern.matches("/services"));
        assert!(!pattern.matches("/services/api/v1"));
        let deep = PathPattern::new("apps/**/deploy");
        assert!(deep.matches("/apps/deploy"));
        assert!(deep.matches("/apps/web/eu/deploy"));
        assert!(!deep.matches("/apps/web/deploy/x"));
        let named = PathPattern::new("/svc-?/src*");
        assert!(named.matches("/svc-a/src"));
        assert!(named.matches("/svc-b/src-main"));
        assert!(!named.matches("/svc-ab/src"));
    }

    #[test]
    fn base_and_recursion_follow_the_first_wildcard() {
        let pattern = PathPattern::new("/Services/*");
        assert_eq!(pattern.base(), "/Services");
        assert_eq!(pattern.recursion(), RecursionLevel::OneLevel);
        let two = PathPattern::new("/apps/*/deploy");
        assert_eq!(two.base(), "/apps");
        assert_eq!(two.recursion(), RecursionLevel::Full);
        assert_eq!(PathPattern::new("/**").base(), "/");
        assert_eq!(PathPattern::new("/**").recursion(), RecursionLevel::Full);
        let literal = PathPattern::new("/docs/");
        assert_eq!(literal.base(), "/docs");
        assert_eq!(literal.recursion(), RecursionLevel::None);
        assert_eq!(literal.as_str(), "/docs/");
    }
}
