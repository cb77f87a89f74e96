//! Reading messages off a socket leniently: the signature is checked by runtimelib, then the
//! parts are parsed here so that a request whose content does not match jupyter-protocol's types
//! (a field missing, as jupyter_client does for `history_request`) still arrives, as an
//! [`UnknownMessage`] with its raw content, and can be answered. A frame that is not a Jupyter
//! message at all is an error for the caller to log.

use jupyter_protocol::{Header, JupyterMessage, JupyterMessageContent, UnknownMessage};
use runtimelib::{Connection, RawMessage};
use serde_json::Value;
use std::time::Instant;
use zeromq::SocketRecv;

/// A request as received: the typed message and its raw content.
pub(crate) struct Incoming {
    /// The message; its content is [`JupyterMessageContent::UnknownMessage`] when the content did
    /// not parse as the type's struct.
    pub message: JupyterMessage,
    /// The content as sent.
    pub content: Value,
    /// Why the typed parse failed, if it did.
    pub parse_error: Option<String>,
    /// When the kernel read it off the socket.
    pub received: Instant,
}

/// Why no message could be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    /// The socket failed (closed, or a transport error).
    #[error("socket: {0}")]
    Socket(#[from] zeromq::ZmqError),
    /// The frames are not a signed Jupyter message (bad delimiter, bad signature, bad JSON header).
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// Receive and parse one message.
pub(crate) async fn read<S: SocketRecv>(conn: &mut Connection<S>) -> Result<Incoming, ReadError> {
    let frames = conn.socket.recv().await?;
    let received = Instant::now();
    parse(frames, conn, received)
}

fn parse<S>(frames: zeromq::ZmqMessage, conn: &Connection<S>, received: Instant) -> Result<Incoming, ReadError> {
    let raw = RawMessage::from_multipart(frames, &conn.mac).map_err(|e| match e {
        runtimelib::RuntimeError::VerifyError(_) => ReadError::Malformed("bad signature".into()),
        other => ReadError::Malformed(other.to_string()),
    })?;
    let part = |i: usize| raw.jparts.get(i).map(|b| b.as_ref()).unwrap_or(b"{}");
    let header: Header = serde_json::from_slice(part(0)).map_err(|e| ReadError::Malformed(format!("header: {e}")))?;
    let content: Value = serde_json::from_slice(part(3)).map_err(|e| ReadError::Malformed(format!("content: {e}")))?;
    let metadata: Value = serde_json::from_slice(part(2)).unwrap_or_else(|_| Value::Object(Default::default()));
    let parent_header: Option<Header> = serde_json::from_slice(part(1)).ok();
    let (typed, parse_error) = match JupyterMessageContent::from_type_and_content(&header.msg_type, content.clone()) {
        Ok(typed) => (typed, None),
        Err(e) => (
            JupyterMessageContent::UnknownMessage(UnknownMessage {
                msg_type: header.msg_type.clone(),
                content: content.clone(),
            }),
            Some(e.to_string()),
        ),
    };
    let message = JupyterMessage {
        zmq_identities: raw.zmq_identities,
        header,
        parent_header,
        metadata,
        content: typed,
        buffers: raw.jparts.get(4..).map(<[_]>::to_vec).unwrap_or_default(),
        channel: None,
    };
    Ok(Incoming {
        message,
        content,
        parse_error,
        received,
    })
}
