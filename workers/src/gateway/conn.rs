//! A connection's write side, shared by its send task ([`super::sender`])
//! and the match fan-out ([`super::fanout`]).
//!
//! The WebSocket (both halves) sits behind a mutex that is only ever held
//! for one poll (never across an `.await`). The fan-out writes an event
//! frame straight into the socket when the connection is caught up and its
//! socket takes the frame at once; anything else (a full socket, a frame
//! out of order, a reset, the connection's own replies and repairs) is the
//! send task's, woken through [`Conn::notify_task`].
//!
//! The fan-out's frames are encoded once per event ([`encode_text`]: a
//! server frame is the same bytes for every viewer) and written with one
//! `send` to the connection's socket, shared with hyper ([`SharedTcp`],
//! handed over as [`SocketHandle`] connect info); axum and tungstenite do
//! the handshake, the reading and every other write. The two never
//! interleave: a raw write only starts when tungstenite has nothing
//! buffered (and the send task waits for no write), and a raw frame the
//! socket took only in part is finished (by the send task) before
//! tungstenite writes or reads again. Without the socket (an app served
//! without [`SocketHandle`] connect info, as `tower` tests do) every frame
//! goes through tungstenite.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use axum::serve::{IncomingStream, Listener};
use bytes::{BufMut as _, Bytes, BytesMut};
use futures::stream::{SplitSink, SplitStream};
use futures::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::sync::futures::Notified;

use super::hub::HubMsg;

pub(crate) type WsSink = SplitSink<WebSocket, Message>;

/// One connection's write side.
pub(crate) struct Conn {
    state: Mutex<ConnState>,
    /// Wakes the send task: a feed needs it, or a frame the fan-out
    /// started is still being written.
    notify: Notify,
}

pub(crate) struct ConnState {
    sink: WsSink,
    /// The socket, for the fan-out's pre-encoded frames.
    raw: Option<Arc<TcpStream>>,
    /// A raw frame the socket took only in part, and how much of it.
    raw_pending: Option<(Bytes, usize)>,
    /// Tungstenite may hold unwritten bytes, or the send task waits for a
    /// write (a write did not complete, or the client sent a ping or a
    /// close, which tungstenite answers by itself): the fan-out leaves the
    /// socket to the send task, which clears this with its next completed
    /// write. (Polling the sink without a waker now would also replace the
    /// send task's.)
    dirty: bool,
    /// A close frame was sent or received: no more data frames.
    closing: bool,
    /// The receive half, waiting for a raw frame to be finished.
    reader: Option<Waker>,
    /// Per match this connection follows, where it is in the match's
    /// stream (indexed by [`FeedKey::slot`]).
    feeds: Vec<Option<FeedState>>,
    next_id: u64,
}

/// Names one feed of a connection; `id` is never reused, so a stale key
/// finds nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FeedKey {
    slot: usize,
    id: u64,
}

/// Where a connection is in one match's stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FeedState {
    id: u64,
    /// Position (in the match's message ring) of the next message for
    /// this connection.
    pub cursor: u64,
    /// The fan-out writes this feed's next in-order frames itself; when
    /// false, the send task catches up (and sets it again once caught up).
    pub direct: bool,
    /// Seq of the last frame of the match written (or of its snapshot).
    pub last_sent: u64,
}

/// What the fan-out did with one message for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offered {
    /// Written to the socket.
    Sent,
    /// Taken by the socket, still being written: the send task finishes it.
    SentPending,
    /// Not for this connection now (already had it, or not its turn).
    Skipped,
    /// The send task must handle it (and is to be woken).
    HandedOff,
}

/// An accepted connection's socket, shared: hyper reads and writes it
/// (the HTTP request, then the WebSocket through tungstenite) and the
/// fan-out writes pre-encoded frames to it, through [`SocketHandle`]. One
/// descriptor and one reactor registration, whatever the handles.
#[derive(Clone, Debug)]
pub struct SharedTcp(Arc<TcpStream>);

