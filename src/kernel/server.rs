//! The kernel process: bind the five sockets of a connection file, run the socket tasks on a
//! small tokio runtime, and answer shell requests on the calling thread (where the backend
//! lives). Control (`kernel_info`, `interrupt`, `shutdown`), heartbeat and SIGINT are served by
//! their own tasks, so they answer while a cell runs.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use jupyter_protocol::{
    ConnectionInfo, InterruptReply, IoPubWelcome, JupyterMessage, JupyterMessageContent, KernelInfoReply, ReplyStatus,
    ShutdownReply,
};
use runtimelib::{
    Connection, KernelControlConnection, KernelHeartbeatConnection, KernelIoPubXPubConnection, SubscriptionEvent,
};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::oneshot;
use zeromq::{SocketRecv, SocketSend};

use super::backend::KernelBackend;
use super::error::KernelError;
use super::handler::{Handler, Request, kernel_info_reply};
use super::log;
use super::outbox::{Outbox, Outgoing};
use super::wire::{self, ReadError};

/// Run a kernel for the connection file Jupyter wrote (`{connection_file}` in `kernel.json`),
/// until a `shutdown_request`. Blocks the calling thread, which runs `backend`; sockets are
/// served by a tokio runtime created here.
pub fn run_kernel(connection_file: &Path, backend: impl KernelBackend) -> Result<(), KernelError> {
    let text = std::fs::read_to_string(connection_file).map_err(|source| KernelError::ConnectionFileRead {
        path: connection_file.to_path_buf(),
        source,
    })?;
    let connection: ConnectionInfo =
        serde_json::from_str(&text).map_err(|source| KernelError::ConnectionFileFormat {
            path: connection_file.to_path_buf(),
            source,
        })?;
    serve(&connection, backend)
}

