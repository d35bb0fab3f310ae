//! ConfigManager on real files in a temporary directory.

use clawdesk_core::config::{AppConfig, ConfigManager, ProviderKind};
use clawdesk_core::AppError;
use serde_json::json;

fn fresh() -> (tempfile::TempDir, ConfigManager) {
    let dir = tempfile::tempdir().unwrap();
    let manager = ConfigManager::load(dir.path());
    (dir, manager)
}

#[test]
fn defaults_without_a_file() {
    let (_dir, manager) = fresh();
    let config = manager.get();
    assert_eq!(*config, AppConfig::default());
    assert_eq!(config.gateway.port, 1420);
    assert!(manager.load_issues().is_empty());
}

#[test]
fn valid_update_is_swapped_in_and_persisted() {
    let (dir, manager) = fresh();
    let shared = manager.shared();
    manager.update("gateway.port", json!(1500)).unwrap();
    assert_eq!(shared.load().gateway.port, 1500, "live without restart");
    manager
        .update(
            "providers.anthropic.baseUrl",
            json!("http://127.0.0.1:9999"),
        )
        .unwrap();
    manager
        .update("compaction.thresholdPercent", json!(50))
        .unwrap();

    let reloaded = ConfigManager::load(dir.path());
    assert_eq!(*reloaded.get(), *manager.get());
    assert!(reloaded.load_issues().is_empty());
}

#[test]
fn unknown_keys_are_config_key_errors_and_change_nothing() {
    let (dir, manager) = fresh();
    let before = manager.get();
    for key in [
        "gateway.prot",
        "nope",
        "gateway.port.x",
        "",
        "gateway..port",
        "providers.nobody.baseUrl",
        "providers.anthropic.apiKeySet",
    ] {
        let err = manager.update(key, json!(1)).unwrap_err();
        assert!(matches!(err, AppError::ConfigKey { .. }), "{key}: {err:?}");
    }
    // A partial object naming an unknown field names the full path.
    let err = manager.update("gateway", json!({ "prot": 1 })).unwrap_err();
    assert_eq!(
        err,
        AppError::config_key("gateway.prot", "is not a configuration key")
    );
    assert_eq!(*manager.get(), *before);
    assert!(
        !dir.path().join("config.toml").exists(),
        "nothing was written"
    );
}

#[test]
fn wrong_types_and_ranges_are_config_value_errors_and_change_nothing() {
    let (_dir, manager) = fresh();
    let before = manager.get();
    let cases = [
        (
            "gateway.port",
            json!("1420"),
            "an integer from 1024 to 65535",
        ),
        (
            "gateway.port",
            json!(70000),
            "an integer from 1024 to 65535",
        ),
        ("gateway.port", json!(80), "an integer from 1024 to 65535"),
        (
            "gateway.port",
            json!(1420.5),
            "an integer from 1024 to 65535",
        ),
        ("providers.openai.enabled", json!("yes"), "a boolean"),
        (
            "providers.openai.baseUrl",
            json!("ftp://x"),
            "an http:// or https:// URL",
        ),
        (
            "providers.openai.kind",
            json!("gemini"),
            "one of \"anthropic\", \"openai\", \"ollama\"",
        ),
        (
            "compaction.thresholdPercent",
            json!(2),
            "an integer percent from 10 to 95",
        ),
        (
            "compaction.thresholdPercent",
            json!(0.5),
            "an integer percent from 10 to 95",
        ),
        (
            "compaction.keepRecent",
            json!(-1),
            "an integer from 2 to 1000",
        ),
        ("defaults.model", json!(""), "a non-empty model id"),
        ("network", json!(5), "an object"),
        (
            "network.maxRetryWaitMs",
            json!(50),
            "milliseconds from 100 to 600000",
        ),
        (
            "network.maxRetryWaitMs",
            json!("60s"),
            "milliseconds from 100 to 600000",
        ),
    ];
    for (key, value, expected) in cases {
        match manager.update(key, value.clone()) {
            Err(AppError::ConfigValue {
                key: k,
                expected: e,
                ..
            }) => {
                assert_eq!((k.as_str(), e.as_str()), (key, expected), "{key} = {value}");
            }
            other => panic!("{key} = {value}: {other:?}"),
        }
    }
    assert_eq!(*manager.get(), *before);
}

