//! `edit_message`, `regenerate` and `switch_branch` through Tauri's real IPC
//! layer (mock runtime) against the loopback provider double: the JSON the
//! frontend gets for versions, the events of an edit's reply, and typed
//! errors that leave the chat exactly as it was.

mod common;

use clawdesk_lib::events::{StreamEnd, StreamError, StreamStart};
use common::{record_event, EventLog, TestApp};
use provider_double::{ProviderDouble, Script};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

struct BranchApp {
    app: TestApp,
    double: ProviderDouble,
    log: EventLog,
}

impl BranchApp {
    fn start() -> Self {
        let app = TestApp::start();
        let double = tauri::async_runtime::block_on(ProviderDouble::start());
        app.use_double_as_only_provider(&double);
        let log = EventLog::default();
        record_event::<StreamStart>(&app, "stream-start", &log);
        record_event::<StreamEnd>(&app, "stream-end", &log);
        record_event::<StreamError>(&app, "stream-error", &log);
        Self { app, double, log }
    }

    /// A chat of one exchange: "question" → "answer".
    fn chat(&self) -> (String, Vec<Value>) {
        let session = self.app.ok(
            "create_session",
            json!({ "channelId": null, "model": null }),
        )["id"]
            .as_str()
            .unwrap()
            .to_string();
        self.double.enqueue(Script::reply("answer"));
        self.app.ok(
            "send_message",
            json!({ "sessionId": session, "content": "question" }),
        );
        let messages = self.messages(&session);
        (session, messages)
    }

    fn messages(&self, session: &str) -> Vec<Value> {
        self.app
            .ok(
                "get_messages",
                json!({ "sessionId": session, "limit": null }),
            )
            .as_array()
            .unwrap()
            .clone()
    }

