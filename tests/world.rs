//! The built-in picture world: attributes recoverable from pixels, the shipped models (they load,
//! their hashes match their training record, the CLIP decodes novel categories), and short
//! training runs of both model kinds that lower their losses.

use std::path::Path;

use brainclip::clip::Clip;
use brainclip::clip::encode::Silent;
use brainclip::clip::train::{ClipShape, ClipTrainConfig, train_clip};
use brainclip::data::world::{Attributes, COLOURS, World, WorldConfig, corpus, prompt};
use brainclip::generate::train::{DiffusionTrainConfig, train_diffusion};
use brainclip::generate::{DiffusionModel, UNetConfig};
use brainclip::train::SilentObserver;
use burn::tensor::Device;
use image::RgbImage;

fn luminance(p: [u8; 3]) -> f32 {
    (f32::from(p[0]) + f32::from(p[1]) + f32::from(p[2])) / 3.0
}

/// Hand-made pixel features, one group per attribute, that know nothing of the renderer's code:
/// the border's grey level, the object's median chromaticity, the share of dark and white object
/// pixels with how directional their transitions are, and the object mask centred on its centroid.
struct Features {
    background: f32,
    colour: [f32; 3],
    pattern: [f32; 3],
    mask: Vec<f32>,
}

fn features(img: &RgbImage) -> Features {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let px = |x: i64, y: i64| img.get_pixel(x as u32, y as u32).0;
    let border: Vec<f32> = (0..w)
        .flat_map(|x| [luminance(px(x, 0)), luminance(px(x, h - 1))])
        .collect();
    let background = border.iter().sum::<f32>() / border.len() as f32;
    let object = |x: i64, y: i64| {
        (luminance(px(x, y)) - background).abs() > 20.0 || {
            let p = px(x, y);
            p.iter().max().unwrap() - p.iter().min().unwrap() > 40
        }
    };
    let mut chroma: [Vec<f32>; 3] = Default::default();
    let (mut n, mut dark, mut white, mut cx, mut cy) = (0.0f32, 0.0, 0.0, 0.0, 0.0);
    let max_lum = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| object(x, y))
        .map(|(x, y)| luminance(px(x, y)))
        .fold(0.0f32, f32::max);
    let kind = |x: i64, y: i64| {
        let p = px(x, y);
        if p.iter().all(|&c| c > 225) {
            2
        } else if luminance(p) < 0.55 * max_lum {
            1
        } else {
            0
        }
    };
    for y in 0..h {
        for x in 0..w {
            if object(x, y) {
                let p = px(x, y).map(f32::from);
                let sum = p.iter().sum::<f32>().max(1.0);
                if kind(x, y) == 0 {
                    for c in 0..3 {
                        chroma[c].push(p[c] / sum);
                    }
                }
                n += 1.0;
                cx += x as f32;
                cy += y as f32;
                match kind(x, y) {
                    1 => dark += 1.0,
                    2 => white += 1.0,
                    _ => {}
                }
            }
        }
    }
    let colour = chroma.map(|mut v| {
        v.sort_by(f32::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    });
    // Transitions between colour and dark pixels along four directions: stripes have none along
    // their own direction, a checkerboard has some along every direction.
    let directions = [(1, 0), (0, 1), (1, 1), (1, -1)];
    let transitions: Vec<f32> = directions
        .iter()
        .map(|&(dx, dy)| {
            let mut t = 0.0;
            for y in 1..h - 1 {
                for x in 1..w - 1 {
                    if object(x, y) && object(x + dx, y + dy) {
                        let (a, b) = (kind(x, y), kind(x + dx, y + dy));
                        if a != b && a != 2 && b != 2 {
                            t += 1.0;
                        }
                    }
                }
            }
            t
        })
        .collect();
    let most = transitions.iter().cloned().fold(1.0f32, f32::max);
    let least = transitions.iter().cloned().fold(f32::MAX, f32::min);
    let (cx, cy) = (cx / n.max(1.0), cy / n.max(1.0));
    let mut mask = vec![0.0; (w * h) as usize];
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = (x + cx.round() as i64 - w / 2, y + cy.round() as i64 - h / 2);
            if (0..w).contains(&sx) && (0..h).contains(&sy) && object(sx, sy) {
                mask[(y * w + x) as usize] = 1.0;
            }
        }
    }
    Features {
        background,
        colour,
        pattern: [dark / n.max(1.0), white / n.max(1.0), least / most],
        mask,
    }
}

fn distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The label of the nearest reference.
fn nearest(query: &[f32], references: &[(Vec<f32>, usize)]) -> usize {
    references
        .iter()
        .min_by(|a, b| distance(query, &a.0).total_cmp(&distance(query, &b.0)))
        .map_or(0, |r| r.1)
}

