use std::sync::Arc;

use rhai::{Array, Map};

use crate::data::{Category, Dataset, Split};
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, MatrixValue};

pub const DOC: FnDoc = FnDoc {
    name: "make_dataset",
    area: "data",
    signatures: &["make_dataset(options: map) -> Dataset"],
    summary: "Build a dataset from your own matrices: fMRI samples × voxels with one id and one category per sample.",
    details: "Options:
  fmri        Matrix  samples × voxels (required)
  ids         array   one id per sample, e.g. image ids (required)
  categories  array   one category id per sample (required); categories are listed in order of first use
  names       map     category id → readable name (default: the id)
  split       string  \"train\" (default) or \"test\"
  name        string  the dataset's name (default \"dataset\")
Attach CLIP embeddings afterwards with attach_embeddings.",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let d = make_dataset(#{ fmri: god.test.fmri, ids: god.test.ids, categories: god.test.ids, split: "test" });
d.n_samples == 50 && d.n_categories == 50 && d.split == "test""#,
};

const OPTIONS: &[&str] = &["fmri", "ids", "categories", "names", "split", "name"];

fn strings(name: &str, value: Option<&rhai::Dynamic>) -> ScriptResult<Vec<String>> {
    let fault = || {
        ScriptFault::new(
            ErrorKind::WrongType,
            format!("make_dataset: option `{name}` must be an array (one entry per sample)"),
        )
    };
    let array = value.and_then(|v| v.clone().try_cast::<Array>()).ok_or_else(fault)?;
    Ok(array.iter().map(|v| v.to_string()).collect())
}

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(DOC.name, |map: Map| -> ScriptResult<DatasetValue> {
            let fn_name = DOC.name;
            let fmri = map
                .get("fmri")
                .and_then(|v| v.clone().try_cast::<MatrixValue>())
                .ok_or_else(|| {
                    ScriptFault::new(
                        ErrorKind::WrongType,
                        "make_dataset: option `fmri` must be a Matrix (e.g. from load_npy)",
                    )
                })?;
            let ids = strings("ids", map.get("ids"))?;
            let sample_categories = strings("categories", map.get("categories"))?;
            let names: Map = map
                .get("names")
                .and_then(|v| v.clone().try_cast::<Map>())
                .unwrap_or_default();
            let options = Options::new(fn_name, map, OPTIONS).or_fault(fn_name)?;
            let split = match options.choice("split", &["train", "test"], "train").or_fault(fn_name)? {
                "test" => Split::Test,
                _ => Split::Train,
            };
            let mut categories: Vec<Category> = Vec::new();
            let mut labels = Vec::with_capacity(sample_categories.len());
            for c in &sample_categories {
                let index = match categories.iter().position(|k| &k.id == c) {
                    Some(i) => i,
                    None => {
                        let name = names
                            .get(c.as_str())
                            .map(|n| n.to_string())
                            .unwrap_or_else(|| c.clone());
                        categories.push(Category { id: c.clone(), name });
                        categories.len() - 1
                    }
                };
                labels.push(index);
            }
            let name = options.string("name", "dataset").or_fault(fn_name)?;
            let data = Dataset::new(name, split, (*fmri.0).clone(), ids, labels, categories).or_fault(fn_name)?;
            Ok(DatasetValue(Arc::new(data)))
        });
    });
}
