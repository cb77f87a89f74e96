//! The `brainclip` command line: a thin layer over [`brainclip::Session`].

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::Context;
use clap::{Parser, Subcommand};

use brainclip::data::formats::budget::parse_size;
use brainclip::generate::Heads;
use brainclip::session::{Limits, parse_timeout, quiet_panics, unmentioned_params};
use brainclip::suggest::{did_you_mean, words};
use brainclip::{Session, SessionOptions};

#[path = "cli/sweep.rs"]
mod sweep_command;

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
    /// Run a script over a grid of parameters: here, K runs at a time, or as a SLURM job array;
    /// then `sweep status`, `sweep resubmit` and `sweep collect` read the runs back.
    Sweep(sweep_command::SweepArgs),
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
    /// Re-run a run (a run directory, or a bundle from `brainclip pack`) with its recorded
    /// parameters, seed, device and limits, and report whether the script, the modules, the data
    /// files and every metric match. Exits 0 only when everything reproduced.
    Verify {
        /// The run directory or bundle (.brainclip.tar.gz).
        run: PathBuf,
        /// This lab's data catalog (default: brainclip.toml in the working directory, then in the
        /// user's config folder).
        #[arg(long, value_name = "FILE", env = "BRAINCLIP_CATALOG")]
        catalog: Option<PathBuf>,
        /// The re-run's directory (default: next to the run, or under runs/ for a bundle).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Allowed relative difference of each metric when either run was not on the CPU backends
        /// (flex, ndarray), whose results must be identical.
        #[arg(long, value_name = "R")]
        tolerance: Option<f64>,
    },
    /// Write a shareable bundle of a run: the script, the modules it imported, its parameters, the
    /// manifest and the metrics (no data), as one .brainclip.tar.gz.
    Pack {
        /// The run directory.
        run: PathBuf,
        /// The bundle to write (default: RUN.brainclip.tar.gz next to the run).
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
    },
    /// Start an experiment folder: a brainclip.toml template, experiments/ with a starter script
    /// that runs on the built-in data, and a README.
    New {
        /// The folder to create.
        dir: PathBuf,
    },
    /// Print the data catalog in use (dataset names → paths) and where it was read from.
    Catalog {
        /// The catalog file (default: brainclip.toml in the working directory, then in the
        /// user's config folder).
        #[arg(long, value_name = "FILE", env = "BRAINCLIP_CATALOG")]
        catalog: Option<PathBuf>,
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

/// Scripts run on a thread with this much stack, so that --max-call-depth, not the native stack,
/// bounds how deeply script functions may recurse (the stack is reserved, not committed).
const SCRIPT_STACK_BYTES: usize = 1 << 30;

/// Tensor buffers of a training step are freed and requested again every step; mimalloc keeps
/// them for reuse where glibc's malloc returned each one to the kernel (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    quiet_panics();
    let result = match cli.command {
        Command::Script(args) => std::thread::Builder::new()
            .name("script".into())
            .stack_size(SCRIPT_STACK_BYTES)
            .spawn(move || run_script(args))
            .map_err(anyhow::Error::from)
            .and_then(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("brainclip stopped on a bug outside the script")))
            }),
        Command::Sweep(args) => sweep_command::run(args),
        Command::Doc { name, markdown } => print_doc(name.as_deref(), markdown),
        Command::Catalog { catalog } => print_catalog(catalog.as_deref()),
        Command::Verify {
            run,
            catalog,
            out,
            tolerance,
        } => verify(&run, catalog.as_deref(), out, tolerance),
        Command::Pack { run, out } => pack(&run, out.as_deref()),
        Command::New { dir } => new_folder(&dir),
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
    #[command(flatten)]
    limits: LimitArgs,
    #[command(subcommand)]
    action: Option<KernelAction>,
}

/// Resource limits (each recorded in the manifest).
#[derive(clap::Args)]
struct LimitArgs {
    /// Rhai operations a script (or one notebook cell) may run; 0 for no limit.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_operations)]
    max_operations: u64,
    /// How deeply script functions may call each other.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_call_depth,
          value_parser = parse_call_depth)]
    max_call_depth: usize,
    /// Longest string a script may build, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_string_size)]
    max_string_size: usize,
    /// Most elements of one array.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_array_size)]
    max_array_size: usize,
    /// Most entries of one object map.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_map_size)]
    max_map_size: usize,
    /// Wall-clock limit of the run (of each cell in a notebook), e.g. 90s, 30m, 2h; none by default.
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    timeout: Option<std::time::Duration>,
    /// Memory budget: no file is read into an array larger than this, e.g. 16G (default: half the
    /// machine's memory).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<u64>,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        let defaults = Limits::default();
        Limits {
            max_operations: self.max_operations,
            max_call_depth: self.max_call_depth,
            max_string_size: self.max_string_size,
            max_array_size: self.max_array_size,
            max_map_size: self.max_map_size,
            timeout: self.timeout,
            max_memory: self.max_memory.unwrap_or(defaults.max_memory),
        }
    }
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
                limits: args.limits.limits(),
                catalog: discover_catalog(None)?,
                ..Default::default()
            };
            let session = Session::new(options)?;
            Ok(run_kernel(&file, SessionBackend::new(session))?)
        }
        (None, None) => anyhow::bail!("give --connection-file FILE (Jupyter does) or use `brainclip kernel install`"),
    }
}

