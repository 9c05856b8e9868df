//! Streams the elements of a top-level JSON array one at a time, each as its own byte buffer.
//! `serde_json::Deserializer::into_iter` would hand back the whole array as one value; this
//! splitter only tracks strings and bracket depth, so memory stays bounded by the largest element.

use std::io::{self, BufRead};

#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    #[error("I/O error at byte {offset}: {source}")]
    Io { offset: u64, source: io::Error },
    #[error("expected a JSON array at the top level, found {found} at byte {offset}")]
    NotAnArray { offset: u64, found: String },
    #[error("the file ends inside element #{index} (which starts at byte {start}): truncated?")]
    Truncated { index: usize, start: u64 },
    #[error("unexpected {found} at byte {offset} between array elements")]
    Unexpected { offset: u64, found: String },
    #[error("element #{index} starting at byte {start} is larger than the limit of {limit} bytes")]
    TooLarge {
        index: usize,
        start: u64,
        limit: usize,
    },
}

/// One array element: its bytes and where it starts in the stream.
pub struct Element {
    pub index: usize,
    pub offset: u64,
    pub bytes: Vec<u8>,
}

pub struct ArraySplitter<R> {
    reader: R,
    offset: u64,
    index: usize,
    state: State,
    max_element: usize,
}

#[derive(PartialEq)]
enum State {
    Start,
    BeforeElement,
    AfterElement,
    Done,
}

fn describe(b: Option<u8>) -> String {
    match b {
        None => "the end of the file".into(),
        Some(b'{') => "'{' (an object)".into(),
        Some(b) if b.is_ascii_graphic() => format!("'{}'", b as char),
        Some(b) => format!("byte 0x{b:02x}"),
    }
}

impl<R: BufRead> ArraySplitter<R> {
    pub fn new(reader: R, max_element: usize) -> Self {
        ArraySplitter {
            reader,
            offset: 0,
            index: 0,
            state: State::Start,
            max_element,
        }
    }

    pub fn into_inner(self) -> R {
        self.reader
    }

    /// Bytes consumed so far (for progress reporting).
    pub fn position(&self) -> u64 {
        self.offset
    }

    fn io(&self, source: io::Error) -> SplitError {
        SplitError::Io {
            offset: self.offset,
            source,
        }
    }

