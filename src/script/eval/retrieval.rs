use super::{BOOTSTRAP, IDENTIFICATION, K, N_WAY, REPEATS, SEED, SIMILARITY, eval_defaults};
use crate::eval::EvalConfig;
use crate::eval::summary::RetrievalSummary;
use crate::script::fault::ScriptFault;
use crate::script::opts::Opts;
use crate::script::registry::Registry;
use crate::script::spec::{Area, FnSpec, param};
use crate::script::values::{DatasetValue, DecoderArg, register_decoder_fn, to_dynamic};

pub static SPEC: FnSpec = FnSpec::new("retrieval", Area::Eval)
    .params(&[param("model", "Model | RidgeModel"), param("data", "Dataset")])
    .returns("map")
    .summary(
        "Retrieval in four directions: fMRI→image, image→fMRI, fMRI→text, text→fMRI, among all of the data's samples.",
    )
    .details(
        "The image head's predictions are compared with every image embedding of the data, the text
head's with every caption embedding; chance top-k is k / n_candidates. Returns
#{ task, model, similarity, n_candidates, image, image_to_fmri, text, text_to_fmri, settings }, each
direction a map #{ top1, chance_top1, p_top1, ci_top1, ..., median_rank, mrr,
n_way: [#{ n, k, repeats, mean, sd, ci95, p_value, chance }], identification: [#{ n, accuracy,
chance, p_value }], hits: #{ top1: per-sample hit probability, ... } }. N-way draws N − 1
distractors at random (seeded) with the true item, R times (e.g. #{ n_way: [300], repeats: 30 }
for MindEye's 300-way); n-way identification is the exact expected fraction (2-way: the fraction
of distractors less similar than the true item).",
    )
    .options(&[K, SIMILARITY, BOOTSTRAP, N_WAY, REPEATS, IDENTIFICATION, SEED])
    .domain_defaults(eval_defaults)
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let r = retrieval(ridge(god.train, #{ folds: 3 }), god.test, #{ n_way: [10], repeats: 5 });
r.n_candidates == 50 && r.image.top5 >= r.image.top1 && r.text.chance_top5 == 0.1
    && r.image.n_way[0].n == 10 && r.image.identification[0].chance == 0.5 && r.image_to_fmri.mrr > 0.0
    && r.text_to_fmri.hits.top1.len() == 50 && r.settings.permutations == 0"#,
    );

fn evaluate(model: DecoderArg, data: &DatasetValue, options: Opts, seed: u64) -> Result<rhai::Dynamic, ScriptFault> {
    let config: EvalConfig = options.with_default("seed", seed as i64).parse()?;
    config.validate()?;
    let images = data.0.require_image_embeddings()?;
    let texts = data.0.require_text_embeddings()?;
    let decoded = model.decode(&data.0)?;
    let summary = RetrievalSummary::new(
        &model.label,
        decoded.image.view(),
        images.view(),
        decoded.text.view(),
        texts.view(),
        &config,
    )?;
    Ok(to_dynamic(&summary))
}

pub fn register(reg: &mut Registry) {
    let seed = reg.run().seed();
    register_decoder_fn(reg, &SPEC, move |m, d, o| evaluate(m, &d, o, seed));
}
