# Two commands do everything on a fresh Debian/Ubuntu machine:
#   make run   install what is needed, build, and launch the app
#   make test  install what is needed and run every test
.PHONY: setup frontend run test test-rust test-keychain test-ts lint smoke e2e package package-test bench bindings contract

setup:
	./scripts/setup.sh

frontend: setup
	npm run build

run: frontend
	cargo run -p clawdesk

test: setup lint test-rust test-keychain test-ts smoke e2e package-test
	@echo "make test: all suites passed"

lint: frontend
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

# Includes the bindings drift check (src-tauri/tests/bindings_drift.rs).
# The guard listens on Ollama's default port and fails the run if any test
# contacts it: tests reach only loopback servers they started themselves.
# The store tests run on SQLite and on PostgreSQL: with-postgres.sh starts a
# throw-away server (loopback and a socket in a temporary directory), gives
# its URL to the tests in CLAWDESK_TEST_DATABASE_URL, and removes it after.
# The connection tests run once more on a server with TLS (a certificate of
# a throw-away CA): sslmode=require and verify-full handshake for real.
test-rust: frontend
	./scripts/hermetic-guard.py -- ./scripts/with-postgres.sh -- cargo test --workspace
	WITH_POSTGRES_TLS=1 ./scripts/hermetic-guard.py -- ./scripts/with-postgres.sh -- \
		cargo test -p clawdesk-core --test postgres_connect

# Secrets in a real Secret Service: gnome-keyring on a private D-Bus session
# (test-rust runs the same tests without one, where they skip, and the file
# fallback). Fails if the daemon cannot be started.
test-keychain: setup
	./scripts/hermetic-guard.py -- ./scripts/test-keychain.sh

test-ts: setup
	npm run typecheck
	npm test

smoke: frontend
	cargo build -p clawdesk
	./scripts/hermetic-guard.py -- ./scripts/smoke-window.sh target/debug/clawdesk

# The real window driven over WebDriver (tauri-driver + WebKitWebDriver,
# under Xvfb), including the chat scenarios against the loopback provider
# double (CLAWDESK_E2E_CHAT=0 skips those).
e2e: frontend
	cargo build -p clawdesk -p provider-double
	./scripts/hermetic-guard.py -- ./scripts/e2e.sh

# A Debian package (release build) in target/release/bundle/deb/, with
# the desktop entry, icons and the app's dependencies declared.
package: setup
	npx tauri build --bundles deb

# Builds the package (debug, reusing the tests' build), installs it with
# apt, runs the window smoke test on the installed binary, removes it.
package-test: frontend
	./scripts/package-test.sh

bench:
	./scripts/with-postgres.sh -- cargo bench -p clawdesk-core
	cargo bench -p clawdesk-gateway
	./scripts/bench-medians.py

# Regenerate bindings/bindings.ts and the gateway client bindings/gateway.ts
# after changing a command, type or event.
bindings:
	UPDATE_BINDINGS=1 cargo test -p clawdesk --test bindings_drift

# Re-record tests/contract/ after an intended change to the IPC contract.
contract:
	UPDATE_CONTRACT=1 cargo test -p clawdesk --test contract_fixtures
