#!/bin/sh
# Runs once before Kibana and vigil start (docker-compose.yml, service elasticsearch-setup): sets
# the password Kibana connects with, and gives vigil a user that may only write its own data
# streams, so the elastic superuser's password never reaches vigil.
# Passwords go into JSON as they are: use letters and digits (docs/deploy.md).
set -eu
es=http://elasticsearch:9200

request() { # method path body
  curl -fsS -u "elastic:${ELASTIC_PASSWORD}" -X "$1" "$es$2" -H 'Content-Type: application/json' -d "$3"
  echo
}

until curl -fsS -o /dev/null -u "elastic:${ELASTIC_PASSWORD}" "$es/_cluster/health?wait_for_status=yellow&timeout=5s"; do
  echo "waiting for Elasticsearch"; sleep 3
done

request POST /_security/user/kibana_system/_password "{\"password\":\"${KIBANA_SYSTEM_PASSWORD}\"}"

# What vigil's Elasticsearch sink does: install its index template at start (manage_index_templates,
# monitor for the version check), then bulk-create into one data stream per dataset, logs-<dataset>-<namespace>
# (create_doc), which auto-creates each data stream (auto_configure).
request PUT /_security/role/vigil_writer '{
  "cluster": ["monitor", "manage_index_templates"],
  "indices": [{ "names": ["logs-alertmanager.alert-*", "logs-alertmanager.log-*", "logs-cef.log-*", "logs-falco.alerts-*", "logs-falco.log-*", "logs-json.log-*", "logs-k8s_audit.log-*", "logs-kubernetes.audit_logs-*", "logs-neuvector.activity-*", "logs-neuvector.audit-*", "logs-neuvector.event-*", "logs-neuvector.incident-*", "logs-neuvector.log-*", "logs-neuvector.threat-*", "logs-neuvector.violation-*", "logs-syslog.log-*"], "privileges": ["create_doc", "auto_configure", "view_index_metadata"] }]
}'
request PUT /_security/user/vigil "{\"password\":\"${VIGIL_ES_PASSWORD}\",\"roles\":[\"vigil_writer\"],\"full_name\":\"vigil event writer\"}"
echo "elasticsearch-setup: done"
