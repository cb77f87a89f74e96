use rhai::{Array, Dynamic, Map};

use crate::data::formats::captions;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};

pub const DOC: FnDoc = FnDoc {
    name: "load_captions",
    area: "data",
    signatures: &["load_captions(path: string) -> map"],
    summary: "Read captions by image id from the BrainCLIP authors' JSON or Kamitani lab's JSONL shape.",
    details: "Shapes: a JSON object {image_id: [\"an image of X.\", caption, ...]}; or one JSON object
per line {\"image_id\", \"category_id\", \"captions\": [...]} (a JSON array of those works too).
Returns a map image id → array of captions.",
    example: r#"let path = save_json(#{ "n01518878_10042": ["an image of ostrich.", "a large bird"] }, "caps.json");
let caps = load_captions(path);
caps["n01518878_10042"][1] == "a large bird""#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |path: &str| -> ScriptResult<Map> {
            let file = run.read_data(path).or_fault(DOC.name)?;
            let caps = captions::read_captions(&file).or_fault(DOC.name)?;
            Ok(caps
                .by_image
                .into_iter()
                .map(|(id, list)| {
                    (
                        id.into(),
                        Dynamic::from(list.into_iter().map(Dynamic::from).collect::<Array>()),
                    )
                })
                .collect())
        });
    });
}
