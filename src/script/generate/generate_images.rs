use std::sync::Arc;

use rhai::{Array, Dynamic, Map};

use crate::data::formats::images::png_bytes;
use crate::generate::{
    BetaSchedule, CutoutDraw, Cutouts, GenerateError, GuidanceConfig, Guide, SampleConfig, Sampler, Schedule,
    SeededNoise, image_tensor, sample, to_images,
};
use crate::run::{GenerateProgress, RunContext};
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{ClipValue, DiffusionValue, EmbeddingsValue, ImageValue, legacy_cast_array};
use crate::tensors::to_tensor;

pub const DOC: FnDoc = FnDoc {
    name: "generate",
    area: "generate",
    signatures: &[
        "generate(model: Diffusion, clip: Clip, targets: Embeddings) -> array",
        "generate(model: Diffusion, clip: Clip, targets: Embeddings, options: map) -> array",
    ],
    summary: "Generate one image per target embedding by CLIP-guided diffusion (BrainCLIP's fMRI→image), saved in the run directory.",
    details: "Each target (e.g. predict(model, data)) steers the sampler: at every step the model's predicted
x₀ is blended with x (fac = sqrt(1 − ᾱ)), cut into random square cutouts pooled to the CLIP
input size, and the gradient of clip_guidance_scale × mean spherical distance 2·asin(‖x̂ − ŷ‖/2)²
+ tv_scale × total variation + range_scale × out-of-range penalty is applied to the step (DDPM:
mean + variance·(−∇); DDIM: through the score). Images are written to NAME/ID.png as each
finishes, frames of the predicted x₀ to NAME/ID/step_NNNN.png, and each step's guidance losses
(mean spherical distance of the cutouts, scaled CLIP, TV and range terms) to NAME/ID_losses.csv;
returns the Images.

Options (defaults are the authors'):
  steps                integer | string  respacing of the 1000-step process: 800, \"25,15\", \"ddim50\" (800)
  sampler              string   \"ddpm\" (ancestral) or \"ddim\" (\"ddpm\")
  variance             string   DDPM variance \"learned_range\", \"fixed_small\", \"fixed_large\" (learned_range
                                when the model predicts it, else fixed_small)
  eta                  number   DDIM noise (0)
  schedule             string   \"linear\" or \"cosine\" (\"linear\")
  diffusion_steps      integer  steps of the training process (1000)
  clip_guidance_scale  number   (1000)      tv_scale  number (150)      range_scale  number (50)
  cutn                 integer  cutouts per batch (16)   cutn_batches  integer (2)   cut_pow  number (1.0)
  init                 array    Images to start from (e.g. nearest_images): one per target, one per id in
                                `ids`, or one for all
  skip_timesteps       integer  steps skipped at the start (0). With 0 the init image is noised to the
                                first step, where its weight is sqrt(ᾱ) ≈ 0.006: effectively unused.
                                The authors suggest 200–500 with an init image.
  clip_denoised        bool     clip the predicted x₀ to [−1, 1] (true; with true the range term is 0)
  image_size           integer  side in pixels (the model's sample_size)
  save_every           integer  keep a frame every N steps, 0 for none (5)
  seed                 integer  noise and cutout seed (the run's seed); the same seed gives the same image
  noise                string   \"shared\": every target starts from the same noise (the authors' script,
                                one image per run) or \"per_target\": target row r uses seed + r, so
                                unguided samples differ (\"shared\")
  ids                  array    generate only for these target ids (default all)
  name                 string   output folder in the run directory (\"generated\")
Ctrl-C (or a notebook interrupt) stops between steps; images already finished stay on disk.",
    example: r#"let unet = diffusion_load("tests/data/generation/unet_adm");
let clip = clip_load("tests/data/clip/tiny");
let target = clip_images(clip, ["tests/data/clip/photos/cat.png"]);
let pics = generate(unet, clip, target, #{ steps: 4, cutn: 2, cutn_batches: 1, save_every: 2, seed: 7 });
let again = generate(unet, clip, target, #{ steps: 4, cutn: 2, cutn_batches: 1, save_every: 0, seed: 7, name: "again" });
let two = clip_images(clip, ["tests/data/clip/photos/cat.png", "tests/data/clip/photos/tower.png"]);
let free = generate(unet, clip, two, #{ steps: 2, clip_guidance_scale: 0, tv_scale: 0, range_scale: 0,
    save_every: 0, noise: "per_target", name: "free" });
pics.len() == 1 && pics[0].width == 16 && pics[0].path.ends_with("generated/cat.png")
    && again[0].path.ends_with("again/cat.png")
    && recon_metrics([free[0]], [free[1]], #{ size: () }).pixcorr < 0.99"#,
};

/// Limits that keep a typo from asking for more memory than any machine has (ADM-512 is the
/// largest released model; the authors use 16 × 2 cutouts).
const MAX_IMAGE_SIZE: usize = 2048;
const MAX_CUTOUTS: usize = 1024;

const OPTIONS: &[&str] = &[
    "steps",
    "sampler",
    "variance",
    "eta",
    "schedule",
    "diffusion_steps",
    "clip_guidance_scale",
    "tv_scale",
    "range_scale",
    "cutn",
    "cutn_batches",
    "cut_pow",
    "init",
    "skip_timesteps",
    "clip_denoised",
    "image_size",
    "save_every",
    "seed",
    "noise",
    "ids",
    "name",
];

fn steps_spec(opts: &Options) -> ScriptResult<String> {
    match opts.raw("steps") {
        None => Ok("800".to_string()),
        Some(v) if v.is_int() => Ok(v.as_int().unwrap_or(0).to_string()),
        Some(v) if v.is_string() => Ok(v.into_string().unwrap_or_default()),
        Some(v) => Err(ScriptFault::new(
            ErrorKind::WrongType,
            format!("option `steps` of generate() must be an integer or a string like \"ddim50\", got {v}"),
        )
        .into()),
    }
}

fn run_generate(
    run: &RunContext,
    model: &DiffusionValue,
    clip: &ClipValue,
    targets: &EmbeddingsValue,
    opts: Options,
) -> ScriptResult<Array> {
    let name = DOC.name;
    let unet = &model.0;
    let config = &unet.config;
    let learned = config.learns_sigma();
    let sampler = Sampler::parse(
        &opts.string("sampler", "ddpm")?,
        &opts.string("variance", if learned { "learned_range" } else { "fixed_small" })?,
        opts.float("eta", 0.0)?,
    )
    .or_fault(name)?;
    let schedule = Schedule::new(
        BetaSchedule::parse(&opts.string("schedule", "linear")?).or_fault(name)?,
        opts.usize("diffusion_steps", 1000)?,
        &steps_spec(&opts)?,
    )
    .or_fault(name)?;
    let guidance = GuidanceConfig {
        clip_guidance_scale: opts.float("clip_guidance_scale", 1000.0)?,
        tv_scale: opts.float("tv_scale", 150.0)?,
        range_scale: opts.float("range_scale", 50.0)?,
        cutn: opts.usize("cutn", 16)?,
        cutn_batches: opts.usize("cutn_batches", 2)?,
        cut_pow: opts.float("cut_pow", 1.0)?,
    };
    guidance.validate().or_fault(name)?;
    let image_size = opts.usize("image_size", config.sample_size)?;
    config.check_image_size(image_size).or_fault(name)?;
    for (option, value, max) in [
        ("image_size", image_size, MAX_IMAGE_SIZE),
        ("cutn", guidance.cutn, MAX_CUTOUTS),
        ("cutn_batches", guidance.cutn_batches, MAX_CUTOUTS),
    ] {
        if value > max {
            return Err(ScriptFault::new(
                ErrorKind::InvalidValue,
                format!("generate: option `{option}` is {value}; at most {max} is supported"),
            )
            .into());
        }
    }
    let seed = opts.u64("seed", run.seed())?;
    let per_target = opts.choice("noise", &["shared", "per_target"], "shared")? == "per_target";
    let sample_config = SampleConfig {
        sampler,
        image_size,
        batch: 1,
        skip_timesteps: opts.usize("skip_timesteps", 0)?,
        clip_denoised: opts.bool("clip_denoised", true)?,
        save_every: opts.usize("save_every", 5)?,
    };
    let folder = opts.string("name", "generated")?;
    let dim = clip.0.config.projection_dim;
    if targets.0.dim() != dim {
        return Err(ScriptFault::new(
            ErrorKind::DimensionMismatch,
            format!(
                "generate: the targets have {} dimensions, the guide CLIP {} embeds into {dim}",
                targets.0.dim(),
                clip.0.name
            ),
        )
        .with_hint("guide with the CLIP whose embeddings the mapping network was trained on")
        .into());
    }
    let all_ids = targets.0.ids();
    let rows: Vec<usize> = match opts.array("ids")? {
        None => (0..all_ids.len()).collect(),
        Some(list) => {
            let wanted: Vec<String> = legacy_cast_array(list, name, "id strings")?;
            wanted
                .iter()
                .map(|id| {
                    all_ids.iter().position(|x| x == id).ok_or_else(|| {
                        ScriptFault::new(ErrorKind::Data, format!("generate: no target with id `{id}`")).into()
                    })
                })
                .collect::<ScriptResult<_>>()?
        }
    };
    let init: Vec<ImageValue> = match opts.array("init")? {
        None => Vec::new(),
        Some(list) => legacy_cast_array(list, name, "Images (from load_image or nearest_images)")?,
    };
    if !init.is_empty() && ![1, rows.len(), all_ids.len()].contains(&init.len()) {
        return Err(ScriptFault::new(
            ErrorKind::DimensionMismatch,
            format!(
                "generate: {} init images for {} targets ({} selected by ids)",
                init.len(),
                all_ids.len(),
                rows.len()
            ),
        )
        .with_hint("give one init image per target, one per id in `ids`, or one for all")
        .into());
    }
    let device = run.device().device;
    let matrix = targets.0.matrix();
    let mut out = Array::new();
    for (n, &row) in rows.iter().enumerate() {
        let id = &all_ids[row];
        let target = to_tensor(matrix.slice(ndarray::s![row..row + 1, ..]), &device);
        let guide = Guide {
            clip: &clip.0.model,
            clip_size: clip.0.config.vision.image_size,
            target,
            config: guidance.clone(),
        };
        let which = match init.len() {
            1 => 0,
            len if len == rows.len() => n,
            _ => row,
        };
        let init_image = init.get(which).map(|img| image_tensor(&img.image, image_size, &device));
        let seed = if per_target {
            seed.wrapping_add(row as u64)
        } else {
            seed
        };
        let mut noise = SeededNoise::new(seed);
        let mut cutouts = Cutouts::Random(Box::new(CutoutDraw::new(seed ^ 0x5eed_c075)));
        let label = format!("generate {}/{} {id}", n + 1, rows.len());
        let mut progress = GenerateProgress::new(run, &label);
        let guided = guidance.clip_guidance_scale > 0.0 || guidance.tv_scale > 0.0 || guidance.range_scale > 0.0;
        let result = sample(
            &unet.unet,
            &schedule,
            &sample_config,
            guided.then_some(&guide),
            init_image,
            &mut noise,
            &mut cutouts,
            &mut progress,
            &device,
        );
        let samples = match result {
            Ok(s) => s,
            Err(GenerateError::Interrupted) => {
                return Err(ScriptFault::new(
                    ErrorKind::Interrupted,
                    format!(
                        "generate: interrupted at target {id}; {} images were saved in {folder}/",
                        out.len()
                    ),
                )
                .into());
            }
            Err(e) => return Err(e).or_fault(name),
        };
        for (step, values) in &samples.frames {
            let frame = &to_images(values, samples.shape)[0];
            run.write_output(&format!("{folder}/{id}/step_{step:04}.png"), &png_bytes(frame))
                .or_fault(name)?;
        }
        let mut csv = String::from("step,distance,clip,tv,range\n");
        for (step, l) in samples.losses.iter().enumerate() {
            csv.push_str(&format!("{step},{},{},{},{}\n", l.distance, l.clip, l.tv, l.range));
        }
        run.write_output(&format!("{folder}/{id}_losses.csv"), csv.as_bytes())
            .or_fault(name)?;
        let picture = to_images(&samples.images, samples.shape).remove(0);
        let path = run
            .write_output(&format!("{folder}/{id}.png"), &png_bytes(&picture))
            .or_fault(name)?;
        out.push(Dynamic::from(ImageValue {
            image: Arc::new(picture),
            path: path.display().to_string(),
        }));
    }
    Ok(out)
}

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let r = run.clone();
        engine.register_fn(
            DOC.name,
            move |model: DiffusionValue, clip: ClipValue, targets: EmbeddingsValue| -> ScriptResult<Array> {
                run_generate(&r, &model, &clip, &targets, Options::empty(DOC.name))
            },
        );
        engine.register_fn(
            DOC.name,
            move |model: DiffusionValue,
                  clip: ClipValue,
                  targets: EmbeddingsValue,
                  options: Map|
                  -> ScriptResult<Array> {
                run_generate(&run, &model, &clip, &targets, Options::new(DOC.name, options, OPTIONS)?)
            },
        );
    });
}
