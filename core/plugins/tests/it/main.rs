//! Plugins in the Extism host: hostile modules stopped or refused with their codes while
//! other calls carry on, grants enforced, host functions scoped to one company, and the
//! example plugins under `plugins/` (built by `plugins/build.sh`).

mod plugins;
