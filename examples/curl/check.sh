#!/bin/sh
# Checks a book with a running `billcheck serve` using curl: the report JSON on
# stdout. BILLCHECK_URL (default http://127.0.0.1:8080) and BILLCHECK_TOKEN
# (sent as a Bearer token) say which service.
#   sh examples/curl/check.sh book.json
set -eu
book=$1
url=${BILLCHECK_URL:-http://127.0.0.1:8080}
type=application/json
case $(head -c 10 "$book") in LEDES1998B) type=text/plain ;; esac
exec curl --silent --show-error --fail-with-body \
  ${BILLCHECK_TOKEN:+-H "Authorization: Bearer $BILLCHECK_TOKEN"} \
  -H "Content-Type: $type" --data-binary @"$book" "$url/v1/check"
