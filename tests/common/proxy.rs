//! A TCP proxy in front of the test server that counts the statements clients send:
//! simple-protocol `Query` and extended-protocol `Execute` messages.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running proxy; `url` reaches the proxied database.
pub struct CountingProxy {
    pub url: String,
    count: Arc<AtomicUsize>,
}

impl CountingProxy {
    /// Starts a proxy to the database of `db_url` (a URL from `TestDb::url`).
    pub async fn start(db_url: &str, options: &sqlx::postgres::PgConnectOptions) -> CountingProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let count = Arc::new(AtomicUsize::new(0));
        let upstream = Upstream {
            socket: options
                .get_socket()
                .map(|dir| dir.join(format!(".s.PGSQL.{}", options.get_port()))),
            host: options.get_host().to_string(),
            port: options.get_port(),
        };
        let counter = count.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    let server: Box<dyn Stream> = match &upstream.socket {
                        Some(path) => {
                            Box::new(tokio::net::UnixStream::connect(path).await.unwrap())
                        }
                        None => Box::new(
                            tokio::net::TcpStream::connect((upstream.host.as_str(), upstream.port))
                                .await
                                .unwrap(),
                        ),
                    };
                    let (mut server_read, mut server_write) = tokio::io::split(server);
                    let (mut client_read, mut client_write) = client.into_split();
                    let back = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                    });
                    let _ = forward_counting(&mut client_read, &mut server_write, &counter).await;
                    back.abort();
                });
            }
        });
        let mut url = url::Url::parse(db_url).unwrap();
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(port)).unwrap();
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "host")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut()
            .clear()
            .extend_pairs(pairs)
            .append_pair("sslmode", "disable");
        CountingProxy {
            url: url.to_string(),
            count,
        }
    }

    /// Statements sent through the proxy so far.
    pub fn statements(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Upstream {
    socket: Option<std::path::PathBuf>,
    host: String,
    port: u16,
}

trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Stream for T {}

async fn forward_counting(
    from: &mut (impl tokio::io::AsyncRead + Unpin),
    to: &mut (impl tokio::io::AsyncWrite + Unpin),
    counter: &AtomicUsize,
) -> std::io::Result<()> {
    // The startup message has no type byte.
    let len = from.read_u32().await?;
    let mut body = vec![0; len as usize - 4];
    from.read_exact(&mut body).await?;
    to.write_u32(len).await?;
    to.write_all(&body).await?;
    loop {
        let kind = from.read_u8().await?;
        let len = from.read_u32().await?;
        let mut body = vec![0; len as usize - 4];
        from.read_exact(&mut body).await?;
        if kind == b'Q' || kind == b'E' {
            counter.fetch_add(1, Ordering::SeqCst);
        }
        to.write_u8(kind).await?;
        to.write_u32(len).await?;
        to.write_all(&body).await?;
        to.flush().await?;
    }
}
