use crate::model::MappingSettings;
use crate::script::prelude::*;

// The architecture options (`MappingSettings`), shared with shared_net's trunk.
pub(crate) const ARCH: Opt = Opt::choice("arch", &["residual", "mlp", "linear"], "residual", "trunk architecture");
pub(crate) const WIDTH: Opt = Opt::int("width", 512, "residual stream width (residual)").range(1.0, 65_536.0);
pub(crate) const BLOCKS: Opt = Opt::int("blocks", 2, "residual blocks (residual)").max(64.0);
pub(crate) const HIDDEN: Opt = Opt::ints("hidden", &[1024], "hidden layer widths, input side first (mlp)").min(1.0);
pub(crate) const DROPOUT: Opt = Opt::float("dropout", 0.5, "dropout probability, in [0, 1)");
pub(crate) const HEADS: Opt = Opt::choice(
    "heads",
    &["separate", "shared"],
    "separate",
    "separate: one head per target; shared: one head for both",
);

/// The architecture options, for mapping_net and shared_net (which puts its own keys first).
macro_rules! architecture_options {
    ($($extra:expr),* $(,)?) => {
        &[
            $($extra,)*
            $crate::script::model::mapping_net::ARCH,
            $crate::script::model::mapping_net::WIDTH,
            $crate::script::model::mapping_net::BLOCKS,
            $crate::script::model::mapping_net::HIDDEN,
            $crate::script::model::mapping_net::DROPOUT,
            $crate::script::model::mapping_net::HEADS,
            $crate::script::spec::Opt::seed("weight initialisation seed"),
        ]
    };
}
pub(crate) use architecture_options;

/// The embedding width of `data`, or an error naming it.
pub(crate) fn output_dim(data: &DatasetValue) -> Result<usize, ScriptFault> {
    data.0.embedding_dim().ok_or_else(|| {
        ScriptFault::new(
            ErrorKind::Data,
            format!("dataset `{}` has no embeddings to map to", data.0.name()),
        )
    })
}

pub static SPEC: FnSpec = FnSpec::new("mapping_net", Area::Model)
    .params(&[param("data", "Dataset")])
    .returns("MappingNet")
    .summary("Configure a mapping network from the data's voxels to its embedding width.")
    .details("Sizes of another architecture than the chosen one are ignored.")
    .options(architecture_options![])
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
        let output_dim = output_dim(&data)?;
        let settings: MappingSettings = options.seeded(&run).parse()?;
        let config = settings.config(data.0.n_voxels(), output_dim);
        config.validate()?;
        Ok(NetValue(config))
    });
}
