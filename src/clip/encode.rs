//! Embedding many texts or images in batches, with progress reports and interruption, giving
//! L2-normalised embeddings (one row per input) on the host.

use std::path::PathBuf;

use burn::tensor::{Tensor, TensorData};
use image::RgbImage;
use ndarray::{Array2, Axis, concatenate};

use super::ClipError;
use super::checkpoint::Clip;
use super::preprocess::{preprocess, read_rgb};
use super::prompts::fill;
use crate::tensors::{from_tensor, l2_normalize};

/// Told about a long encoding.
pub trait EncodeObserver {
    /// `total` inputs will be encoded.
    fn on_start(&mut self, _total: usize) {}
    /// `done` inputs are encoded so far.
    fn on_progress(&mut self, _done: usize) {}
    /// Whether to stop (checked between batches).
    fn should_stop(&self) -> bool {
        false
    }
    /// The work is over.
    fn on_finish(&mut self) {}
}

/// An observer that ignores everything.
pub struct Silent;
impl EncodeObserver for Silent {}

fn batches<T, F>(
    items: &[T],
    batch: usize,
    observer: &mut dyn EncodeObserver,
    mut run: F,
) -> Result<Array2<f32>, ClipError>
where
    F: FnMut(&[T]) -> Result<Tensor<2>, ClipError>,
{
    observer.on_start(items.len());
    let mut parts = Vec::new();
    let mut done = 0;
    for chunk in items.chunks(batch.max(1)) {
        if observer.should_stop() {
            return Err(ClipError::Interrupted);
        }
        parts.push(from_tensor(l2_normalize(run(chunk)?)));
        done += chunk.len();
        observer.on_progress(done);
    }
    observer.on_finish();
    if parts.is_empty() {
        return Err(ClipError::Shape {
            what: "inputs",
            expected: "at least one".into(),
            found: "none".into(),
        });
    }
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    concatenate(Axis(0), &views).map_err(|e| ClipError::Shape {
        what: "batches",
        expected: "equal widths".into(),
        found: e.to_string(),
    })
}

impl Clip {
    /// Normalised text embeddings (texts × D).
    pub fn embed_texts(
        &self,
        texts: &[String],
        batch: usize,
        observer: &mut dyn EncodeObserver,
    ) -> Result<Array2<f32>, ClipError> {
        let context = self.config.text.context_length;
        batches(texts, batch, observer, |chunk| {
            let ids: Vec<Vec<u32>> = chunk.iter().map(|t| self.tokenizer.tokenize(t, context)).collect();
            self.model.encode_text(&ids)
        })
    }

    /// Class embeddings (classes × D): each class name in every template, normalised, averaged
    /// over templates and normalised again (CLIP's zero-shot recipe; one template gives the
    /// plain normalised embedding).
    pub fn embed_classes(
        &self,
        classes: &[String],
        templates: &[&str],
        batch: usize,
        observer: &mut dyn EncodeObserver,
    ) -> Result<Array2<f32>, ClipError> {
        if templates.is_empty() {
            return Err(ClipError::Shape {
                what: "templates",
                expected: "at least one".into(),
                found: "none".into(),
            });
        }
        let prompts: Vec<String> = classes
            .iter()
            .flat_map(|c| templates.iter().map(move |t| fill(t, c)))
            .collect();
        let all = self.embed_texts(&prompts, batch, observer)?;
        let d = all.ncols();
        let mut out = Array2::zeros((classes.len(), d));
        for (i, mut row) in out.axis_iter_mut(Axis(0)).enumerate() {
            let mean = all
                .slice(ndarray::s![i * templates.len()..(i + 1) * templates.len(), ..])
                .mean_axis(Axis(0))
                .unwrap_or_else(|| ndarray::Array1::zeros(d));
            let norm = mean.dot(&mean).sqrt().max(f32::MIN_POSITIVE);
            row.assign(&(mean / norm));
        }
        Ok(out)
    }

    /// Normalised image embeddings (images × D) of image files.
    pub fn embed_image_files(
        &self,
        paths: &[PathBuf],
        batch: usize,
        observer: &mut dyn EncodeObserver,
    ) -> Result<Array2<f32>, ClipError> {
        self.embed_each(paths, batch, observer, |path| read_rgb(path))
    }

    /// Normalised image embeddings (images × D) of pictures in memory.
    pub fn embed_images(
        &self,
        images: &[RgbImage],
        batch: usize,
        observer: &mut dyn EncodeObserver,
    ) -> Result<Array2<f32>, ClipError> {
        self.embed_each(images, batch, observer, |img| Ok(img.clone()))
    }

    fn embed_each<T>(
        &self,
        items: &[T],
        batch: usize,
        observer: &mut dyn EncodeObserver,
        picture: impl Fn(&T) -> Result<RgbImage, ClipError>,
    ) -> Result<Array2<f32>, ClipError> {
        let size = self.config.vision.image_size;
        let device = self.device.clone();
        batches(items, batch, observer, |chunk| {
            let mut values = Vec::with_capacity(chunk.len() * 3 * size * size);
            for item in chunk {
                values.extend(preprocess(&picture(item)?, size as u32)?);
            }
            let pixels = Tensor::<4>::from_data(TensorData::new(values, [chunk.len(), 3, size, size]), &device);
            self.model.encode_images(pixels)
        })
    }
}
