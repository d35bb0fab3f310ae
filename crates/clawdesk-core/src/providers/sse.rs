//! A server-sent-events parser over raw bytes, linear in its input.
//!
//! It replaces `eventsource-stream`, which re-parsed its whole buffer from
//! the start of the current line on every network read and copied the rest
//! of the buffer after every line: one 2 MiB event (a long tool call or a
//! big JSON delta) arriving in many reads cost about ten times the same
//! bytes in small events. Here each byte is looked at once: unconsumed
//! input stays in one buffer with a scan position, and a line is only cut
//! out once its end was seen.
//!
//! What it implements of the WHATWG `text/event-stream` rules: lines end
//! with LF, CRLF or a lone CR (also when split across reads); a leading BOM
//! is skipped; `:` lines are comments; `data:` lines are joined with `\n`;
//! `event:` names the event (default `message`); one space after the colon
//! is dropped; an event whose data is empty is not dispatched; `id` and
//! `retry` are ignored (the clients never reconnect); an event cut off by
//! the end of the stream is not dispatched.

use bytes::{Buf, BytesMut};
use std::fmt;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A line that is not UTF-8; the stream cannot be trusted past it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseError(std::str::Utf8Error);

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an event-stream line is not UTF-8: {}", self.0)
    }
}

impl std::error::Error for SseError {}

/// One dispatched event, borrowed from the parser until its next call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SseEvent<'a> {
    /// The `event:` name, `message` when there was none.
    pub event: &'a str,
    /// The `data:` lines joined with `\n`.
    pub data: &'a str,
}