    /// Waits for the final event of the reply `message_id`.
    fn wait_for_end_of(&self, message_id: &Value) -> (&'static str, Value) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self
                .log
                .lock()
                .unwrap()
                .iter()
                .find(|(name, payload)| {
                    matches!(*name, "stream-end" | "stream-error")
                        && payload["messageId"] == *message_id
                })
                .cloned();
            if let Some(event) = found {
                return event;
            }
            assert!(Instant::now() < deadline, "no end for {message_id}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn started_replies(&self) -> Vec<Value> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(name, _)| *name == "stream-start")
            .map(|(_, payload)| payload["messageId"].clone())
            .collect()
    }
}

fn contents(messages: &[Value]) -> Vec<&str> {
    messages
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect()
}

#[test]
fn an_edit_answers_the_new_version_and_the_first_stays_one_switch_away() {
    let app = BranchApp::start();
    let (session, before) = app.chat();
    let question = before[0]["id"].clone();
    assert!(before[0].get("versions").is_none(), "one version: no field");
    assert!(before[0].get("parentId").is_none(), "the first message");
    assert_eq!(before[1]["parentId"], question);

    app.double.enqueue(Script::reply("a better answer"));
    let edited = app.app.ok(
        "edit_message",
        json!({ "messageId": question, "content": "a better question" }),
    );
    assert_eq!(edited["content"], "a better question");
    assert_eq!(edited["sessionId"], session.as_str());
    assert_eq!(
        edited["versions"],
        json!({ "position": 2, "count": 2, "previous": question })
    );
    let reply = app.started_replies().last().unwrap().clone();
    let (name, end) = app.wait_for_end_of(&reply);
    assert_eq!(name, "stream-end", "{end}");

    let now = app.messages(&session);
    assert_eq!(contents(&now), ["a better question", "a better answer"]);
    assert_eq!(now[1]["parentId"], edited["id"]);

    app.app
        .ok("switch_branch", json!({ "messageId": question }));
    let back = app.messages(&session);
    assert_eq!(contents(&back), ["question", "answer"]);
    assert_eq!(
        back[0]["versions"],
        json!({ "position": 1, "count": 2, "next": edited["id"] })
    );
    assert_eq!(
        app.app.ok("get_session", json!({ "sessionId": session }))["messageCount"],
        2,
        "the messages shown"
    );
}

#[test]
fn regenerate_streams_a_new_version_of_a_reply() {
    let app = BranchApp::start();
    let (session, before) = app.chat();
    app.double
        .enqueue(Script::chunks(vec!["another ".into(), "answer".into()]));
    let reply = app.app.ok(
        "regenerate",
        json!({ "messageId": before[1]["id"], "model": null }),
    );
    assert_eq!(reply["status"], "streaming");
    assert_eq!(reply["content"], "");
    assert_eq!(reply["parentId"], before[0]["id"]);
    assert_eq!(reply["versions"]["position"], 2);
    let (name, _) = app.wait_for_end_of(&reply["id"]);
    assert_eq!(name, "stream-end");
    let now = app.messages(&session);
    assert_eq!(contents(&now), ["question", "another answer"]);
    assert_eq!(now[1]["status"], "complete");
}

#[test]
fn wrong_targets_are_typed_errors_and_change_nothing() {
    let app = BranchApp::start();
    let (session, before) = app.chat();
    let (other, other_messages) = app.chat();
    let unknown = "msg_01ARZ3NDEKTSV4RRFFQ69G5FAV";
    let snapshot = |s: &str| {
        (
            app.messages(s),
            app.app.ok("get_session", json!({ "sessionId": s })),
        )
    };
    let (mine, theirs) = (snapshot(&session), snapshot(&other));

    let cases = [
        (
            "edit_message",
            json!({ "messageId": unknown, "content": "x" }),
            "messageNotFound",
        ),
        (
            "regenerate",
            json!({ "messageId": unknown, "model": null }),
            "messageNotFound",
        ),
        (
            "switch_branch",
            json!({ "messageId": unknown }),
            "messageNotFound",
        ),
        // An assistant message cannot be edited, a question not regenerated.
        (
            "edit_message",
            json!({ "messageId": before[1]["id"], "content": "x" }),
            "invalidArgument",
        ),
        (
            "regenerate",
            json!({ "messageId": before[0]["id"], "model": null }),
            "invalidArgument",
        ),
        // Ids of the wrong kind or shape.
        (
            "edit_message",
            json!({ "messageId": session, "content": "x" }),
            "invalidArgument",
        ),
        (
            "switch_branch",
            json!({ "messageId": "msg_nope" }),
            "invalidArgument",
        ),
        // A model nobody serves.
        (
            "regenerate",
            json!({ "messageId": before[1]["id"], "model": "nowhere/none" }),
            "noProvider",
        ),
        // A message of another chat, opened in this one.
        (
            "get_messages_around",
            json!({
                "sessionId": session, "messageId": other_messages[0]["id"],
                "before": 1, "after": 1
            }),
            "invalidArgument",
        ),
    ];
    for (command, args, kind) in cases {
        let err = app.app.err(command, args.clone());
        assert_eq!(err["kind"], kind, "{command}({args}): {err}");
        if kind == "messageNotFound" {
            assert_eq!(err["messageId"], unknown);
        }
        if kind == "invalidArgument" {
            assert_eq!(err["field"], "messageId", "{command}({args}): {err}");
        }
    }
    assert_eq!(snapshot(&session), mine, "nothing changed");
    assert_eq!(snapshot(&other), theirs, "nothing changed");
}

#[test]
fn an_old_version_found_by_search_opens_after_a_switch() {
    let app = BranchApp::start();
    let (session, before) = app.chat();
    app.double.enqueue(Script::reply("reply two"));
    app.app.ok(
        "edit_message",
        json!({ "messageId": before[0]["id"], "content": "second try" }),
    );
    let reply = app.started_replies().last().unwrap().clone();
    app.wait_for_end_of(&reply);

    let results = app.app.ok(
        "search_messages",
        json!({ "query": "question", "options": null }),
    );
    let hit = &results["groups"][0]["hits"][0];
    assert_eq!(hit["messageId"], before[0]["id"]);
    assert_eq!(hit["otherBranch"], true);
    let around = json!({
        "sessionId": session, "messageId": hit["messageId"], "before": 2, "after": 2
    });
    let err = app.app.err("get_messages_around", around.clone());
    assert_eq!(err["kind"], "invalidArgument");

    app.app
        .ok("switch_branch", json!({ "messageId": hit["messageId"] }));
    let window = app.app.ok("get_messages_around", around);
    assert_eq!(
        contents(window["messages"].as_array().unwrap()),
        ["question", "answer"]
    );
    let results = app.app.ok(
        "search_messages",
        json!({ "query": "question", "options": null }),
    );
    assert!(results["groups"][0]["hits"][0].get("otherBranch").is_none());
}
