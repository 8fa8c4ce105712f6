//! [`SmtpSink`]: a real SMTP server for tests, `scripts/smtp_sink.py` (aiosmtpd)
//! on 127.0.0.1 at a port the OS picks, and the mails it received.
//!
//! Without python3 and aiosmtpd a test is skipped with a printed reason
//! ([`SmtpSink::start`] gives `None`); under CI that is a failure.

#![allow(
    clippy::panic,
    reason = "test support: a sink that fails to start stops the test"
)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;

/// The running sink; killed when dropped.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    file: PathBuf,
    _dir: tempfile::TempDir,
}

/// One mail as the sink received it.
#[derive(Debug, Clone)]
pub struct SinkMail {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    /// The whole message as sent: headers, a blank line, the body.
    pub data: String,
}

/// The first python3 that imports aiosmtpd: `ONESTAMP_TEST_PYTHON`, the one on
/// the path, the system's.
fn python() -> Option<String> {
    let mut candidates: Vec<String> = std::env::var("ONESTAMP_TEST_PYTHON").into_iter().collect();
    candidates.extend(["python3".to_string(), "/usr/bin/python3".to_string()]);
    candidates.into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn skip_or_fail(why: &str) -> Option<SmtpSink> {
    assert!(
        std::env::var_os("CI").is_none(),
        "the SMTP sink is required under CI: {why}"
    );
    println!("SMTP sink not started, test skipped: {why}");
    None
}

impl SmtpSink {
    /// Starts the sink; `None` (test skipped) without python3 and aiosmtpd.
    pub fn start() -> Option<SmtpSink> {
        SmtpSink::start_refusing(&[])
    }

    /// Starts a sink that refuses mail to `refused` with a permanent 550.
    pub fn start_refusing(refused: &[&str]) -> Option<SmtpSink> {
        let Some(py) = python() else {
            return skip_or_fail(
                "no python3 with aiosmtpd (scripts/install-test-deps.sh installs python3-aiosmtpd)",
            );
        };
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/smtp_sink.py");
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("mail.jsonl");
        let mut cmd = Command::new(py);
        cmd.arg(script).arg(&file);
        for r in refused {
            cmd.args(["--reject-rcpt", r]);
        }
        // Its stdin is ours: when this process ends, the sink ends too.
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the SMTP sink");
        let stdout = child.stdout.take().expect("sink stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(15)).unwrap_or_default();
        let Some(port) = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse::<u16>().ok())
        else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the SMTP sink did not say its port: {line:?}");
        };
        Some(SmtpSink {
            child,
            port,
            file,
            _dir: dir,
        })
    }

    /// The `smtp_url` of the sink.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail received so far, in order.
    pub fn messages(&self) -> Vec<SinkMail> {
        let text = std::fs::read_to_string(&self.file).unwrap_or_default();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("a sink line is JSON");
                SinkMail {
                    mail_from: v["mail_from"].as_str().unwrap_or_default().to_string(),
                    rcpt_tos: v["rcpt_tos"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|r| r.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    data: v["data"].as_str().unwrap_or_default().to_string(),
                }
            })
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) decoded; the
/// white space between two encoded words dropped, as the RFC says.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, from) = rest.split_at(start);
        let word = from[2..].splitn(3, '?').collect::<Vec<_>>();
        let decoded = match word.as_slice() {
            [_charset, enc, tail] => tail.find("?=").and_then(|end| {
                let text = &tail[..end];
                let bytes = match enc.to_ascii_lowercase().as_str() {
                    "b" => base64::engine::general_purpose::STANDARD.decode(text).ok(),
                    "q" => quoted_printable::decode(
                        text.replace('_', " "),
                        quoted_printable::ParseMode::Robust,
                    )
                    .ok(),
                    _ => None,
                }?;
                let used = 2 + word[0].len() + 1 + enc.len() + 1 + end + 2;
                Some((String::from_utf8_lossy(&bytes).into_owned(), used))
            }),
            _ => None,
        };
        match decoded {
            Some((text, used)) => {
                if !(after_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&text);
                rest = &from[used..];
                after_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = &from[2..];
                after_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

impl SinkMail {
    /// The head and the body of the message.
    fn parts(&self) -> (&str, &str) {
        self.data
            .split_once("\r\n\r\n")
            .or_else(|| self.data.split_once("\n\n"))
            .unwrap_or((&self.data, ""))
    }

    /// A header's raw value (folded lines joined), by name, case-insensitive.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.parts();
        let mut found: Option<String> = None;
        let mut current: Option<(String, String)> = None;
        let finish = |c: Option<(String, String)>, found: &mut Option<String>| {
            if let Some((n, v)) = c
                && found.is_none()
                && n.eq_ignore_ascii_case(name)
            {
                *found = Some(v.trim().to_string());
            }
        };
        for line in head.lines() {
            if line.starts_with(' ') || line.starts_with('\t') {
                if let Some((_, v)) = current.as_mut() {
                    v.push(' ');
                    v.push_str(line.trim());
                }
                continue;
            }
            finish(current.take(), &mut found);
            if let Some((n, v)) = line.split_once(':') {
                current = Some((n.trim().to_string(), v.trim().to_string()));
            }
        }
        finish(current.take(), &mut found);
        found
    }

    /// The subject, decoded.
    pub fn subject(&self) -> String {
        decode_words(&self.header("Subject").unwrap_or_default())
    }

    /// The text body, decoded from its transfer encoding.
    pub fn body(&self) -> String {
        let (_, body) = self.parts();
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        match encoding.as_str() {
            "base64" => {
                let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .expect("a base64 body");
                String::from_utf8_lossy(&bytes).into_owned()
            }
            "quoted-printable" => {
                let bytes = quoted_printable::decode(body, quoted_printable::ParseMode::Robust)
                    .expect("a quoted-printable body");
                String::from_utf8_lossy(&bytes).into_owned()
            }
            _ => body.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_are_decoded_and_joined() {
        assert_eq!(
            decode_words("=?utf-8?b?55Sz6K+35bey5Y+X55CG?= =?utf-8?b?77ya?=x"),
            "申请已受理：x"
        );
        assert_eq!(decode_words("Re: =?UTF-8?Q?a_b?= c"), "Re: a b c");
        assert_eq!(decode_words("plain =? text"), "plain =? text");
    }
}