#[test]
fn partial_objects_merge_field_by_field() {
    let (_dir, manager) = fresh();
    manager
        .update("network", json!({ "idleTimeoutMs": 5000 }))
        .unwrap();
    let config = manager.get();
    assert_eq!(config.network.idle_timeout_ms, 5000);
    assert_eq!(
        config.network.connect_timeout_ms,
        AppConfig::default().network.connect_timeout_ms
    );
}

#[test]
fn openai_compatible_providers_can_be_added_and_removed() {
    let (dir, manager) = fresh();
    manager
        .update("providers.groq", json!({ "kind": "openai", "baseUrl": "http://127.0.0.1:8080/v1", "includeUsage": false }))
        .unwrap();
    let groq = manager.get().providers["groq"].clone();
    assert_eq!(groq.kind, ProviderKind::Openai);
    assert!(groq.enabled && !groq.include_usage && !groq.api_key_set);
    // Missing required fields: configValue, nothing added.
    let err = manager
        .update("providers.vllm", json!({ "kind": "openai" }))
        .unwrap_err();
    assert!(matches!(err, AppError::ConfigValue { .. }), "{err:?}");
    assert!(!manager.get().providers.contains_key("vllm"));
    let err = manager
        .update(
            "providers.bad name",
            json!({ "kind": "openai", "baseUrl": "http://x.y" }),
        )
        .unwrap_err();
    assert!(matches!(err, AppError::ConfigValue { .. }), "{err:?}");

    assert_eq!(
        ConfigManager::load(dir.path()).get().providers["groq"],
        groq
    );
    manager
        .update("providers.groq.apiKey", json!("gsk-secret"))
        .unwrap();
    manager.update("providers.groq", json!(null)).unwrap();
    assert!(!manager.get().providers.contains_key("groq"));
    assert!(manager.api_key("groq").is_none(), "its key goes with it");
    let err = manager.update("providers.groq", json!(null)).unwrap_err();
    assert!(matches!(err, AppError::ConfigKey { .. }));
}

#[test]
fn api_keys_are_write_only_and_never_in_the_config_file() {
    let (dir, manager) = fresh();
    manager
        .update("providers.anthropic.apiKey", json!("sk-ant-very-secret"))
        .unwrap();
    assert!(manager.get().providers["anthropic"].api_key_set);
    assert_eq!(
        manager.api_key("anthropic").unwrap().expose(),
        "sk-ant-very-secret"
    );
    assert!(!format!("{:?}", manager.api_key("anthropic")).contains("very-secret"));

    // The visible config says only that a key is set.
    let visible = serde_json::to_string(&*manager.get()).unwrap();
    assert!(!visible.contains("very-secret"));
    manager.update("gateway.port", json!(1600)).unwrap();
    let toml = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    assert!(
        !toml.contains("very-secret") && !toml.contains("apiKeySet"),
        "{toml}"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("secrets.toml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let reloaded = ConfigManager::load(dir.path());
    assert!(reloaded.get().providers["anthropic"].api_key_set);

    for bad in [json!(""), json!(42), json!("line\nbreak")] {
        assert!(matches!(
            manager.update("providers.anthropic.apiKey", bad),
            Err(AppError::ConfigValue { .. })
        ));
    }
    assert!(matches!(
        manager.update("providers.nobody.apiKey", json!("k")),
        Err(AppError::ConfigKey { .. })
    ));
    manager
        .update("providers.anthropic.apiKey", json!(null))
        .unwrap();
    assert!(!manager.get().providers["anthropic"].api_key_set);
}

/// A server guide's reader writes the database URL and a key straight into
/// config.toml: they are used, moved to the secret store, and gone from the
/// file; one that fails its checks is reported without its value.
#[test]
fn secrets_written_into_the_config_file_move_to_the_secret_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[storage]\ndatabaseUrl = \"postgres://team:hunter2@db.local/clawdesk\"\n\n\
         [gateway]\nport = 1611\ntoken = \"gw-token-by-hand\"\n\n\
         [providers.openai]\nenabled = true\napiKey = \"sk-by-hand\"\n\n\
         [remote]\ntoken = \"\"\n",
    )
    .unwrap();
    let manager = ConfigManager::load(dir.path());
    let config = manager.get();
    assert_eq!(config.gateway.port, 1611, "the rest of the file is used");
    assert_eq!(
        manager.database_url().unwrap().expose(),
        "postgres://team:hunter2@db.local/clawdesk"
    );
    assert!(config.storage.database_url_set);
    assert_eq!(
        manager.gateway_token().unwrap().expose(),
        "gw-token-by-hand"
    );
    assert_eq!(manager.api_key("openai").unwrap().expose(), "sk-by-hand");

    let toml = std::fs::read_to_string(&path).unwrap();
    for secret in [
        "hunter2",
        "gw-token-by-hand",
        "sk-by-hand",
        "token",
        "apiKey",
    ] {
        assert!(!toml.contains(secret), "{secret} in {toml}");
    }
    assert!(toml.contains("1611"));
    let secrets = std::fs::read_to_string(dir.path().join("secrets.toml")).unwrap();
    assert!(secrets.contains("hunter2") && secrets.contains("sk-by-hand"));

    // The empty remote token failed its check: reported, never echoed.
    let issues: Vec<_> = manager.load_issues().iter().map(|i| &i.message).collect();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(issues[0].contains("remote.token"), "{}", issues[0]);
    assert!(!config.remote.token_set);

    // Loaded again: the same secrets, from their store, and no issue.
    let again = ConfigManager::load(dir.path());
    assert!(again.load_issues().is_empty());
    assert_eq!(again.api_key("openai").unwrap().expose(), "sk-by-hand");
}

