# What the services need to connect. API keys and secrets are sensitive: `terraform output -raw NAME` prints one,
# `terraform output` alone never shows them. See README.md for how each output maps to a service setting.

output "environment_id" {
  description = "Id of the Confluent Cloud environment (env-...)."
  value       = confluent_environment.this.id
}

output "kafka_cluster_id" {
  description = "Id of the Kafka cluster (lkc-...)."
  value       = confluent_kafka_cluster.this.id
}

output "kafka_bootstrap_servers" {
  description = "host:port of the cluster, without the SASL_SSL:// scheme: the value of ConnectionStrings__kafka for every service."
  value       = replace(confluent_kafka_cluster.this.bootstrap_endpoint, "SASL_SSL://", "")
}

output "kafka_rest_endpoint" {
  description = "REST endpoint of the cluster (for the Confluent CLI and Terraform; the services do not use it)."
  value       = confluent_kafka_cluster.this.rest_endpoint
}

output "service_account_ids" {
  description = "Service account id (sa-...) of each service, to find its ACLs: confluent kafka acl list --service-account ID."
  value = {
    ingest    = confluent_service_account.ingest.id
    aggregate = confluent_service_account.aggregate.id
    sink      = confluent_service_account.sink.id
  }
}

output "ingest_kafka_api_key" {
  description = "Kafka API key of Ingest.Service (SASL username)."
  value       = confluent_api_key.ingest.id
  sensitive   = true
}

output "ingest_kafka_api_secret" {
  description = "Kafka API secret of Ingest.Service (SASL password)."
  value       = confluent_api_key.ingest.secret
  sensitive   = true
}

output "aggregate_kafka_api_key" {
  description = "Kafka API key of Aggregate.Service (SASL username)."
  value       = confluent_api_key.aggregate.id
  sensitive   = true
}

output "aggregate_kafka_api_secret" {
  description = "Kafka API secret of Aggregate.Service (SASL password)."
  value       = confluent_api_key.aggregate.secret
  sensitive   = true
}

output "sink_kafka_api_key" {
  description = "Kafka API key of Sink.Service (SASL username)."
  value       = confluent_api_key.sink.id
  sensitive   = true
}

output "sink_kafka_api_secret" {
  description = "Kafka API secret of Sink.Service (SASL password)."
  value       = confluent_api_key.sink.secret
  sensitive   = true
}

# The same credentials as librdkafka client properties, one map per service: the generic form that any
# Kafka client setting section (e.g. Sink:Kafka:<property>) accepts.
output "kafka_client_properties" {
  description = "Per service: the librdkafka properties (bootstrap.servers, security.protocol, sasl.mechanisms, sasl.username, sasl.password) that connect it to the cluster."
  sensitive   = true
  value = {
    for service, key in {
      ingest    = confluent_api_key.ingest
      aggregate = confluent_api_key.aggregate
      sink      = confluent_api_key.sink
      } : service => {
      "bootstrap.servers" = replace(confluent_kafka_cluster.this.bootstrap_endpoint, "SASL_SSL://", "")
      "security.protocol" = "SASL_SSL"
      "sasl.mechanisms"   = "PLAIN"
      "sasl.username"     = key.id
      "sasl.password"     = key.secret
    }
  }
}
