# shellcheck shell=bash
# Shared by .ci/run, .ci/provision and .ci/check (sourced, not run).

# Phase headers carry the clock and the seconds since the outermost script
# started, so one run of .ci/run reads as one timeline across the scripts.
CI_STARTED_AT="${CI_STARTED_AT:-$(date +%s)}"
export CI_STARTED_AT

phase() { printf '\n==> [%s +%ss] %s\n' "$(date -u +%H:%M:%S)" "$(($(date +%s) - CI_STARTED_AT))" "$*"; }
die() { printf '\nerror: %s\n' "$*" >&2; exit 1; }

# find_tool NAME: the path of NAME from PATH, or from where pip (python3's
# scripts folder, or ~/.local/bin for `pip install --user`) or `cargo
# install` puts it when that folder is not on PATH. Fails when there is none.
find_tool() {
    local name=$1 dir
    command -v "$name" && return 0
    for dir in "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)" \
        "$HOME/.local/bin" "${CARGO_HOME:-$HOME/.cargo}/bin"; do
        if [ -n "$dir" ] && [ -x "$dir/$name" ]; then
            printf '%s\n' "$dir/$name"
            return 0
        fi
    done
    return 1
}
