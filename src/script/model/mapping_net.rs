use crate::model::MappingSettings;
use crate::script::prelude::*;

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
    .settings(schema::<MappingSettings>)
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
