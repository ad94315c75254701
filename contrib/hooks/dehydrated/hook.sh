#!/bin/sh
# dehydrated hook: on deploy_cert, reload the MTA only when danemon's DANE gate passes for the
# new certificate; dehydrated passes deploy_cert DOMAIN KEYFILE CERTFILE FULLCHAINFILE
# CHAINFILE TIMESTAMP, which are handed on to danemon hook unchanged.
#
# Install: HOOK=/path/to/hook.sh in dehydrated's config (or dehydrated --hook /path/to/hook.sh).
# To chain with an existing hook script, call this one from it for deploy_cert.
#
# DANEMON_RELOAD_COMMAND overrides the reload command (default: systemctl reload postfix).
set -eu
case "${1:-}" in
deploy_cert)
    exec danemon hook --then "${DANEMON_RELOAD_COMMAND:-systemctl reload postfix}" -- "$@"
    ;;
*)
    # dehydrated asks hook scripts to ignore the hooks they do not handle.
    exit 0
    ;;
esac
