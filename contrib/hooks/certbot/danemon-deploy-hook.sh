#!/bin/sh
# certbot deploy hook: reload the MTA only when danemon's DANE gate passes for the renewed
# certificate. certbot sets RENEWED_LINEAGE and RENEWED_DOMAINS; danemon hook reads them.
#
# Install (runs for every lineage):
#   install -m 755 danemon-deploy-hook.sh /etc/letsencrypt/renewal-hooks/deploy/
# or for one lineage:
#   certbot renew --cert-name mx.example.org --deploy-hook /path/to/danemon-deploy-hook.sh
# Keep the key across renewals unless you roll it on purpose: certbot ... --reuse-key
#
# DANEMON_RELOAD_COMMAND overrides the reload command (default: systemctl reload postfix).
set -eu
exec danemon hook --then "${DANEMON_RELOAD_COMMAND:-systemctl reload postfix}"
