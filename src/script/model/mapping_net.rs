use rhai::Map;

use crate::model::{Architecture, HeadMode, MappingConfig};
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, NetValue};

pub const DOC: FnDoc = FnDoc {
    name: "mapping_net",
    area: "model",
    signatures: &[
        "mapping_net(data: Dataset) -> MappingNet",
        "mapping_net(data: Dataset, options: map) -> MappingNet",
    ],
    summary: "Configure a mapping network from the data's voxels to its embedding width.",
    details: "Options:
  arch     string   \"residual\" (default), \"mlp\" or \"linear\"
  width    integer  residual stream width (residual; default 512)
  blocks   integer  residual blocks (residual; default 2)
  hidden   array    hidden widths (mlp; default [1024])
  dropout  float    dropout probability (default 0.5)
  heads    string   \"separate\" (default): one head per target; \"shared\": one head for both
  seed     integer  weight initialisation seed (default: the session seed)",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let net = mapping_net(god.train, #{ arch: "mlp", hidden: [32], heads: "shared" });
net.input_dim == 70 && net.output_dim == 16"#,
};

const OPTIONS: &[&str] = &["arch", "width", "blocks", "hidden", "dropout", "heads", "seed"];

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let build = move |data: DatasetValue, options: Options| -> ScriptResult<NetValue> {
            let name = DOC.name;
            let output_dim = data.0.embedding_dim().ok_or_else(|| {
                ScriptFault::new(
                    ErrorKind::Data,
                    format!("{name}: dataset `{}` has no embeddings to map to", data.0.name()),
                )
            })?;
            let defaults = MappingConfig::new(data.0.n_voxels(), output_dim);
            let architecture = match options
                .choice("arch", &["residual", "mlp", "linear"], "residual")
                .or_fault(name)?
            {
                "linear" => Architecture::Linear,
                "mlp" => Architecture::Mlp {
                    hidden: options.usize_list("hidden", &[1024]).or_fault(name)?,
                },
                _ => {
                    let Architecture::Residual { width, blocks } = defaults.architecture else {
                        unreachable!("the default architecture is residual")
                    };
                    Architecture::Residual {
                        width: options.usize("width", width).or_fault(name)?,
                        blocks: options.usize("blocks", blocks).or_fault(name)?,
                    }
                }
            };
            let heads = match options
                .choice("heads", &["separate", "shared"], "separate")
                .or_fault(name)?
            {
                "shared" => HeadMode::Shared,
                _ => HeadMode::Separate,
            };
            let config = MappingConfig {
                architecture,
                heads,
                dropout: options.float("dropout", defaults.dropout).or_fault(name)?,
                seed: options.u64("seed", run.seed()).or_fault(name)?,
                ..defaults
            };
            config.validate().or_fault(name)?;
            Ok(NetValue(config))
        };
        let plain = build.clone();
        engine.register_fn(DOC.name, move |data: DatasetValue| {
            plain(data, Options::empty(DOC.name))
        });
        engine.register_fn(DOC.name, move |data: DatasetValue, options: Map| {
            build(data, Options::new(DOC.name, options, OPTIONS).or_fault(DOC.name)?)
        });
    });
}