/// Run a kernel on the given connection settings (see [`run_kernel`]).
pub fn serve(connection: &ConnectionInfo, backend: impl KernelBackend) -> Result<(), KernelError> {
    if !connection.key.is_empty() && connection.signature_scheme != "hmac-sha256" {
        return Err(KernelError::Unsupported(format!(
            "signature scheme `{}` (only hmac-sha256 is supported)",
            connection.signature_scheme
        )));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("brainclip-kernel-io")
        .enable_all()
        .build()
        .map_err(KernelError::Runtime)?;
    let session = uuid::Uuid::new_v4().to_string();
    let sockets = runtime.block_on(Sockets::bind(connection, &session))?;

    let interrupt = backend.interrupt_flag();
    let info = kernel_info_reply(&backend.kernel_info());
    let shutdown = Arc::new(AtomicBool::new(false));
    let (requests_tx, requests) = mpsc::channel();
    let (outbox_tx, outbox_rx) = tokio::sync::mpsc::unbounded_channel();
    let outbox = Outbox(outbox_tx);

    let (shell_tx, shell_rx) = sockets.shell.split();
    runtime.spawn(socket_loop(shell_tx, sockets.iopub, outbox_rx));
    runtime.spawn(shell_reader(shell_rx, requests_tx.clone()));
    runtime.spawn(control_loop(ControlState {
        control: sockets.control,
        info: info.clone(),
        interrupt: interrupt.clone(),
        shutdown: shutdown.clone(),
        requests: requests_tx,
        outbox: outbox.clone(),
    }));
    runtime.spawn(heartbeat_loop(sockets.heartbeat));
    runtime.spawn(sigint_loop(interrupt));
    // bound so that clients can connect; this kernel never asks for input
    let _stdin = sockets.stdin;

    Handler::new(backend, outbox.clone(), info).run(&requests, &shutdown);

    let (ack, flushed) = oneshot::channel();
    let _ = outbox.0.send(Outgoing::Flush(ack));
    runtime.block_on(async {
        let _ = tokio::time::timeout(Duration::from_secs(2), flushed).await;
        // let the sockets' writer tasks put the last frames on the wire
        tokio::time::sleep(Duration::from_millis(100)).await;
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    Ok(())
}

struct Sockets {
    shell: runtimelib::KernelShellConnection,
    iopub: KernelIoPubXPubConnection,
    control: KernelControlConnection,
    stdin: runtimelib::KernelStdinConnection,
    heartbeat: KernelHeartbeatConnection,
}

impl Sockets {
    async fn bind(info: &ConnectionInfo, session: &str) -> Result<Self, KernelError> {
        let bind = |channel: &'static str| move |source| KernelError::Bind { channel, source };
        Ok(Self {
            shell: runtimelib::create_kernel_shell_connection(info, session)
                .await
                .map_err(bind("shell"))?,
            iopub: runtimelib::create_kernel_iopub_xpub_connection(info, session)
                .await
                .map_err(bind("iopub"))?,
            control: runtimelib::create_kernel_control_connection(info, session)
                .await
                .map_err(bind("control"))?,
            stdin: runtimelib::create_kernel_stdin_connection(info, session)
                .await
                .map_err(bind("stdin"))?,
            heartbeat: runtimelib::create_kernel_heartbeat_connection(info)
                .await
                .map_err(bind("heartbeat"))?,
        })
    }
}

/// Pause after a socket error so that a broken socket cannot spin the loop.
async fn back_off() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Send what the outbox queues, in order; greet new iopub subscribers (JEP 65).
async fn socket_loop(
    mut shell: Connection<zeromq::RouterSendHalf>,
    mut iopub: KernelIoPubXPubConnection,
    mut queue: UnboundedReceiver<Outgoing>,
) {
    loop {
        tokio::select! {
            biased;
            next = queue.recv() => match next {
                Some(Outgoing::Shell(message)) => {
                    if let Err(e) = shell.send(message).await {
                        log(&format!("cannot send a shell reply: {e}"));
                    }
                }
                Some(Outgoing::IoPub(message)) => {
                    if let Err(e) = iopub.send(message).await {
                        log(&format!("cannot publish on iopub: {e}"));
                    }
                }
                Some(Outgoing::Flush(ack)) => {
                    let _ = ack.send(());
                }
                None => return,
            },
            event = iopub.recv_subscription() => match event {
                Ok(SubscriptionEvent::Subscribe(topic)) => {
                    let welcome: JupyterMessage = IoPubWelcome::new(topic).into();
                    if let Err(e) = iopub.send(welcome).await {
                        log(&format!("cannot send iopub_welcome: {e}"));
                    }
                }
                Ok(SubscriptionEvent::Unsubscribe(_)) => {}
                Err(e) => {
                    log(&format!("iopub subscription: {e}"));
                    back_off().await;
                }
            },
        }
    }
}

/// Hand shell requests to the backend thread.
async fn shell_reader(mut shell: Connection<zeromq::RouterRecvHalf>, requests: mpsc::Sender<Request>) {
    loop {
        match wire::read(&mut shell).await {
            Ok(incoming) => {
                if requests.send(Request::Shell(Box::new(incoming))).is_err() {
                    return;
                }
            }
            Err(ReadError::Malformed(why)) => log(&format!("dropped a shell message: {why}")),
            Err(ReadError::Socket(e)) => {
                log(&format!("shell socket: {e}"));
                back_off().await;
            }
        }
    }
}

struct ControlState {
    control: KernelControlConnection,
    info: KernelInfoReply,
    interrupt: Arc<AtomicBool>,
    shutdown: Arc<AtomicBool>,
    requests: mpsc::Sender<Request>,
    outbox: Outbox,
}

/// `kernel_info`, `interrupt` and `shutdown` on the control channel, answered even while a cell
/// runs.
async fn control_loop(mut state: ControlState) {
    loop {
        let incoming = match wire::read(&mut state.control).await {
            Ok(incoming) => incoming,
            Err(ReadError::Malformed(why)) => {
                log(&format!("dropped a control message: {why}"));
                continue;
            }
            Err(ReadError::Socket(e)) => {
                log(&format!("control socket: {e}"));
                back_off().await;
                continue;
            }
        };
        let message = &incoming.message;
        let reply: JupyterMessage = match &message.content {
            JupyterMessageContent::KernelInfoRequest(_) => state.info.as_child_of(message),
            JupyterMessageContent::InterruptRequest(_) => {
                state.interrupt.store(true, Ordering::SeqCst);
                InterruptReply::new().as_child_of(message)
            }
            JupyterMessageContent::ShutdownRequest(request) => {
                state.shutdown.store(true, Ordering::SeqCst);
                state.interrupt.store(true, Ordering::SeqCst);
                let reply = ShutdownReply {
                    restart: request.restart,
                    status: ReplyStatus::Ok,
                    error: None,
                };
                state.outbox.iopub(reply.clone(), message);
                if let Err(e) = state.control.send(reply.as_child_of(message)).await {
                    log(&format!("cannot send shutdown_reply: {e}"));
                }
                // wake the backend thread if it is waiting for a request
                let _ = state.requests.send(Request::Shutdown);
                return;
            }
            other => {
                log(&format!("unsupported control request `{}`", other.message_type()));
                continue;
            }
        };
        if let Err(e) = state.control.send(reply).await {
            log(&format!("cannot send a control reply: {e}"));
        }
    }
}

/// Echo heartbeat pings.
async fn heartbeat_loop(mut heartbeat: KernelHeartbeatConnection) {
    loop {
        let result = match heartbeat.socket.recv().await {
            Ok(ping) => heartbeat.socket.send(ping).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            log(&format!("heartbeat: {e}"));
            back_off().await;
        }
    }
}

/// SIGINT (`interrupt_mode: signal`, or Ctrl-C in a terminal) interrupts the running cell
/// instead of killing the kernel.
async fn sigint_loop(interrupt: Arc<AtomicBool>) {
    loop {
        if let Err(e) = tokio::signal::ctrl_c().await {
            log(&format!("cannot listen for SIGINT: {e}"));
            return;
        }
        interrupt.store(true, Ordering::SeqCst);
    }
}