/// How long after a signal the manifest on disk is marked interrupted if the run has not
/// stopped by itself (SLURM sends SIGKILL 30 s after SIGTERM by default).
const SAFE_POINT_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

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
    /// The data catalog (dataset names → paths, read with data_path): default brainclip.toml in
    /// the working directory, then in the user's config folder.
    #[arg(long, value_name = "FILE", env = "BRAINCLIP_CATALOG")]
    catalog: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
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
        limits,
    } = args;
    let catalog = discover_catalog(catalog.as_deref())?;
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
        limits: limits.limits(),
        ..Default::default()
    };
    // Ctrl-C, SIGTERM (kill, a cluster's time limit, a sweep stopping) or SIGHUP: stop at the
    // next safe point and record the run as interrupted. A second signal exits at once; the
    // manifest on disk says interrupted in either case, also when the safe point is not reached
    // before a SIGKILL. The handler is installed before the session exists (its manifest is
    // written while the session starts): a signal in between is kept and acted on once it does.
    static RUN: std::sync::OnceLock<(std::sync::Arc<std::sync::atomic::AtomicBool>, PathBuf)> =
        std::sync::OnceLock::new();
    static EARLY_SIGNAL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    ctrlc::set_handler(move || {
        let Some((interrupt, run_dir)) = RUN.get() else {
            if EARLY_SIGNAL.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            return;
        };
        if interrupt.swap(true, Ordering::SeqCst) {
            let _ = brainclip::run::mark_interrupted_on_disk(run_dir, "stopped by a second signal");
            std::process::exit(130);
        }
        eprintln!("\ninterrupting at the next safe point… (signal again to quit immediately)");
        let dir = run_dir.clone();
        std::thread::spawn(move || {
            std::thread::sleep(SAFE_POINT_GRACE);
            let _ = brainclip::run::mark_interrupted_on_disk(
                &dir,
                "stopped by a signal; the run had not reached a safe point 10 s later",
            );
        });
    })
    .context("cannot install the signal handler")?;
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
    let _ = RUN.set((interrupt.clone(), session.run_dir().to_path_buf()));
    if EARLY_SIGNAL.load(Ordering::SeqCst) {
        eprintln!("interrupted while starting; stopping at the first safe point");
        interrupt.store(true, Ordering::SeqCst);
    }

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

/// The catalog a command uses: `--catalog FILE`, else the first brainclip.toml found.
fn discover_catalog(explicit: Option<&std::path::Path>) -> anyhow::Result<brainclip::run::Catalog> {
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    Ok(brainclip::run::Catalog::discover(explicit, &cwd)?)
}

fn print_catalog(explicit: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let catalog = discover_catalog(explicit)?;
    print!("{catalog}");
    if catalog.source.is_none() {
        let cwd = std::env::current_dir().context("cannot read the working directory")?;
        println!("looked for:");
        for place in brainclip::run::Catalog::search_path(&cwd) {
            println!("  {}", place.display());
        }
        println!(
            "write one there, or give --catalog FILE:\n\n[datasets.GOD]\npath = \"/data/GOD\"\nnotes = \"where it came from\""
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(
    run: &std::path::Path,
    catalog: Option<&std::path::Path>,
    out: Option<PathBuf>,
    tolerance: Option<f64>,
) -> anyhow::Result<ExitCode> {
    let options = brainclip::share::VerifyOptions {
        catalog: discover_catalog(catalog)?,
        out_dir: out,
        tolerance,
        progress: true,
    };
    eprintln!("verifying {}…", run.display());
    let report = brainclip::share::verify(run, &options)?;
    print!("{report}");
    Ok(if report.reproduced() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn new_folder(dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    for file in brainclip::share::scaffold(dir)? {
        println!("created {}", file.display());
    }
    println!(
        "\nnext: cd {} && brainclip script experiments/zero_shot.rhai --set epochs=5",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `--max-call-depth`: 1 to 2000 (the script thread's stack holds 2000 levels).
fn parse_call_depth(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n @ 1..=2000) => Ok(n),
        _ => Err(format!("`{text}`: give a depth from 1 to 2000")),
    }
}

fn pack(run: &std::path::Path, out: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let report = brainclip::share::pack(run, out)?;
    println!("wrote {} ({} files):", report.bundle.display(), report.files.len());
    for file in &report.files {
        println!("  {file}");
    }
    for note in &report.skipped {
        println!("not bundled: {note}");
    }
    Ok(ExitCode::SUCCESS)
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