#[test]
fn corrupt_file_is_kept_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "gateway = { port = [[[ not toml").unwrap();
    let manager = ConfigManager::load(dir.path());
    assert_eq!(*manager.get(), AppConfig::default());
    let issue = &manager.load_issues()[0];
    let aside = issue.kept_aside_as.clone().expect("renamed aside");
    assert_eq!(
        std::fs::read_to_string(aside).unwrap(),
        "gateway = { port = [[[ not toml"
    );
    assert!(!path.exists());
    assert!(
        issue.message.contains("not valid TOML"),
        "{}",
        issue.message
    );
}

#[test]
fn out_of_range_file_is_kept_aside_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "[gateway]\nport = 80\n").unwrap();
    let manager = ConfigManager::load(dir.path());
    assert_eq!(manager.get().gateway.port, 1420);
    assert!(manager.load_issues()[0].message.contains("gateway.port"));
}

#[test]
fn hand_written_partial_file_fills_in_defaults_and_keeps_custom_providers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[defaults]\nmodel = \"llama3.2\"\n\n[providers.lmstudio]\nkind = \"openai\"\nbaseUrl = \"http://127.0.0.1:1234/v1\"\n\n[future]\nthing = 1\n",
    )
    .unwrap();
    let manager = ConfigManager::load(dir.path());
    assert!(
        manager.load_issues().is_empty(),
        "{:?}",
        manager.load_issues()
    );
    let config = manager.get();
    assert_eq!(config.defaults.model, "llama3.2");
    assert_eq!(config.gateway.port, 1420);
    assert!(config.providers["lmstudio"].enabled);
    assert!(config.providers.contains_key("anthropic"));
}

#[test]
fn nullable_settings_can_be_reset_to_null_and_others_cannot() {
    let (dir, manager) = fresh();
    let db = dir.path().join("elsewhere.db");
    manager
        .update("storage.databasePath", json!(db.to_str().unwrap()))
        .unwrap();
    assert!(manager.get().storage.database_path.is_some());
    manager.update("storage.databasePath", json!(null)).unwrap();
    assert_eq!(manager.get().storage.database_path, None);
    assert_eq!(
        ConfigManager::load(dir.path()).get().storage.database_path,
        None,
        "the reset is persisted"
    );

    let before = manager.get();
    for key in ["gateway.port", "defaults.model", "compaction.auto"] {
        let err = manager.update(key, json!(null)).unwrap_err();
        assert!(
            matches!(err, AppError::ConfigValue { key: ref k, .. } if k == key),
            "{key}: {err:?}"
        );
    }
    assert_eq!(manager.get(), before, "a refused null changes nothing");
}

