# What the sink needs to write to BigQuery. See README.md for how each output maps to a service setting.

output "project_id" {
  description = "Project of the dataset: Sink:BigQuery:ProjectId."
  value       = var.project_id
}

output "dataset_id" {
  description = "BigQuery dataset id: Sink:BigQuery:Dataset."
  value       = google_bigquery_dataset.volumes.dataset_id
}

output "dataset_location" {
  description = "BigQuery location of the dataset: jobs that touch it must run there."
  value       = google_bigquery_dataset.volumes.location
}

output "table_id" {
  description = "Table the sink writes, every version of every window: Sink:BigQuery:Table."
  value       = google_bigquery_table.versions.table_id
}

output "view_id" {
  description = "View readers query (latest version of every window)."
  value       = google_bigquery_table.latest.table_id
}

output "footprint_table_id" {
  description = "Table the sink writes every footprint version to: Sink:BigQuery:FootprintTable."
  value       = google_bigquery_table.footprint.table_id
}

output "footprint_view_id" {
  description = "View readers query (latest version of every footprint window)."
  value       = google_bigquery_table.footprint_latest.table_id
}

output "large_trades_table_id" {
  description = "Table the sink writes large trades to: Sink:BigQuery:LargeTradesTable."
  value       = google_bigquery_table.large_trades.table_id
}

output "sink_service_account_email" {
  description = "Email of the sink's service account: attach it to the sink's runtime, or impersonate it."
  value       = google_service_account.sink.email
}

output "sink_service_account_key_json" {
  description = "JSON key of the sink's service account (only when create_sink_service_account_key = true; else null). Write it to a file outside the repository and point GOOGLE_APPLICATION_CREDENTIALS at it."
  value       = var.create_sink_service_account_key ? base64decode(google_service_account_key.sink[0].private_key) : null
  sensitive   = true
}
