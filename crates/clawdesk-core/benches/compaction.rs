//! Compacting a 2,000-message session through `Pipeline::compact`, against
//! the loopback provider double (Anthropic wire format) over real HTTP.
//!
//! Target (issue): median time spent outside the provider call < 50 ms.
//! "Outside" is the whole compaction minus the summary request's own round
//! trip, which is measured in the same run by sending the identical request
//! through the same provider client. Store-side phases (reading the live
//! context, the compaction transaction) are timed on their own as well.
//! Prints medians; exits non-zero when the target is missed.

mod figures;
#[path = "../tests/support/mod.rs"]
mod support;

use clawdesk_core::ids::SessionId;
use clawdesk_core::pipeline::{compaction_split, summary_request};
use clawdesk_core::providers::ProviderEvent;
use clawdesk_core::registry::ProviderRegistry;
use clawdesk_core::store::{NewSummary, SessionStore, SqliteStore};
use figures::{median, ms, rounds};
use futures_util::StreamExt;
use provider_double::{ProviderDouble, Script};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Harness, Wire};

const MESSAGES: i64 = 2_000;
const ROUNDS: usize = 15;
const TARGET_MS: f64 = 50.0;

/// One session of `MESSAGES` alternating user/assistant messages per round
/// (compaction changes a session, so each round gets a fresh one), seeded
/// in one SQL statement per table, with stored token counts.
async fn seed(store: &SqliteStore, sessions: i64) {
    let mut tx = store.pool().begin().await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
         INSERT INTO sessions (id, channel_id, model, title, created_at, last_active, message_count)
         SELECT printf('sess_01JBENCH%018d', i), 'desktop', NULL, 'Session ' || i,
                1700000000000 + i, 1700000000000 + i, ? FROM n",
    )
    .bind(sessions)
    .bind(MESSAGES)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
         INSERT INTO messages (id, session_id, seq, role, content, model, input_tokens,
                               output_tokens, status, created_at, tokens)
         SELECT printf('msg_01JBENCH%018d', i), printf('sess_01JBENCH%018d', i / ?), i % ? + 1,
                CASE i % 2 WHEN 0 THEN 'user' ELSE 'assistant' END,
                'A message of ordinary length, about the size people type into a chat box '
                || 'or a model answers with in a couple of sentences, number ' || i,
                CASE i % 2 WHEN 0 THEN NULL ELSE 'claude-sonnet-4-5' END,
                CASE i % 2 WHEN 0 THEN NULL ELSE 120 END,
                CASE i % 2 WHEN 0 THEN NULL ELSE 34 END,
                'complete', 1700000000000 + i, 34 FROM n",
    )
    .bind(sessions * MESSAGES)
    .bind(MESSAGES)
    .bind(MESSAGES)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
}

fn session_id(i: usize) -> SessionId {
    SessionId::parse(format!("sess_01JBENCH{i:018}")).unwrap()
}

const SUMMARY: &str = "The user and the assistant exchanged two thousand ordinary messages.";

fn main() {
    let rounds = rounds(ROUNDS, 1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clawdesk.db");
        // Sessions: warm-up, `rounds` measured compactions, `rounds` for the
        // store-only phase.
        let sessions = 1 + 2 * rounds;
        let seeded = SqliteStore::open(&path).await.unwrap();
        seed(&seeded, sessions as i64).await;
        seeded.close().await;
        drop(seeded);
        let store: Arc<dyn SessionStore> = Arc::new(SqliteStore::open(&path).await.unwrap());
        let double = ProviderDouble::start().await;
        double.set_default(Script::reply(SUMMARY).usage(70_000, 15));
        let h = Harness::with(Wire::Anthropic, double, dir, store);
        let config = h.config.shared();
        let registry = ProviderRegistry::with_config_manager(h.config.clone());
        let routed = registry.route(Wire::Anthropic.model()).await.unwrap();

        // The summary request's round trip alone: same request, same client.
        let provider_call = |request| {
            let provider = &routed.provider;
            async move {
                let started = Instant::now();
                let mut stream = provider.stream_chat(&request).await.unwrap();
                let mut text = String::new();
                while let Some(event) = stream.next().await {
                    if let ProviderEvent::TextDelta(delta) = event.unwrap() {
                        text.push_str(&delta);
                    }
                }
                assert_eq!(text, SUMMARY);
                started.elapsed()
            }
        };

        let warm = h.pipeline.compact(&session_id(0)).await.unwrap();
        assert_eq!(warm.messages_before, MESSAGES as u32);
        assert_eq!(warm.messages_after, 9);

        let (mut totals, mut provider_times, mut reads, mut writes) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let session = session_id(1 + round);
            // The identical request, from a session in the same state.
            let live = h.store.get_live_messages(&session).await.unwrap();
            let split = compaction_split(&live, 8).unwrap();
            let config = config.load();
            let request = summary_request(
                Wire::Anthropic.model(),
                &config.defaults.system_prompt,
                &config,
                routed.context_window,
                &live[..split],
            );
            assert_eq!(request.turns.len(), split + 1);
            provider_times.push(provider_call(request).await);

            let started = Instant::now();
            let result = h.pipeline.compact(&session).await.unwrap();
            totals.push(started.elapsed());
            assert_eq!(
                (result.messages_before, result.messages_after),
                (MESSAGES as u32, 9)
            );
            assert_eq!(result.tokens_saved, (MESSAGES as u32 - 8) * 34 - 15);

            // Store phases on their own, on another fresh session.
            let other = session_id(1 + rounds + round);
            let started = Instant::now();
            let live = h.store.get_live_messages(&other).await.unwrap();
            reads.push(started.elapsed());
            let started = Instant::now();
            h.store
                .apply_compaction(
                    &other,
                    &live[live.len() - 9].id,
                    NewSummary {
                        content: SUMMARY.into(),
                        model: None,
                        usage: None,
                        tokens: 15,
                    },
                )
                .await
                .unwrap();
            writes.push(started.elapsed());
        }
        let total = median(totals.clone());
        let provider = median(provider_times.clone());
        let outside: Vec<Duration> = totals
            .iter()
            .zip(&provider_times)
            .map(|(t, p)| t.saturating_sub(*p))
            .collect();
        let outside = median(outside);
        println!("compaction/{MESSAGES}_messages ({rounds} rounds, medians)");
        println!("  compact_session total          {:9.3} ms", ms(total));
        println!("  summary request round trip     {:9.3} ms", ms(provider));
        println!(
            "  outside the provider call      {:9.3} ms (target < {TARGET_MS} ms)",
            ms(outside)
        );
        println!(
            "  read live context (2,000 rows) {:9.3} ms",
            ms(median(reads))
        );
        println!(
            "  compaction transaction         {:9.3} ms",
            ms(median(writes))
        );
        if rounds == ROUNDS && ms(outside) >= TARGET_MS {
            eprintln!("compaction: the target was missed");
            std::process::exit(1);
        }
    });
}
