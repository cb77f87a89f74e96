//! The `brainclip` command line: a thin layer over [`brainclip::Session`].

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::Context;
use clap::{Parser, Subcommand};

use brainclip::generate::Heads;
use brainclip::session::unmentioned_params;
use brainclip::suggest::{did_you_mean, words};
use brainclip::{Session, SessionOptions};

/// Scriptable BrainCLIP: align fMRI with CLIP embeddings, from Rhai scripts.
#[derive(Parser)]
#[command(name = "brainclip", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an experiment script.
    Script(ScriptArgs),
    /// Summarise a data file: NIfTI, BData HDF5, NPY/NPZ, CSV/TSV, captions, embeddings, images.
    Inspect {
        /// The file.
        file: PathBuf,
        /// Print JSON instead of the readable summary.
        #[arg(long)]
        json: bool,
    },
    /// Run the Jupyter kernel, or install its kernelspec.
    Kernel(KernelArgs),
    /// Print the backends and devices this binary can use, libtorch's version and whether CUDA
    /// works (and why not).
    Doctor {
        /// Print JSON instead of the readable report.
        #[arg(long)]
        json: bool,
    },
    /// Convert an OpenAI guided-diffusion (ADM) checkpoint, e.g. 256x256_diffusion_uncond.pt, into a
    /// diffusers UNet2DModel folder that diffusion_load reads.
    #[command(name = "convert-adm")]
    ConvertAdm {
        /// The ADM state dict (.pt/.pth saved by torch.save, or .safetensors).
        input: PathBuf,
        /// The folder to create (must not exist).
        output: PathBuf,
        /// Channels per attention head (ADM's num_head_channels; 64 for the released models).
        #[arg(long, default_value_t = 64, conflicts_with = "num_heads")]
        num_head_channels: usize,
        /// Heads per attention block instead (ADM's num_heads with num_head_channels = -1).
        #[arg(long)]
        num_heads: Option<usize>,
        /// The image side the model was trained at (recorded as sample_size).
        #[arg(long, default_value_t = 256)]
        image_size: usize,
    },
    /// Print the reference of script functions and types (all, or one by name).
    Doc {
        /// A function or type name, e.g. train or Dataset.
        name: Option<String>,
        /// Print Markdown (the whole reference, as in docs/reference.md, or one entry).
        #[arg(long)]
        markdown: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Script(args) => run_script(args),
        Command::Doc { name, markdown } => print_doc(name.as_deref(), markdown),
        Command::Doctor { json } => doctor(json),
        Command::Inspect { file, json } => inspect(&file, json),
        Command::ConvertAdm {
            input,
            output,
            num_head_channels,
            num_heads,
            image_size,
        } => convert_adm(
            &input,
            &output,
            num_heads.map_or(Heads::Channels(num_head_channels), Heads::Count),
            image_size,
        ),
        Command::Kernel(args) => kernel(args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
struct KernelArgs {
    /// The connection file Jupyter passes to the kernel.
    #[arg(long, short = 'f', value_name = "FILE")]
    connection_file: Option<PathBuf>,
    /// The session seed of the notebook (the default seed of every random draw).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where tensors live: cpu, cpu:flex, cpu:ndarray, cuda[:N] or auto.
    #[arg(long, env = "BRAINCLIP_DEVICE", default_value = "cpu")]
    device: String,
    #[command(subcommand)]
    action: Option<KernelAction>,
}

#[derive(Subcommand)]
enum KernelAction {
    /// Install the kernelspec so that Jupyter lists "BrainCLIP (Rhai)".
    Install(InstallArgs),
}

#[derive(clap::Args)]
#[group(multiple = false)]
struct InstallArgs {
    /// Into the user's Jupyter data folder (the default).
    #[arg(long)]
    user: bool,
    /// Into the active Python environment (sys.prefix/share/jupyter).
    #[arg(long)]
    sys_prefix: bool,
    /// Into PREFIX/share/jupyter.
    #[arg(long, value_name = "PREFIX")]
    prefix: Option<PathBuf>,
}

fn convert_adm(
    input: &std::path::Path,
    output: &std::path::Path,
    heads: Heads,
    image_size: usize,
) -> anyhow::Result<ExitCode> {
    let c = brainclip::generate::convert_adm_file(input, output, heads, image_size)
        .with_context(|| format!("cannot convert {}", input.display()))?;
    println!(
        "wrote {} ({} tensors): channels {:?}, {} residual blocks per level, attention at levels {:?}, \
         head size {}, {}{}{} output channels",
        output.display(),
        c.tensors,
        c.block_out_channels,
        c.num_res_blocks,
        c.attention_levels,
        c.head_dim,
        if c.resblock_updown { "resblock up/down, " } else { "" },
        if c.scale_shift { "scale-shift norm, " } else { "" },
        c.out_channels
    );
    Ok(ExitCode::SUCCESS)
}

fn kernel(args: KernelArgs) -> anyhow::Result<()> {
    use brainclip::kernel::{InstallTarget, SessionBackend, install_kernelspec, run_kernel};
    match (args.action, args.connection_file) {
        (Some(KernelAction::Install(install)), _) => {
            let target = match (install.sys_prefix, install.prefix) {
                (true, _) => InstallTarget::SysPrefix,
                (false, Some(prefix)) => InstallTarget::Prefix(prefix),
                (false, None) => InstallTarget::User,
            };
            let exe = std::env::current_exe().context("cannot find this executable's path")?;
            let dir = install_kernelspec(target, &exe)?;
            println!("installed kernelspec brainclip in {}", dir.display());
            Ok(())
        }
        (None, Some(file)) => {
            let options = SessionOptions {
                label: "notebook".into(),
                seed: args.seed,
                device: args.device,
                command: std::env::args().collect(),
                ..Default::default()
            };
            let session = Session::new(options)?;
            Ok(run_kernel(&file, SessionBackend::new(session))?)
        }
        (None, None) => anyhow::bail!("give --connection-file FILE (Jupyter does) or use `brainclip kernel install`"),
    }
}

/// What `brainclip script` was given.
#[derive(clap::Args)]
struct ScriptArgs {
    /// The Rhai script, e.g. scripts/zero_shot.rhai.
    file: PathBuf,
    /// A parameter for the script: key=value (numbers, true/false and text are typed).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// The run directory (default: runs/<script>-<timestamp>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The session seed: the default seed of every random draw.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where tensors live: cpu, cpu:flex, cpu:ndarray, cuda[:N] or auto.
    #[arg(long, env = "BRAINCLIP_DEVICE", default_value = "cpu")]
    device: String,
    /// A folder or file the script may read besides its own folder (repeatable).
    #[arg(long = "allow-read", value_name = "PATH")]
    allow_read: Vec<PathBuf>,
    /// A data catalog: a JSON object of dataset names → paths, read with data_path(name).
    #[arg(long, value_name = "FILE", env = "BRAINCLIP_CATALOG")]
    catalog: Option<PathBuf>,
}

fn run_script(args: ScriptArgs) -> anyhow::Result<ExitCode> {
    let ScriptArgs {
        file,
        set,
        out,
        seed,
        device,
        allow_read,
        catalog,
    } = args;
    let catalog = match catalog {
        Some(path) => brainclip::session::read_catalog(&path).map_err(anyhow::Error::msg)?,
        None => Default::default(),
    };
    for path in &allow_read {
        if !path.exists() {
            anyhow::bail!("--allow-read {}: no such file or folder", path.display());
        }
    }
    let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read script {}", file.display()))?;
    let params = brainclip::run::parse_params(&set)?;
    let unmentioned = unmentioned_params(&params, &text);
    if !unmentioned.is_empty() {
        let words: Vec<&str> = words(&text).filter(|w| w.len() > 1).collect();
        for key in &unmentioned {
            let hint = did_you_mean(key, words.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            eprintln!(
                "error[UnusedParameter]: --set {key}=… is not used by {}{hint}",
                file.display()
            );
        }
        return Ok(ExitCode::from(2));
    }
    let label = file
        .file_stem()
        .map_or_else(|| "script".into(), |s| s.to_string_lossy().into_owned());
    let options = SessionOptions {
        out_dir: out,
        label,
        seed,
        params,
        device,
        command: std::env::args().collect(),
        progress: true,
        allow_read,
        catalog,
        ..Default::default()
    };
    let mut session = match Session::for_script(options, &file, &text) {
        Ok(s) => s,
        Err(brainclip::session::SessionError::Device(e)) => {
            eprintln!("error[DeviceError]: {e}\n   = hint: {}", e.hint());
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    eprintln!("run directory: {}", session.run_dir().display());
    let interrupt = session.interrupt_flag();
    // First Ctrl-C: stop between batches and record the run as interrupted; second: exit now.
    ctrlc::set_handler(move || {
        if interrupt.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\ninterrupting… (press Ctrl-C again to quit immediately)");
    })
    .context("cannot install the Ctrl-C handler")?;

    let outcome = session.run_script(&file);
    session
        .finish(outcome.as_ref().map(|_| ()).map_err(|e| &**e))
        .context("cannot write manifest.json")?;
    match outcome {
        Ok(_) => {
            eprintln!("done; results in {}", session.run_dir().display());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprint!("{e}");
            Ok(ExitCode::from(e.kind.exit_code()))
        }
    }
}

fn doctor(json: bool) -> anyhow::Result<ExitCode> {
    let report = brainclip::device::report();
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{report}");
    }
    Ok(ExitCode::SUCCESS)
}

fn inspect(file: &std::path::Path, json: bool) -> anyhow::Result<ExitCode> {
    match brainclip::inspect::inspect(file) {
        Ok(found) if json => println!("{}", serde_json::to_string_pretty(&found.json)?),
        Ok(found) => print!("{}", found.text),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_doc(name: Option<&str>, markdown: bool) -> anyhow::Result<ExitCode> {
    let docs = Session::documentation();
    match name {
        None if markdown => print!("{}", docs.reference_markdown()),
        None => {
            let mut area = None;
            for f in &docs.functions {
                if area != Some(f.area) {
                    area = Some(f.area);
                    println!("\n{}:", f.area.name());
                }
                println!("  {:16} {}", f.name, f.summary);
            }
            println!("\ntypes:");
            for t in &docs.types {
                println!("  {:16} {}", t.name, t.summary);
            }
            println!("\n`brainclip doc NAME` shows a function's signatures, options and example.");
        }
        Some(name) => {
            if let Some(f) = docs.function(name) {
                print!("{}", if markdown { f.render_markdown() } else { f.render_text() });
            } else if let Some(t) = docs.value_type(name) {
                print!("{}", if markdown { t.render_markdown() } else { t.render_text() });
            } else {
                let names = docs
                    .functions
                    .iter()
                    .map(|f| f.name)
                    .chain(docs.types.iter().map(|t| t.name));
                let hint = did_you_mean(name, names)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                eprintln!("error: no function or type named `{name}`{hint}; `brainclip doc` lists them all");
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