/// Pull parser: [`push`](Self::push) bytes as they arrive, then take events
/// with [`next_event`](Self::next_event) one at a time, so a consumer sees
/// the first event of a large read without waiting for the rest of it.
#[derive(Default)]
pub struct SseParser {
    /// Bytes not yet consumed; the first `scanned` of them hold no line end.
    buf: BytesMut,
    scanned: usize,
    /// The previous line ended with CR: an LF that comes next belongs to it.
    after_cr: bool,
    /// Whether the first line (which may start with a BOM) was seen.
    started: bool,
    /// The last call returned an event borrowed from `event`/`data`; they
    /// are cleared (keeping their capacity) at the next call.
    dispatched: bool,
    event: String,
    /// Joined `data:` values, each followed by `\n`.
    data: String,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the next bytes of the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete event in what was pushed, if any. A line that is
    /// not UTF-8 is an error (and is skipped).
    pub fn next_event(&mut self) -> Option<Result<SseEvent<'_>, SseError>> {
        if std::mem::take(&mut self.dispatched) {
            self.event.clear();
            self.data.clear();
        }
        loop {
            if self.after_cr {
                match self.buf.first() {
                    None => return None,
                    Some(b'\n') => self.buf.advance(1),
                    Some(_) => {}
                }
                self.after_cr = false;
            }
            let unscanned = &self.buf[self.scanned..];
            let Some(at) = memchr::memchr2(b'\n', b'\r', unscanned) else {
                self.scanned = self.buf.len();
                return None;
            };
            let end = self.scanned + at;
            let line = self.buf.split_to(end + 1);
            self.scanned = 0;
            self.after_cr = line[end] == b'\r';
            match self.line(&line[..end]) {
                Err(err) => return Some(Err(err)),
                Ok(false) => {}
                Ok(true) => {
                    self.dispatched = true;
                    let event = if self.event.is_empty() {
                        "message"
                    } else {
                        &self.event
                    };
                    let data = &self.data[..self.data.len() - 1];
                    return Some(Ok(SseEvent { event, data }));
                }
            }
        }
    }

    /// [`push`](Self::push), then `on_event(type, data)` for every event the
    /// bytes complete. Stops at the first line that is not UTF-8 (events
    /// before it were delivered).
    pub fn feed(
        &mut self,
        bytes: &[u8],
        mut on_event: impl FnMut(&str, &str),
    ) -> Result<(), SseError> {
        self.push(bytes);
        while let Some(event) = self.next_event() {
            let event = event?;
            on_event(event.event, event.data);
        }
        Ok(())
    }

    /// Takes one line; true when it completes an event with data.
    fn line(&mut self, mut line: &[u8]) -> Result<bool, SseError> {
        if !self.started {
            self.started = true;
            line = line.strip_prefix(BOM).unwrap_or(line);
        }
        if line.is_empty() {
            if self.data.is_empty() {
                // No data: nothing to dispatch, and the name is dropped.
                self.event.clear();
                return Ok(false);
            }
            return Ok(true);
        }
        if line[0] == b':' {
            return Ok(false);
        }
        let (name, value) = match memchr::memchr(b':', line) {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match name {
            b"data" => {
                self.data.push_str(utf8(value)?);
                self.data.push('\n');
            }
            b"event" => {
                self.event.clear();
                self.event.push_str(utf8(value)?);
            }
            _ => {}
        }
        Ok(false)
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, SseError> {
    std::str::from_utf8(bytes).map_err(SseError)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(parts: &[&[u8]]) -> Vec<(String, String)> {
        let mut parser = SseParser::new();
        let mut got = Vec::new();
        for part in parts {
            parser
                .feed(part, |event, data| got.push((event.into(), data.into())))
                .unwrap();
        }
        got
    }

    fn ev(event: &str, data: &str) -> (String, String) {
        (event.into(), data.into())
    }

    #[test]
    fn joins_data_lines_and_names_events() {
        let got = parse(&[b"event: ping\ndata: {}\n\ndata: a\ndata:b\ndata\n\n"]);
        assert_eq!(got, vec![ev("ping", "{}"), ev("message", "a\nb\n")]);
    }

    #[test]
    fn every_line_ending_works_even_split_between_reads() {
        let whole: &[u8] = b"data: 1\r\n\r\ndata: 2\r\rdata: 3\n\n";
        let expected = vec![ev("message", "1"), ev("message", "2"), ev("message", "3")];
        assert_eq!(parse(&[whole]), expected);
        // Every split point, including between a CR and its LF.
        for cut in 0..whole.len() {
            assert_eq!(
                parse(&[&whole[..cut], &whole[cut..]]),
                expected,
                "cut {cut}"
            );
        }
        let bytewise: Vec<&[u8]> = whole.chunks(1).collect();
        assert_eq!(parse(&bytewise), expected);
    }

    #[test]
    fn comments_empty_events_bom_and_unknown_fields_dispatch_nothing() {
        let got = parse(&[
            b"\xEF\xBB\xBF: keep-alive\n\n",
            b"event: lonely\n\n",
            b"id: 7\nretry: 10\nfoo: bar\n\n",
            b"data: x\n\n",
        ]);
        assert_eq!(got, vec![ev("message", "x")]);
    }

    #[test]
    fn an_event_cut_off_by_the_end_is_not_dispatched() {
        assert!(parse(&[b"data: half"]).is_empty());
        assert!(parse(&[b"data: whole line\n"]).is_empty());
    }

    #[test]
    fn only_one_space_after_the_colon_is_dropped_and_colons_in_values_stay() {
        let got = parse(&[b"data:  two\ndata: {\"a\":\"b:c\"}\n\n"]);
        assert_eq!(got, vec![ev("message", " two\n{\"a\":\"b:c\"}")]);
    }

    #[test]
    fn the_event_name_does_not_leak_into_the_next_event() {
        let got = parse(&[b"event: error\ndata: 1\n\ndata: 2\n\n"]);
        assert_eq!(got, vec![ev("error", "1"), ev("message", "2")]);
    }

    #[test]
    fn a_line_that_is_not_utf8_is_an_error_after_the_events_before_it() {
        let mut parser = SseParser::new();
        let mut got = Vec::new();
        let result = parser.feed(b"data: ok\n\ndata: \xFF\xFE\n\n", |_, data| {
            got.push(data.to_string())
        });
        assert!(result.is_err());
        assert_eq!(got, vec!["ok"]);
    }

    #[test]
    fn a_multi_megabyte_event_in_small_reads_arrives_whole() {
        let payload = "x".repeat(2 * 1024 * 1024);
        let wire = format!("event: big\ndata: {payload}\n\n");
        let mut parser = SseParser::new();
        let mut got = Vec::new();
        for read in wire.as_bytes().chunks(1000) {
            parser
                .feed(read, |event, data| got.push((event.len(), data.len())))
                .unwrap();
        }
        assert_eq!(got, vec![(3, payload.len())]);
    }
}
