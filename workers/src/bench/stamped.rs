//! A TCP stream that remembers when the kernel received the bytes it last
//! read (`SO_TIMESTAMPNS`, Linux), so a benchmark viewer's latency ends
//! when a frame reaches its socket, not when its task gets to parse it.
//!
//! Thousands of viewers share the benchmark's two cores with the gateway:
//! after a burst, the last of them runs tens of milliseconds after its
//! frame arrived. That wait is the benchmark's, not the gateway's (real
//! viewers have machines of their own), so the fan-out latency is taken
//! from the kernel's receive timestamp. On loopback the kernel stamps a
//! packet as the gateway's `send` hands it over, so this is publish → sent
//! by the gateway, including all of the gateway's queueing. Clients still
//! record their own (later) receipt time too; the report shows both.
//!
//! For TCP, the timestamp of a read is that of the last segment it
//! consumed: the one that completed the newest frame in it.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// A [`TcpStream`] with the kernel receive time of its latest read.
#[derive(Debug)]
pub struct StampedTcp {
    inner: TcpStream,
    /// Nanoseconds since the Unix epoch (`CLOCK_REALTIME`) of the last
    /// read; 0 before any, and when the kernel did not stamp it.
    last_rx_ns: u64,
}

impl StampedTcp {
    /// Ask the kernel to stamp what `stream` receives.
    ///
    /// # Errors
    /// The socket option cannot be set (not Linux, or not a socket).
    pub fn new(stream: TcpStream) -> io::Result<Self> {
        enable_timestamps(&stream)?;
        Ok(StampedTcp { inner: stream, last_rx_ns: 0 })
    }

    /// Kernel receive time of the bytes last read (ns since the Unix epoch),
    /// or 0 when unknown: the kernel stamps packets only once the first
    /// socket of the machine asked for it has been noticed, so the first
    /// reads after [`StampedTcp::new`] may come without a stamp.
    #[must_use]
    pub fn last_rx_ns(&self) -> u64 {
        self.last_rx_ns
    }
}

/// Ask the kernel to stamp what `socket` receives (`SO_TIMESTAMPNS`).
///
/// # Errors
/// Not Linux, or not a socket.
#[cfg(target_os = "linux")]
pub fn enable_timestamps(socket: &impl std::os::fd::AsFd) -> io::Result<()> {
    nix::sys::socket::setsockopt(socket, nix::sys::socket::sockopt::ReceiveTimestampns, &true).map_err(io::Error::from)
}

/// Ask the kernel to stamp what `socket` receives (`SO_TIMESTAMPNS`).
///
/// # Errors
/// Always: kernel receive timestamps need Linux.
#[cfg(not(target_os = "linux"))]
pub fn enable_timestamps<S>(_socket: &S) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "kernel receive timestamps need Linux"))
}

/// One `recvmsg` into `dst`: bytes read and the receive timestamp, if any.
#[cfg(target_os = "linux")]
fn recv_stamped(stream: &TcpStream, dst: &mut [u8]) -> io::Result<(usize, Option<u64>)> {
    use std::os::fd::AsRawFd;

    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    let mut cmsg = nix::cmsg_space!(nix::sys::time::TimeSpec);
    let mut iov = [io::IoSliceMut::new(dst)];
    let msg = recvmsg::<()>(stream.as_raw_fd(), &mut iov, Some(&mut cmsg), MsgFlags::MSG_DONTWAIT)
        .map_err(io::Error::from)?;
    let mut stamp = None;
    for c in msg.cmsgs().map_err(io::Error::from)? {
        if let ControlMessageOwned::ScmTimestampns(ts) = c {
            let ns = i128::from(ts.tv_sec()) * 1_000_000_000 + i128::from(ts.tv_nsec());
            stamp = u64::try_from(ns).ok();
        }
    }
    Ok((msg.bytes, stamp))
}

#[cfg(not(target_os = "linux"))]
fn recv_stamped(_stream: &TcpStream, _dst: &mut [u8]) -> io::Result<(usize, Option<u64>)> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "kernel receive timestamps need Linux"))
}

impl AsyncRead for StampedTcp {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            ready!(this.inner.poll_read_ready(cx))?;
            let dst = buf.initialize_unfilled();
            let inner = &this.inner;
            match inner.try_io(Interest::READABLE, || recv_stamped(inner, dst)) {
                Ok((n, stamp)) => {
                    if n > 0 {
                        // Never an older read's stamp for these bytes.
                        this.last_rx_ns = stamp.unwrap_or(0);
                    }
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for StampedTcp {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::time::{SystemTime, UNIX_EPOCH};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    fn now_ns() -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(0))
    }

    #[tokio::test]
    async fn reads_carry_the_kernel_receive_time() -> io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let mut client = StampedTcp::new(client?)?;
        let (mut server, _) = accepted?;
        assert_eq!(client.last_rx_ns(), 0);
        // Timestamping is switched on machine-wide a moment after the first
        // socket asks: exchange bytes until a read is stamped.
        let mut buf = [0u8; 16];
        for attempt in 0.. {
            server.write_all(b".").await?;
            assert_eq!(client.read(&mut buf).await?, 1);
            if client.last_rx_ns() > 0 {
                break;
            }
            assert!(attempt < 200, "no read was ever stamped");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }

        let before = now_ns();
        server.write_all(b"hello").await?;
        // Received (and stamped) now; read well after.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let n = client.read(&mut buf).await?;
        let read_at = now_ns();
        assert_eq!(&buf[..n], b"hello");
        let stamp = client.last_rx_ns();
        assert!(stamp >= before, "stamp {stamp} before the send at {before}");
        assert!(read_at - stamp >= 40_000_000, "the stamp is the arrival, not the read: {}", read_at - stamp);

        client.write_all(b"back").await?;
        let n = server.read(&mut buf).await?;
        assert_eq!(&buf[..n], b"back");
        Ok(())
    }
}