#[test]
fn every_attribute_of_a_novel_category_is_recoverable_from_its_pixels() {
    // References: the training stimuli (150 categories) and a corpus; queries: the 50 test
    // stimuli, whose attribute combinations never occur among the training categories.
    let world = World::new(&WorldConfig::default()).unwrap();
    let mut references: Vec<(Features, Attributes)> = world
        .train
        .iter()
        .map(|s| (features(&world.render(s)), s.attributes))
        .collect();
    references.extend(
        corpus(2000, 3, 32)
            .iter()
            .filter(|(_, _, a)| !world.test_categories.contains(a))
            .map(|(img, _, a)| (features(img), *a)),
    );
    let test: Vec<(Features, Attributes)> = world
        .test
        .iter()
        .map(|s| (features(&world.render(s)), s.attributes))
        .collect();
    let accuracy = |pick: &dyn Fn(&Features) -> Vec<f32>, value: &dyn Fn(&Attributes) -> usize| {
        let refs: Vec<(Vec<f32>, usize)> = references.iter().map(|(f, a)| (pick(f), value(a))).collect();
        let hits = test
            .iter()
            .filter(|(f, a)| nearest(&pick(f), &refs) == value(a))
            .count();
        hits as f64 / test.len() as f64
    };
    let shape = accuracy(&|f| f.mask.clone(), &|a| a.shape as usize);
    let colour = accuracy(&|f| f.colour.to_vec(), &|a| a.colour as usize);
    let pattern = accuracy(&|f| f.pattern.to_vec(), &|a| a.pattern as usize);
    let background = accuracy(&|f| vec![f.background / 255.0], &|a| a.background as usize);
    eprintln!("shape {shape} colour {colour} pattern {pattern} background {background}");
    assert_eq!(background, 1.0);
    assert!(colour >= 0.95, "colour {colour}");
    assert!(shape >= 0.9, "shape {shape} (chance 0.2)");
    assert!(pattern >= 0.9, "pattern {pattern} (chance 0.25)");
    assert_eq!(COLOURS.len(), 5);
}

fn shipped(kind: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/world").join(kind)
}

#[test]
fn the_shipped_models_load_and_match_their_training_records() {
    for kind in ["clip", "unet"] {
        let folder = shipped(kind);
        let record: serde_json::Value =
            serde_json::from_slice(&std::fs::read(folder.join("training.json")).unwrap()).unwrap();
        let hashes = brainclip::weights::folder_sha256(&folder).unwrap();
        let recorded = record["files_sha256"].as_object().unwrap();
        assert_eq!(recorded.len(), hashes.len(), "{kind}: {recorded:?} vs {hashes:?}");
        for (file, hash) in &hashes {
            assert_eq!(recorded[file].as_str(), Some(hash.as_str()), "{kind}/{file}");
        }
        let history = record["history"].as_array().unwrap();
        let first = history[0]["train_loss"].as_f64().unwrap();
        let last = history.last().unwrap()["train_loss"].as_f64().unwrap();
        assert!(last < first, "{kind}: loss {first} → {last}");
    }
    let device = Device::flex();
    let unet = DiffusionModel::load(&shipped("unet"), &device).unwrap();
    assert_eq!(unet.config.sample_size, 32);
    Clip::load(&shipped("clip"), &device).unwrap();
}

#[test]
fn the_shipped_clip_decodes_novel_world_categories_far_above_chance() {
    let clip = Clip::load(&shipped("clip"), &Device::flex()).unwrap();
    let world = World::new(&WorldConfig {
        seed: 5,
        ..Default::default()
    })
    .unwrap();
    let images = world.render_all(&world.test);
    let image_emb = clip.embed_images(&images, 64, &mut Silent).unwrap();
    let prompts: Vec<String> = world.test_categories.iter().map(|a| prompt(*a)).collect();
    let text_emb = clip.embed_texts(&prompts, 64, &mut Silent).unwrap();
    let sim = image_emb.dot(&text_emb.t());
    let hits = world
        .test
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            let row = sim.row(*i);
            let best = (0..row.len()).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
            best == s.category
        })
        .count();
    let accuracy = hits as f64 / world.test.len() as f64;
    eprintln!("world CLIP zero-shot top-1 on the 50 novel categories: {accuracy}");
    assert!(accuracy > 0.4, "zero-shot top-1 {accuracy} (chance 0.02)");
}

