#!/bin/sh
# acme.sh --reloadcmd wrapper: reload the MTA only when danemon's DANE gate passes for the
# renewed certificate. acme.sh exports CERT_PATH, CERT_KEY_PATH, CA_CERT_PATH,
# CERT_FULLCHAIN_PATH and Le_Domain to the reload command; danemon hook reads them.
#
# Install:
#   acme.sh --install-cert -d mx.example.org \
#       --key-file /etc/postfix/mx.key --fullchain-file /etc/postfix/mx.pem \
#       --reloadcmd /path/to/danemon-reloadcmd.sh
#
# DANEMON_RELOAD_COMMAND overrides the reload command (default: systemctl reload postfix).
set -eu
exec danemon hook --then "${DANEMON_RELOAD_COMMAND:-systemctl reload postfix}"
