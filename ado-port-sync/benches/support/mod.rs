//! What the resync benchmarks share: the stand-in servers in a child process, so that their
//! memory is not counted, and the memory figures of the measuring process.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdout, Command, Stdio};

/// This program re-run with the given arguments to serve the stand-ins; it prints a line per
/// server address and serves until its standard input closes.
pub struct StandIn {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl StandIn {
    /// Starts the stand-in process.
    pub fn start(args: &[String]) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("stand-in process starts");
        let stdout = BufReader::new(child.stdout.take().expect("stand-in output"));
        Self { child, stdout }
    }

    /// The next line the stand-in printed, without its line break.
    pub fn read_line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("stand-in output");
        line.trim_end().to_owned()
    }

    /// Sends `line` to the stand-in and returns the line it answers.
    pub fn ask(&mut self, line: &str) -> String {
        let stdin = self.child.stdin.as_mut().expect("stand-in input");
        writeln!(stdin, "{line}").expect("stand-in input");
        stdin.flush().expect("stand-in input");
        self.read_line()
    }

    /// Closes the stand-in's standard input and returns what it printed until it exited.
    pub fn finish(mut self) -> String {
        drop(self.child.stdin.take());
        let mut rest = String::new();
        self.stdout
            .read_to_string(&mut rest)
            .expect("stand-in output");
        let _ = self.child.wait();
        rest
    }
}

/// In the stand-in process: answers each line the measuring process sends ([`StandIn::ask`])
/// with a line of `answer`, until it closes standard input.
pub async fn answer_until_closed(answer: impl Fn(&str) -> String + Send + 'static) {
    let _ = tokio::task::spawn_blocking(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            println!("{}", answer(&line));
        }
    })
    .await;
}

/// A memory figure of this process from `/proc/self/status` (`VmHWM:`: peak resident set,
/// `VmRSS:`: now), in MiB; 0 where the file is missing.
pub fn rss_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}