#[test]
fn unknown_fields_of_a_new_provider_entry_are_refused_like_an_existing_ones() {
    let (_dir, manager) = fresh();
    let entry =
        json!({ "kind": "openai", "baseUrl": "http://127.0.0.1:1234/v1", "temperature": 0.2 });
    let err = manager.update("providers.lmstudio", entry).unwrap_err();
    assert!(
        matches!(err, AppError::ConfigKey { ref key, .. } if key == "providers.lmstudio.temperature"),
        "{err:?}"
    );
    assert!(!manager.get().providers.contains_key("lmstudio"));
    let err = manager
        .update("providers.openai", json!({ "temperature": 0.2 }))
        .unwrap_err();
    assert!(matches!(err, AppError::ConfigKey { .. }), "{err:?}");
}

/// The typed keys of the bindings (`ConfigValues`) and the keys the runtime
/// accepts are the same set: every leaf of the config outside `providers`.
#[test]
fn typed_config_keys_are_exactly_the_settable_leaves() {
    use clawdesk_core::config::typed_keys::{ConfigValues, PROVIDER_FIELDS};
    fn leaves(prefix: &str, value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    leaves(&key, v, out);
                }
            }
            _ => out.push(prefix.to_string()),
        }
    }
    let (_dir, manager) = fresh();
    let mut config = serde_json::to_value(&*manager.get()).unwrap();
    let providers = config.as_object_mut().unwrap().remove("providers").unwrap();
    let mut runtime = Vec::new();
    leaves("", &config, &mut runtime);
    // Read-only: says whether the gateway token (a secret) is stored.
    // Read-only: say whether the gateway token, the database URL and the
    // server token (secrets) are stored.
    runtime.retain(|key| {
        key != "gateway.tokenSet" && key != "storage.databaseUrlSet" && key != "remote.tokenSet"
    });
    // Write-only: the database URL (a secret) is set, never read back.
    runtime.push("storage.databaseUrl".to_string());
    runtime.sort();
    let typed_json = serde_json::to_value(ConfigValues::default()).unwrap();
    let mut typed: Vec<String> = typed_json.as_object().unwrap().keys().cloned().collect();
    // Write-only: the server token is set through its key and never read back.
    assert!(typed.contains(&"remote.token".to_string()));
    typed.retain(|key| key != "remote.token");
    typed.sort();
    assert_eq!(typed, runtime);
    for key in &typed {
        let current = config
            .pointer(&format!("/{}", key.replace('.', "/")))
            .cloned()
            .unwrap_or_else(|| {
                assert_eq!(
                    key, "storage.databaseUrl",
                    "only write-only keys are absent"
                );
                serde_json::Value::Null
            });
        manager
            .update(key, current)
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
    }

    let mut provider_fields: Vec<String> = providers["ollama"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "apiKeySet")
        .cloned()
        .collect();
    provider_fields.sort();
    let mut declared: Vec<String> = PROVIDER_FIELDS.iter().map(|f| f.to_string()).collect();
    declared.sort();
    assert_eq!(provider_fields, declared);
}

