//! A byte source that is either plain or gzip-compressed, and that turns I/O failures into
//! [`NiftiError`]s naming the file. Reads never fail with "unexpected end of file": they report how
//! much they got, so the callers can say which part of the image is missing.

use std::io::{self, Read};

use super::error::NiftiError;

/// Gzip files start with these two bytes (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A reader that counts what it delivered and knows how to name its failures.
pub(crate) struct Input<R> {
    inner: R,
    delivered: u64,
    gz: bool,
    source_name: String,
}

impl<R: Read> Input<R> {
    pub(crate) fn new(inner: R, gz: bool, source_name: &str) -> Self {
        Input {
            inner,
            delivered: 0,
            gz,
            source_name: source_name.to_owned(),
        }
    }

    pub(crate) fn source_name(&self) -> &str {
        &self.source_name
    }

    /// Bytes handed out so far (decompressed bytes for gzip input).
    pub(crate) fn position(&self) -> u64 {
        self.delivered
    }

    fn error(&self, error: io::Error) -> NiftiError {
        if self.gz {
            NiftiError::Gzip {
                source_name: self.source_name.clone(),
                decompressed: self.delivered,
                detail: error.to_string(),
            }
        } else {
            NiftiError::Io {
                source_name: self.source_name.clone(),
                error,
            }
        }
    }

    /// Fills `buf` as far as the stream allows; returns how many bytes were written.
    pub(crate) fn fill(&mut self, buf: &mut [u8]) -> Result<usize, NiftiError> {
        let mut filled = 0;
        while filled < buf.len() {
            let rest = buf.get_mut(filled..).unwrap_or_default();
            match self.inner.read(rest) {
                Ok(0) => break,
                Ok(n) => {
                    filled += n;
                    self.delivered += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.error(e)),
            }
        }
        Ok(filled)
    }

    /// Reads up to `limit` bytes into a new vector. `reserve` is only a capacity hint, so a header
    /// that claims a huge size cannot make us allocate more than the stream really holds.
    pub(crate) fn read_up_to(&mut self, limit: u64, reserve: usize) -> Result<Vec<u8>, NiftiError> {
        let mut out = Vec::new();
        // A failed reservation is not an error: read_to_end grows the vector as data arrives.
        let _ = out.try_reserve_exact(reserve);
        let got = (&mut self.inner).take(limit).read_to_end(&mut out);
        self.delivered += out.len() as u64;
        match got {
            Ok(_) => Ok(out),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Skips up to `count` bytes; returns how many were skipped.
    pub(crate) fn skip(&mut self, count: u64) -> Result<u64, NiftiError> {
        let skipped = io::copy(&mut (&mut self.inner).take(count), &mut io::sink());
        match skipped {
            Ok(n) => {
                self.delivered += n;
                Ok(n)
            }
            Err(e) => Err(self.error(e)),
        }
    }

    /// Reads the stream to its end, discarding the bytes. For gzip input this makes the decoder
    /// check the CRC and length trailer, so corruption in the last block is not missed.
    pub(crate) fn drain(&mut self) -> Result<u64, NiftiError> {
        self.skip(u64::MAX)
    }
}

/// Says why `bytes` cannot be a gzip stream, if they plainly are not one.
pub(crate) fn gzip_magic_problem(bytes: &[u8], source_name: &str) -> Option<NiftiError> {
    if bytes.starts_with(&GZIP_MAGIC) {
        return None;
    }
    let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
    Some(NiftiError::Gzip {
        source_name: source_name.to_owned(),
        decompressed: 0,
        detail: format!(
            "the data starts with [{}], not the gzip magic [1f, 8b]",
            head.join(", ")
        ),
    })
}

/// Whether `bytes` start like gzip data (used to give a hint when a `.nii` is really compressed).
pub(crate) fn looks_gzipped(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}
