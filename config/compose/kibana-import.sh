#!/bin/sh
# Runs once Kibana is up (docker-compose.yml, service kibana-import): imports every saved-objects
# file under /kibana (config/kibana) with overwrite, so a restart brings the shipped versions back.
set -eu
kibana=http://kibana:5601

until curl -fsS -u "elastic:${ELASTIC_PASSWORD}" "$kibana/api/status" | grep -q '"level":"available"'; do
  echo "waiting for Kibana"; sleep 5
done

for file in /kibana/*.ndjson; do
  answer=$(curl -sS -u "elastic:${ELASTIC_PASSWORD}" -X POST "$kibana/api/saved_objects/_import?overwrite=true" \
    -H 'kbn-xsrf: vigil' -F "file=@$file")
  case "$answer" in
    *'"success":true'*) echo "kibana-import: $file imported" ;;
    *) echo "kibana-import: $file failed: $answer" >&2; exit 1 ;;
  esac
done
