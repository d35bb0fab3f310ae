//! Every failure of every command is an `AppError`, including the arguments
//! Tauri used to reject itself with a plain string: a missing required
//! argument, a wrong JSON type and an out-of-range number each come back as
//! `invalidArgument` naming the argument as the caller wrote it.

mod common;

use common::TestApp;
use serde_json::{json, Value};

const SESSION: &str = "sess_01ARZ3NDEKTSV4RRFFQ69G5FAV";
const MESSAGE: &str = "msg_01ARZ3NDEKTSV4RRFFQ69G5FAV";

/// Arguments whose type is a boolean.
const BOOLEAN_ARGS: &[&str] = &["pinnedFirst"];

/// One argument to break: its name, whether it is required, and a number
/// out of its range (for numeric arguments).
type Broken = (&'static str, bool, Option<Value>);

/// A command with valid arguments (so only one is broken at a time).
struct Case {
    command: &'static str,
    valid: Value,
    args: Vec<Broken>,
}

fn case(command: &'static str, valid: Value, args: Vec<Broken>) -> Case {
    Case {
        command,
        valid,
        args,
    }
}

fn cases() -> Vec<Case> {
    let session = || json!({ "sessionId": SESSION });
    let session_arg = || vec![("sessionId", true, None)];
    let send = || json!({ "sessionId": SESSION, "content": "hi" });
    let send_args = || vec![("sessionId", true, None), ("content", true, None)];
    vec![
        case(
            "create_session",
            json!({}),
            vec![("channelId", false, None), ("model", false, None)],
        ),
        case("list_sessions", json!({}), vec![]),
        case(
            "list_sessions_page",
            json!({ "cursor": null, "limit": 10, "pinnedFirst": true }),
            vec![
                ("cursor", false, None),
                ("limit", false, Some(json!(-1))),
                ("pinnedFirst", false, None),
            ],
        ),
        case("get_session", session(), session_arg()),
        case(
            "update_session",
            json!({ "sessionId": SESSION, "patch": { "pinned": true } }),
            vec![("sessionId", true, None), ("patch", true, None)],
        ),
        case("delete_session", session(), session_arg()),
        case(
            "get_messages",
            json!({ "sessionId": SESSION, "limit": 10 }),
            vec![("sessionId", true, None), ("limit", false, Some(json!(-1)))],
        ),
        case(
            "get_messages_around",
            json!({ "sessionId": SESSION, "messageId": MESSAGE, "before": 5, "after": 5 }),
            vec![
                ("sessionId", true, None),
                ("messageId", true, None),
                ("before", false, Some(json!(-1))),
                ("after", false, Some(json!(4_294_967_296u64))),
            ],
        ),
        case(
            "search_messages",
            json!({ "query": "hello", "options": { "limit": 5 } }),
            vec![("query", true, None), ("options", false, None)],
        ),
        case("send_message", send(), send_args()),
        case("send_message_streaming", send(), send_args()),
        case("cancel_stream", session(), session_arg()),
        case("compact_session", session(), session_arg()),
        case(
            "edit_message",
            json!({ "messageId": MESSAGE, "content": "hi" }),
            vec![
                ("messageId", true, Some(json!(SESSION))),
                ("content", true, None),
            ],
        ),
        case(
            "regenerate",
            json!({ "messageId": MESSAGE, "model": null }),
            vec![
                ("messageId", true, Some(json!("msg_x"))),
                ("model", false, None),
            ],
        ),
        case(
            "switch_branch",
            json!({ "messageId": MESSAGE }),
            vec![("messageId", true, Some(json!("")))],
        ),
        case("get_config", json!({}), vec![]),
        case(
            "update_config",
            json!({ "key": "gateway.port", "value": 1500 }),
            vec![("key", true, None), ("value", true, None)],
        ),
        case("get_models", json!({}), vec![]),
        case("get_channels", json!({}), vec![]),
        case("get_gateway_token", json!({}), vec![]),
        case("rotate_gateway_token", json!({}), vec![]),
        case("get_remote_token", json!({}), vec![]),
        case("get_health", json!({}), vec![]),
        case("get_metrics", json!({}), vec![]),
        case(
            "export_session",
            json!({ "sessionId": SESSION, "path": "/tmp/x.md", "format": "markdown" }),
            vec![
                ("sessionId", true, None),
                ("path", true, Some(json!(7))),
                ("format", true, Some(json!("pdf"))),
            ],
        ),
        case(
            "export_all_sessions",
            json!({ "path": "/tmp/x.json" }),
            vec![("path", true, Some(json!(["/tmp"])))],
        ),
        case(
            "import_archive",
            json!({ "path": "/tmp/x.json" }),
            vec![("path", true, Some(json!(null)))],
        ),
    ]
}

fn assert_invalid_argument(err: &Value, field: &str, what: &str) {
    assert_eq!(err["kind"], "invalidArgument", "{what}: {err}");
    assert_eq!(err["field"], field, "{what}: {err}");
    let message = err["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(field),
        "{what}: the message names the argument: {err}"
    );
}

fn without(valid: &Value, field: &str) -> Value {
    let mut args = valid.clone();
    args.as_object_mut().unwrap().remove(field);
    args
}

fn with(valid: &Value, field: &str, value: Value) -> Value {
    let mut args = valid.clone();
    args[field] = value;
    args
}

#[test]
fn the_table_names_every_generated_command() {
    let bindings = std::fs::read_to_string(clawdesk_lib::bindings::bindings_path()).unwrap();
    let invoked = bindings.matches("__TAURI_INVOKE(\"").count();
    assert_eq!(
        cases().len(),
        invoked,
        "a command is missing from the table"
    );
}

#[test]
fn missing_wrong_type_and_out_of_range_arguments_are_typed_for_every_command() {
    let app = TestApp::start();
    for case in cases() {
        for (field, required, out_of_range) in &case.args {
            let what = format!("{}({field})", case.command);
            if *required {
                let err = app.err(case.command, without(&case.valid, field));
                assert_invalid_argument(&err, field, &format!("{what} missing"));
            }
            // Every argument is a string, a number, or JSON; an array is none
            // of the first two and `value` is the only JSON one.
            if *field != "value" {
                let err = app.err(case.command, with(&case.valid, field, json!([1, 2])));
                assert_invalid_argument(&err, field, &format!("{what} wrong type"));
                // `true` is the right type for a flag; a string is not.
                let wrong = if BOOLEAN_ARGS.contains(field) {
                    json!("yes")
                } else {
                    json!(true)
                };
                let err = app.err(case.command, with(&case.valid, field, wrong));
                assert_invalid_argument(&err, field, &format!("{what} wrong type"));
            }
            if let Some(value) = out_of_range {
                let err = app.err(case.command, with(&case.valid, field, value.clone()));
                assert_invalid_argument(&err, field, &format!("{what} out of range"));
            }
        }
    }
}

#[test]
fn numbers_out_of_range_and_malformed_ids_are_typed() {
    let app = TestApp::start();
    for limit in [json!(-1), json!(4_294_967_296u64), json!(1.5), json!("10")] {
        let err = app.err(
            "get_messages",
            json!({ "sessionId": SESSION, "limit": limit }),
        );
        assert_invalid_argument(&err, "limit", &format!("limit {limit}"));
    }
    for bad in [
        "sess_8ZZZZZZZZZZZZZZZZZZZZZZZZZ",
        "msg_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "sess_01ARZ3NDEKTSV4RRFFQ69G5FA",
        "",
    ] {
        for command in ["get_session", "send_message_streaming", "cancel_stream"] {
            let err = app.err(command, json!({ "sessionId": bad, "content": "hi" }));
            assert_invalid_argument(&err, "sessionId", &format!("{command}({bad:?})"));
        }
    }
    // Nothing was created or changed by any of it.
    assert_eq!(app.ok("list_sessions", json!({})), json!([]));
}
