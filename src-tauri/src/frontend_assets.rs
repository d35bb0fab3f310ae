//! The built frontend as Tauri embeds it in the binary for the window, also
//! handed to the gateway, which serves it to browsers at `/`: one copy of
//! the app, always the version the window runs.

use clawdesk_gateway::FrontendAssets;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};
use tauri::utils::assets::{AssetKey, AssetsIter, CspHash};
use tauri::{App, Assets, Wry};

/// Tauri's embedded assets behind a shared handle: the window's context and
/// the gateway read the same files.
#[derive(Clone, Default)]
pub struct SharedAssets(Arc<OnceLock<Box<dyn Assets<Wry>>>>);

/// The app's Tauri context, and its frontend for the gateway.
pub fn context() -> (tauri::Context<Wry>, Arc<dyn FrontendAssets>) {
    let mut context = tauri::generate_context!();
    let shared = SharedAssets::default();
    let embedded = context.set_assets(Box::new(shared.clone()));
    // Set once, here, before anyone can read through `shared`.
    let _ = shared.0.set(embedded);
    (context, Arc::new(shared))
}

impl SharedAssets {
    fn inner(&self) -> &dyn Assets<Wry> {
        self.0
            .get()
            .expect("set by context() before the assets are handed out")
            .as_ref()
    }
}

impl Assets<Wry> for SharedAssets {
    fn setup(&self, app: &App<Wry>) {
        self.inner().setup(app)
    }

    fn get(&self, key: &AssetKey) -> Option<Cow<'_, [u8]>> {
        self.inner().get(key)
    }

    fn iter(&self) -> Box<AssetsIter<'_>> {
        self.inner().iter()
    }

    fn csp_hashes(&self, html_path: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
        self.inner().csp_hashes(html_path)
    }
}

impl FrontendAssets for SharedAssets {
    fn get(&self, path: &str) -> Option<Cow<'_, [u8]>> {
        self.inner().get(&AssetKey::from(path))
    }
}
