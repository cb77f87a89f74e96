use crate::script::prelude::*;

use crate::data::embeddings::{EmbeddingKind, EmbeddingMeta, Embeddings};

pub static SPEC: FnSpec = FnSpec::new("predict", Area::Generate)
    .params(&[param("model", "Model | RidgeModel"), param("data", "Dataset")])
    .returns("Embeddings")
    .summary("The embeddings a model predicts from each sample's fMRI, as an embedding cache (ids = the samples' ids).")
    .details("These are what generate() steers images toward and what nearest_images() matches against a gallery.")
    .options(&[
        Opt::choice("head", &["image", "text"], "image", "which head's output"),
        Opt::string("name", "", "the cache's name").computed("\"predicted/<head>\""),
    ])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let p = predict(ridge(god.train, #{ folds: 3 }), god.test);
p.count == 50 && p.dim == 16 && p.kind == "image" && p.ids[0] == god.test.ids[0] && p.name == "predicted/image""#,
    );

pub fn register(reg: &mut Registry) {
    register_decoder_fn(reg, &SPEC, |model, data, options: Opts| {
        let head: String = options.get("head")?;
        let decoded = model.decode(&data.0)?;
        let (matrix, kind) = match head.as_str() {
            "text" => (decoded.text, EmbeddingKind::Text),
            _ => (decoded.image, EmbeddingKind::Image),
        };
        let name = options.get_or("name", format!("predicted/{head}"))?;
        let meta = EmbeddingMeta {
            preprocessing: format!("predicted from fMRI by {} ({head} head)", model.label),
            model: model.label,
            kind,
        };
        let emb = Embeddings::new(name, data.0.sample_ids().to_vec(), matrix, meta)?;
        Ok(EmbeddingsValue(Arc::new(emb)))
    });
}
