//! Splits a byte stream into lines (newline-delimited JSON). Lines may
//! arrive split across network reads; a final line without a newline counts.

use bytes::{Bytes, BytesMut};
use futures_util::stream::{self, BoxStream, Stream, StreamExt};

pub(super) fn lines<S, E>(body: S) -> BoxStream<'static, Result<String, E>>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Send + 'static,
{
    let state = (body.boxed(), BytesMut::new(), false);
    stream::unfold(state, |(mut body, mut buffer, mut ended)| async move {
        loop {
            if let Some(at) = buffer.iter().position(|b| *b == b'\n') {
                let line = buffer.split_to(at + 1);
                let text = String::from_utf8_lossy(&line).trim().to_string();
                if text.is_empty() {
                    continue;
                }
                return Some((Ok(text), (body, buffer, ended)));
            }
            if ended {
                if buffer.is_empty() {
                    return None;
                }
                let text = String::from_utf8_lossy(&buffer.split()).trim().to_string();
                if text.is_empty() {
                    return None;
                }
                return Some((Ok(text), (body, buffer, ended)));
            }
            match body.next().await {
                Some(Ok(bytes)) => buffer.extend_from_slice(&bytes),
                Some(Err(err)) => {
                    ended = true;
                    buffer.clear();
                    return Some((Err(err), (body, buffer, ended)));
                }
                None => ended = true,
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn joins_split_lines_and_keeps_an_unterminated_last_line() {
        let parts: Vec<Result<Bytes, ()>> = vec![
            Ok(Bytes::from_static(b"{\"a\":")),
            Ok(Bytes::from_static(b"1}\n\n{\"b\":2}\r\n{\"c\"")),
            Ok(Bytes::from_static(b":3}")),
        ];
        let got: Vec<_> = lines(stream::iter(parts)).collect().await;
        assert_eq!(
            got,
            vec![
                Ok("{\"a\":1}".to_string()),
                Ok("{\"b\":2}".to_string()),
                Ok("{\"c\":3}".to_string())
            ]
        );
    }
}
