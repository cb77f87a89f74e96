use crate::model::MappingSettings;
use crate::script::prelude::*;

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
        let settings: MappingSettings = options.seeded(&run).parse()?;
        Ok(NetValue(settings.for_dataset(&data.0)?))
    });
}
