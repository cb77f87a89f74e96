//! Voxel data from a gzip stream: inflated in cache-sized chunks and converted chunk by chunk, on
//! a second thread for large images so that converting (and the page faults of the output array)
//! overlaps inflating. The decompressed bytes never exist in full, which saves a pass over memory
//! and a buffer as large as the image.

use std::io::Read;
use std::sync::mpsc;

use super::datatype::{Datatype, Scaling, decode_into};
use super::error::NiftiError;
use super::input::Input;

/// Decompressed bytes converted at a time: a multiple of every voxel size, small enough to stay
/// in the L2 cache between inflating and converting.
const CHUNK_BYTES: usize = 256 * 1024;
/// Below this much voxel data a second thread costs more than it saves.
const THREAD_MIN_BYTES: usize = 4 << 20;
/// Chunks waiting for the converter.
const IN_FLIGHT: usize = 4;

/// How stored voxels become `f32`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VoxelFormat {
    pub(crate) datatype: Datatype,
    pub(crate) big_endian: bool,
    pub(crate) scaling: Scaling,
}

/// Reads up to `expected` voxel bytes from `input` and converts them. Returns the values and
/// how many bytes the stream held (fewer than `expected` if it ended early).
pub(crate) fn inflate_voxels<R: Read>(
    input: &mut Input<R>,
    expected: usize,
    reserve: usize,
    format: VoxelFormat,
) -> Result<(Vec<f32>, usize), NiftiError> {
    if expected < THREAD_MIN_BYTES {
        return sequential(input, expected, reserve, format);
    }
    let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let converter = std::thread::Builder::new()
            .name("nifti-convert".into())
            .spawn_scoped(scope, move || {
                let mut values = Vec::new();
                // A failed reservation is no error: the vector grows as data arrives.
                let _ = values.try_reserve_exact(reserve);
                for chunk in full_rx {
                    decode_into(&chunk, format.datatype, format.big_endian, format.scaling, &mut values);
                    // The reader may be done already; an unclaimed buffer is simply dropped.
                    let _ = empty_tx.send(chunk);
                }
                values
            });
        let Ok(converter) = converter else {
            // No thread to be had: do it all here.
            return sequential(input, expected, reserve, format);
        };
        let mut done = 0;
        let mut failure = None;
        while done < expected {
            let want = CHUNK_BYTES.min(expected - done);
            let mut chunk = empty_rx.try_recv().unwrap_or_default();
            chunk.resize(want, 0);
            match input.fill(&mut chunk) {
                Ok(got) => {
                    chunk.truncate(got);
                    done += got;
                    if full_tx.send(chunk).is_err() || got < want {
                        break;
                    }
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        drop(full_tx);
        let values = converter.join();
        if let Some(e) = failure {
            return Err(e);
        }
        match values {
            Ok(values) => Ok((values, done)),
            Err(_) => Err(NiftiError::Io {
                source_name: input.source_name().to_owned(),
                error: std::io::Error::other("the voxel conversion thread stopped unexpectedly"),
            }),
        }
    })
}

fn sequential<R: Read>(
    input: &mut Input<R>,
    expected: usize,
    reserve: usize,
    format: VoxelFormat,
) -> Result<(Vec<f32>, usize), NiftiError> {
    let mut values = Vec::new();
    let _ = values.try_reserve_exact(reserve);
    let mut chunk = vec![0u8; CHUNK_BYTES.min(expected)];
    let mut done = 0;
    while done < expected {
        let want = chunk.len().min(expected - done);
        let buf = chunk.get_mut(..want).unwrap_or_default();
        let got = input.fill(buf)?;
        decode_into(
            buf.get(..got).unwrap_or_default(),
            format.datatype,
            format.big_endian,
            format.scaling,
            &mut values,
        );
        done += got;
        if got < want {
            break;
        }
    }
    Ok((values, done))
}