/// The gateway token is a secret: made on request, stored beside the API
/// keys (never in config.toml), reported only as `gateway.tokenSet`.
#[test]
fn the_gateway_token_is_a_secret_and_rotates() {
    let (dir, manager) = fresh();
    assert!(manager.gateway_token().is_none());
    assert!(!manager.get().gateway.token_set);
    let token = manager.ensure_gateway_token().unwrap();
    assert_eq!(token.expose().len(), 64, "256 bits as hex");
    assert!(token.expose().chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(manager.ensure_gateway_token().unwrap(), token, "made once");
    assert!(manager.get().gateway.token_set);
    let rotated = manager.rotate_gateway_token().unwrap();
    assert_ne!(rotated, token);
    assert_eq!(manager.gateway_token(), Some(rotated.clone()));
    assert!(!format!("{rotated:?}").contains(rotated.expose()));

    manager
        .update("gateway.enabled", serde_json::json!(true))
        .unwrap();
    let toml = std::fs::read_to_string(manager.file_path()).unwrap();
    assert!(
        !toml.contains(rotated.expose()) && !toml.contains("tokenSet"),
        "{toml}"
    );
    let json = serde_json::to_string(&*manager.get()).unwrap();
    assert!(!json.contains(rotated.expose()));
    let err = manager
        .update("gateway.tokenSet", serde_json::json!(false))
        .unwrap_err();
    assert!(matches!(err, AppError::ConfigKey { .. }), "{err:?}");

    // Kept across a restart.
    let again = ConfigManager::load(manager.file_path().parent().unwrap());
    assert_eq!(again.gateway_token(), Some(rotated));
    assert!(again.get().gateway.token_set && again.get().gateway.enabled);
    drop(dir);
}

#[test]
fn gateway_host_is_an_ip_or_a_host_name() {
    let (_dir, manager) = fresh();
    assert_eq!(manager.get().gateway.host, "127.0.0.1");
    assert!(!manager.get().gateway.enabled);
    for good in [
        "0.0.0.0",
        "::1",
        "localhost",
        "my-box.local",
        "192.168.1.20",
    ] {
        manager
            .update("gateway.host", serde_json::json!(good))
            .unwrap_or_else(|e| panic!("{good}: {e:?}"));
    }
    for bad in ["", "http://x", "a b", "-x", "1.2.3", "[::1]", "host:80"] {
        let err = manager
            .update("gateway.host", serde_json::json!(bad))
            .unwrap_err();
        match err {
            AppError::ConfigValue { key, .. } => assert_eq!(key, "gateway.host"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert_eq!(manager.get().gateway.host, "192.168.1.20");
}

/// Read before logging starts, so it must leave a broken file where it is:
/// the real load sets it aside and reports it in health.
#[test]
fn the_log_level_is_read_without_touching_the_config_file() {
    use clawdesk_core::config::{ConfigManager, LogLevel};
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        ConfigManager::configured_log_level(dir.path()),
        LogLevel::Info
    );
    std::fs::write(
        dir.path().join("config.toml"),
        "[logging]\nlevel = \"debug\"\n",
    )
    .unwrap();
    assert_eq!(
        ConfigManager::configured_log_level(dir.path()),
        LogLevel::Debug
    );
    std::fs::write(dir.path().join("config.toml"), "not [valid toml").unwrap();
    assert_eq!(
        ConfigManager::configured_log_level(dir.path()),
        LogLevel::Info
    );
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        files,
        vec![std::ffi::OsString::from("config.toml")],
        "nothing set aside, nothing created"
    );
    let manager = ConfigManager::load(dir.path());
    assert_eq!(
        manager.load_issues().len(),
        1,
        "the real load still reports it"
    );
}

/// The PostgreSQL URL is a secret: stored beside the API keys, never in
/// config.toml, shown only as `storage.databaseUrlSet`; bad values are
/// refused without being echoed, and change nothing.
#[test]
fn the_database_url_is_a_write_only_secret() {
    let (dir, manager) = fresh();
    assert!(!manager.get().storage.database_url_set);
    let url = "postgres://alice:hunter2@db.example:5432/chats?sslmode=require";
    manager.update("storage.databaseUrl", json!(url)).unwrap();
    assert!(manager.get().storage.database_url_set);
    assert_eq!(manager.database_url().unwrap().expose(), url);
    manager.update("gateway.port", json!(1500)).unwrap();
    let toml = std::fs::read_to_string(manager.file_path()).unwrap();
    assert!(
        !toml.contains("hunter2") && !toml.contains("databaseUrl"),
        "{toml}"
    );
    let shown = serde_json::to_string(&*manager.get()).unwrap();
    assert!(!shown.contains("hunter2"), "{shown}");

    let reloaded = ConfigManager::load(dir.path());
    assert!(reloaded.get().storage.database_url_set);
    assert_eq!(reloaded.database_url().unwrap().expose(), url);

    for bad in [
        json!("mysql://alice:hunter3@db/chats"),
        json!("/var/lib/clawdesk.db"),
        json!("postgres://alice:hunter3@db/ch ats"),
        json!("postgres://alice:hunter3@db:notaport/chats"),
        json!(""),
        json!(5432),
    ] {
        match manager.update("storage.databaseUrl", bad.clone()) {
            Err(AppError::ConfigValue { key, expected, .. }) => {
                assert_eq!(key, "storage.databaseUrl");
                assert!(!expected.contains("hunter3"), "{expected}");
            }
            other => panic!("{bad} was not refused: {other:?}"),
        }
        assert_eq!(manager.database_url().unwrap().expose(), url, "unchanged");
    }
    let err = manager
        .update("storage.databaseUrlSet", json!(false))
        .unwrap_err();
    assert!(matches!(err, AppError::ConfigKey { .. }), "{err:?}");

    manager.update("storage.databaseUrl", json!(null)).unwrap();
    assert!(!manager.get().storage.database_url_set);
    assert!(ConfigManager::load(dir.path()).database_url().is_none());
}