#[test]
fn short_training_runs_of_both_models_lower_their_losses() {
    let device = Device::flex();
    let items = corpus(192, 11, 16);
    let pictures: Vec<RgbImage> = items.iter().map(|i| i.0.clone()).collect();
    let captions: Vec<String> = items.iter().map(|i| i.1.clone()).collect();
    let labels: Vec<usize> = items.iter().map(|i| i.2.index()).collect();
    let shape = ClipShape {
        image_size: 16,
        patch_size: 8,
        width: 32,
        vision_layers: 1,
        text_layers: 1,
        heads: 2,
        projection_dim: 16,
        context_length: 20,
        max_merges: 200,
    };
    let cfg = ClipTrainConfig {
        epochs: 6,
        batch_size: 64,
        lr: 2e-3,
        ..Default::default()
    };
    let mut saved = 0;
    let clip = train_clip(
        &pictures,
        &captions,
        Some(&labels),
        &shape,
        &cfg,
        &device,
        &mut SilentObserver,
        &mut |_| {
            saved += 1;
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(saved, 6);
    let (first, last) = (clip.history[0].train_loss, clip.history[5].train_loss);
    assert!(last < first - 0.2, "contrastive loss {first} → {last}");
    // The trained CLIP saves as a Hugging Face folder and loads back with the same embeddings.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("clip");
    brainclip::clip::train::save_clip(&folder, &clip.model, &clip.names, &clip.config_json, &clip.merges).unwrap();
    let loaded = Clip::load(&folder, &device).unwrap();
    let again = loaded.embed_texts(&captions[..4], 4, &mut Silent).unwrap();
    let ids: Vec<Vec<u32>> = captions[..4].iter().map(|c| loaded.tokenizer.tokenize(c, 20)).collect();
    let direct =
        brainclip::tensors::from_tensor(brainclip::tensors::l2_normalize(clip.model.encode_text(&ids).unwrap()));
    assert!((&again - &direct).iter().all(|d| d.abs() < 1e-5));

    let json = r#"{"sample_size": 16, "block_out_channels": [16, 16], "layers_per_block": 1,
            "down_block_types": ["DownBlock2D", "DownBlock2D"], "up_block_types": ["UpBlock2D", "UpBlock2D"],
            "norm_num_groups": 4}"#;
    let config = UNetConfig::from_json(json, "config.json").unwrap();
    let cfg = DiffusionTrainConfig {
        epochs: 4,
        batch_size: 32,
        lr: 2e-3,
        ..Default::default()
    };
    let unet = train_diffusion(
        &pictures,
        &config,
        &cfg,
        &device,
        &mut SilentObserver,
        &mut |_, _, _| Ok(()),
    )
    .unwrap();
    let (first, last) = (unet.history[0].train_loss, unet.history[3].train_loss);
    assert!(last < 0.7 * first, "DDPM loss {first} → {last}");
    // The trained UNet saves under diffusers names and loads back with the same outputs.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("unet");
    brainclip::generate::train::save_unet(&folder, &unet.unet, &unet.names, json).unwrap();
    let loaded = DiffusionModel::load(&folder, &device).unwrap();
    let x = burn::tensor::Tensor::<4>::ones([1, 3, 16, 16], &device) * 0.3;
    let t = burn::tensor::Tensor::<1>::from_floats([500.0], &device);
    let a = unet
        .unet
        .forward(x.clone(), t.clone())
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let b = loaded.unet.forward(x, t).into_data().try_to_vec::<f32>().unwrap();
    assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-5));
}

#[test]
fn training_and_corpus_options_that_would_exhaust_memory_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = brainclip::Session::new(brainclip::SessionOptions {
        out_dir: Some(dir.path().join("run")),
        ..Default::default()
    })
    .unwrap();
    let corpus = "let c = world_corpus(#{ images: 4, seed: 1 });\n";
    for (code, expect) in [
        ("world_corpus(#{ images: 200000, size: 512 });", "1 GiB"),
        ("world_corpus(#{ images: 0 });", "images must be 1 to"),
        (
            "clip_train(c.images, c.captions, #{ width: 100000 });",
            "sizes out of range",
        ),
        (
            "clip_train(c.images, c.captions, #{ vision_layers: 1000 });",
            "sizes out of range",
        ),
        ("clip_train(c.images, c.captions, #{ epochz: 1 });", "did you mean"),
        (
            "clip_train(c.images, [\"one caption\"], #{ epochs: 1 });",
            "one per picture",
        ),
        (
            "diffusion_train(c.images, #{ channels: [100000] , attention: [false] });",
            "each 1–1024",
        ),
        (
            "diffusion_train(c.images, #{ channels: [8, 8], attention: [true] });",
            "one `attention` flag per level",
        ),
    ] {
        let err = session.eval(&format!("{corpus}{code}")).unwrap_err();
        let text = format!("{} {}", err.message, err.hint.clone().unwrap_or_default());
        assert!(text.contains(expect), "{code}: {text}");
    }
}