    /// Skips whitespace (and a UTF-8 BOM at the very start); returns the next byte without consuming it.
    fn peek_non_ws(&mut self) -> Result<Option<u8>, SplitError> {
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.io(e)),
            };
            if buf.is_empty() {
                return Ok(None);
            }
            let bom = self.offset == 0 && buf.starts_with(b"\xEF\xBB\xBF");
            let skip = if bom {
                3
            } else {
                buf.iter()
                    .take_while(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
                    .count()
            };
            if skip == 0 {
                return Ok(Some(buf[0]));
            }
            self.reader.consume(skip);
            self.offset += skip as u64;
        }
    }

    fn consume(&mut self, n: usize) {
        self.reader.consume(n);
        self.offset += n as u64;
    }

    pub fn next_element(&mut self) -> Result<Option<Element>, SplitError> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Start => {
                    let b = self.peek_non_ws()?;
                    if b != Some(b'[') {
                        return Err(SplitError::NotAnArray {
                            offset: self.offset,
                            found: describe(b),
                        });
                    }
                    self.consume(1);
                    if self.peek_non_ws()? == Some(b']') {
                        self.consume(1);
                        self.state = State::Done;
                    } else {
                        self.state = State::BeforeElement;
                    }
                }
                State::AfterElement => match self.peek_non_ws()? {
                    Some(b',') => {
                        self.consume(1);
                        self.state = State::BeforeElement;
                    }
                    Some(b']') => {
                        self.consume(1);
                        self.state = State::Done;
                        if let Some(b) = self.peek_non_ws()? {
                            return Err(SplitError::Unexpected {
                                offset: self.offset,
                                found: describe(Some(b)),
                            });
                        }
                    }
                    None => {
                        return Err(SplitError::Truncated {
                            index: self.index,
                            start: self.offset,
                        })
                    }
                    b => {
                        return Err(SplitError::Unexpected {
                            offset: self.offset,
                            found: describe(b),
                        })
                    }
                },
                State::BeforeElement => {
                    let first = self.peek_non_ws()?;
                    if first.is_none() {
                        return Err(SplitError::Truncated {
                            index: self.index,
                            start: self.offset,
                        });
                    }
                    let element = self.read_element()?;
                    self.state = State::AfterElement;
                    return Ok(Some(element));
                }
            }
        }
    }

    /// Copies one value (object, array, string or scalar) into its own buffer.
    fn read_element(&mut self) -> Result<Element, SplitError> {
        let start = self.offset;
        let index = self.index;
        self.index += 1;
        let mut bytes = Vec::new();
        let mut depth: usize = 0;
        let mut in_string = false;
        let mut escaped = false;
        let mut started = false;
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.io(e)),
            };
            if buf.is_empty() {
                if started && depth == 0 && !in_string {
                    return Ok(Element {
                        index,
                        offset: start,
                        bytes,
                    }); // a scalar at the very end
                }
                return Err(SplitError::Truncated { index, start });
            }
            let mut end = None;
            let mut i = 0;
            while i < buf.len() {
                let b = buf[i];
                if in_string {
                    if escaped {
                        escaped = false;
                        i += 1;
                        continue;
                    }
                    // Strings are most of the bytes: jump to the next quote or backslash.
                    match memchr::memchr2(b'"', b'\\', &buf[i..]) {
                        None => break, // the string goes on in the next read
                        Some(n) => i += n,
                    }
                    if buf[i] == b'\\' {
                        escaped = true;
                    } else {
                        in_string = false;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    i += 1;
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    b',' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t' if depth == 0 => {
                        end = Some(i); // end of a top-level scalar
                        break;
                    }
                    _ => {}
                }
                started = true;
                i += 1;
            }
            let take = end.unwrap_or(buf.len());
            if bytes.len() + take > self.max_element {
                return Err(SplitError::TooLarge {
                    index,
                    start,
                    limit: self.max_element,
                });
            }
            bytes.extend_from_slice(&buf[..take]);
            self.consume(take);
            if end.is_some() {
                // A large element waits in a queue: give back what doubling reserved past it.
                if bytes.len() >= 1 << 20 {
                    bytes.shrink_to_fit();
                }
                return Ok(Element {
                    index,
                    offset: start,
                    bytes,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &str) -> Result<Vec<String>, SplitError> {
        // A tiny buffer exercises elements that straddle reads.
        let reader = io::BufReader::with_capacity(3, input.as_bytes());
        let mut s = ArraySplitter::new(reader, 1 << 20);
        let mut out = Vec::new();
        while let Some(e) = s.next_element()? {
            out.push(String::from_utf8(e.bytes).unwrap());
        }
        Ok(out)
    }

    #[test]
    fn yields_each_element() {
        let got = split("\u{feff} [ {\"a\": \"x]}\\\"\"}, [1,[2]] ,\"s,\" , 12 ,null]\n").unwrap();
        assert_eq!(
            got,
            vec!["{\"a\": \"x]}\\\"\"}", "[1,[2]]", "\"s,\"", "12", "null"]
        );
        assert!(split("[]").unwrap().is_empty());
    }

    #[test]
    fn reports_what_is_wrong_and_where() {
        assert!(matches!(
            split("{\"a\":1}"),
            Err(SplitError::NotAnArray { offset: 0, .. })
        ));
        assert!(matches!(split(""), Err(SplitError::NotAnArray { .. })));
        assert!(matches!(
            split("[{\"a\":1},{\"b\""),
            Err(SplitError::Truncated { index: 1, start: 9 })
        ));
        assert!(matches!(
            split("[{}"),
            Err(SplitError::Truncated { index: 1, .. })
        ));
        assert!(matches!(
            split("[{} {}]"),
            Err(SplitError::Unexpected { offset: 4, .. })
        ));
        assert!(matches!(
            split("[{}] x"),
            Err(SplitError::Unexpected { .. })
        ));
        let mut s = ArraySplitter::new(io::BufReader::new("[\"0123456789\"]".as_bytes()), 5);
        assert!(matches!(s.next_element(), Err(SplitError::TooLarge { .. })));
    }
}