impl AsyncRead for SharedTcp {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        loop {
            ready!(self.0.poll_read_ready(cx))?;
            match self.0.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for SharedTcp {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        loop {
            ready!(self.0.poll_write_ready(cx))?;
            match self.0.try_write(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                result => return Poll::Ready(result),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(rustix::net::shutdown(&*self.0, rustix::net::Shutdown::Write).map_err(std::io::Error::from))
    }
}

/// The gateway's listener: TCP_NODELAY on every connection (frames go out
/// at once), each served as a [`SharedTcp`].
#[derive(Debug)]
pub struct SharedListener(TcpListener);

impl SharedListener {
    #[must_use]
    pub fn new(listener: TcpListener) -> Self {
        SharedListener(listener)
    }
}

impl Listener for SharedListener {
    type Io = SharedTcp;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (SharedTcp, SocketAddr) {
        loop {
            match self.0.accept().await {
                Ok((tcp, addr)) => {
                    if let Err(e) = tcp.set_nodelay(true) {
                        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
                    }
                    return (SharedTcp(Arc::new(tcp)), addr);
                }
                // As axum's own listener: a connection that failed before
                // it was accepted is skipped; anything else (out of
                // descriptors) waits a second before trying again.
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionRefused
                            | std::io::ErrorKind::ConnectionAborted
                            | std::io::ErrorKind::ConnectionReset
                    ) => {}
                Err(e) => {
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// A connection's socket as axum connect info (see [`super::serve_on`]):
/// the WebSocket upgrade hands it to the fan-out.
#[derive(Clone, Debug, Default)]
pub struct SocketHandle(Option<Arc<TcpStream>>);

impl SocketHandle {
    pub(crate) fn socket(&self) -> Option<Arc<TcpStream>> {
        self.0.clone()
    }
}

impl axum::extract::connect_info::Connected<IncomingStream<'_, SharedListener>> for SocketHandle {
    fn connect_info(stream: IncomingStream<'_, SharedListener>) -> Self {
        SocketHandle(Some(Arc::clone(&stream.io().0)))
    }
}

/// Room made in a cut-off client's full socket: enough for the rest of
/// the frame being written (a snapshot at most), the `error` frame and the
/// close frame.
pub(crate) const CUT_OFF_ROOM: usize = 256 * 1024;

/// Grow a socket's kernel send buffer by `bytes`, so that a client that
/// stopped reading can still be told why it is cut off. Only the words
/// that follow are written into the room; the kernel caps the buffer at
/// `net.core.wmem_max` (its queued bytes are never dropped).
pub(crate) fn make_room(socket: &TcpStream, bytes: usize) {
    // The kernel reports twice what was set (its bookkeeping overhead).
    let grown = rustix::net::sockopt::socket_send_buffer_size(socket)
        .and_then(|now| rustix::net::sockopt::set_socket_send_buffer_size(socket, now / 2 + bytes));
    if let Err(e) = grown {
        tracing::debug!(error = %e, "cannot grow a socket's send buffer");
    }
}

/// Keep a cut-off connection's socket open for up to `limit`: until the
/// client has read what is queued (the frames that say why, then our FIN)
/// and closed its side. Closing it at once would leave the kernel an
/// orphan it resets when the client does not read soon, and the client
/// would see a reset instead of its close frame. Reads are discarded.
pub(crate) async fn linger(socket: Arc<TcpStream>, limit: Duration) {
    // The close frame is queued: follow it with our FIN.
    let _ = rustix::net::shutdown(&*socket, rustix::net::Shutdown::Write);
    let mut discard = [0u8; 1024];
    let closed = tokio::time::timeout(limit, async {
        loop {
            if socket.readable().await.is_err() {
                return;
            }
            match socket.try_read(&mut discard) {
                Ok(0) => return,
                Err(e) if e.kind() != std::io::ErrorKind::WouldBlock => return,
                Ok(_) | Err(_) => {}
            }
        }
    })
    .await;
    tracing::debug!(client_closed = closed.is_ok(), "cut-off connection closed");
}

/// A server's WebSocket text frame: FIN, opcode 1, the length, the
/// payload (server frames are not masked, RFC 6455 §5.2).
pub(crate) fn encode_text(text: &str) -> Bytes {
    let payload = text.as_bytes();
    let mut frame = BytesMut::with_capacity(payload.len() + 10);
    frame.put_u8(0x81);
    match payload.len() {
        len @ 0..=125 => frame.put_u8(u8::try_from(len).unwrap_or(125)),
        len @ 126..=0xFFFF => {
            frame.put_u8(126);
            frame.put_u16(u16::try_from(len).unwrap_or(u16::MAX));
        }
        len => {
            frame.put_u8(127);
            frame.put_u64(len as u64);
        }
    }
    frame.put_slice(payload);
    frame.freeze()
}

impl Conn {
    /// `raw`: the connection's socket, when the fan-out may write to it
    /// directly.
    pub(crate) fn new(sink: WsSink, raw: Option<Arc<TcpStream>>) -> Arc<Conn> {
        let state = ConnState {
            sink,
            raw,
            raw_pending: None,
            dirty: false,
            closing: false,
            reader: None,
            feeds: Vec::new(),
            next_id: 0,
        };
        Arc::new(Conn { state: Mutex::new(state), notify: Notify::new() })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, ConnState> {
        // Every critical section leaves the state consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The connection's socket, when the gateway holds it (see
    /// [`SocketHandle`]).
    pub(crate) fn socket(&self) -> Option<Arc<TcpStream>> {
        self.lock().raw.clone()
    }

    /// Wake the send task (a permit is kept if it is busy).
    pub(crate) fn notify_task(&self) {
        self.notify.notify_one();
    }

    /// Completes on the next [`Conn::notify_task`] (or a pending permit).
    pub(crate) fn notified(&self) -> Notified<'_> {
        self.notify.notified()
    }

    /// Write `message` (when `Some`, it is taken once the sink has room)
    /// and flush, as `SinkExt::send` does.
    pub(crate) fn poll_send(
        &self,
        cx: &mut Context<'_>,
        message: &mut Option<Message>,
    ) -> Poll<Result<(), axum::Error>> {
        let mut state = self.lock();
        ready!(state.poll_raw_pending(cx)).map_err(axum::Error::new)?;
        if matches!(message, Some(Message::Close(_))) {
            state.closing = true;
        }
        let result = Pin::new(&mut state.sink).poll_send(cx, message);
        state.dirty = !matches!(result, Poll::Ready(Ok(())));
        result
    }

    /// Close the WebSocket (flushing what is queued).
    pub(crate) fn poll_close(&self, cx: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
        let mut state = self.lock();
        ready!(state.poll_raw_pending(cx)).map_err(axum::Error::new)?;
        state.closing = true;
        state.dirty = true;
        Pin::new(&mut state.sink).poll_close(cx)
    }

    /// Read the next message (tungstenite may write replies meanwhile:
    /// pongs, the close handshake).
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        stream: &mut SplitStream<WebSocket>,
    ) -> Poll<Option<Result<Message, axum::Error>>> {
        let mut state = self.lock();
        if state.raw_pending.is_some() {
            // The send task finishes the raw frame, then wakes us.
            state.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let item = Pin::new(stream).poll_next(cx);
        match &item {
            // Tungstenite answers these itself (a pong, the close
            // handshake) on its next read or write: until the send task's
            // next write has flushed that, the fan-out keeps off.
            Poll::Ready(Some(Ok(Message::Ping(_)))) => state.dirty = true,
            Poll::Ready(None | Some(Ok(Message::Close(_)) | Err(_))) => {
                state.dirty = true;
                state.closing = true;
            }
            Poll::Ready(Some(Ok(_))) | Poll::Pending => {}
        }
        item
    }
}

trait PollSend {
    fn poll_send(self, cx: &mut Context<'_>, message: &mut Option<Message>) -> Poll<Result<(), axum::Error>>;
}

impl PollSend for Pin<&mut WsSink> {
    fn poll_send(mut self, cx: &mut Context<'_>, message: &mut Option<Message>) -> Poll<Result<(), axum::Error>> {
        if message.is_some() {
            match self.as_mut().poll_ready(cx) {
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
            if let Some(message) = message.take() {
                self.as_mut().start_send(message)?;
            }
        }
        self.poll_flush(cx)
    }
}

impl ConnState {
    /// Finish a raw frame the socket took in part; then the receive half
    /// may read again.
    fn poll_raw_pending(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let (Some(raw), Some((frame, written))) = (&self.raw, &mut self.raw_pending) else {
            return Poll::Ready(Ok(()));
        };
        while *written < frame.len() {
            ready!(raw.poll_write_ready(cx))?;
            match raw.try_write(&frame[*written..]) {
                Ok(0) => return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into())),
                Ok(n) => *written += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        self.raw_pending = None;
        if let Some(reader) = self.reader.take() {
            reader.wake();
        }
        Poll::Ready(Ok(()))
    }

    /// Write a pre-encoded frame with one `send`, if tungstenite has
    /// nothing buffered (nor the send task a write pending) and the socket
    /// takes at least part of it now.
    fn try_write_raw(&mut self, wire: &Bytes) -> TrySend {
        if self.raw_pending.is_some() || self.dirty {
            return TrySend::Busy;
        }
        let Some(raw) = &self.raw else { return TrySend::Failed };
        match raw.try_write(wire) {
            Ok(n) if n == wire.len() => TrySend::Sent,
            Ok(0) => TrySend::Failed,
            Ok(n) => {
                self.raw_pending = Some((wire.clone(), n));
                TrySend::Queued
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => TrySend::Busy,
            Err(_) => TrySend::Failed,
        }
    }

    /// Add a feed positioned at `cursor`, not yet direct.
    pub(crate) fn add_feed(&mut self, cursor: u64) -> FeedKey {
        let id = self.next_id;
        self.next_id += 1;
        let state = FeedState { id, cursor, direct: false, last_sent: 0 };
        let slot = match self.feeds.iter().position(Option::is_none) {
            Some(slot) => {
                self.feeds[slot] = Some(state);
                slot
            }
            None => {
                self.feeds.push(Some(state));
                self.feeds.len() - 1
            }
        };
        FeedKey { slot, id }
    }

    pub(crate) fn remove_feed(&mut self, key: FeedKey) {
        if self.feed(key).is_some() {
            self.feeds[key.slot] = None;
        }
    }

    pub(crate) fn feed(&mut self, key: FeedKey) -> Option<&mut FeedState> {
        self.feeds.get_mut(key.slot)?.as_mut().filter(|f| f.id == key.id)
    }

    /// The fan-out's turn: message `index` of a match's ring. Writes it
    /// when the feed is direct, at that message, and it is the next frame,
    /// and the socket takes it without waiting (nothing is registered to
    /// wake: whatever cannot be done now is handed to the send task).
    pub(crate) fn offer(&mut self, key: FeedKey, index: u64, message: &HubMsg) -> Offered {
        let Some(feed) = self.feeds.get_mut(key.slot).and_then(Option::as_mut).filter(|f| f.id == key.id) else {
            return Offered::Skipped;
        };
        if !feed.direct {
            return Offered::HandedOff;
        }
        if feed.cursor > index {
            return Offered::Skipped;
        }
        let (seq, text, wire) = match message {
            HubMsg::Frame { seq, text, wire, .. } if feed.cursor == index && *seq == feed.last_sent + 1 => {
                (*seq, text, wire)
            }
            HubMsg::Frame { seq, .. } if feed.cursor == index && *seq <= feed.last_sent => {
                feed.cursor += 1;
                return Offered::Skipped;
            }
            // Out of order, a reset, or missed: the send task sorts it out.
            _ => {
                feed.direct = false;
                return Offered::HandedOff;
            }
        };
        let outcome = if self.closing {
            TrySend::Failed
        } else if self.raw.is_some() {
            self.try_write_raw(wire)
        } else if self.dirty {
            TrySend::Busy
        } else {
            let outcome = try_send_now(&mut self.sink, text.clone());
            self.dirty = outcome != TrySend::Sent;
            outcome
        };
        let feed = self.feeds[key.slot].as_mut().filter(|f| f.id == key.id);
        let Some(feed) = feed else { return Offered::Skipped };
        match outcome {
            TrySend::Sent => {
                feed.cursor += 1;
                feed.last_sent = seq;
                Offered::Sent
            }
            TrySend::Queued => {
                feed.cursor += 1;
                feed.last_sent = seq;
                feed.direct = false;
                Offered::SentPending
            }
            TrySend::Busy | TrySend::Failed => {
                feed.direct = false;
                Offered::HandedOff
            }
        }
    }

    /// The fan-out fell behind the ring (it was overwritten before the
    /// fan-out wrote it): a direct feed before `first` goes to its send
    /// task, which catches it up. True when the send task is to be woken.
    pub(crate) fn behind(&mut self, key: FeedKey, first: u64) -> bool {
        match self.feed(key) {
            Some(feed) if feed.direct && feed.cursor < first => {
                feed.direct = false;
                true
            }
            Some(feed) => !feed.direct,
            None => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrySend {
    /// Written.
    Sent,
    /// Accepted, not fully written yet.
    Queued,
    /// The sink is busy (an earlier frame still pending, or the reader
    /// holds the connection): nothing was taken.
    Busy,
    Failed,
}

/// Write one text frame if the sink takes it now, without registering a
/// waker.
fn try_send_now(sink: &mut WsSink, text: Utf8Bytes) -> TrySend {
    let mut cx = Context::from_waker(Waker::noop());
    let mut sink = Pin::new(sink);
    match sink.as_mut().poll_ready(&mut cx) {
        Poll::Ready(Ok(())) => {}
        Poll::Ready(Err(_)) => return TrySend::Failed,
        Poll::Pending => return TrySend::Busy,
    }
    if sink.as_mut().start_send(Message::Text(text)).is_err() {
        return TrySend::Failed;
    }
    match sink.poll_flush(&mut cx) {
        Poll::Ready(Ok(())) => TrySend::Sent,
        Poll::Ready(Err(_)) => TrySend::Failed,
        Poll::Pending => TrySend::Queued,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tungstenite::protocol::frame::Frame;
    use tungstenite::protocol::frame::coding::{Data, OpCode};

    #[test]
    fn text_frames_are_encoded_as_tungstenite_does() {
        for len in [0, 1, 125, 126, 127, 1000, 65_535, 65_536, 70_000] {
            let text = "x".repeat(len);
            let mut expected = Vec::new();
            Frame::message(text.clone(), OpCode::Data(Data::Text), true).format(&mut expected).expect("format");
            assert_eq!(encode_text(&text).as_ref(), expected.as_slice(), "length {len}");
        }
    }
}
