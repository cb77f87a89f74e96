use crate::ErrorKind;
use crate::model::MappingSettings;
use crate::script::fault::ScriptFault;
use crate::script::opts::Opts;
use crate::script::registry::Registry;
use crate::script::spec::{Area, FnSpec, Opt, param};
use crate::script::values::{DatasetValue, NetValue};

pub static SPEC: FnSpec = FnSpec::new("mapping_net", Area::Model)
    .params(&[param("data", "Dataset")])
    .returns("MappingNet")
    .summary("Configure a mapping network from the data's voxels to its embedding width.")
    .details("Sizes of another architecture than the chosen one are ignored.")
    .options(&[
        Opt::choice("arch", &["residual", "mlp", "linear"], "residual", "trunk architecture"),
        Opt::int("width", 512, "residual stream width (residual)").range(1.0, 65_536.0),
        Opt::int("blocks", 2, "residual blocks (residual)").max(64.0),
        Opt::ints("hidden", &[1024], "hidden layer widths, input side first (mlp)").min(1.0),
        Opt::float("dropout", 0.5, "dropout probability, in [0, 1)"),
        Opt::choice(
            "heads",
            &["separate", "shared"],
            "separate",
            "separate: one head per target; shared: one head for both",
        ),
        Opt::seed("weight initialisation seed"),
    ])
    .domain_defaults(|| serde_json::to_value(MappingSettings::default()).unwrap_or_default())
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let net = mapping_net(god.train, #{ arch: "mlp", hidden: [32], heads: "shared" });
let plain = mapping_net(god.train);
net.input_dim == 70 && net.output_dim == 16 && net.config.architecture == #{ kind: "mlp", hidden: [32] }
    && net.config.heads == "shared" && plain.config.architecture == #{ kind: "residual", width: 512, blocks: 2 }
    && plain.config.dropout == 0.5"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |data: DatasetValue, options: Opts| {
        let output_dim = data.0.embedding_dim().ok_or_else(|| {
            ScriptFault::new(
                ErrorKind::Data,
                format!("dataset `{}` has no embeddings to map to", data.0.name()),
            )
        })?;
        let settings: MappingSettings = options.with_default("seed", run.seed() as i64).parse()?;
        let config = settings.config(data.0.n_voxels(), output_dim);
        config.validate()?;
        Ok(NetValue(config))
    });
}
