use crate::eval::EvalConfig;
use crate::script::prelude::*;

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
of distractors less similar than the true item). Directions whose embeddings the data lacks (e.g.
no captions) are ().",
    )
    .settings(schema::<EvalConfig>)
    .without(&["permutations"])
    .options(&[Opt::choice(
            "protocol",
            &["none", "mindeye"],
            "none",
            "mindeye: NSD's protocol of MindEye and its successors, 300-way in every direction with 30 seeded \
             draws and exact 2-way identification (n_way and repeats given beside it win)",
        )
    .for_binding()])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let r = retrieval(ridge(god.train, #{ folds: 3 }), god.test, #{ n_way: [10], repeats: 5 });
r.n_candidates == 50 && r.image.top5 >= r.image.top1 && r.text.chance_top5 == 0.1
    && r.image.n_way[0].n == 10 && r.image.identification[0].chance == 0.5 && r.image_to_fmri.mrr > 0.0
    && r.text_to_fmri.hits.top1.len() == 50 && r.settings.permutations == 0"#,
    )
    .more_examples(&[r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let model = ridge(god.train, #{ folds: 3 });
let images_only = make_dataset(#{ fmri: god.test.fmri, ids: god.test.ids, categories: god.test.ids });
let images_only = attach_embeddings(images_only, embeddings(god.test.image_embeddings, god.test.ids, #{ kind: "image" }));
let r = retrieval(model, images_only);
let nsd = retrieval(model, god.test, #{ protocol: "mindeye", n_way: [30], bootstrap: 0 });
r.text == () && r.text_to_fmri == () && r.image.top1 >= 0.0 && r.n_candidates == 50
    && nsd.image.n_way[0].n == 30 && nsd.image.n_way[0].repeats == 30 && nsd.text_to_fmri.identification[0].n == 2"#]
    );

fn evaluate(model: DecoderArg, data: &DatasetValue, options: Opts, seed: u64) -> Result<rhai::Dynamic, ScriptFault> {
    let mut config: EvalConfig = options.clone().with_default("seed", seed as i64).parse()?;
    if options.get::<String>("protocol")? == "mindeye" {
        if !options.has("n_way") {
            config.n_way = vec![300];
        }
        if !options.has("repeats") {
            config.repeats = 30;
        }
        if !options.has("identification") {
            config.identification = vec![2];
        }
    }
    Ok(to_dynamic(&model.on(&data.0).retrieval(&config)?))
}

pub fn register(reg: &mut Registry) {
    let seed = reg.run().seed();
    register_decoder_fn(reg, &SPEC, move |m, d, o| evaluate(m, &d, o, seed));
}
