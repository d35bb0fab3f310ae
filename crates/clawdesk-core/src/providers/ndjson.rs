//! Splits a byte stream into lines (newline-delimited JSON) with tokio-util's
//! line codec. Lines may arrive split across network reads; `\r\n` endings
//! and blank lines are tolerated; a final line without a newline counts.

use bytes::Bytes;
use futures_util::stream::{BoxStream, Stream, StreamExt, TryStreamExt};
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};
use tokio_util::io::StreamReader;

pub(super) fn lines<S, E>(body: S) -> BoxStream<'static, Result<String, LinesCodecError>>
where
    S: Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let reader = StreamReader::new(body.map_err(std::io::Error::other));
    FramedRead::new(reader, LinesCodec::new())
        .try_filter(|line| std::future::ready(!line.trim().is_empty()))
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    #[tokio::test]
    async fn joins_split_lines_and_keeps_an_unterminated_last_line() {
        let parts: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"{\"a\":")),
            Ok(Bytes::from_static(b"1}\n\n{\"b\":2}\r\n{\"c\"")),
            Ok(Bytes::from_static(b":3}")),
        ];
        let got: Vec<String> = lines(stream::iter(parts))
            .map(|line| line.unwrap())
            .collect()
            .await;
        assert_eq!(got, vec!["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"]);
    }

    #[tokio::test]
    async fn a_transport_error_ends_the_lines_with_an_error() {
        let parts: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"{\"a\":1}\n")),
            Err(std::io::Error::other("connection reset")),
        ];
        let got: Vec<_> = lines(stream::iter(parts)).collect().await;
        assert_eq!(got.len(), 2);
        assert!(matches!(&got[1], Err(LinesCodecError::Io(_))));
    }
}
