#!/bin/sh
# lego hook: reload the MTA only when danemon's DANE gate passes for the certificate lego
# just obtained or renewed. lego v4 sets LEGO_CERT_PATH and LEGO_CERT_DOMAIN, lego v5
# LEGO_HOOK_CERT_PATH and LEGO_HOOK_CERT_DOMAINS; danemon hook reads either.
#
# Install:
#   lego ... run --run-hook /path/to/danemon-lego-hook.sh
#   lego ... renew --renew-hook /path/to/danemon-lego-hook.sh   (add --reuse-key to keep the key)
#
# DANEMON_RELOAD_COMMAND overrides the reload command (default: systemctl reload postfix).
set -eu
exec danemon hook --then "${DANEMON_RELOAD_COMMAND:-systemctl reload postfix}"
